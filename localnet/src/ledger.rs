//! The cluster's state: the in-process bank, plus what a validator's RPC service keeps about
//! it — every processed transaction with its metadata, prioritisation fees per slot — and a
//! stream of changes for PubSub.
//!
//! One node, no forks: a transaction is final once processed, so every commitment level reads
//! the same bank. Commits and slot changes go one at a time (a slot change freezes the bank).

use crate::bank::LocalBank;
use perp_sdk::cluster::stubs::to_cluster_form;
use perp_sdk::{AccountFilter, Cluster, ClusterError, TxOutcome};
use solana_runtime::bank::Bank;
use solana_sdk::account::Account;
use solana_sdk::account::AccountSharedData;
use solana_sdk::clock::Clock;
use solana_sdk::clock::MAX_PROCESSING_AGE;
use solana_sdk::epoch_schedule::EpochSchedule;
use solana_sdk::hash::Hash;
use solana_sdk::message::SanitizedMessage;
use solana_sdk::message::{Message, VersionedMessage};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature};
use solana_sdk::signer::Signer;
use solana_sdk::transaction::TransactionVerificationMode;
use solana_sdk::transaction::{Transaction, TransactionError, VersionedTransaction};
use solana_svm::transaction_commit_result::CommittedTransaction;
use solana_svm::transaction_processor::ExecutionRecordingConfig;
use solana_svm_timings::ExecuteTimings;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex as StdMutex, RwLock};
use tokio::sync::{Mutex, broadcast};

/// Blockhashes stay valid for this many blocks; prioritisation fees are kept as long.
pub const MAX_RECENT_BLOCKS: usize = 150;
/// The largest airdrop one request may ask for (as `solana-test-validator`'s faucet).
pub const MAX_AIRDROP_LAMPORTS: u64 = 1_000 * 1_000_000_000;

/// A processed transaction, as `getTransaction` and `getSignatureStatuses` report it.
#[derive(Debug)]
pub struct TxRecord {
    pub slot: u64,
    pub block_time: i64,
    pub transaction: VersionedTransaction,
    pub err: Option<TransactionError>,
    pub fee: u64,
    pub pre_balances: Vec<u64>,
    pub post_balances: Vec<u64>,
    pub logs: Vec<String>,
    pub units: u64,
}

/// A simulated transaction's result.
#[derive(Debug, Clone)]
pub struct Simulation {
    pub err: Option<TransactionError>,
    pub logs: Vec<String>,
    pub units: u64,
    pub loaded_accounts_data_size: u32,
}

/// What PubSub subscribers are told about.
#[derive(Debug, Clone)]
pub enum Change {
    Slot {
        slot: u64,
    },
    /// These accounts may have changed (a transaction's writable keys, or a direct write).
    Accounts {
        slot: u64,
        keys: Arc<[Pubkey]>,
    },
    Signature {
        slot: u64,
        signature: Signature,
        err: Option<TransactionError>,
    },
}

/// A transaction the cluster did not execute (nothing committed, no fee charged).
#[derive(Debug, thiserror::Error)]
pub enum Rejected {
    #[error("transaction is malformed: {0}")]
    Malformed(String),
    #[error("transaction signature verification failure")]
    SignatureFailure,
    #[error("transaction simulation failed: {}", .0.err.as_ref().map(ToString::to_string).unwrap_or_default())]
    Preflight(Simulation),
    #[error("transaction was not executed: {0}")]
    NotExecuted(TransactionError),
}

/// A slot's bids, summarised as a validator's `PrioritizationFeeCache` keeps them: the lowest
/// compute-unit price (micro-lamports) of any transaction in the slot, and the lowest of those
/// writing each account. A query is then a few map lookups per slot, whatever the traffic (a scan
/// of every transaction's keys cost the exchange most of its time under a keeper's load).
#[derive(Default)]
struct SlotFees {
    slot: u64,
    lowest: Option<u64>,
    writers: HashMap<Pubkey, u64>,
}

