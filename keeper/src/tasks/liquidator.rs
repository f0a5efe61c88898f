//! Liquidator: follows every margin account of a market, values them through the SDK (the
//! program's and engine's own math) at the prices `liquidate` would use, and liquidates those
//! below maintenance, worst first. A liquidation is sent without a simulation (the engine has
//! judged the account; its compute limit is known without one: `PlainUnits`), unless the last
//! one for that account did not land or the keeper's margin was found used up: those are
//! simulated first, so a disagreement that lasts costs no fee per pass. Losing a race — another keeper
//! liquidated first, or the account recovered — is normal and counted as `raced`; other
//! failures back the account off exponentially. Accounts above maintenance whose
//! resting orders, filled at their limits, would put them below it (a stale bid far above a
//! fallen price) get their orders cancelled (`order_cancel_at_risk`) before a gap fills them.

use super::Keeper;
use crate::backoff::Backoff;
use crate::error::KeeperError;
use crate::sender::{MAX_COMPUTE_UNITS, Sent};
use crate::snapshot::MarketSnapshot;
use crate::stream::AccountStream;
use crate::tasks::triggers::TriggerAccounts;
use perp_sdk::TxOutcome;
use perp_sdk::accounts;
use perp_sdk::cluster::listing;
use perp_sdk::ix::{self, LiquidateAccounts};
use perp_sdk::perp::error::ErrorCode;
use perp_sdk::perp::state::{EventQueueAccount, MarginAccount, Market};
use perp_sdk::perp_engine::book::MarketEventQueue;
use perp_sdk::perp_engine::oracle::{Action, PriceBand};
use perp_sdk::perp_engine::risk::account::MarketRules;
use perp_sdk::risk::{self, AccountRisk, RiskError};
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signer::Signer;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// What the last evaluation of an account found.
#[derive(Clone, Copy)]
struct Verdict {
    /// Maintenance surplus (native) when below maintenance; `None`: healthy.
    below: Option<i128>,
    /// Above maintenance, but its orders would put it below (`order_cancel_at_risk` applies).
    orders_at_risk: bool,
    /// The maths refused to value it (judged again when it or the market's inputs change).
    unvalued: bool,
}

/// One followed account and its last verdict (`None`: not evaluated since it changed).
struct Tracked {
    account: Box<MarginAccount>,
    verdict: Option<Verdict>,
    /// When (chain unix time) its bytes last changed: a liquidation in progress changes them.
    changed_at: i64,
    /// A liquidation of it landed, or lost a race, then (chain unix time), and no newer state
    /// has been seen since: the held bytes are from before it (or judged it wrongly), so it is
    /// not tried again on them.
    acted_at: Option<i64>,
}

/// Whether a liquidation takes the market's book and event queue, given the account's slots in
/// use as last seen (`None`: not seen) and whether its last attempt was refused with
/// `BookRequired`. `liquidate` needs them only for an account holding an order slot (to settle
/// its queued fills and cancel its resting orders), and copying the book's megabyte and the
/// queue in and out of the program (and write-locking them against every trader) is most of a
/// liquidation's cost: they go when the account held a slot as last seen, is unknown, or placed
/// an order after the copy the keeper judged (the refusal says so).
fn takes_book(slots_in_use: Option<u32>, refused_without_it: bool) -> bool {
    refused_without_it || slots_in_use.is_none_or(|slots| slots != 0)
}

/// What a pass's liquidations write that others write too (`Liquidator::shared_writes`), with
/// the book and queue and without them: the priority fee is priced on what the transaction
/// writes.
struct SharedWrites {
    with_book: Arc<Vec<Pubkey>>,
    without_book: Arc<Vec<Pubkey>>,
}

impl SharedWrites {
    fn priced_on(&self, book: bool) -> Arc<Vec<Pubkey>> {
        if book {
            self.with_book.clone()
        } else {
            self.without_book.clone()
        }
    }
}

/// A pass sends at most this many times `max_liquidations_per_tick` liquidations before the
/// accounts are judged again (a backlog keeps the next pass running at once), and past
/// `MIN_PASS_WINDOWS` times only within `pass_sending_ms`. Each pass ends by waiting for its
/// last sends and starts by reading the market and judging what changed, during which nothing
/// is in flight: at 4× (128), 100,000 accounts and a 5% crash, p99 was 2.2 s against 1.7–1.9 s
/// at 16× (measured with `benches/keepers.rs`). The time limit keeps a backlog judged afresh
/// about every slot where sends confirm slowly (a cluster's half second or more), without
/// ever cutting a pass below the four windows it always sent.
const PASS_WINDOWS: usize = 16;
const MIN_PASS_WINDOWS: usize = 4;

/// How long an account whose liquidation landed (or lost a race) waits for its newer state (the
/// stream's notification, or the next poll) before it is judged on what is held again.
const AWAIT_NEWER_SECS: i64 = 2;

/// What one pass saw and did.
#[derive(Debug, Default)]
pub struct LiquidatorPass {
    pub tracked: usize,
    /// Accounts below maintenance at the liquidation prices (before this pass acted).
    pub liquidatable: Vec<Pubkey>,
    /// Accounts above maintenance whose orders would put them below it (before this pass).
    pub orders_at_risk: Vec<Pubkey>,
    /// Of those, the ones whose orders this pass cancelled.
    pub orders_cancelled: Vec<Pubkey>,
    /// Accounts whose health was recomputed this pass (changed account or prices).
    pub evaluated: usize,
    /// Landed liquidations, with their logs (events) and how long simulate-and-send took.
    pub landed: Vec<(Pubkey, TxOutcome, Duration)>,
    pub raced: usize,
    pub failed: usize,
    /// Refused because the keeper's own margin could not take the position over.
    pub no_capacity: usize,
    /// Why each failed liquidation failed (the account, the error and the last log line).
    pub failures: Vec<(Pubkey, String)>,
    /// Accounts the maths could not value (skipped).
    pub unvalued: usize,
    /// Liquidatable accounts left to the keeper whose share they are, for now.
    pub deferred: usize,
    /// No price for liquidations now (the oracle rules refuse one): nothing was tried.
    pub no_price: bool,
}

