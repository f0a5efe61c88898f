//! Builds, simulates and sends the keeper's transactions, priced like a professional keeper's:
//! the priority fee is a percentile of what recent slots paid to write the same accounts
//! (`getRecentPrioritizationFees`), kept between a floor and a ceiling; the compute-unit limit
//! is what the simulation used plus a margin, or the transaction kind's own fallback where the
//! cluster does not meter (a native program).

use perp_sdk::{Cluster, ClusterError, TxOutcome};
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signature::Signature;
use solana_sdk::signer::Signer;
use solana_sdk::transaction::{Transaction, TransactionError};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Tries of one transaction refused for a transient reason, pausing twice as long each time
/// from `RETRY_PAUSE` up to `MAX_RETRY_PAUSE` (about 3.7 s in all: transactions sent together
/// by one keeper, or by keepers side by side, all write the market, so a bank that executes
/// them side by side locks some out for a moment, longer on a loaded machine).
const ATTEMPTS: u32 = 10;
const RETRY_PAUSE: Duration = Duration::from_millis(20);
const MAX_RETRY_PAUSE: Duration = Duration::from_millis(640);

/// A blockhash is reused this long, and a recent-fee answer about the same accounts as long: one
/// slot, over which the blockhash stays the same and the answer (about finished slots) barely
/// moves. A keeper sending hundreds of liquidations a second asks once a slot, not twice a
/// transaction.
const REUSE: Duration = Duration::from_millis(400);

/// Refusals that say nothing about the transaction itself: try again.
pub(crate) fn is_transient(outcome: &TxOutcome) -> bool {
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

/// A transaction's most compute units.
pub const MAX_COMPUTE_UNITS: u32 = 1_400_000;

/// How the priority fee is chosen, micro-lamports per compute unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeePolicy {
    pub floor: u64,
    pub ceiling: u64,
    /// The percentile (0–100) of recent fees paid on the same accounts.
    pub percentile: u8,
}

impl FeePolicy {
    /// Always `fee` (no fee query).
    pub const fn fixed(fee: u64) -> Self {
        FeePolicy {
            floor: fee,
            ceiling: fee,
            percentile: 0,
        }
    }

    /// The fee to pay given what recent slots paid (nearest-rank percentile), within the
    /// floor and the ceiling.
    pub fn price(&self, mut recent: Vec<u64>) -> u64 {
        recent.sort_unstable();
        let at = (recent.len() * usize::from(self.percentile.min(100))).div_ceil(100);
        let paid = recent.get(at.saturating_sub(1)).copied().unwrap_or(0);
        paid.clamp(self.floor, self.ceiling.max(self.floor))
    }
}

/// The accounts `ixs` write, each once (what a priority fee competes for).
fn writable(ixs: &[Instruction]) -> Vec<Pubkey> {
    let mut keys: Vec<Pubkey> = Vec::new();
    for meta in ixs.iter().flat_map(|ix| ix.accounts.iter()) {
        if meta.is_writable && !keys.contains(&meta.pubkey) {
            keys.push(meta.pubkey);
        }
    }
    keys
}

/// What the cluster said recently, reused for `REUSE`.
#[derive(Default)]
struct Recent {
    blockhash: Option<(Instant, solana_sdk::hash::Hash)>,
    /// By the (sorted) accounts asked about.
    fees: HashMap<Vec<Pubkey>, (Instant, Vec<u64>)>,
    /// The signatures built on each of the last `BLOCKHASHES_REMEMBERED` blockhashes
    /// (`Sender::distinct`), oldest first.
    built: VecDeque<(solana_sdk::hash::Hash, HashSet<Signature>)>,
}

/// Blockhashes whose transactions `Recent` remembers: sends in flight may still use an older
/// one than the latest (a retry's fresh one, another task's), never one this many back.
const BLOCKHASHES_REMEMBERED: usize = 8;

impl Recent {
    /// Records `tx` as built; false if an identical one was.
    fn claim(&mut self, tx: &Transaction) -> bool {
        let blockhash = tx.message.recent_blockhash;
        if !self.built.iter().any(|(h, _)| *h == blockhash) {
            if self.built.len() == BLOCKHASHES_REMEMBERED {
                self.built.pop_front();
            }
            self.built.push_back((blockhash, HashSet::new()));
        }
        self.built
            .iter_mut()
            .find(|(h, _)| *h == blockhash)
            .is_some_and(|(_, built)| built.insert(tx.signatures[0]))
    }
}