impl SlotFees {
    fn record(&mut self, fee: u64, writable: &[Pubkey]) {
        self.lowest = Some(self.lowest.map_or(fee, |l| l.min(fee)));
        for key in writable {
            self.writers
                .entry(*key)
                .and_modify(|f| *f = (*f).min(fee))
                .or_insert(fee);
        }
    }

    /// What it took to land in this slot writing all of `accounts`: the slot's lowest bid, or
    /// the highest of the accounts' lowest bids when that is more (Agave's rule).
    fn to_write(&self, accounts: &[Pubkey]) -> u64 {
        accounts
            .iter()
            .filter_map(|k| self.writers.get(k))
            .fold(self.lowest.unwrap_or(0), |fee, f| fee.max(*f))
    }
}

pub struct Ledger {
    bank: LocalBank,
    commits: Mutex<()>,
    /// Program-account scans, one at a time (`program_accounts_now`).
    scans: Mutex<()>,
    /// Cluster time = wall time + this (a local cluster may start in the past; see `up`).
    clock_offset: AtomicI64,
    txs: RwLock<HashMap<Signature, Arc<TxRecord>>>,
    /// Each address's transactions, oldest first (for getSignaturesForAddress).
    by_address: RwLock<HashMap<Pubkey, Vec<Signature>>>,
    fees: StdMutex<VecDeque<SlotFees>>,
    changes: broadcast::Sender<(u64, Change)>,
    /// Changes sent so far; the last one's number (sent only under `commits`).
    changes_sent: AtomicU64,
    nonce: AtomicU64,
}

