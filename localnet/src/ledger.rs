//! The cluster's state: the in-process bank, plus what a validator's RPC service keeps about
//! it — every processed transaction with its metadata, prioritisation fees per slot — and a
//! stream of changes for PubSub.
//!
//! One node, no forks: a transaction is final once processed, so every commitment level reads
//! the same bank. Commits and slot changes go one at a time (a slot change freezes the bank).

use perp_sdk::cluster::bank::{BankCluster, BanksClientError};
use perp_sdk::{AccountFilter, Cluster, ClusterError, TxOutcome};
use solana_sdk::account::Account;
use solana_sdk::clock::Clock;
use solana_sdk::epoch_schedule::EpochSchedule;
use solana_sdk::hash::Hash;
use solana_sdk::message::{Message, VersionedMessage};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature};
use solana_sdk::signer::Signer;
use solana_sdk::transaction::{Transaction, TransactionError, VersionedTransaction};
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
    #[error(transparent)]
    Cluster(#[from] ClusterError),
}

struct SlotFees {
    slot: u64,
    /// (micro-lamports per compute unit, writable keys) of each transaction in the slot.
    txs: Vec<(u64, Vec<Pubkey>)>,
}

pub struct Ledger {
    bank: BankCluster,
    commits: Mutex<()>,
    slot: AtomicU64,
    block_height: AtomicU64,
    /// Cluster time = wall time + this (a local cluster may start in the past; see `up`).
    clock_offset: AtomicI64,
    txs: RwLock<HashMap<Signature, Arc<TxRecord>>>,
    fees: StdMutex<VecDeque<SlotFees>>,
    changes: broadcast::Sender<Change>,
    faucet: Keypair,
    nonce: AtomicU64,
    epoch_schedule: EpochSchedule,
}