#[derive(Clone)]
pub struct Sender {
    pub cluster: Arc<dyn Cluster>,
    pub signer: Arc<Keypair>,
    pub fees: FeePolicy,
    recent: Arc<Mutex<Recent>>,
    /// One question about the blockhash at a time: the sends that find it stale wait for the
    /// one asking instead of all asking (and the last answer, maybe an older one, winning).
    asking: Arc<tokio::sync::Mutex<()>>,
}

impl Sender {
    pub fn new(cluster: Arc<dyn Cluster>, signer: Arc<Keypair>, fees: FeePolicy) -> Self {
        Sender {
            cluster,
            signer,
            fees,
            recent: Arc::default(),
            asking: Arc::default(),
        }
    }

    /// The latest blockhash, asked at most once per `REUSE` unless `fresh` (the last one
    /// expired).
    async fn blockhash(&self, fresh: bool) -> Result<solana_sdk::hash::Hash, ClusterError> {
        let asked = Instant::now();
        let held = || {
            self.recent
                .lock()
                .expect("recent")
                .blockhash
                .filter(|(at, _)| (!fresh && at.elapsed() < REUSE) || *at > asked)
                .map(|(_, hash)| hash)
        };
        if let Some(hash) = held() {
            return Ok(hash);
        }
        let _asking = self.asking.lock().await;
        // Asked by another send while this one waited.
        if let Some(hash) = held() {
            return Ok(hash);
        }
        let hash = self.cluster.latest_blockhash().await?;
        self.recent.lock().expect("recent").blockhash = Some((Instant::now(), hash));
        Ok(hash)
    }

    fn transaction(
        &self,
        ixs: &[Instruction],
        blockhash: solana_sdk::hash::Hash,
        price: u64,
        units: Option<u32>,
    ) -> Transaction {
        let mut all = vec![ComputeBudgetInstruction::set_compute_unit_price(price)];
        if let Some(units) = units {
            all.push(ComputeBudgetInstruction::set_compute_unit_limit(units));
        }
        all.extend_from_slice(ixs);
        let payer = self.signer.pubkey();
        Transaction::new_signed_with_payer(&all, Some(&payer), &[self.signer.as_ref()], blockhash)
    }

    /// `transaction`, made distinct from every transaction already built on `blockhash`: the
    /// same instructions again (the next step of one account's liquidation, the same unwind
    /// order) would otherwise be the same transaction, which the cluster drops (or simulates)
    /// as already processed. One micro-lamport more per unit makes a repeat its own.
    fn distinct(
        &self,
        ixs: &[Instruction],
        blockhash: solana_sdk::hash::Hash,
        mut price: u64,
        units: Option<u32>,
    ) -> Transaction {
        loop {
            let tx = self.transaction(ixs, blockhash, price, units);
            if self.recent.lock().expect("recent").claim(&tx) {
                return tx;
            }
            price += 1;
        }
    }

    /// Simulates `ixs` and sends them only if the simulation succeeds (compute limit: what the
    /// simulation used; the runtime's default where the cluster does not meter). A transaction
    /// refused for a transient reason — its accounts locked by a concurrent transaction, or its
    /// blockhash expired — is rebuilt and tried again, up to `ATTEMPTS` times.
    pub async fn simulate_and_send(&self, ixs: &[Instruction]) -> Result<Sent, ClusterError> {
        self.simulate_and_send_within(ixs, None).await
    }

    /// `simulate_and_send`, with `fallback` compute units where the cluster does not meter (a
    /// transaction kind that may need more than the runtime's default). A transaction whose
    /// limit is chosen otherwise (a liquidation's: see the liquidator's `PlainUnits`) asks for
    /// exactly that (`simulate_and_send_fixed`).
    pub async fn simulate_and_send_within(
        &self,
        ixs: &[Instruction],
        fallback: Option<u32>,
    ) -> Result<Sent, ClusterError> {
        self.send_with(ixs, fallback, false, Some(&|_| true), None)
            .await
    }