pub struct Liquidator {
    market: Pubkey,
    keeper_account: Pubkey,
    /// When (chain unix time) an account of each share last stopped being liquidatable by
    /// another keeper's hand: that share's keeper is alive and working.
    share_progress: HashMap<u32, i64>,
    /// Accounts of other shares this keeper has sent liquidations for (taken over).
    taken_over: std::collections::HashSet<Pubkey>,
    /// When (chain unix time) each account now liquidatable was first seen so: an account that
    /// stays liquidatable means something stops the keeper (an endpoint that lies, a refusal it
    /// does not understand, no collateral left), and raises the alarm.
    first_seen: HashMap<Pubkey, i64>,
    accounts: HashMap<Pubkey, Tracked>,
    last_scan: Option<i64>,
    /// Inputs of the last evaluation shared by all accounts: the band and the market's risk
    /// rules (`Market::rules`, everything the valuation reads of the market; not its
    /// bookkeeping, which every liquidation changes).
    last_inputs: Option<(PriceBand, MarketRules)>,
    /// The event queue's bytes at the last evaluation, and the accounts it had fills for.
    last_queue: Option<Vec<u8>>,
    last_queued: std::collections::HashSet<Pubkey>,
    backoff: Backoff,
    /// Accounts whose last liquidation did not land (raced, refused, failed, no capacity): their
    /// next is simulated first (a refusal there is free, and checked on a second endpoint), so
    /// a disagreement that persists — a forged or stale view, an account toggled in and out of
    /// maintenance — costs no fee per pass. Forgotten when one lands, or the account is no
    /// longer liquidatable.
    doubted: std::collections::HashSet<Pubkey>,
    /// Accounts whose last liquidation was refused with `BookRequired` (an order placed after
    /// the copy the keeper judged): the next takes the book whatever the copy says. Forgotten
    /// when one lands, or the account is no longer liquidatable.
    needs_book: std::collections::HashSet<Pubkey>,
    /// A liquidation found the keeper's own margin used up: every liquidation is simulated
    /// first until one lands again (the unwind, or a deposit, must make room; until then each
    /// attempt would be a failed transaction with its fee paid).
    out_of_margin: bool,
    share: Share,
    /// What a plain liquidation asks for (see `PlainUnits`).
    units: PlainUnits,
    /// The market's margin accounts streamed (`None`: polled only).
    stream: Option<AccountStream>,
    /// Runs the next pass at once: the stream saw a change, or this pass left due work.
    wake: Arc<Notify>,
    /// The accounts that have trigger orders, kept for the trigger task (`None`: nobody asks).
    trigger_accounts: Option<TriggerAccounts>,
}

/// How keepers running side by side split the accounts without a coordinator: each prefers
/// the accounts whose address falls in its share (`index` of `count`, by the address's first
/// eight bytes, uniform for addresses), and takes over another's once it has stayed liquidatable
/// `grace_secs` (that keeper is down, slow or out of margin). One keeper (`count` 1) owns all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share {
    pub index: u32,
    pub count: u32,
    pub grace_secs: i64,
    /// Liquidatable this long, it is taken over even if something keeps touching it.
    pub max_secs: i64,
}

impl Share {
    /// Every account, at once.
    pub const ALL: Share = Share {
        index: 0,
        count: 1,
        grace_secs: 0,
        max_secs: 0,
    };

    /// The share `key` is in.
    pub fn of(&self, key: &Pubkey) -> u32 {
        let head = u64::from_le_bytes(key.to_bytes()[..8].try_into().expect("8 bytes"));
        (head % u64::from(self.count.max(1))) as u32
    }

    /// Whether `key` is in this keeper's share.
    pub fn owns(&self, key: &Pubkey) -> bool {
        self.count <= 1 || self.of(key) == self.index
    }
}

/// The keeper's own margin cannot take the position over (`KeeperUnhealthy`): its capacity,
/// not the account's fault. Several liquidations sent together may exhaust it; the unwind task
/// frees it again.
fn is_capacity(outcome: &TxOutcome) -> bool {
    outcome.custom_error() == Some(u32::from(ErrorCode::KeeperUnhealthy))
}

/// Refusals that mean "nothing to do here any more", or "not as the keeper saw it", not a fault
/// (the very same transaction having landed already among them; `BookRequired`: the account
/// placed an order after the state the keeper judged, and the next attempt takes the book:
/// `needs_book`).
fn is_race(outcome: &TxOutcome) -> bool {
    let refused = [
        ErrorCode::NotLiquidatable,
        ErrorCode::OrdersNotAtRisk,
        ErrorCode::BookRequired,
    ];
    outcome.err == Some(solana_sdk::transaction::TransactionError::AlreadyProcessed)
        || outcome
            .custom_error()
            .is_some_and(|code| refused.iter().any(|e| u32::from(*e) == code))
}

