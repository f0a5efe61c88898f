//! [`Cluster`] over Solana JSON-RPC with the official client (`solana-rpc-client`): works
//! against any RPC URL (mainnet, devnet, a local cluster).

use super::{AccountFilter, Cluster, ClusterError, TxOutcome, clock_from};
use async_trait::async_trait;
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::client_error::{Error as ClientError, ErrorKind};
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcSendTransactionConfig,
};
use solana_rpc_client_api::filter::{Memcmp, RpcFilterType};
use solana_rpc_client_api::request::{RpcError, RpcResponseErrorData};
use solana_rpc_client_api::response::RpcSimulateTransactionResult;
use solana_sdk::account::Account;
use solana_sdk::clock::Clock;
use solana_sdk::hash::Hash;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::transaction::{Transaction, TransactionError};
use std::time::Duration;

/// `getMultipleAccounts` takes at most this many keys per request.
const MAX_MULTIPLE_ACCOUNTS: usize = 100;
/// `getMultipleAccounts` requests in flight at once when reading many accounts.
const CONCURRENT_READS: usize = 4;

/// A listing (`getProgramAccounts`) may take this long at least: the node scans every account
/// of the program for it (about 2.5 s for 100,000 margin accounts on the local exchange, often
/// more on a provider), far longer than any other request a keeper makes.
const MIN_LISTING_TIMEOUT: Duration = Duration::from_secs(60);

/// How often a transaction sent without preflight is asked after until it is confirmed (the
/// local exchange has processed it before it answers, so the first answer has it; a validator
/// within a slot or two), and every how many of those asks whether its blockhash expired.
const STATUS_POLL: Duration = Duration::from_millis(200);
const EXPIRY_EVERY: u32 = 10;

pub struct RpcCluster {
    url: String,
    client: RpcClient,
    /// The same endpoint with `MIN_LISTING_TIMEOUT`, for listings: one that gives up before the
    /// node answers only makes it scan again.
    lister: RpcClient,
}

impl RpcCluster {
    /// A `sendTransaction` that did not land: refused in the node's preflight simulation (a
    /// normal outcome, with logs), or landed and failed; anything else is the endpoint's error.
    fn refusal(&self, tx: &Transaction, e: &ClientError) -> Result<TxOutcome, ClusterError> {
        match e.kind() {
            ErrorKind::RpcError(RpcError::RpcResponseError {
                data: RpcResponseErrorData::SendTransactionPreflightFailure(sim),
                ..
            }) => Ok(outcome_of(tx, sim.clone())),
            ErrorKind::TransactionError(err) => Ok(by_status(tx.signatures[0], Some(err.clone()))),
            _ => Err(self.error(e)),
        }
    }

    /// One `getMultipleAccounts` request.
    async fn read_chunk(&self, keys: Vec<Pubkey>) -> Result<Vec<Option<Account>>, ClusterError> {
        self.client
            .get_multiple_accounts(&keys)
            .await
            .map_err(|e| self.error(&e))
    }

    /// A client of `url` at `confirmed` commitment; each request gives up after `timeout`
    /// (a listing after `MIN_LISTING_TIMEOUT` at least).
    pub fn new(url: impl Into<String>, timeout: Duration) -> Self {
        let url = url.into();
        let with = |timeout| {
            RpcClient::new_with_timeout_and_commitment(
                url.clone(),
                timeout,
                CommitmentConfig::confirmed(),
            )
        };
        RpcCluster {
            client: with(timeout),
            lister: with(timeout.max(MIN_LISTING_TIMEOUT)),
            url,
        }
    }

    /// The underlying client, for calls the trait does not cover.
    pub fn client(&self) -> &RpcClient {
        &self.client
    }

    fn error(&self, e: &ClientError) -> ClusterError {
        let endpoint = self.url.clone();
        let message = e.to_string();
        match e.kind() {
            ErrorKind::RpcError(_) => ClusterError::Rpc { endpoint, message },
            _ => ClusterError::Transport { endpoint, message },
        }
    }
}

fn outcome_of(tx: &Transaction, sim: RpcSimulateTransactionResult) -> TxOutcome {
    TxOutcome {
        signature: tx.signatures[0],
        err: sim.err.map(TransactionError::from),
        logs: sim.logs.unwrap_or_default(),
        units: sim.units_consumed,
    }
}

#[async_trait]
impl Cluster for RpcCluster {
    fn endpoint(&self) -> &str {
        &self.url
    }

    async fn account(&self, key: &Pubkey) -> Result<Option<Account>, ClusterError> {
        let commitment = self.client.commitment();
        self.client
            .get_account_with_commitment(key, commitment)
            .await
            .map(|r| r.value)
            .map_err(|e| self.error(&e))
    }

    /// `MAX_MULTIPLE_ACCOUNTS` keys a request, `CONCURRENT_READS` requests at once (100,000
    /// accounts are 1,000 requests: one after another they outlast a keeper's pass).
    async fn accounts(&self, keys: &[Pubkey]) -> Result<Vec<Option<Account>>, ClusterError> {
        use futures::{StreamExt, TryStreamExt};
        let chunks: Vec<Vec<Pubkey>> = keys
            .chunks(MAX_MULTIPLE_ACCOUNTS)
            .map(<[Pubkey]>::to_vec)
            .collect();
        let read: Vec<Vec<Option<Account>>> = futures::stream::iter(chunks)
            .map(|chunk| self.read_chunk(chunk))
            .buffered(CONCURRENT_READS)
            .try_collect()
            .await?;
        Ok(read.into_iter().flatten().collect())
    }