    /// `simulate_and_send` asking for exactly `units` compute units, whatever the simulation
    /// used, and priced on what recent slots paid to write `fee_on` (all it writes when
    /// `None`): transactions that each write one account of their own besides a market's
    /// shared ones (liquidations) are priced on the shared ones, which they compete for, with
    /// one question a slot for all of them.
    pub async fn simulate_and_send_fixed(
        &self,
        ixs: &[Instruction],
        units: u32,
        fee_on: Option<&[Pubkey]>,
    ) -> Result<Sent, ClusterError> {
        self.send_with(ixs, Some(units), true, Some(&|_| true), fee_on)
            .await
    }

    /// Sends `ixs` asking for `units`, priced as `simulate_and_send_fixed`, without simulating
    /// it first (nor the node's preflight): for a transaction the keeper has judged needed
    /// itself, with the engine's rule (a liquidation). What comes back is its outcome on the
    /// cluster: a refusal is a failed transaction, its fee paid. Never `Refused`.
    pub async fn send_fixed(
        &self,
        ixs: &[Instruction],
        units: u32,
        fee_on: Option<&[Pubkey]>,
    ) -> Result<Sent, ClusterError> {
        self.send_with(ixs, Some(units), true, None, fee_on).await
    }

    /// `simulate_and_send`, sending only when `worth` accepts what the simulation did (its
    /// logs and events); otherwise the simulation comes back as `Refused`, nothing sent.
    pub async fn simulate_and_send_if(
        &self,
        ixs: &[Instruction],
        worth: impl Fn(&TxOutcome) -> bool + Sync,
    ) -> Result<Sent, ClusterError> {
        self.send_with(ixs, None, false, Some(&worth), None).await
    }

    /// Sends `ixs`, retrying what is transient with a fresh blockhash. `worth`: simulated first,
    /// and sent only when the simulation succeeds and `worth` accepts it; `None`: sent without a
    /// simulation.
    async fn send_with(
        &self,
        ixs: &[Instruction],
        fallback: Option<u32>,
        fixed: bool,
        worth: Option<&(dyn Fn(&TxOutcome) -> bool + Sync)>,
        fee_on: Option<&[Pubkey]>,
    ) -> Result<Sent, ClusterError> {
        let mut attempt = 1;
        loop {
            let fee_on = fee_on.map_or_else(|| writable(ixs), <[Pubkey]>::to_vec);
            let price = self.price(fee_on).await;
            // A retry takes a fresh blockhash: the held one may be what expired.
            let blockhash = self.blockhash(attempt > 1).await?;
            let sent = self
                .try_once(ixs, fallback, fixed, worth, blockhash, price)
                .await?;
            if attempt >= ATTEMPTS || !is_transient(sent.outcome()) {
                return Ok(sent);
            }
            tokio::time::sleep((RETRY_PAUSE * 2u32.pow(attempt - 1)).min(MAX_RETRY_PAUSE)).await;
            attempt += 1;
        }
    }

    /// The priority fee to write `accounts` now (recent fees asked at most once per `REUSE`);
    /// the floor when the cluster cannot say.
    async fn price(&self, mut accounts: Vec<Pubkey>) -> u64 {
        if self.fees.floor >= self.fees.ceiling {
            return self.fees.floor;
        }
        accounts.sort_unstable();
        let held = self
            .recent
            .lock()
            .expect("recent")
            .fees
            .get(&accounts)
            .filter(|(at, _)| at.elapsed() < REUSE)
            .map(|(_, fees)| fees.clone());
        let recent = match held {
            Some(fees) => fees,
            None => match self.cluster.prioritization_fees(&accounts).await {
                Ok(fees) => {
                    let mut recent = self.recent.lock().expect("recent");
                    recent.fees.retain(|_, (at, _)| at.elapsed() < REUSE);
                    recent.fees.insert(accounts, (Instant::now(), fees.clone()));
                    fees
                }
                Err(e) => {
                    tracing::debug!(error = %e, "no recent priority fees; paying the floor");
                    return self.fees.floor;
                }
            },
        };
        self.fees.price(recent)
    }