/// What `account` (funding and its own queued fills settled as `liquidate` would) is at `band`.
fn judge(market: &Market, account: &MarginAccount, band: PriceBand) -> Result<Verdict, RiskError> {
    let below = AccountRisk::liquidatable(market, account, band)?.map(|r| r.maintenance_surplus);
    Ok(Verdict {
        below,
        // A liquidation cancels the orders itself.
        orders_at_risk: below.is_none()
            && account.trader.open_order_count() > 0
            && risk::orders_at_risk(market, account, band)?,
        unvalued: false,
    })
}

impl Liquidator {
    /// Liquidates into `keeper_account` (the keeper's own margin account in `market`).
    pub fn new(market: Pubkey, keeper_account: Pubkey, backoff: Backoff) -> Self {
        Liquidator {
            market,
            keeper_account,
            accounts: HashMap::new(),
            first_seen: HashMap::new(),
            share_progress: HashMap::new(),
            taken_over: Default::default(),
            last_scan: None,
            last_inputs: None,
            last_queue: None,
            last_queued: Default::default(),
            backoff,
            doubted: Default::default(),
            needs_book: Default::default(),
            out_of_margin: false,
            units: PlainUnits::default(),
            share: Share::ALL,
            stream: None,
            wake: Arc::new(Notify::new()),
            trigger_accounts: None,
        }
    }

    /// Keeps `watched` as the set of accounts that have trigger orders (for the trigger task).
    pub fn with_trigger_accounts(mut self, watched: TriggerAccounts) -> Self {
        self.trigger_accounts = Some(watched);
        self
    }

    /// Follows the accounts through `stream` while it is up (polling while it is down), woken
    /// by its changes.
    pub fn with_stream(mut self, stream: AccountStream) -> Self {
        self.wake = stream.wake();
        self.stream = Some(stream);
        self
    }

