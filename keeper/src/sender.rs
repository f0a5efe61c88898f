//! Builds, simulates and sends the keeper's transactions.

use perp_sdk::{Cluster, ClusterError, TxOutcome};
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_sdk::instruction::Instruction;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use solana_sdk::transaction::{Transaction, TransactionError};
use std::sync::Arc;
use std::time::Duration;

/// Tries of one transaction refused for a transient reason.
const ATTEMPTS: u32 = 4;
const RETRY_PAUSE: Duration = Duration::from_millis(20);

/// Refusals that say nothing about the transaction itself: try again.
fn is_transient(outcome: &TxOutcome) -> bool {
    matches!(
        outcome.err,
        Some(TransactionError::AccountInUse | TransactionError::BlockhashNotFound)
    )
}

/// What became of a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// Simulation refused it; nothing was sent.
    Refused(TxOutcome),
    /// Sent and landed successfully.
    Landed(TxOutcome),
    /// Sent, and the cluster refused it (state changed between simulation and execution).
    Failed(TxOutcome),
}

impl Sent {
    pub fn outcome(&self) -> &TxOutcome {
        match self {
            Sent::Refused(o) | Sent::Landed(o) | Sent::Failed(o) => o,
        }
    }
}

#[derive(Clone)]
pub struct Sender {
    pub cluster: Arc<dyn Cluster>,
    pub signer: Arc<Keypair>,
    pub priority_fee_micro_lamports: u64,
}

impl Sender {
    fn transaction(&self, ixs: &[Instruction], blockhash: solana_sdk::hash::Hash) -> Transaction {
        let mut all = vec![ComputeBudgetInstruction::set_compute_unit_price(
            self.priority_fee_micro_lamports,
        )];
        all.extend_from_slice(ixs);
        let payer = self.signer.pubkey();
        Transaction::new_signed_with_payer(&all, Some(&payer), &[self.signer.as_ref()], blockhash)
    }

    /// Simulates `ixs` and sends them only if the simulation succeeds. A transaction refused
    /// for a transient reason — its accounts locked by a concurrent transaction, or its
    /// blockhash expired — is rebuilt and tried again, up to `ATTEMPTS` times.
    pub async fn simulate_and_send(&self, ixs: &[Instruction]) -> Result<Sent, ClusterError> {
        let mut attempt = 1;
        loop {
            let sent = self.try_once(ixs).await?;
            if attempt >= ATTEMPTS || !is_transient(sent.outcome()) {
                return Ok(sent);
            }
            attempt += 1;
            tokio::time::sleep(RETRY_PAUSE).await;
        }
    }

    async fn try_once(&self, ixs: &[Instruction]) -> Result<Sent, ClusterError> {
        let blockhash = self.cluster.latest_blockhash().await?;
        let tx = self.transaction(ixs, blockhash);
        let sim = self.cluster.simulate(&tx).await?;
        if sim.err.is_some() {
            return Ok(Sent::Refused(sim));
        }
        let out = self.cluster.send(&tx).await?;
        Ok(if out.err.is_none() {
            Sent::Landed(out)
        } else {
            Sent::Failed(out)
        })
    }
}