    /// Lists the matching accounts by key first (a data slice of length 0: the answer stays
    /// small however many there are; providers cap one answer, the local exchange at 32 MiB:
    /// about 9,000 margin accounts with their data, 190,000 by key), then reads them. An
    /// account closed in between is left out.
    async fn program_accounts(
        &self,
        program: &Pubkey,
        filters: &[AccountFilter],
    ) -> Result<Vec<(Pubkey, Account)>, ClusterError> {
        let filters = rpc_filters(filters);
        let config = RpcProgramAccountsConfig {
            filters: Some(filters),
            account_config: RpcAccountInfoConfig {
                encoding: Some(solana_rpc_client_api::config::UiAccountEncoding::Base64),
                data_slice: Some(solana_rpc_client_api::config::UiDataSliceConfig {
                    offset: 0,
                    length: 0,
                }),
                commitment: Some(self.client.commitment()),
                ..RpcAccountInfoConfig::default()
            },
            ..RpcProgramAccountsConfig::default()
        };
        let keys: Vec<Pubkey> = self
            .lister
            .get_program_ui_accounts_with_config(program, config)
            .await
            .map_err(|e| self.error(&e))?
            .into_iter()
            .map(|(key, _)| key)
            .collect();
        let accounts = self.accounts(&keys).await?;
        Ok(keys
            .into_iter()
            .zip(accounts)
            .filter_map(|(key, account)| Some((key, account?)))
            .collect())
    }

    async fn latest_blockhash(&self) -> Result<Hash, ClusterError> {
        self.client
            .get_latest_blockhash()
            .await
            .map_err(|e| self.error(&e))
    }

    async fn clock(&self) -> Result<Clock, ClusterError> {
        let account = self
            .account(&solana_sdk::sysvar::clock::ID)
            .await?
            .ok_or_else(|| ClusterError::Rpc {
                endpoint: self.url.clone(),
                message: "no clock sysvar".into(),
            })?;
        clock_from(&account).ok_or_else(|| ClusterError::Rpc {
            endpoint: self.url.clone(),
            message: "clock sysvar does not decode".into(),
        })
    }

    async fn simulate(&self, tx: &Transaction) -> Result<TxOutcome, ClusterError> {
        let sim = self
            .client
            .simulate_transaction(tx)
            .await
            .map_err(|e| self.error(&e))?;
        Ok(outcome_of(tx, sim.value))
    }

    async fn prioritization_fees(&self, accounts: &[Pubkey]) -> Result<Vec<u64>, ClusterError> {
        let fees = self
            .client
            .get_recent_prioritization_fees(accounts)
            .await
            .map_err(|e| self.error(&e))?;
        Ok(fees.into_iter().map(|f| f.prioritization_fee).collect())
    }

    async fn send(&self, tx: &Transaction) -> Result<TxOutcome, ClusterError> {
        match self.client.send_and_confirm_transaction(tx).await {
            Ok(signature) => Ok(by_status(signature, None)),
            Err(e) => self.refusal(tx, &e),
        }
    }

    async fn send_simulated(&self, tx: &Transaction) -> Result<TxOutcome, ClusterError> {
        let config = RpcSendTransactionConfig {
            skip_preflight: true,
            ..RpcSendTransactionConfig::default()
        };
        let signature = match self.client.send_transaction_with_config(tx, config).await {
            Ok(signature) => signature,
            Err(e) => return self.refusal(tx, &e),
        };
        let status = async |commitment| {
            self.client
                .get_signature_status_with_commitment(&signature, commitment)
                .await
                .map_err(|e| self.error(&e))
        };
        let mut asked: u32 = 0;
        loop {
            asked = asked.wrapping_add(1);
            if let Some(result) = status(CommitmentConfig::confirmed()).await? {
                return Ok(by_status(signature, result.err()));
            }
            if asked % EXPIRY_EVERY == 0 {
                let valid = self
                    .client
                    .is_blockhash_valid(&tx.message.recent_blockhash, CommitmentConfig::processed())
                    .await
                    .map_err(|e| self.error(&e))?;
                if !valid {
                    // Expired, unless it was processed meanwhile (not yet confirmed).
                    let err = match status(CommitmentConfig::processed()).await? {
                        Some(result) => result.err(),
                        None => Some(TransactionError::BlockhashNotFound),
                    };
                    return Ok(by_status(signature, err));
                }
            }
            tokio::time::sleep(STATUS_POLL).await;
        }
    }
}

/// A sent transaction's outcome as its status reports it (no logs, no units): landed (`err`:
/// how it failed) or, with `BlockhashNotFound`, expired unprocessed.
fn by_status(
    signature: solana_sdk::signature::Signature,
    err: Option<TransactionError>,
) -> TxOutcome {
    TxOutcome {
        signature,
        err,
        logs: Vec::new(),
        units: None,
    }
}

/// `filters` as JSON-RPC `getProgramAccounts` / `programSubscribe` filters.
pub fn rpc_filters(filters: &[AccountFilter]) -> Vec<RpcFilterType> {
    filters
        .iter()
        .map(|f| match f {
            AccountFilter::DataSize(n) => RpcFilterType::DataSize(*n),
            AccountFilter::Memcmp { offset, bytes } => {
                RpcFilterType::Memcmp(Memcmp::new_raw_bytes(*offset, bytes.clone()))
            }
        })
        .collect()
}