    /// What wakes the next pass before its timer (see `with_stream`).
    pub fn wake(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Shares the accounts with other keepers (see `Share`).
    pub fn with_share(mut self, share: Share) -> Self {
        self.share = share;
        self
    }

    /// Whether this keeper acts on `key` at `now`: in its share, or left liquidatable and
    /// untouched by the others for the grace delay (an account being liquidated in steps changes
    /// at every step, so its owner keeps it).
    fn acts_on(&self, key: &Pubkey, now: i64) -> bool {
        if self.share.owns(key) {
            return true;
        }
        let grace = self.share.grace_secs;
        let changed = self.accounts.get(key).map_or(now, |t| t.changed_at);
        // Its keeper is working through a backlog (it liquidated others of its share within
        // the grace delay): it gets to this one too, so no race for it yet.
        let owner_busy = self
            .share_progress
            .get(&self.share.of(key))
            .is_some_and(|at| now.saturating_sub(*at) < grace);
        // Anyone may touch an account (a deposit of one unit resets `changed_at`), so once it
        // has been liquidatable `max_secs` it is taken over whatever changed.
        self.first_seen.get(key).is_some_and(|since| {
            let age = now.saturating_sub(*since);
            age >= grace
                && ((now.saturating_sub((*since).max(changed)) >= grace && !owner_busy)
                    || age >= self.share.max_secs)
        })
    }

    /// Whether `key`'s liquidation landed or raced and its newer state has not been seen yet.
    fn awaits_newer(&self, key: &Pubkey, now: i64) -> bool {
        self.accounts
            .get(key)
            .and_then(|t| t.acted_at)
            .is_some_and(|at| now.saturating_sub(at) < AWAIT_NEWER_SECS)
    }

    /// Takes what the stream saw change, or, without an up stream, lists the market's margin
    /// accounts when the scan is due and otherwise refreshes the known ones; marks the changed
    /// ones for re-evaluation.
    async fn refresh(&mut self, k: &Keeper, now: i64) -> Result<(), KeeperError> {
        // A fresh liquidator (at start, or restarted) lists everything once itself, dropping
        // what the stream queued for the one before it.
        // A full listing now and then even while streaming (`stream_rescan_secs`): it bounds
        // how stale a withheld notification can leave an account, and removes closed accounts,
        // which send no notification (they no longer pass the filters).
        if let Some(stream) = &self.stream
            && self
                .last_scan
                .is_some_and(|t| now.saturating_sub(t) < k.tuning.stream_rescan_secs)
            && let Some(changes) = stream.take_changes()
        {
            k.metrics.polling(&self.market.to_string(), false);
            for (key, account) in changes {
                self.apply(key, account, now);
            }
            return Ok(());
        }
        if let Some(stream) = &self.stream {
            stream.take_changes();
        }
        k.metrics.polling(&self.market.to_string(), true);
        let cluster = k.sender.cluster.as_ref();
        let scan_due = self
            .last_scan
            .is_none_or(|t| now.saturating_sub(t) >= k.tuning.rescan_secs);
        // A listing that fails (the endpoint cannot answer it) or leaves a part out is not the
        // end of the pass: the accounts already known are read and judged as usual.
        let listing = if scan_due {
            match listing::margin_accounts(cluster, &self.market, self.accounts.len()).await {
                Ok(listing) => Some(listing),
                Err(e) => {
                    tracing::warn!(market = %self.market, error = %e, "listing the accounts failed; reading the known ones");
                    None
                }
            }
        } else {
            None
        };
        let fetched: Vec<(Pubkey, Option<solana_sdk::account::Account>)> = match listing {
            Some(listing) => {
                self.last_scan = Some(now);
                // Closed accounts simply stop being listed (a listing that left a part out
                // cannot say which).
                if listing.complete {
                    let present: std::collections::HashSet<&Pubkey> =
                        listing.accounts.iter().map(|(k, _)| k).collect();
                    self.accounts.retain(|key, _| present.contains(key));
                    if let Some(watched) = &self.trigger_accounts {
                        watched
                            .lock()
                            .expect("trigger accounts")
                            .retain(|key| present.contains(key));
                    }
                }
                listing
                    .accounts
                    .into_iter()
                    .map(|(k, a)| (k, Some(a)))
                    .collect()
            }
            None => {
                let keys: Vec<Pubkey> = self.accounts.keys().copied().collect();
                let got = cluster.accounts(&keys).await?;
                keys.into_iter().zip(got).collect()
            }
        };
        for (key, account) in fetched {
            self.apply(key, account, now);
        }
        Ok(())
    }

    /// `key`'s account as it is now (`None`: gone), marked for re-evaluation when it changed.
    fn apply(&mut self, key: Pubkey, account: Option<solana_sdk::account::Account>, now: i64) {
        let decoded = account.and_then(|a| accounts::margin_account(&a).ok());
        if let Some(watched) = &self.trigger_accounts {
            let mut watched = watched.lock().expect("trigger accounts");
            match &decoded {
                Some(d) if d.trigger_orders == 1 => watched.insert(key),
                _ => watched.remove(&key),
            };
        }
        let Some(decoded) = decoded else {
            self.accounts.remove(&key);
            return;
        };
        match self.accounts.get_mut(&key) {
            Some(t) if bytemuck::bytes_of(&*t.account) == bytemuck::bytes_of(&*decoded) => {}
            Some(t) => {
                t.account = decoded;
                t.verdict = None;
                t.changed_at = now;
                t.acted_at = None;
            }
            None => {
                self.accounts.insert(
                    key,
                    Tracked {
                        account: decoded,
                        verdict: None,
                        changed_at: now,
                        acted_at: None,
                    },
                );
            }
        }
    }

    /// Accounts below maintenance at `band`, worst (most negative surplus) first, and accounts
    /// whose orders are at risk, recomputing only those whose account, or whose shared inputs,
    /// changed.
    fn evaluate(
        &mut self,
        market: &Market,
        band: PriceBand,
        queue: &MarketEventQueue,
        pass: &mut LiquidatorPass,
    ) -> Result<(Vec<(i128, Pubkey)>, Vec<Pubkey>), KeeperError> {
        let inputs = (band, market.rules());
        if self.last_inputs.as_ref() != Some(&inputs) {
            self.accounts.values_mut().for_each(|t| t.verdict = None);
            self.last_inputs = Some(inputs);
        }
        // The accounts with fills waiting in the queue are judged as `liquidate` judges them,
        // with those fills settled first; when the queue changed, they (and those that had
        // some before) are judged again.
        let queued = risk::queued_makers(queue);
        if self.last_queue.as_deref() != Some(bytemuck::bytes_of(queue)) {
            for key in queued.iter().chain(self.last_queued.iter()) {
                if let Some(t) = self.accounts.get_mut(key) {
                    t.verdict = None;
                }
            }
            self.last_queue = Some(bytemuck::bytes_of(queue).to_vec());
            self.last_queued = queued.clone();
        }
        let (mut below, mut at_risk) = (Vec::new(), Vec::new());
        for (key, t) in self.accounts.iter_mut() {
            if *key == self.keeper_account {
                continue;
            }
            let verdict = match t.verdict {
                Some(v) => v,
                None => {
                    pass.evaluated += 1;
                    // One account the maths refuses is skipped (and tried again when it
                    // changes), never the whole pass.
                    let judged = if queued.contains(key) {
                        risk::with_own_events(market, key, &t.account, queue)
                            .and_then(|own| judge(market, &own, band))
                    } else {
                        judge(market, &t.account, band)
                    };
                    let v = match judged {
                        Ok(v) => v,
                        Err(e) => {
                            tracing::warn!(account = %key, error = %e, "cannot value the account; skipped");
                            pass.unvalued += 1;
                            t.verdict = Some(Verdict {
                                below: None,
                                orders_at_risk: false,
                                unvalued: true,
                            });
                            continue;
                        }
                    };
                    t.verdict = Some(v);
                    v
                }
            };
            if let Some(surplus) = verdict.below {
                below.push((surplus, *key));
            } else if verdict.orders_at_risk {
                at_risk.push(*key);
            }
        }
        below.sort();
        at_risk.sort();
        Ok((below, at_risk))
    }

    pub async fn tick(&mut self, k: &Keeper) -> Result<LiquidatorPass, KeeperError> {
        let snap = MarketSnapshot::fetch(k.sender.cluster.as_ref(), self.market).await?;
        let now = snap.clock.unix_timestamp;
        self.refresh(k, now).await?;
        let mut pass = LiquidatorPass {
            tracked: self.accounts.len(),
            ..LiquidatorPass::default()
        };
        k.metrics
            .accounts_tracked
            .with_label_values(&[&self.market.to_string()])
            .set(self.accounts.len() as i64);
        let Some(band) = snap.band(Action::Liquidate) else {
            // `liquidate` would refuse too; wait for the oracles (what was liquidatable stays
            // so, and keeps ageing).
            pass.no_price = true;
            self.watch(k, None, now);
            return Ok(pass);
        };
        let queue = k
            .sender
            .cluster
            .account(&snap.market.event_queue)
            .await?
            .ok_or(KeeperError::Missing(snap.market.event_queue))?;
        let queue = accounts::program_zero_copy::<EventQueueAccount>(&queue)?;
        let (below, at_risk) = self.evaluate(&snap.market, band, &queue.queue, &mut pass)?;
        let unvalued = self
            .accounts
            .values()
            .filter(|t| t.verdict.is_some_and(|v| v.unvalued))
            .count();
        k.metrics.unvalued(&self.market.to_string(), unvalued);
        pass.liquidatable = below.iter().map(|(_, key)| *key).collect();
        self.watch(k, Some(&pass.liquidatable), now);
        pass.orders_at_risk = at_risk;
        let mut due: Vec<Pubkey> = pass
            .liquidatable
            .iter()
            .filter(|key| self.backoff.ready(key, now))
            .filter(|key| !self.awaits_newer(key, now))
            .filter(|key| self.acts_on(key, now))
            .copied()
            .collect();
        // At most `max_liquidations_per_tick` in flight, each its own transaction, and a new
        // one sent as each lands (a slow confirmation holds back nothing but its own slot), up
        // to `MIN_PASS_WINDOWS` times that in one pass and on up to `PASS_WINDOWS` times while
        // the pass has sent for less than `pass_sending_ms`, so a long backlog is judged afresh
        // (worst first, new prices) every 128 to 512 liquidations, about every slot.
        let in_flight = k.tuning.max_liquidations_per_tick;
        let budget = in_flight * PASS_WINDOWS;
        let more_due = budget > 0 && due.len() > budget;
        due.truncate(budget);
        pass.deferred = pass
            .liquidatable
            .iter()
            .filter(|key| !self.acts_on(key, now))
            .count();
        let room = in_flight.saturating_sub(due.len());
        let sending_since = Instant::now();
        let sending_for = Duration::from_millis(k.tuning.pass_sending_ms);
        let (planned, at_least) = (due.len(), in_flight * MIN_PASS_WINDOWS);
        let mut due = due.into_iter();
        // Past the windows every pass sends, a pass that has sent for its time stops.
        let out_of_time = |left: usize| {
            planned - left >= at_least
                && !sending_for.is_zero()
                && sending_since.elapsed() >= sending_for
        };
        let mut sends = tokio::task::JoinSet::new();
        let shared = self.shared_writes(&snap);
        for key in due.by_ref().take(in_flight) {
            sends.spawn(self.liquidation(k, &snap, key, &shared));
        }
        while let Some(joined) = sends.join_next().await {
            let (key, asked, sent, latency) = joined.expect("a liquidation's send does not panic");
            match sent {
                Ok(sent) => {
                    let ran_out = self.units.learn(asked, &sent);
                    self.record(k, key, sent, latency, now, &mut pass);
                    // Not the account's fault: it is due again at once (simulated, in doubt).
                    if ran_out {
                        self.backoff.clear(&key);
                    }
                }
                // One send that could not be made (every endpoint failed it) fails that
                // account only, not the pass.
                Err(e) => {
                    k.metrics.liquidation("failed");
                    self.backoff.failed(key, now);
                    tracing::warn!(account = %key, error = %e, "liquidation not sent");
                    pass.failures.push((key, format!("not sent: {e}")));
                    pass.failed += 1;
                }
            }
            // Once the keeper's margin is used up, the rest wait for the unwind; once the pass
            // has sent for its time, for the next pass's judgement.
            if pass.no_capacity == 0
                && !out_of_time(due.len())
                && let Some(key) = due.next()
            {
                sends.spawn(self.liquidation(k, &snap, key, &shared));
            }
        }
        let more_due = more_due || due.len() > 0;
        // More than one pass may send: the next starts as soon as this one ends, unless the
        // keeper's margin is used up (then the unwind, or a change, must come first).
        if more_due && pass.no_capacity == 0 {
            self.wake.notify_one();
        }
        // Liquidations first; cancels share what is left of the pass's budget.
        let cancels: Vec<Pubkey> = pass
            .orders_at_risk
            .iter()
            .filter(|key| self.backoff.ready(key, now))
            .filter(|key| self.share.owns(key))
            .take(room)
            .copied()
            .collect();
        for key in cancels {
            self.cancel_at_risk(k, &snap, key, &mut pass).await?;
        }
        Ok(pass)
    }

    /// Ages the accounts found liquidatable (`None`: not judged this pass) and publishes how
    /// many there are and how long the oldest has been so.
    fn watch(&mut self, k: &Keeper, liquidatable: Option<&[Pubkey]>, now: i64) {
        if let Some(keys) = liquidatable {
            let still: std::collections::HashSet<&Pubkey> = keys.iter().collect();
            // Another share's account no longer liquidatable, and not by this keeper's hand:
            // that share's keeper is at work.
            for key in self.first_seen.keys().filter(|k| !still.contains(k)) {
                if !self.share.owns(key) && !self.taken_over.contains(key) {
                    self.share_progress.insert(self.share.of(key), now);
                }
            }
            self.taken_over.retain(|key| still.contains(key));
            self.first_seen.retain(|key, _| still.contains(key));
            self.doubted.retain(|key| still.contains(key));
            self.needs_book.retain(|key| still.contains(key));
            for key in keys {
                self.first_seen.entry(*key).or_insert(now);
            }
        }
        let oldest = self
            .first_seen
            .values()
            .map(|since| now.saturating_sub(*since))
            .max()
            .unwrap_or(0);
        k.metrics
            .liquidatable(&self.market.to_string(), self.first_seen.len(), oldest);
    }

    async fn cancel_at_risk(
        &mut self,
        k: &Keeper,
        snap: &MarketSnapshot,
        key: Pubkey,
        pass: &mut LiquidatorPass,
    ) -> Result<(), KeeperError> {
        let ix = ix::order_cancel_at_risk(snap.key, key, snap.market.book, snap.oracle_metas());
        let now = snap.clock.unix_timestamp;
        let sent = k.sender.simulate_and_send(&[ix]).await?;
        if let Some(t) = self.accounts.get_mut(&key) {
            t.verdict = None;
        }
        match sent {
            Sent::Landed(outcome) => {
                k.metrics.cancel_at_risk("landed");
                self.backoff.clear(&key);
                tracing::info!(account = %key, signature = %outcome.signature, "cancelled orders at risk");
                pass.orders_cancelled.push(key);
            }
            Sent::Refused(o) | Sent::Failed(o) if is_race(&o) => {
                k.metrics.cancel_at_risk("raced");
                pass.raced += 1;
            }
            Sent::Refused(o) | Sent::Failed(o) => {
                k.metrics.cancel_at_risk("failed");
                self.backoff.failed(key, now);
                tracing::warn!(account = %key, error = ?o.err, log = ?o.logs.last(), "cancelling orders at risk failed");
                pass.failed += 1;
            }
        }
        Ok(())
    }

    /// Whether the liquidation of `key` takes the market's book and event queue, which it needs
    /// only for an account holding an order slot (`BookRequired` otherwise): see `takes_book`.
    fn with_book(&self, key: &Pubkey) -> bool {
        takes_book(
            self.accounts
                .get(key)
                .map(|t| t.account.trader.slots_in_use),
            self.needs_book.contains(key),
        )
    }

    /// The transaction that liquidates `key`: the one `liquidate` instruction, which settles
    /// the account's own queued fills itself (with the book and queue), wherever they sit in the
    /// queue, so nothing queued by anyone else can hold it back. With them its cost grows with
    /// how many wait (up to the queue's capacity); it then asks for a transaction's most, and
    /// a plain one for what plain ones cost (`PlainUnits`).
    fn liquidate_ixs(
        &self,
        k: &Keeper,
        snap: &MarketSnapshot,
        key: Pubkey,
        book: bool,
    ) -> Vec<Instruction> {
        let m = &snap.market;
        vec![ix::liquidate(&LiquidateAccounts {
            keeper: k.sender.signer.pubkey(),
            market: snap.key,
            margin_account: key,
            keeper_account: self.keeper_account,
            book: book.then_some(m.book),
            event_queue: book.then_some(m.event_queue),
            collateral_vault: m.collateral_vault,
            insurance_vault: m.insurance_vault,
            quote_mint: m.quote_mint,
            token_program: m.quote_token_program,
            oracles: snap.oracle_metas(),
            // Passed when the account has some: the liquidation removes those its new position
            // leaves meaningless.
            trigger_orders: self
                .has_triggers(&key)
                .then(|| perp_sdk::pda::trigger_orders_pda(&key)),
        })]
    }

    /// The liquidation of `key`, sent (simulated first with `simulate_liquidations`), priced on
    /// `shared` (`shared_writes`); what became of it and how long it took.
    fn liquidation(
        &mut self,
        k: &Keeper,
        snap: &MarketSnapshot,
        key: Pubkey,
        shared: &SharedWrites,
    ) -> impl std::future::Future<
        Output = (
            Pubkey,
            Asked,
            Result<Sent, perp_sdk::ClusterError>,
            Duration,
        ),
    > + Send
    + 'static {
        if !self.share.owns(&key) {
            self.taken_over.insert(key);
        }
        let book = self.with_book(&key);
        let ixs = self.liquidate_ixs(k, snap, key, book);
        // Plain: neither the book and queue nor trigger orders (a trigger-orders account
        // among its accounts).
        let plain = !book && !self.has_triggers(&key);
        let (sender, fee_on) = (k.sender.clone(), shared.priced_on(book));
        // Also while no plain liquidation's cost is known: the simulation reports it.
        let simulate = k.tuning.simulate_liquidations
            || self.out_of_margin
            || self.doubted.contains(&key)
            || (plain && self.units.learning());
        // Simulated, it asks for the most: its simulation may show a costlier path than any
        // seen (it then lands, and teaches what that path costs).
        let units = if simulate {
            MAX_COMPUTE_UNITS
        } else {
            self.units.limit(plain)
        };
        async move {
            let started = Instant::now();
            // Judged liquidatable with the engine's rule already: sent at once unless in doubt
            // (`doubted`, `out_of_margin`), and a race lands as a failed `NotLiquidatable`
            // (counted as raced).
            let sent = if simulate {
                sender
                    .simulate_and_send_fixed(&ixs, units, Some(&fee_on))
                    .await
            } else {
                sender.send_fixed(&ixs, units, Some(&fee_on)).await
            };
            (key, Asked { plain, units }, sent, started.elapsed())
        }
    }