    async fn try_once(
        &self,
        ixs: &[Instruction],
        fallback: Option<u32>,
        fixed: bool,
        worth: Option<&(dyn Fn(&TxOutcome) -> bool + Sync)>,
        blockhash: solana_sdk::hash::Hash,
        price: u64,
    ) -> Result<Sent, ClusterError> {
        let Some(worth) = worth else {
            let tx = self.distinct(ixs, blockhash, price, fallback);
            return Ok(landed(self.cluster.send_simulated(&tx).await?));
        };
        // Simulated with the most a transaction may use, so the limit never decides the answer.
        let simulated = self.distinct(ixs, blockhash, price, Some(MAX_COMPUTE_UNITS));
        let good = |o: &TxOutcome| o.err.is_none() && worth(o);
        let sim = self.cluster.simulate_until(&simulated, &good).await?;
        if !good(&sim) {
            return Ok(Sent::Refused(sim));
        }
        // What it used plus a fifth (the state may move a little before it lands).
        let units = sim
            .units
            .map(|u| {
                u32::try_from(u + u / 5 + 1_000)
                    .unwrap_or(MAX_COMPUTE_UNITS)
                    .min(MAX_COMPUTE_UNITS)
            })
            .filter(|_| !fixed)
            .or(fallback);
        // The very transaction simulated when it asks for the same units (no second signing).
        let tx = if units == Some(MAX_COMPUTE_UNITS) {
            simulated
        } else {
            self.distinct(ixs, blockhash, price, units)
        };
        // Simulated just now: the node need not simulate it again before executing it. What it
        // used: as the cluster reports its execution, or else as simulated (a status over RPC
        // carries no units).
        let mut out = self.cluster.send_simulated(&tx).await?;
        out.units = out.units.or(sim.units);
        Ok(landed(out))
    }
}

