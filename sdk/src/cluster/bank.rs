//! [`Cluster`] over an in-process bank: `solana-program-test` running the perp program natively
//! and the real SPL Token / Associated Token programs in the VM. For tests and the scenario
//! runner, which also drive the clock and play the oracle networks (`advance`, `set_account`).
//!
//! program-test cannot list accounts, so `program_accounts` answers from the set of addresses
//! this bank has seen in transactions and writes — every account of a bank whose transactions
//! all go through here.

// program-test 3.x marks its whole API as "unstable" (a warning, not a change of behaviour).
#![allow(deprecated)]

use super::{AccountFilter, Cluster, ClusterError, TxOutcome};
use async_trait::async_trait;
use solana_program_test::{BanksClient, BanksClientError, ProgramTest, ProgramTestContext};
use solana_sdk::account::{Account, AccountSharedData};
use solana_sdk::account_info::AccountInfo;
use solana_sdk::clock::Clock;
use solana_sdk::entrypoint::ProgramResult;
use solana_sdk::hash::Hash;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::transaction::Transaction;
use std::collections::BTreeSet;
use std::sync::Mutex as SyncMutex;
use tokio::sync::Mutex;

/// Runs Anchor's generated entrypoint natively. `entry` wants one lifetime for all three
/// borrows; they all point into the same parameter buffer, so unifying them is sound.
pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let accounts: &[AccountInfo] = unsafe { std::mem::transmute(accounts) };
    perp::entry(program_id, accounts, data)
}

/// A `ProgramTest` with the perp program registered (native) and SPL Token bundled.
pub fn program_test() -> ProgramTest {
    ProgramTest::new("perp", perp::ID, solana_program_test::processor!(process))
}

/// Slots per second of the clock `advance` moves (Solana's 400 ms slots).
const SLOTS_PER_SEC_X2: u64 = 5;

pub struct BankCluster {
    ctx: Mutex<ProgramTestContext>,
    banks: BanksClient,
    payer: Keypair,
    known: SyncMutex<BTreeSet<Pubkey>>,
    /// Sends execute one at a time, in the order they came (the lock is fair). The banks
    /// server runs concurrent transactions in parallel and refuses one whose accounts another
    /// holds (`AccountInUse`), where a validator's scheduler queues it: under many concurrent
    /// sends on one market (a keeper's 32 liquidations in flight), a sender could be refused
    /// through all its retries. Conflicting transactions run one after another on a leader too.
    sending: Mutex<()>,
}

fn transport(e: impl std::fmt::Display) -> ClusterError {
    ClusterError::Transport {
        endpoint: "bank".into(),
        message: e.to_string(),
    }
}

impl BankCluster {
    /// Starts a bank with the perp program. Program logs are kept quiet unless `RUST_LOG` asks.
    pub async fn start() -> Self {
        Self::start_with(program_test()).await
    }

    /// Starts `pt` (a `ProgramTest` that registers the perp program, e.g. with extra accounts).
    pub async fn start_with(pt: ProgramTest) -> Self {
        agave_logger::setup_with_default("error");
        let ctx = pt.start_with_context().await;
        super::stubs::route_events_to_logs();
        let payer = ctx.payer.insecure_clone();
        let banks = ctx.banks_client.clone();
        BankCluster {
            ctx: Mutex::new(ctx),
            banks,
            payer,
            known: SyncMutex::new(BTreeSet::new()),
            sending: Mutex::new(()),
        }
    }

    /// The bank's funded fee payer.
    pub fn payer(&self) -> &Keypair {
        &self.payer
    }

    fn remember(&self, keys: impl IntoIterator<Item = Pubkey>) {
        self.known.lock().expect("known keys").extend(keys);
    }

    /// Writes `account` at `key` (e.g. an oracle update), bypassing the programs.
    pub async fn set_account(&self, key: &Pubkey, account: Account) {
        self.remember([*key]);
        let data = AccountSharedData::from(account);
        self.ctx.lock().await.set_account(key, &data);
    }