    /// Whether the liquidation of `key` passes its trigger-orders account (see `liquidate_ixs`).
    fn has_triggers(&self, key: &Pubkey) -> bool {
        self.accounts
            .get(key)
            .is_some_and(|t| t.account.trigger_orders == 1)
    }

    /// What every liquidation of the market writes and others write too: what they compete
    /// for, so what their priority fee is priced on. Not the liquidated account (each its own),
    /// nor the keeper's fee payer and margin account: only this keeper writes those, so their
    /// recent bids would be its own, and one dear slot would price every later one.
    fn shared_writes(&self, snap: &MarketSnapshot) -> SharedWrites {
        let m = &snap.market;
        let without_book = vec![snap.key, m.collateral_vault, m.insurance_vault];
        let mut with_book = without_book.clone();
        with_book.extend([m.book, m.event_queue]);
        SharedWrites {
            with_book: Arc::new(with_book),
            without_book: Arc::new(without_book),
        }
    }

    /// Counts what became of the liquidation of `key` and backs the account off if it failed.
    fn record(
        &mut self,
        k: &Keeper,
        key: Pubkey,
        sent: Sent,
        latency: Duration,
        now: i64,
        pass: &mut LiquidatorPass,
    ) {
        // Never executed, so nothing charged: on a local bank its accounts stayed locked by
        // others through every retry; on a cluster it was dropped every time until its
        // blockhash expired (a fee too low, a broken send path). The account is still due next
        // pass, ageing towards the alarm as any account that stays liquidatable.
        let unexecuted = matches!(&sent, Sent::Failed(o) if crate::sender::is_transient(o));
        if !matches!(sent, Sent::Refused(_)) && !unexecuted {
            k.metrics.liquidation("sent");
        }
        // Whatever happened, the account changed or must be looked at again.
        if let Some(t) = self.accounts.get_mut(&key) {
            t.verdict = None;
        }
        // Whatever did not land is simulated first next time.
        if matches!(sent, Sent::Landed(_)) {
            self.doubted.remove(&key);
            self.needs_book.remove(&key);
            self.out_of_margin = false;
        } else {
            self.doubted.insert(key);
            if sent.outcome().custom_error() == Some(u32::from(ErrorCode::BookRequired)) {
                self.needs_book.insert(key);
            }
        }
        match sent {
            Sent::Landed(outcome) => {
                k.metrics.liquidation("landed");
                self.backoff.clear(&key);
                if let Some(t) = self.accounts.get_mut(&key) {
                    t.acted_at = Some(now);
                }
                tracing::info!(account = %key, signature = %outcome.signature, "liquidated");
                pass.landed.push((key, outcome, latency));
            }
            Sent::Refused(o) | Sent::Failed(o) if is_race(&o) => {
                k.metrics.liquidation("raced");
                pass.raced += 1;
                if let Some(t) = self.accounts.get_mut(&key) {
                    t.acted_at = Some(now);
                }
            }
            Sent::Failed(o) if unexecuted => {
                k.metrics.liquidation("busy");
                tracing::warn!(account = %key, error = ?o.err, "liquidation never executed (dropped or its accounts locked on every attempt)");
            }
            // No back-off: the account is still due the moment the keeper has room again.
            Sent::Refused(o) | Sent::Failed(o) if is_capacity(&o) => {
                k.metrics.liquidation("no_capacity");
                pass.no_capacity += 1;
                self.out_of_margin = true;
                tracing::info!(account = %key, "keeper margin used up; the account waits for the unwind");
            }
            Sent::Refused(o) | Sent::Failed(o) => {
                k.metrics.liquidation("failed");
                self.backoff.failed(key, now);
                pass.failures
                    .push((key, format!("{:?} {:?}", o.err, o.logs.last())));
                tracing::warn!(account = %key, error = ?o.err, log = ?o.logs.last(), "liquidation failed");
                pass.failed += 1;
            }
        }
    }
}