/// Unix time now.
pub fn wall_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The compute-unit price a transaction bids (ComputeBudget's `SetComputeUnitPrice`: tag 3, then
/// a little-endian u64), or 0.
fn priority_fee(message: &VersionedMessage) -> u64 {
    let keys = message.static_account_keys();
    message
        .instructions()
        .iter()
        .filter(|ix| {
            keys.get(usize::from(ix.program_id_index)) == Some(&solana_compute_budget_interface::ID)
        })
        .find_map(|ix| match ix.data.as_slice() {
            [3, rest @ ..] if rest.len() == 8 => {
                Some(u64::from_le_bytes(rest.try_into().unwrap_or_default()))
            }
            _ => None,
        })
        .unwrap_or(0)
}

/// The legacy form of a message without address lookups (for the bank's fee calculator).
fn legacy(message: &VersionedMessage) -> Option<Message> {
    match message {
        VersionedMessage::Legacy(m) => Some(m.clone()),
        VersionedMessage::V0(m) if m.address_table_lookups.is_empty() => Some(Message {
            header: m.header,
            account_keys: m.account_keys.clone(),
            recent_blockhash: m.recent_blockhash,
            instructions: m.instructions.clone(),
        }),
        VersionedMessage::V0(_) => None,
    }
}

fn writable_keys(message: &VersionedMessage) -> Vec<Pubkey> {
    message
        .static_account_keys()
        .iter()
        .enumerate()
        .filter(|(i, _)| message.is_maybe_writable(*i, None))
        .map(|(_, k)| *k)
        .collect()
}

impl Ledger {
    /// Starts the bank with the cluster clock `clock_offset` seconds from wall time.
    pub async fn start(clock_offset: i64) -> anyhow::Result<Arc<Self>> {
        let bank = LocalBank::start(wall_clock() + clock_offset).await?;
        let (changes, _) = broadcast::channel(4_096);
        Ok(Arc::new(Ledger {
            bank,
            commits: Mutex::new(()),
            scans: Mutex::new(()),
            clock_offset: AtomicI64::new(clock_offset),
            txs: RwLock::new(HashMap::new()),
            by_address: RwLock::new(HashMap::new()),
            fees: StdMutex::new(VecDeque::new()),
            changes,
            changes_sent: AtomicU64::new(0),
            nonce: AtomicU64::new(1),
        }))
    }

    /// The bank transactions execute in now.
    pub fn bank(&self) -> Arc<Bank> {
        self.bank.current()
    }

    /// Advances one slot, with the clock at wall time + offset.
    pub async fn tick(&self) -> Clock {
        let _commits = self.commits.lock().await;
        let now = wall_clock() + self.clock_offset.load(Ordering::Relaxed);
        let clock = self.bank.next_slot(now);
        {
            let mut fees = self.fees.lock().expect("fees");
            fees.push_back(SlotFees {
                slot: clock.slot,
                ..SlotFees::default()
            });
            while fees.len() > MAX_RECENT_BLOCKS {
                fees.pop_front();
            }
        }
        self.emit(Change::Slot { slot: clock.slot });
        clock
    }

    /// Moves the cluster clock to wall time + `offset` from the next slot on. The clock never
    /// goes back: a smaller offset than the current one is refused.
    pub fn set_clock_offset(&self, offset: i64) -> bool {
        self.clock_offset
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |now| {
                (offset >= now).then_some(offset)
            })
            .is_ok()
    }

    pub fn slot(&self) -> u64 {
        self.bank.settled(|b| b.slot())
    }

    pub fn block_height(&self) -> u64 {
        self.bank.settled(|b| b.block_height())
    }

    pub fn epoch_schedule(&self) -> EpochSchedule {
        self.bank().epoch_schedule().clone()
    }

    pub fn minimum_balance(&self, len: usize) -> u64 {
        self.bank().get_minimum_balance_for_rent_exemption(len)
    }

    pub fn transaction_count(&self) -> u64 {
        self.txs.read().expect("txs").len() as u64
    }

    /// The changes from now on, each with its number (1, 2, … in the order they happened).
    pub fn subscribe(&self) -> broadcast::Receiver<(u64, Change)> {
        self.changes.subscribe()
    }

    /// The number of the last change sent: a subscriber registered now is owed the changes
    /// numbered above it.
    pub fn changes_sent(&self) -> u64 {
        self.changes_sent.load(Ordering::Acquire)
    }

    /// Numbers and sends `change`; callers hold `commits`, so numbers follow the stream's order.
    fn emit(&self, change: Change) {
        let n = self.changes_sent.fetch_add(1, Ordering::AcqRel) + 1;
        let _ = self.changes.send((n, change));
    }

    /// The funded key that pays airdrops.
    pub fn faucet(&self) -> &Keypair {
        self.bank.faucet()
    }

    pub fn account_now(&self, key: &Pubkey) -> Option<Account> {
        self.bank().get_account(key).map(Account::from)
    }

    /// Every account `program` owns whose data passes `keep`, in address order. The filter runs
    /// on the stored account, so only what passes is copied. A scan walks every account of the
    /// bank (about 2 s at 100,000 margin accounts), so it runs off the async workers, one at a
    /// time: other requests are answered meanwhile, and scans queue instead of thrashing.
    pub async fn program_accounts_now(
        &self,
        program: &Pubkey,
        keep: impl Fn(&[u8]) -> bool + Send + 'static,
    ) -> Vec<(Pubkey, Account)> {
        let _one = self.scans.lock().await;
        let (bank, program) = (self.bank(), *program);
        tokio::task::spawn_blocking(move || Self::scan(&bank, &program, keep))
            .await
            .unwrap_or_default()
    }

    fn scan(bank: &Bank, program: &Pubkey, keep: impl Fn(&[u8]) -> bool) -> Vec<(Pubkey, Account)> {
        use solana_sdk::account::ReadableAccount;
        let scan = solana_accounts_db::accounts_index::ScanConfig::default();
        let mut out: Vec<(Pubkey, Account)> = bank
            .get_filtered_program_accounts(program, |a| keep(a.data()), &scan)
            // A scan fails only when aborted, which this one never is.
            .unwrap_or_default()
            .into_iter()
            .map(|(k, a)| (k, Account::from(a)))
            .collect();
        out.sort_unstable_by_key(|(k, _)| *k);
        out
    }

    /// Writes `account` at `key` outside any program (an oracle network's update) and tells
    /// subscribers.
    pub async fn set_account(&self, key: &Pubkey, account: Account) {
        let _commits = self.commits.lock().await;
        self.bank
            .set_account(key, &AccountSharedData::from(account));
        self.emit(Change::Accounts {
            slot: self.slot(),
            keys: Arc::from([*key]),
        });
    }

    /// Up to `limit` of `address`'s transactions, newest first, strictly older than `before`
    /// and newer than `until` when given.
    pub fn signatures_for(
        &self,
        address: &Pubkey,
        before: Option<&Signature>,
        until: Option<&Signature>,
        limit: usize,
    ) -> Vec<Arc<TxRecord>> {
        let by_address = self.by_address.read().expect("by address");
        let Some(all) = by_address.get(address) else {
            return Vec::new();
        };
        let end = before
            .and_then(|b| all.iter().position(|s| s == b))
            .unwrap_or(all.len());
        let start = until
            .and_then(|u| all[..end].iter().position(|s| s == u))
            .map_or(0, |i| i + 1);
        let txs = self.txs.read().expect("txs");
        all[start..end]
            .iter()
            .rev()
            .take(limit)
            .filter_map(|s| txs.get(s).cloned())
            .collect()
    }

    pub fn transaction(&self, signature: &Signature) -> Option<Arc<TxRecord>> {
        self.txs.read().expect("txs").get(signature).cloned()
    }

    /// Each recent slot's fee to land a transaction writing all of `accounts`
    /// (`SlotFees::to_write`; with no accounts, the slot's lowest bid); an empty slot reports 0.
    pub fn prioritization_fees(&self, accounts: &[Pubkey]) -> Vec<(u64, u64)> {
        let fees = self.fees.lock().expect("fees");
        fees.iter()
            .map(|s| (s.slot, s.to_write(accounts)))
            .collect()
    }

    /// The fee the bank charges for `message`, or `None` if its blockhash is unknown or expired.
    pub fn fee_for(&self, message: &VersionedMessage) -> Option<u64> {
        let message = legacy(message)?;
        self.bank.settled(|bank| {
            let message = SanitizedMessage::try_from_legacy_message(
                message,
                bank.get_reserved_account_keys(),
            )
            .ok()?;
            bank.get_fee_for_message(&message)
        })
    }

    /// Whether the bank would still accept a transaction with `blockhash`.
    pub fn blockhash_valid(&self, blockhash: &Hash) -> bool {
        self.bank.settled(|b| b.is_blockhash_valid(blockhash))
    }

    /// The latest blockhash and the last block height at which it is valid.
    pub fn latest_blockhash_info(&self) -> (Hash, u64) {
        self.bank.settled(|bank| {
            let hash = bank.last_blockhash();
            let last_valid = bank
                .get_blockhash_last_valid_block_height(&hash)
                .unwrap_or(bank.block_height() + MAX_RECENT_BLOCKS as u64);
            (hash, last_valid)
        })
    }

    /// Sanitizes `tx` against `bank` (and verifies its signatures when `verify`).
    fn sanitize(
        bank: &Bank,
        tx: VersionedTransaction,
        verify: bool,
    ) -> Result<
        solana_runtime_transaction::runtime_transaction::RuntimeTransaction<
            solana_sdk::transaction::SanitizedTransaction,
        >,
        Rejected,
    > {
        let mode = if verify {
            TransactionVerificationMode::FullVerification
        } else {
            TransactionVerificationMode::HashOnly
        };
        bank.verify_transaction(tx, mode).map_err(|e| match e {
            TransactionError::SignatureFailure => Rejected::SignatureFailure,
            other => Rejected::Malformed(other.to_string()),
        })
    }

    /// Runs `tx` without committing it; `verify` also checks its signatures.
    pub fn simulate(&self, tx: VersionedTransaction, verify: bool) -> Result<Simulation, Rejected> {
        let bank = self.bank();
        let tx = Self::sanitize(&bank, tx, verify)?;
        let sim = bank.simulate_transaction_unchecked(&tx, false);
        Ok(Simulation {
            err: sim.result.err(),
            logs: to_cluster_form(sim.logs),
            units: sim.units_consumed,
            loaded_accounts_data_size: sim.loaded_accounts_data_size,
        })
    }

    /// Executes and commits `tx` in `bank` as a validator's banking stage does, its accounts'
    /// balances before and after recorded by the runtime from the accounts it loads (not looked
    /// up again around it).
    fn execute(
        bank: &Bank,
        tx: VersionedTransaction,
    ) -> Result<(CommittedTransaction, Vec<u64>, Vec<u64>), TransactionError> {
        let batch = bank.prepare_entry_batch(vec![tx])?;
        let recording = ExecutionRecordingConfig {
            enable_cpi_recording: false,
            enable_log_recording: true,
            enable_return_data_recording: true,
            enable_transaction_balance_recording: true,
        };
        let (mut results, balances) = bank.load_execute_and_commit_transactions(
            &batch,
            MAX_PROCESSING_AGE,
            recording,
            &mut ExecuteTimings::default(),
            // The log limit `process_transaction_with_metadata` sets.
            Some(1_000_000),
        );
        let committed = results.pop().ok_or(TransactionError::SanitizeFailure)??;
        let (pre, post) = balances.map_or_else(Default::default, |b| {
            let (mut pre, mut post, _, _) = b.into_vecs();
            (
                pre.pop().unwrap_or_default(),
                post.pop().unwrap_or_default(),
            )
        });
        Ok((committed, pre, post))
    }

    /// Verifies, optionally simulates (`preflight`), then executes and commits `tx`. A failed
    /// execution is still committed (the fee is charged), as on any cluster.
    pub async fn process(
        &self,
        tx: VersionedTransaction,
        preflight: bool,
    ) -> Result<Arc<TxRecord>, Rejected> {
        // Signatures are checked before the commit lock, as a validator's signature stage
        // checks them before banking: nothing in them depends on the state, and inside the
        // lock they were a fifth of the time every commit waits for.
        Self::sanitize(&self.bank(), tx.clone(), true)?;
        let _commits = self.commits.lock().await;
        let bank = self.bank();
        if preflight {
            let sim = self.simulate(tx.clone(), false)?;
            if sim.err.is_some() {
                return Err(Rejected::Preflight(sim));
            }
        }
        let keys = tx.message.static_account_keys().to_vec();
        let (committed, pre_balances, post_balances) =
            Self::execute(&bank, tx.clone()).map_err(Rejected::NotExecuted)?;
        let slot = bank.slot();
        let signature = tx.signatures[0];
        let writable = writable_keys(&tx.message);
        let record = Arc::new(TxRecord {
            slot,
            block_time: bank.clock().unix_timestamp,
            err: committed.status.err(),
            fee: committed.fee_details.total_fee(),
            pre_balances,
            post_balances,
            logs: to_cluster_form(committed.log_messages.unwrap_or_default()),
            units: committed.executed_units,
            transaction: tx,
        });
        self.txs
            .write()
            .expect("txs")
            .insert(signature, record.clone());
        {
            let mut by_address = self.by_address.write().expect("by address");
            for key in &keys {
                by_address.entry(*key).or_default().push(signature);
            }
        }
        if let Some(s) = self.fees.lock().expect("fees").back_mut() {
            s.record(priority_fee(&record.transaction.message), &writable);
        }
        self.emit(Change::Accounts {
            slot,
            keys: writable.into(),
        });
        self.emit(Change::Signature {
            slot,
            signature,
            err: record.err.clone(),
        });
        Ok(record)
    }

    /// Sends `lamports` from the faucet to `to`.
    pub async fn airdrop(&self, to: &Pubkey, lamports: u64) -> Result<Signature, Rejected> {
        // A distinct compute-unit price keeps equal requests in one slot distinct transactions.
        let nonce = self.nonce.fetch_add(1, Ordering::Relaxed);
        let ixs = [
            solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_price(
                nonce,
            ),
            anchor_lang::solana_program::system_instruction::transfer(
                &self.faucet().pubkey(),
                to,
                lamports,
            ),
        ];
        let faucet = self.faucet();
        let tx = Transaction::new_signed_with_payer(
            &ixs,
            Some(&faucet.pubkey()),
            &[faucet],
            self.bank.settled(|b| b.last_blockhash()),
        );
        let record = self.process(tx.into(), false).await?;
        match &record.err {
            None => Ok(record.transaction.signatures[0]),
            Some(e) => Err(Rejected::NotExecuted(e.clone())),
        }
    }
}