/// What a sent transaction's outcome on the cluster makes it.
fn landed(out: TxOutcome) -> Sent {
    if out.err.is_none() {
        Sent::Landed(out)
    } else {
        Sent::Failed(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use perp_sdk::AccountFilter;
    use solana_sdk::account::Account;
    use solana_sdk::clock::Clock;
    use solana_sdk::hash::Hash;
    use solana_sdk::instruction::AccountMeta;
    use std::sync::Mutex;

    #[test]
    fn the_fee_is_a_percentile_of_recent_fees_within_floor_and_ceiling() {
        let p = FeePolicy {
            floor: 10,
            ceiling: 1_000,
            percentile: 75,
        };
        assert_eq!(p.price(vec![400, 100, 300, 200]), 300);
        assert_eq!(p.price(vec![0, 0, 0, 5]), 10, "never below the floor");
        assert_eq!(p.price(vec![5_000; 3]), 1_000, "never above the ceiling");
        assert_eq!(p.price(Vec::new()), 10, "no record: the floor");
        assert_eq!(FeePolicy::fixed(7).price(vec![99]), 7);
    }

    /// A cluster that meters `units` per simulation, reports `fees`, and keeps what is sent.
    struct Metered {
        units: Option<u64>,
        fees: Vec<u64>,
        sent: Mutex<Vec<Transaction>>,
        asked: Mutex<Vec<Pubkey>>,
        /// Blockhashes handed out (each new: the count is the hash's first byte).
        hashes: Mutex<u8>,
        /// Sends refused as expired before one lands.
        expire: Mutex<u32>,
        /// Simulations asked for.
        simulated: Mutex<u32>,
    }

    #[async_trait]
    impl Cluster for Metered {
        fn endpoint(&self) -> &str {
            "metered"
        }
        async fn account(&self, _: &Pubkey) -> Result<Option<Account>, ClusterError> {
            Ok(None)
        }
        async fn accounts(&self, k: &[Pubkey]) -> Result<Vec<Option<Account>>, ClusterError> {
            Ok(vec![None; k.len()])
        }
        async fn program_accounts(
            &self,
            _: &Pubkey,
            _: &[AccountFilter],
        ) -> Result<Vec<(Pubkey, Account)>, ClusterError> {
            Ok(Vec::new())
        }
        async fn latest_blockhash(&self) -> Result<Hash, ClusterError> {
            let mut n = self.hashes.lock().unwrap();
            *n += 1;
            Ok(Hash::new_from_array([*n; 32]))
        }
        async fn clock(&self) -> Result<Clock, ClusterError> {
            Ok(Clock::default())
        }
        async fn simulate(&self, tx: &Transaction) -> Result<TxOutcome, ClusterError> {
            *self.simulated.lock().unwrap() += 1;
            Ok(TxOutcome {
                signature: tx.signatures[0],
                err: None,
                logs: Vec::new(),
                units: self.units,
            })
        }
        async fn send(&self, tx: &Transaction) -> Result<TxOutcome, ClusterError> {
            self.sent.lock().unwrap().push(tx.clone());
            let mut expire = self.expire.lock().unwrap();
            let err = (*expire > 0).then_some(TransactionError::BlockhashNotFound);
            *expire = expire.saturating_sub(1);
            Ok(TxOutcome {
                signature: tx.signatures[0],
                err,
                logs: Vec::new(),
                units: None,
            })
        }
        async fn prioritization_fees(&self, accounts: &[Pubkey]) -> Result<Vec<u64>, ClusterError> {
            self.asked.lock().unwrap().extend_from_slice(accounts);
            Ok(self.fees.clone())
        }
    }

    /// The compute-budget instructions of `tx`, as (limit, price).
    fn budget(tx: &Transaction) -> (Option<u32>, Option<u64>) {
        let mut out = (None, None);
        for ix in &tx.message.instructions {
            let data = &ix.data;
            match data.first() {
                Some(2) => out.0 = Some(u32::from_le_bytes(data[1..5].try_into().unwrap())),
                Some(3) => out.1 = Some(u64::from_le_bytes(data[1..9].try_into().unwrap())),
                _ => {}
            }
        }
        out
    }

    #[tokio::test]
    async fn a_transaction_pays_the_recent_fee_and_asks_for_what_it_used() {
        let (written, read) = (Pubkey::new_unique(), Pubkey::new_unique());
        let ix = Instruction::new_with_bytes(
            Pubkey::new_unique(),
            &[1],
            vec![
                AccountMeta::new(written, false),
                AccountMeta::new_readonly(read, false),
            ],
        );
        for (units, fallback, limit) in [
            // Metered: what the simulation used plus a fifth and 1,000.
            (Some(50_000), None, Some(61_000)),
            // Not metered: the kind's fallback, or the runtime's default (no instruction).
            (None, Some(MAX_COMPUTE_UNITS), Some(MAX_COMPUTE_UNITS)),
            (None, None, None),
        ] {
            let cluster = Arc::new(Metered {
                units,
                fees: vec![100, 200, 300, 400, 90_000],
                sent: Mutex::new(Vec::new()),
                asked: Mutex::new(Vec::new()),
                hashes: Mutex::new(0),
                expire: Mutex::new(0),
                simulated: Mutex::new(0),
            });
            let sender = Sender::new(
                cluster.clone(),
                Arc::new(Keypair::new()),
                FeePolicy {
                    floor: 1,
                    ceiling: 50_000,
                    percentile: 75,
                },
            );
            let sent = sender
                .simulate_and_send_within(std::slice::from_ref(&ix), fallback)
                .await
                .unwrap();
            assert!(matches!(sent, Sent::Landed(_)));
            let txs = cluster.sent.lock().unwrap();
            // The 75th percentile of five recent fees is the fourth: 400.
            assert_eq!(budget(&txs[0]), (limit, Some(400)));
            assert_eq!(
                *cluster.asked.lock().unwrap(),
                [written],
                "fees of what it writes"
            );
        }
        // A liquidation asks for the most whatever its simulation used: the account can add
        // queued fills, which it settles, between the simulation and the landing.
        let cluster = Arc::new(Metered {
            units: Some(50_000),
            fees: Vec::new(),
            sent: Mutex::new(Vec::new()),
            asked: Mutex::new(Vec::new()),
            hashes: Mutex::new(0),
            expire: Mutex::new(0),
            simulated: Mutex::new(0),
        });
        let sender = Sender::new(
            cluster.clone(),
            Arc::new(Keypair::new()),
            FeePolicy::fixed(5),
        );
        sender
            .simulate_and_send_fixed(std::slice::from_ref(&ix), MAX_COMPUTE_UNITS, None)
            .await
            .unwrap();
        assert_eq!(
            budget(&cluster.sent.lock().unwrap()[0]),
            (Some(MAX_COMPUTE_UNITS), Some(5))
        );
        assert_eq!(*cluster.simulated.lock().unwrap(), 1);
        // Sent without a simulation (the liquidator's default): the same transaction, the node
        // executes it once.
        let sent = sender
            .send_fixed(std::slice::from_ref(&ix), MAX_COMPUTE_UNITS, None)
            .await
            .unwrap();
        assert!(matches!(sent, Sent::Landed(_)));
        assert_eq!(*cluster.simulated.lock().unwrap(), 1, "not simulated");
        // (Its price one micro-lamport up: the same instructions in the same slot must still
        // make a distinct transaction.)
        assert_eq!(
            budget(&cluster.sent.lock().unwrap()[1]),
            (Some(MAX_COMPUTE_UNITS), Some(6))
        );
    }

    #[tokio::test]
    async fn sends_within_a_slot_share_one_blockhash_and_one_fee_question() {
        let (program, market, own) = (
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            Pubkey::new_unique(),
        );
        let ix = |account| {
            Instruction::new_with_bytes(
                program,
                &[1],
                vec![
                    AccountMeta::new(market, false),
                    AccountMeta::new(account, false),
                ],
            )
        };
        let cluster = Arc::new(Metered {
            units: Some(10_000),
            fees: vec![100, 200],
            sent: Mutex::new(Vec::new()),
            asked: Mutex::new(Vec::new()),
            hashes: Mutex::new(0),
            expire: Mutex::new(0),
            simulated: Mutex::new(0),
        });
        let fees = FeePolicy {
            floor: 1,
            ceiling: 1_000,
            percentile: 50,
        };
        let sender = Sender::new(cluster.clone(), Arc::new(Keypair::new()), fees);
        let shared = [market];
        for account in [own, Pubkey::new_unique(), Pubkey::new_unique()] {
            let sent = sender
                .simulate_and_send_fixed(&[ix(account)], 50_000, Some(&shared))
                .await
                .unwrap();
            assert!(matches!(sent, Sent::Landed(_)));
        }
        assert_eq!(*cluster.hashes.lock().unwrap(), 1, "one blockhash a slot");
        // The same instructions again on the same blockhash: a transaction of their own, one
        // micro-lamport dearer (the median of 100 and 200 is 100), not a duplicate.
        sender
            .simulate_and_send_fixed(&[ix(own)], 50_000, Some(&shared))
            .await
            .unwrap();
        {
            let txs = cluster.sent.lock().unwrap();
            assert_eq!(budget(&txs[0]).1, Some(100));
            assert_eq!(budget(&txs[3]).1, Some(101));
            assert_ne!(txs[0].signatures[0], txs[3].signatures[0]);
        }
        assert_eq!(
            *cluster.asked.lock().unwrap(),
            [market],
            "one fee question a slot, on the shared accounts"
        );
        // After a slot, both are asked again.
        tokio::time::sleep(REUSE).await;
        sender
            .simulate_and_send_fixed(&[ix(own)], 50_000, Some(&shared))
            .await
            .unwrap();
        assert_eq!(*cluster.hashes.lock().unwrap(), 2);
        assert_eq!(cluster.asked.lock().unwrap().len(), 2);
        assert_eq!(
            budget(&cluster.sent.lock().unwrap()[4]).1,
            Some(100),
            "a new blockhash, a new transaction"
        );
        // A send refused as expired is retried on a fresh blockhash, not the held one.
        *cluster.expire.lock().unwrap() = 1;
        let sent = sender
            .simulate_and_send_fixed(&[ix(own)], 50_000, Some(&shared))
            .await
            .unwrap();
        assert!(matches!(sent, Sent::Landed(_)));
        let txs = cluster.sent.lock().unwrap();
        let [.., expired, landed] = txs.as_slice() else {
            panic!("two sends")
        };
        assert_eq!(
            expired.message.recent_blockhash,
            Hash::new_from_array([2; 32])
        );
        assert_eq!(
            landed.message.recent_blockhash,
            Hash::new_from_array([3; 32])
        );
    }

    #[test]
    fn a_transaction_built_again_is_seen_whichever_blockhash_came_between() {
        let payer = Keypair::new();
        let ix = Instruction::new_with_bytes(Pubkey::new_unique(), &[1], Vec::new());
        let on = |hash: u8| {
            Transaction::new_signed_with_payer(
                std::slice::from_ref(&ix),
                Some(&payer.pubkey()),
                &[&payer],
                Hash::new_from_array([hash; 32]),
            )
        };
        let mut recent = Recent::default();
        assert!(recent.claim(&on(1)));
        assert!(recent.claim(&on(2)));
        assert!(!recent.claim(&on(1)), "the same transaction as the first");
        assert!(!recent.claim(&on(2)));
        // Forgotten only once enough newer blockhashes came.
        for hash in 3..=(2 + BLOCKHASHES_REMEMBERED as u8) {
            assert!(recent.claim(&on(hash)));
        }
        assert!(recent.claim(&on(1)));
    }
}