/// What a liquidation asked for: whether it was plain (see `PlainUnits`) and its units.
#[derive(Clone, Copy)]
struct Asked {
    plain: bool,
    units: u32,
}

/// Headroom of a plain liquidation's compute-unit limit over the most one was seen to use: its
/// cost varies with the path (a full close and a bankruptcy do more than a partial step, a
/// fee of zero moves no token), and a limit too low fails the transaction with its fee paid.
const PLAIN_UNITS_FACTOR: u64 = 2;
const PLAIN_UNITS_ROOM: u64 = 20_000;

/// The compute-unit limit of a plain liquidation — without the book and queue (the account
/// holds no order slot) and without trigger orders — whose cost nobody can raise: `liquidate`
/// refuses an account holding any slot unless both are passed, so it settles and cancels
/// nothing, whatever anyone queued. Such a liquidation asks for twice the most a plain one was
/// seen to use (as executed, or as simulated where the cluster reports no execution's), plus
/// room, so a block packs as many of a market's liquidations as it can (a block admits 12 M
/// units of writes to one account, and every liquidation writes the market): at 1.4 M each,
/// 8 a block. Every other liquidation asks for the most, as does a plain one while no cost is
/// known (the first are simulated to learn it; where simulations report none, all ask for the
/// most, unsimulated).
///
/// What is learned only grows: a fitted one that ran out of units (a costlier path than any
/// seen, or an endpoint that reported too little) raises the most seen to the limit it asked,
/// so the next limit is at least twice that, and a cost any endpoint understates is reached
/// after a few failed transactions, not one per liquidation. That account is then in doubt
/// (simulated at the most, as any that did not land): no account can turn the others back to
/// simulation. An endpoint overstating the cost makes liquidations ask for up to the most, as
/// before there was a fit.
#[derive(Default)]
struct PlainUnits {
    /// The most a plain liquidation was seen to use; 0: none yet.
    most: u64,
    /// A plain liquidation landed and nothing said what it used: the cluster does not report
    /// it, so none is simulated to learn it.
    unreported: bool,
}