fn outcome(
    tx: &Transaction,
    result: Result<Arc<TxRecord>, Rejected>,
) -> Result<TxOutcome, ClusterError> {
    match result {
        Ok(record) => Ok(TxOutcome {
            signature: tx.signatures[0],
            err: record.err.clone(),
            logs: record.logs.clone(),
            units: Some(record.units),
        }),
        Err(Rejected::NotExecuted(err)) => Ok(TxOutcome {
            signature: tx.signatures[0],
            err: Some(err),
            logs: Vec::new(),
            units: None,
        }),
        Err(other) => Err(ClusterError::Rpc {
            endpoint: "localnet".into(),
            message: other.to_string(),
        }),
    }
}

/// In-process clients (the oracle feeders, market makers, bootstrap in tests) go through the
/// same commit path as RPC clients, so subscribers see their changes too.
#[async_trait::async_trait]
impl Cluster for Ledger {
    fn endpoint(&self) -> &str {
        "localnet"
    }

    async fn account(&self, key: &Pubkey) -> Result<Option<Account>, ClusterError> {
        Ok(self.account_now(key))
    }

    async fn accounts(&self, keys: &[Pubkey]) -> Result<Vec<Option<Account>>, ClusterError> {
        let bank = self.bank();
        Ok(keys
            .iter()
            .map(|k| bank.get_account(k).map(Account::from))
            .collect())
    }