    /// Moves the clock forward by `seconds` and the slot by as many 400 ms slots (at least
    /// one): a new bank, so a new blockhash, as on a live cluster.
    pub async fn advance(&self, seconds: i64) -> Result<Clock, ClusterError> {
        let mut ctx = self.ctx.lock().await;
        let before: Clock = self.banks.get_sysvar().await.map_err(transport)?;
        let slots = (seconds.max(0) as u64 * SLOTS_PER_SEC_X2 / 2).max(1);
        ctx.warp_to_slot(before.slot + slots)
            .map_err(|e| transport(format!("{e:?}")))?;
        let mut clock: Clock = self.banks.get_sysvar().await.map_err(transport)?;
        clock.unix_timestamp = before.unix_timestamp + seconds;
        ctx.set_sysvar(&clock);
        ctx.last_blockhash = self.banks.get_latest_blockhash().await.map_err(transport)?;
        Ok(clock)
    }

    /// Sets the clock's unix time without moving the slot (for jumps a test wants exact).
    pub async fn set_unix_time(&self, unix_timestamp: i64) -> Result<Clock, ClusterError> {
        let ctx = self.ctx.lock().await;
        let mut clock: Clock = self.banks.get_sysvar().await.map_err(transport)?;
        clock.unix_timestamp = unix_timestamp;
        ctx.set_sysvar(&clock);
        Ok(clock)
    }
}

fn outcome(
    tx: &Transaction,
    result: Option<Result<(), solana_sdk::transaction::TransactionError>>,
    logs: Vec<String>,
    units: Option<u64>,
) -> TxOutcome {
    TxOutcome {
        signature: tx.signatures[0],
        err: result.and_then(Result::err),
        logs,
        units,
    }
}

#[async_trait]
impl Cluster for BankCluster {
    fn endpoint(&self) -> &str {
        "bank"
    }

    async fn account(&self, key: &Pubkey) -> Result<Option<Account>, ClusterError> {
        self.banks.get_account(*key).await.map_err(transport)
    }

    async fn accounts(&self, keys: &[Pubkey]) -> Result<Vec<Option<Account>>, ClusterError> {
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            out.push(self.account(key).await?);
        }
        Ok(out)
    }

    async fn program_accounts(
        &self,
        program: &Pubkey,
        filters: &[AccountFilter],
    ) -> Result<Vec<(Pubkey, Account)>, ClusterError> {
        let keys: Vec<Pubkey> = self
            .known
            .lock()
            .expect("known keys")
            .iter()
            .copied()
            .collect();
        let mut out = Vec::new();
        for key in keys {
            if let Some(account) = self.account(&key).await?
                && account.owner == *program
                && filters.iter().all(|f| f.matches(&account.data))
            {
                out.push((key, account));
            }
        }
        Ok(out)
    }

    async fn latest_blockhash(&self) -> Result<Hash, ClusterError> {
        self.banks.get_latest_blockhash().await.map_err(transport)
    }

    async fn clock(&self) -> Result<Clock, ClusterError> {
        self.banks.get_sysvar().await.map_err(transport)
    }

    async fn simulate(&self, tx: &Transaction) -> Result<TxOutcome, ClusterError> {
        self.remember(tx.message.account_keys.iter().copied());
        let sim = self
            .banks
            .simulate_transaction(tx.clone())
            .await
            .map_err(transport)?;
        let details = sim.simulation_details;
        let units = details.as_ref().map(|d| d.units_consumed);
        let logs = super::stubs::to_cluster_form(details.map(|d| d.logs).unwrap_or_default());
        Ok(outcome(tx, sim.result, logs, units))
    }

    async fn send(&self, tx: &Transaction) -> Result<TxOutcome, ClusterError> {
        self.remember(tx.message.account_keys.iter().copied());
        let turn = self.sending.lock().await;
        let processed = self
            .banks
            .process_transaction_with_metadata(tx.clone())
            .await;
        drop(turn);
        let out = match processed {
            Ok(out) => out,
            Err(BanksClientError::TransactionError(err)) => {
                return Ok(outcome(tx, Some(Err(err)), Vec::new(), None));
            }
            Err(e) => return Err(transport(e)),
        };
        let logs = super::stubs::to_cluster_form(
            out.metadata
                .as_ref()
                .map(|m| m.log_messages.clone())
                .unwrap_or_default(),
        );
        let units = out.metadata.map(|m| m.compute_units_consumed);
        Ok(outcome(tx, Some(out.result), logs, units))
    }
}