impl PlainUnits {
    /// What a liquidation asks for (`plain`: see the type).
    fn limit(&self, plain: bool) -> u32 {
        if !plain || self.most == 0 {
            return MAX_COMPUTE_UNITS;
        }
        let fitted = self
            .most
            .saturating_mul(PLAIN_UNITS_FACTOR)
            .saturating_add(PLAIN_UNITS_ROOM);
        u32::try_from(fitted).map_or(MAX_COMPUTE_UNITS, |u| u.min(MAX_COMPUTE_UNITS))
    }

    /// Whether a plain liquidation is simulated to learn what plain ones use.
    fn learning(&self) -> bool {
        self.most == 0 && !self.unreported
    }

    /// Learns from what became of a liquidation that `asked` as it did: what a landed plain one
    /// used, and that a fitted limit was too low. Whether it ran out of a fitted limit.
    fn learn(&mut self, asked: Asked, sent: &Sent) -> bool {
        match sent {
            Sent::Landed(o) if asked.plain => {
                match o.units {
                    Some(units) => self.most = self.most.max(units),
                    None => self.unreported = true,
                }
                false
            }
            Sent::Failed(o) if asked.units < MAX_COMPUTE_UNITS && ran_out_of_units(o) => {
                self.most = self.most.max(u64::from(asked.units));
                true
            }
            Sent::Landed(_) | Sent::Refused(_) | Sent::Failed(_) => false,
        }
    }
}