    async fn program_accounts(
        &self,
        program: &Pubkey,
        filters: &[AccountFilter],
    ) -> Result<Vec<(Pubkey, Account)>, ClusterError> {
        let filters = filters.to_vec();
        Ok(self
            .program_accounts_now(program, move |data| filters.iter().all(|f| f.matches(data)))
            .await)
    }

    async fn latest_blockhash(&self) -> Result<Hash, ClusterError> {
        Ok(self.bank.settled(|b| b.last_blockhash()))
    }

    async fn clock(&self) -> Result<Clock, ClusterError> {
        Ok(self.bank().clock())
    }

    async fn simulate(&self, tx: &Transaction) -> Result<TxOutcome, ClusterError> {
        match Ledger::simulate(self, tx.clone().into(), false) {
            Ok(sim) => Ok(TxOutcome {
                signature: tx.signatures[0],
                err: sim.err,
                logs: sim.logs,
                units: Some(sim.units),
            }),
            Err(e) => outcome(tx, Err(e)),
        }
    }

    async fn send(&self, tx: &Transaction) -> Result<TxOutcome, ClusterError> {
        outcome(tx, self.process(tx.clone().into(), false).await)
    }
}

#[cfg(test)]
mod tests {
    use super::SlotFees;
    use solana_sdk::pubkey::Pubkey;

    #[test]
    fn a_slot_prices_writing_accounts_as_a_validator_does() {
        let (hot, quiet, untouched) = (
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            Pubkey::new_unique(),
        );
        let mut slot = SlotFees::default();
        assert_eq!(slot.to_write(&[hot]), 0, "an empty slot asks nothing");
        slot.record(1_234, &[hot]);
        slot.record(5_000, &[hot]);
        // The slot's lowest bid is the floor for any account, touched or not.
        assert_eq!(slot.to_write(&[untouched]), 1_234);
        assert_eq!(slot.to_write(&[]), 1_234);
        slot.record(0, &[quiet]);
        assert_eq!(slot.to_write(&[untouched]), 0);
        assert_eq!(slot.to_write(&[]), 0);
        assert_eq!(slot.to_write(&[quiet]), 0);
        // An account's lowest bid, and the highest of several accounts'.
        assert_eq!(slot.to_write(&[hot]), 1_234);
        assert_eq!(slot.to_write(&[quiet, hot, untouched]), 1_234);
    }
}