fn wall_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn transport(e: impl std::fmt::Display) -> ClusterError {
    ClusterError::Transport {
        endpoint: "bank".into(),
        message: e.to_string(),
    }
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
    pub async fn start(clock_offset: i64) -> Result<Arc<Self>, ClusterError> {
        let bank = BankCluster::start().await;
        let faucet = bank.payer().insecure_clone();
        let epoch_schedule: EpochSchedule = bank.banks().get_sysvar().await.map_err(transport)?;
        let (changes, _) = broadcast::channel(4_096);
        let ledger = Arc::new(Ledger {
            bank,
            commits: Mutex::new(()),
            slot: AtomicU64::new(0),
            block_height: AtomicU64::new(0),
            clock_offset: AtomicI64::new(clock_offset),
            txs: RwLock::new(HashMap::new()),
            fees: StdMutex::new(VecDeque::new()),
            changes,
            faucet,
            nonce: AtomicU64::new(1),
            epoch_schedule,
        });
        ledger.bank.remember([ledger.faucet.pubkey()]);
        ledger.tick().await?;
        Ok(ledger)
    }

    /// Advances one slot, with the clock at wall time + offset.
    pub async fn tick(&self) -> Result<Clock, ClusterError> {
        let _commits = self.commits.lock().await;
        let now = wall_clock() + self.clock_offset.load(Ordering::Relaxed);
        let clock = self.bank.next_slot(now).await?;
        let height = self
            .bank
            .banks()
            .get_root_block_height()
            .await
            .map_err(transport)?;
        self.slot.store(clock.slot, Ordering::Release);
        self.block_height.store(height, Ordering::Release);
        {
            let mut fees = self.fees.lock().expect("fees");
            fees.push_back(SlotFees {
                slot: clock.slot,
                txs: Vec::new(),
            });
            while fees.len() > MAX_RECENT_BLOCKS {
                fees.pop_front();
            }
        }
        let _ = self.changes.send(Change::Slot { slot: clock.slot });
        Ok(clock)
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
        self.slot.load(Ordering::Acquire)
    }

    pub fn block_height(&self) -> u64 {
        self.block_height.load(Ordering::Acquire)
    }

    pub fn epoch_schedule(&self) -> &EpochSchedule {
        &self.epoch_schedule
    }

    pub fn transaction_count(&self) -> u64 {
        self.txs.read().expect("txs").len() as u64
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.changes.subscribe()
    }

    pub fn bank(&self) -> &BankCluster {
        &self.bank
    }

    /// The funded key that pays airdrops.
    pub fn faucet(&self) -> &Keypair {
        &self.faucet
    }

    /// Every address the cluster has seen (what `getProgramAccounts` looks through).
    pub fn known_accounts(&self) -> Vec<Pubkey> {
        self.bank.known()
    }

    /// Writes `account` at `key` outside any program (an oracle network's update) and tells
    /// subscribers.
    pub async fn set_account(&self, key: &Pubkey, account: Account) {
        let _commits = self.commits.lock().await;
        self.bank.set_account(key, account).await;
        let _ = self.changes.send(Change::Accounts {
            slot: self.slot(),
            keys: Arc::from([*key]),
        });
    }

    pub fn transaction(&self, signature: &Signature) -> Option<Arc<TxRecord>> {
        self.txs.read().expect("txs").get(signature).cloned()
    }

    /// Lowest compute-unit price bid in each recent slot by transactions writing any of
    /// `accounts` (any transaction when empty); slots without one report 0.
    pub fn prioritization_fees(&self, accounts: &[Pubkey]) -> Vec<(u64, u64)> {
        let fees = self.fees.lock().expect("fees");
        fees.iter()
            .map(|s| {
                let fee = s
                    .txs
                    .iter()
                    .filter(|(_, keys)| {
                        accounts.is_empty() || keys.iter().any(|k| accounts.contains(k))
                    })
                    .map(|(fee, _)| *fee)
                    .min()
                    .unwrap_or(0);
                (s.slot, fee)
            })
            .collect()
    }

    /// The fee the bank charges for `message`, or `None` if its blockhash is unknown or expired.
    pub async fn fee_for(&self, message: &VersionedMessage) -> Result<Option<u64>, ClusterError> {
        let Some(message) = legacy(message) else {
            return Ok(None);
        };
        self.bank
            .banks()
            .get_fee_for_message(message)
            .await
            .map_err(transport)
    }

    /// Whether the bank would still accept a transaction with `blockhash` (asked of the bank's
    /// own blockhash queue through its fee calculator).
    pub async fn blockhash_valid(&self, blockhash: &Hash) -> Result<bool, ClusterError> {
        let probe = Message::new_with_blockhash(&[], Some(&self.faucet.pubkey()), blockhash);
        Ok(self
            .fee_for(&VersionedMessage::Legacy(probe))
            .await?
            .is_some())
    }

    /// The latest blockhash and the last block height at which it is valid.
    pub async fn latest_blockhash_info(&self) -> Result<(Hash, u64), ClusterError> {
        let hash = self.bank.latest_blockhash().await?;
        Ok((hash, self.block_height() + MAX_RECENT_BLOCKS as u64))
    }

    fn check(tx: &VersionedTransaction) -> Result<(), Rejected> {
        tx.sanitize()
            .map_err(|e| Rejected::Malformed(e.to_string()))?;
        if !tx.verify_with_results().into_iter().all(|ok| ok) {
            return Err(Rejected::SignatureFailure);
        }
        Ok(())
    }

    /// Runs `tx` without committing it; `verify` also checks its signatures.
    pub async fn simulate(
        &self,
        tx: VersionedTransaction,
        verify: bool,
    ) -> Result<Simulation, Rejected> {
        if verify {
            Self::check(&tx)?;
        } else {
            tx.sanitize()
                .map_err(|e| Rejected::Malformed(e.to_string()))?;
        }
        self.bank
            .remember(tx.message.static_account_keys().iter().copied());
        let sim = self
            .bank
            .banks()
            .simulate_transaction(tx)
            .await
            .map_err(transport)?;
        let details = sim.simulation_details;
        Ok(Simulation {
            err: sim.result.and_then(Result::err),
            logs: details.as_ref().map(|d| d.logs.clone()).unwrap_or_default(),
            units: details.as_ref().map_or(0, |d| d.units_consumed),
            loaded_accounts_data_size: details.map_or(0, |d| d.loaded_accounts_data_size),
        })
    }

    async fn balances(&self, keys: &[Pubkey]) -> Result<Vec<u64>, ClusterError> {
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            out.push(
                self.bank
                    .banks()
                    .get_balance(*key)
                    .await
                    .map_err(transport)?,
            );
        }
        Ok(out)
    }

    /// Verifies, optionally simulates (`preflight`), then executes and commits `tx`. A failed
    /// execution is still committed (the fee is charged), as on any cluster.
    pub async fn process(
        &self,
        tx: VersionedTransaction,
        preflight: bool,
    ) -> Result<Arc<TxRecord>, Rejected> {
        Self::check(&tx)?;
        let _commits = self.commits.lock().await;
        if preflight {
            let sim = self.simulate(tx.clone(), false).await?;
            if sim.err.is_some() {
                return Err(Rejected::Preflight(sim));
            }
        }
        let keys = tx.message.static_account_keys().to_vec();
        self.bank.remember(keys.iter().copied());
        let fee = self.fee_for(&tx.message).await?.unwrap_or(0);
        let pre_balances = self.balances(&keys).await?;
        let out = match self
            .bank
            .banks()
            .process_transaction_with_metadata(tx.clone())
            .await
        {
            Ok(out) => out,
            Err(BanksClientError::TransactionError(e)) => {
                return Err(Rejected::NotExecuted(e));
            }
            Err(e) => return Err(transport(e).into()),
        };
        let Some(metadata) = out.metadata else {
            return Err(Rejected::NotExecuted(
                out.result
                    .err()
                    .unwrap_or(TransactionError::AccountNotFound),
            ));
        };
        let post_balances = self.balances(&keys).await?;
        let slot = self.slot();
        let signature = tx.signatures[0];
        let writable = writable_keys(&tx.message);
        let record = Arc::new(TxRecord {
            slot,
            block_time: wall_clock() + self.clock_offset.load(Ordering::Relaxed),
            err: out.result.err(),
            fee,
            pre_balances,
            post_balances,
            logs: metadata.log_messages,
            units: metadata.compute_units_consumed,
            transaction: tx,
        });
        self.txs
            .write()
            .expect("txs")
            .insert(signature, record.clone());
        if let Some(s) = self.fees.lock().expect("fees").back_mut() {
            s.txs
                .push((priority_fee(&record.transaction.message), writable.clone()));
        }
        let _ = self.changes.send(Change::Accounts {
            slot,
            keys: writable.into(),
        });
        let _ = self.changes.send(Change::Signature {
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
                &self.faucet.pubkey(),
                to,
                lamports,
            ),
        ];
        let blockhash = self.bank.latest_blockhash().await?;
        let tx = Transaction::new_signed_with_payer(
            &ixs,
            Some(&self.faucet.pubkey()),
            &[&self.faucet],
            blockhash,
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
        Err(Rejected::Cluster(e)) => Err(e),
        Err(Rejected::NotExecuted(err)) => Ok(TxOutcome {
            signature: tx.signatures[0],
            err: Some(err),
            logs: Vec::new(),
            units: None,
        }),
        Err(other) => Err(ClusterError::Rpc {
            endpoint: "bank".into(),
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
        self.bank.account(key).await
    }

    async fn accounts(&self, keys: &[Pubkey]) -> Result<Vec<Option<Account>>, ClusterError> {
        self.bank.accounts(keys).await
    }

    async fn program_accounts(
        &self,
        program: &Pubkey,
        filters: &[AccountFilter],
    ) -> Result<Vec<(Pubkey, Account)>, ClusterError> {
        self.bank.program_accounts(program, filters).await
    }

    async fn latest_blockhash(&self) -> Result<Hash, ClusterError> {
        self.bank.latest_blockhash().await
    }

    async fn clock(&self) -> Result<Clock, ClusterError> {
        self.bank.clock().await
    }

    async fn simulate(&self, tx: &Transaction) -> Result<TxOutcome, ClusterError> {
        match self.simulate(tx.clone().into(), false).await {
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