/// The transaction ran out of the compute units it asked for (a native program, as the local
/// exchange runs ours, reports it as failing to complete).
fn ran_out_of_units(outcome: &TxOutcome) -> bool {
    use solana_sdk::instruction::InstructionError::{
        ComputationalBudgetExceeded, ProgramFailedToComplete,
    };
    matches!(
        outcome.err,
        Some(solana_sdk::transaction::TransactionError::InstructionError(
            _,
            ComputationalBudgetExceeded | ProgramFailedToComplete
        ))
    )
}

#[cfg(test)]
mod tests {
    use super::{Asked, MAX_COMPUTE_UNITS, PlainUnits, Sent, takes_book};
    use perp_sdk::TxOutcome;
    use solana_sdk::instruction::InstructionError;
    use solana_sdk::signature::Signature;
    use solana_sdk::transaction::TransactionError;

    fn outcome(err: Option<TransactionError>, units: Option<u64>) -> TxOutcome {
        TxOutcome {
            signature: Signature::default(),
            err,
            logs: Vec::new(),
            units,
        }
    }

    #[test]
    fn a_plain_liquidation_asks_for_twice_what_one_used_and_a_run_out_raises_it() {
        let mut units = PlainUnits::default();
        // Nothing seen yet: the most, and plain ones are simulated to learn.
        assert_eq!(units.limit(true), MAX_COMPUTE_UNITS);
        assert!(units.learning());
        // Learned from a landed plain one only (not from one with the book or triggers).
        let used = |n| Sent::Landed(outcome(None, Some(n)));
        let plain = |units| Asked { plain: true, units };
        units.learn(
            Asked {
                plain: false,
                units: MAX_COMPUTE_UNITS,
            },
            &used(500_000),
        );
        assert_eq!(units.limit(true), MAX_COMPUTE_UNITS);
        assert!(!units.learn(plain(MAX_COMPUTE_UNITS), &used(60_000)));
        assert!(!units.learning());
        // Twice the most seen, plus room; never for one with the book or triggers.
        assert_eq!(units.limit(true), 140_000);
        assert_eq!(units.limit(false), MAX_COMPUTE_UNITS);
        // Less reported later (a cheaper path, or an endpoint understating it): still the most.
        units.learn(plain(140_000), &used(1_000));
        assert_eq!(units.limit(true), 140_000);
        // A fitted one that ran out: the most seen rises to what it asked, so the limit at
        // least doubles; running out at the most teaches nothing.
        let ran_out = Sent::Failed(outcome(
            Some(TransactionError::InstructionError(
                0,
                InstructionError::ComputationalBudgetExceeded,
            )),
            None,
        ));
        assert!(units.learn(plain(140_000), &ran_out));
        assert_eq!(units.limit(true), 300_000);
        assert!(!units.learn(plain(MAX_COMPUTE_UNITS), &ran_out));
        assert_eq!(units.limit(true), 300_000);
        // Other failures teach nothing.
        let refused = Sent::Failed(outcome(
            Some(TransactionError::InstructionError(
                0,
                InstructionError::Custom(6000),
            )),
            None,
        ));
        assert!(!units.learn(plain(300_000), &refused));
        // Never past the most a transaction may ask for.
        units.learn(plain(MAX_COMPUTE_UNITS), &used(1_000_000));
        assert_eq!(units.limit(true), MAX_COMPUTE_UNITS);
    }

    #[test]
    fn where_nothing_reports_what_a_liquidation_used_none_is_simulated_to_learn_it() {
        let mut units = PlainUnits::default();
        let plain = Asked {
            plain: true,
            units: MAX_COMPUTE_UNITS,
        };
        units.learn(plain, &Sent::Landed(outcome(None, None)));
        assert!(!units.learning());
        assert_eq!(units.limit(true), MAX_COMPUTE_UNITS);
    }

    #[test]
    fn the_book_goes_only_where_orders_may_rest() {
        // No order and no queued fill as last seen, last attempt fine: no book or queue to copy.
        assert!(!takes_book(Some(0), false));
        // A resting order, or a filled one whose fill is still queued (its slot still held).
        assert!(takes_book(Some(1), false));
        // Never seen: it may hold anything.
        assert!(takes_book(None, false));
        // Its last liquidation was refused with `BookRequired`: an order placed since the copy.
        assert!(takes_book(Some(0), true));
    }
}
