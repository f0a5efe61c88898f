//! One interface to a Solana cluster, so keepers, scenario runners and tests run the same code
//! against any JSON-RPC endpoint ([`rpc::RpcCluster`]) or an in-process bank
//! ([`bank::BankCluster`], feature `bank`).
//!
//! Errors are split the way a client must act on them: a [`ClusterError`] means the endpoint
//! could not answer (try another one, back off), while a transaction the cluster executed and
//! refused is a normal [`TxOutcome`] carrying its error and logs.

pub mod listing;
pub mod rpc;

#[cfg(feature = "bank")]
pub mod bank;
#[cfg(feature = "bank")]
pub mod stubs;

use async_trait::async_trait;
use solana_sdk::account::Account;
use solana_sdk::clock::Clock;
use solana_sdk::hash::Hash;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signature;
use solana_sdk::transaction::{Transaction, TransactionError};

/// The endpoint could not give an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClusterError {
    /// Unreachable, timed out, or answered with something that is not a response.
    #[error("{endpoint}: transport: {message}")]
    Transport { endpoint: String, message: String },
    /// Answered with an RPC error (rate limit, unhealthy node, bad request).
    #[error("{endpoint}: rpc: {message}")]
    Rpc { endpoint: String, message: String },
}

/// A `getProgramAccounts` filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountFilter {
    /// The account data is exactly this long.
    DataSize(u64),
    /// The account data holds `bytes` at `offset`.
    Memcmp { offset: usize, bytes: Vec<u8> },
}

impl AccountFilter {
    /// Whether `data` passes.
    pub fn matches(&self, data: &[u8]) -> bool {
        match self {
            AccountFilter::DataSize(n) => data.len() as u64 == *n,
            AccountFilter::Memcmp { offset, bytes } => data
                .get(*offset..offset.saturating_add(bytes.len()))
                .is_some_and(|d| d == bytes.as_slice()),
        }
    }
}

/// What happened to a transaction the cluster executed (or simulated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxOutcome {
    pub signature: Signature,
    /// `None`: it succeeded.
    pub err: Option<TransactionError>,
    pub logs: Vec<String>,
    /// Compute units, when the cluster meters them (a native program is not metered).
    pub units: Option<u64>,
}

impl TxOutcome {
    /// The program's custom error code, if the transaction failed with one.
    pub fn custom_error(&self) -> Option<u32> {
        match &self.err {
            Some(TransactionError::InstructionError(
                _,
                solana_sdk::instruction::InstructionError::Custom(code),
            )) => Some(*code),
            _ => None,
        }
    }
}

#[async_trait]
pub trait Cluster: Send + Sync {
    /// A short name for logs and metrics (the URL for RPC).
    fn endpoint(&self) -> &str;
    async fn account(&self, key: &Pubkey) -> Result<Option<Account>, ClusterError>;
    async fn accounts(&self, keys: &[Pubkey]) -> Result<Vec<Option<Account>>, ClusterError>;
    /// Accounts owned by `program` passing every filter.
    async fn program_accounts(
        &self,
        program: &Pubkey,
        filters: &[AccountFilter],
    ) -> Result<Vec<(Pubkey, Account)>, ClusterError>;
    async fn latest_blockhash(&self) -> Result<Hash, ClusterError>;
    /// The cluster's clock sysvar (what programs see).
    async fn clock(&self) -> Result<Clock, ClusterError>;
    /// Runs `tx` without committing it.
    async fn simulate(&self, tx: &Transaction) -> Result<TxOutcome, ClusterError>;
    /// `simulate`, where an answer `good` rejects may be checked elsewhere: a cluster of
    /// several endpoints asks a second one, and a good answer from it stands (one endpoint's
    /// word alone must not keep a keeper from acting). One endpoint: its answer.
    async fn simulate_until(
        &self,
        tx: &Transaction,
        _good: &(dyn for<'o> Fn(&'o TxOutcome) -> bool + Sync),
    ) -> Result<TxOutcome, ClusterError> {
        self.simulate(tx).await
    }
    /// Sends `tx` and waits until it is confirmed or refused.
    async fn send(&self, tx: &Transaction) -> Result<TxOutcome, ClusterError>;
    /// `send` for a transaction its sender has just simulated: an RPC node skips its own
    /// preflight simulation (a second run of the same transaction before the real one). A
    /// transaction that fails then lands as failed, with its fee, instead of being refused.
    async fn send_simulated(&self, tx: &Transaction) -> Result<TxOutcome, ClusterError> {
        self.send(tx).await
    }
    /// The priority fees (micro-lamports per compute unit) recent slots paid to write
    /// `accounts` (`getRecentPrioritizationFees`); none where the cluster keeps no such record.
    async fn prioritization_fees(&self, _accounts: &[Pubkey]) -> Result<Vec<u64>, ClusterError> {
        Ok(Vec::new())
    }
}

/// Decodes the clock sysvar account.
pub(crate) fn clock_from(account: &Account) -> Option<Clock> {
    solana_sdk::account::from_account(account)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_match_exact_bytes_and_sizes() {
        let data = [1u8, 2, 3, 4];
        assert!(AccountFilter::DataSize(4).matches(&data));
        assert!(!AccountFilter::DataSize(3).matches(&data));
        let memcmp = |offset, bytes: &[u8]| AccountFilter::Memcmp {
            offset,
            bytes: bytes.to_vec(),
        };
        assert!(memcmp(1, &[2, 3]).matches(&data));
        assert!(!memcmp(1, &[2, 4]).matches(&data));
        // Past the end never matches (and never panics).
        assert!(!memcmp(3, &[4, 5]).matches(&data));
        assert!(!memcmp(usize::MAX, &[1]).matches(&data));
    }
}
