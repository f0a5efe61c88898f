//! Trigger executor: fires the market's due trigger orders (stop-loss, take-profit, brackets;
//! docs/triggers.md). Like the liquidator, it is driven by changes: with the account stream up,
//! each pass judges the market's trigger accounts as the stream holds them (an RPC request only
//! to read again those with a due trigger, `refreshed`, and for a full listing now and then),
//! and the stream wakes it at once when a trigger account or an oracle changes — a stop is
//! judged in the pass after the price that makes it due, not at the next timer (which stays,
//! for expiries and as the floor while nothing changes). With the stream down it reads the trigger accounts of the margin accounts that say they have one (the
//! liquidator, which follows every margin account, keeps the set: `TriggerAccounts`; alone, the
//! task lists them with `getProgramAccounts`). It judges every trigger with the engine's own rule
//! (`TriggerOrder::is_due` on the band `trigger_execute` reads: every valid source, lowest to
//! highest), and executes the due ones farthest past their trigger price first, expired ones
//! last (their removal earns nothing), one per account a pass, skipping delegates' triggers
//! (they earn nothing; the delegate fires its own). Each execution cranks the stable price in
//! the same transaction first (`market_update_price`). Each execution is simulated before it is sent. Losing a
//! race — another executor fired or removed it first, or the price moved back — is normal and
//! counted as `raced`; other failures back that trigger off exponentially (not its account: a
//! trigger that passes the program's precheck but always fails its order, e.g. a limit order's
//! rest on an account below maintenance, must not hold back the account's other triggers). What the
//! program removes instead of executing (nothing to reduce, margin refused, expired) counts as
//! `removed`.

use super::Keeper;
use crate::backoff::Backoff;
use crate::error::KeeperError;
use crate::sender::Sent;
use crate::snapshot::MarketSnapshot;
use crate::stream::AccountStream;
use perp_sdk::TxOutcome;
use perp_sdk::accounts;
use perp_sdk::events::in_logs;
use perp_sdk::ix::{self, TriggerExecuteAccounts};
use perp_sdk::pda;
use perp_sdk::perp::error::ErrorCode;
use perp_sdk::perp::events::{TriggerExecuted, TriggerRemoved};
use perp_sdk::perp_engine::oracle::{Action, PriceBand};
use perp_sdk::perp_engine::trigger::{Direction, TriggerOrder};
use perp_sdk::perp_engine::{Price, Ticks};
use solana_sdk::account::Account;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signer::Signer;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

/// Seconds between the task's listings while the stream is up but its trigger accounts are not
/// reconciled (their snapshot failed): sooner than `stream_rescan_secs`, not every pass.
const UNRECONCILED_RESCAN_SECS: i64 = 10;

/// What one pass saw and did.
#[derive(Debug, Default)]
pub struct TriggerPass {
    /// Trigger accounts listed, and the triggers they hold.
    pub accounts: usize,
    pub triggers: usize,
    /// Triggers due (or expired) at this pass's prices, before it acted.
    pub due: usize,
    /// Executed: (margin account, trigger id).
    pub executed: Vec<(Pubkey, u64)>,
    /// Removed by the program instead (expired, nothing to reduce, margin refused).
    pub removed: usize,
    pub raced: usize,
    pub failed: usize,
    /// Why each failed execution failed (the account, the error and the last log line).
    pub failures: Vec<(Pubkey, String)>,
    /// No price for triggers now (the oracle rules refuse one): nothing was tried.
    pub no_price: bool,
}

/// The margin accounts of a market that have trigger orders (their `trigger_orders` flag), as
/// the liquidator, which follows every margin account, last saw them: the trigger task reads
/// their trigger accounts instead of listing the program's accounts (a scan of every account of
/// the program on the endpoint) every pass.
pub type TriggerAccounts = Arc<Mutex<BTreeSet<Pubkey>>>;

pub struct TriggerExecutor {
    market: Pubkey,
    keeper_account: Pubkey,
    /// Per (margin account, trigger id).
    backoff: Backoff<(Pubkey, u64)>,
    /// Margin accounts one of whose triggers failed since one last landed: their due triggers
    /// go after everyone else's. A trigger's id is new when it is placed again, so its backoff
    /// alone could be dodged by cancelling and placing it again each time it is backed off;
    /// accounts doing so would fill every pass ahead of honest stops.
    failing: std::collections::HashSet<Pubkey>,
    /// Whose trigger accounts to read (`None`: list them, `getProgramAccounts`).
    watched: Option<TriggerAccounts>,
    /// The trigger accounts streamed (read while it is up) and what wakes the next pass.
    stream: Option<AccountStream>,
    wake: Arc<tokio::sync::Notify>,
    /// When (chain unix time) every trigger account was last read while streaming.
    last_rescan: Option<i64>,
}

/// A due trigger and how far the index is past its trigger price (bps of it; larger first).
struct Due {
    account: Pubkey,
    id: u64,
    past_bps: i128,
}

impl TriggerExecutor {
    /// Fires `market`'s due triggers, earning the fee into `keeper_account` (the keeper's own
    /// margin account there).
    pub fn new(market: Pubkey, keeper_account: Pubkey, backoff: Backoff<(Pubkey, u64)>) -> Self {
        TriggerExecutor {
            market,
            keeper_account,
            backoff,
            failing: Default::default(),
            watched: None,
            stream: None,
            wake: Arc::new(tokio::sync::Notify::new()),
            last_rescan: None,
        }
    }

    /// Reads the trigger accounts from `stream` while it is up, woken by its changes.
    pub fn with_stream(mut self, stream: AccountStream) -> Self {
        self.wake = stream.trigger_wake();
        self.stream = Some(stream);
        self
    }

    /// What wakes the next pass before its timer (see `with_stream`).
    pub fn wake(&self) -> Arc<tokio::sync::Notify> {
        self.wake.clone()
    }

    /// Reads the trigger accounts of `watched`'s margin accounts instead of listing them.
    pub fn with_watched(mut self, watched: TriggerAccounts) -> Self {
        self.watched = Some(watched);
        self
    }

    /// The market's trigger accounts, and whether they are the stream's copies (those with a
    /// due trigger are then read again: `refreshed`). While the stream is up, its copies,
    /// except every `stream_rescan_secs` (and at start) when they are all listed and the stream
    /// reconciled with the listing; while it is down, or its trigger accounts are not
    /// reconciled, a reading (and a listing every `UNRECONCILED_RESCAN_SECS`).
    async fn trigger_accounts(
        &mut self,
        k: &Keeper,
        snap: &MarketSnapshot,
        now: i64,
    ) -> Result<(Vec<Account>, bool), KeeperError> {
        let accounts = |read: Vec<(Pubkey, Account)>| read.into_iter().map(|(_, a)| a).collect();
        let Some(stream) = self.stream.clone().filter(AccountStream::is_up) else {
            return Ok((accounts(self.read(k, false).await?.0), false));
        };
        // Not reconciled (their snapshot failed): tried again sooner.
        let every = match stream.trigger_accounts() {
            Some(_) => k.tuning.stream_rescan_secs,
            None => k.tuning.stream_rescan_secs.min(UNRECONCILED_RESCAN_SECS),
        };
        let rescan_due = self
            .last_rescan
            .is_none_or(|at| now.saturating_sub(at) >= every);
        if !rescan_due {
            return Ok(match stream.trigger_accounts() {
                Some(held) => (held, true),
                // Their snapshot failed, and so did the last listing: the watched ones.
                None => (accounts(self.read(k, false).await?.0), false),
            });
        }
        let (read, complete) = self.read(k, true).await?;
        // The listing may come from another endpoint than the clock, up to the pool's lag
        // behind it: reconciled at the oldest slot it may reflect, it never removes or
        // overwrites a newer notification.
        let slot = snap.clock.slot.saturating_sub(k.tuning.max_slot_lag);
        stream.reconcile_triggers(slot, read.clone(), complete);
        self.last_rescan = Some(now);
        Ok((accounts(read), false))
    }

    /// Reads the market's trigger accounts: those of the watched margin accounts (one
    /// `getMultipleAccounts` per hundred), or every one the program lists when unwatched or
    /// `listed` is asked for (then the watched ones if the listing fails). Whether it is every
    /// one (a listing).
    async fn read(
        &self,
        k: &Keeper,
        listed: bool,
    ) -> Result<(Vec<(Pubkey, Account)>, bool), KeeperError> {
        let cluster = k.sender.cluster.as_ref();
        let filters = accounts::trigger_orders_filters(&self.market);
        let listing = || cluster.program_accounts(&perp_sdk::perp::ID, &filters);
        let watched = match (&self.watched, listed) {
            (None, _) => return Ok((listing().await?, true)),
            (Some(watched), false) => watched,
            (Some(watched), true) => match listing().await {
                Ok(all) => return Ok((all, true)),
                Err(e) => {
                    tracing::warn!(error = %e, "trigger accounts not listed; reading the watched ones");
                    watched
                }
            },
        };
        let keys: Vec<Pubkey> = watched
            .lock()
            .expect("trigger accounts")
            .iter()
            .map(pda::trigger_orders_pda)
            .collect();
        let read = cluster.accounts(&keys).await?;
        Ok((
            keys.into_iter()
                .zip(read)
                .filter_map(|(key, a)| Some((key, a?)))
                .collect(),
            false,
        ))
    }

    /// `listed`, the stream's copies, with every account holding a due (or expired) trigger
    /// read again (one `getMultipleAccounts` per hundred): the stream may hold an account closed
    /// since (which sends no notification), miss a change an endpoint dropped, or not yet show
    /// the task's own last execution. What was read goes back into the stream (at the oldest
    /// slot it may reflect), so a closed account is not held, nor read, again.
    async fn refreshed(
        &self,
        k: &Keeper,
        listed: Vec<Account>,
        snap: &MarketSnapshot,
        band: &PriceBand,
        now: i64,
    ) -> Result<Vec<Account>, KeeperError> {
        let mut stale = Vec::new();
        let mut kept = Vec::new();
        for account in listed {
            let due = accounts::trigger_orders(&account).ok().and_then(|orders| {
                let due = orders
                    .triggers
                    .iter()
                    .any(|t| t.by_delegate == 0 && urgency(t, snap, band, now).is_some());
                due.then(|| pda::trigger_orders_pda(&orders.margin_account))
            });
            match due {
                Some(key) => stale.push(key),
                None => kept.push(account),
            }
        }
        if stale.is_empty() {
            return Ok(kept);
        }
        let read = k.sender.cluster.accounts(&stale).await?;
        if let Some(stream) = &self.stream {
            let slot = snap.clock.slot.saturating_sub(k.tuning.max_slot_lag);
            stream.offer_triggers(slot, stale.into_iter().zip(read.iter().cloned()).collect());
        }
        kept.extend(read.into_iter().flatten());
        Ok(kept)
    }

    pub async fn tick(&mut self, k: &Keeper) -> Result<TriggerPass, KeeperError> {
        let cluster = k.sender.cluster.as_ref();
        let snap = MarketSnapshot::fetch(cluster, self.market).await?;
        let now = snap.clock.unix_timestamp;
        let (listed, held) = self.trigger_accounts(k, &snap, now).await?;
        let Some(band) = snap.band(Action::Liquidate) else {
            return Ok(TriggerPass {
                accounts: listed.len(),
                no_price: true,
                ..TriggerPass::default()
            });
        };
        let listed = if held {
            self.refreshed(k, listed, &snap, &band, now).await?
        } else {
            listed
        };
        let mut pass = TriggerPass {
            accounts: listed.len(),
            ..TriggerPass::default()
        };
        let market = self.market.to_string();
        let mut due = Vec::new();
        let mut live = std::collections::HashSet::new();
        for account in &listed {
            let Ok(orders) = accounts::trigger_orders(account) else {
                continue;
            };
            for t in orders.triggers.iter() {
                pass.triggers += 1;
                live.insert((orders.margin_account, t.id));
                // A delegate's trigger earns its executor nothing; the delegate fires it.
                if t.by_delegate == 1 {
                    continue;
                }
                if let Some(past_bps) = urgency(t, &snap, &band, now) {
                    due.push(Due {
                        account: orders.margin_account,
                        id: t.id,
                        past_bps,
                    });
                }
            }
        }
        pass.due = due.len();
        k.metrics
            .triggers_due
            .with_label_values(&[&market])
            .set(i64::try_from(due.len()).unwrap_or(i64::MAX));
        // What is gone needs no backoff any more.
        self.backoff.retain(|key| live.contains(key));
        let holders: std::collections::HashSet<Pubkey> = live.iter().map(|(m, _)| *m).collect();
        self.failing.retain(|a| holders.contains(a));
        let due = chosen(
            due,
            &self.backoff,
            &self.failing,
            now,
            k.tuning.max_triggers_per_tick,
        );
        let m = &snap.market;
        for d in &due {
            let accounts = TriggerExecuteAccounts {
                executor: k.sender.signer.pubkey(),
                market: self.market,
                margin_account: d.account,
                executor_account: self.keeper_account,
                book: m.book,
                event_queue: m.event_queue,
                oracles: snap.oracle_metas(),
            };
            // The stable price brought up to date first (it follows the index at a bounded pace,
            // and only when cranked): the order band is built around it, and a band still at the
            // price before a fall excludes the bids a stop must sell into.
            let ixs = [
                ix::market_update_price(self.market, snap.oracle_metas()),
                ix::trigger_execute(&accounts, d.id, &[]),
            ];
            let sent = k.sender.simulate_and_send(&ixs).await?;
            match &sent {
                Sent::Landed(o) => {
                    self.backoff.clear(&(d.account, d.id));
                    self.failing.remove(&d.account);
                    if in_logs::<TriggerExecuted>(&o.logs).is_empty() {
                        pass.removed += in_logs::<TriggerRemoved>(&o.logs).len().max(1);
                        k.metrics.trigger("removed");
                    } else {
                        pass.executed.push((d.account, d.id));
                        k.metrics.trigger("executed");
                    }
                }
                Sent::Refused(o) | Sent::Failed(o) if is_race(o) => {
                    pass.raced += 1;
                    k.metrics.trigger("raced");
                }
                Sent::Refused(o) | Sent::Failed(o) => {
                    pass.failed += 1;
                    k.metrics.trigger("failed");
                    self.backoff.failed((d.account, d.id), now);
                    self.failing.insert(d.account);
                    pass.failures
                        .push((d.account, format!("{:?} {:?}", o.err, o.logs.last())));
                    tracing::warn!(account = %d.account, trigger = d.id, error = ?o.err, log = ?o.logs.last(), "trigger execution failed");
                }
            }
        }
        Ok(pass)
    }
}

/// What a pass executes of `due`: farthest past its trigger price first, those of `failing`
/// accounts after all others, at most `max`, one per account (an account's eight triggers,
/// always due, cannot take the whole pass from everyone else's), skipping triggers still backed
/// off (their account's next due trigger goes instead).
fn chosen(
    mut due: Vec<Due>,
    backoff: &Backoff<(Pubkey, u64)>,
    failing: &std::collections::HashSet<Pubkey>,
    now: i64,
    max: usize,
) -> Vec<Due> {
    due.sort_by_key(|d| (failing.contains(&d.account), std::cmp::Reverse(d.past_bps)));
    let mut seen = std::collections::HashSet::new();
    due.retain(|d| backoff.ready(&(d.account, d.id), now) && seen.insert(d.account));
    due.truncate(max);
    due
}

/// How urgent `t` is at `band` (every valid source) and `now`: how far the index is past its
/// trigger price in bps of it when due (the engine's rule), below every due one when only
/// expired (removing it earns nothing but frees its slot), `None` when neither.
fn urgency(t: &TriggerOrder, snap: &MarketSnapshot, band: &PriceBand, now: i64) -> Option<i128> {
    let m = &snap.market;
    let at = Price::from_ticks(
        Ticks::new(t.trigger_price_ticks),
        m.tick_size(),
        m.quote_lot_size(),
    )
    .ok()?;
    if t.is_due(band, at) {
        let at_raw = i128::from(at.raw()).max(1);
        let past = match t.direction() {
            Direction::AtOrBelow => at_raw - i128::from(band.high.raw()),
            Direction::AtOrAbove => i128::from(band.low.raw()) - at_raw,
        };
        return Some(past * 10_000 / at_raw);
    }
    t.is_expired(now).then_some(-1)
}

/// Refusals that mean someone else got there first or the price moved back: the trigger is
/// gone or not due any more (the very same transaction having landed already among them).
fn is_race(outcome: &TxOutcome) -> bool {
    let refused = [ErrorCode::TriggerNotDue, ErrorCode::TriggerNotFound];
    outcome.err == Some(solana_sdk::transaction::TransactionError::AlreadyProcessed)
        || outcome
            .custom_error()
            .is_some_and(|code| refused.iter().any(|e| u32::from(*e) == code))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn due(account: Pubkey, id: u64, past_bps: i128) -> Due {
        Due {
            account,
            id,
            past_bps,
        }
    }

    #[test]
    fn a_trigger_that_keeps_failing_does_not_hold_back_its_accounts_others() {
        let (a, b) = (Pubkey::new_unique(), Pubkey::new_unique());
        let mut backoff = Backoff::new(2, 60);
        let none = Default::default();
        let all = || vec![due(a, 1, 500), due(a, 2, 100), due(b, 7, 300)];
        let ids = |d: Vec<Due>| d.iter().map(|d| (d.account, d.id)).collect::<Vec<_>>();
        // Farthest past first, one per account.
        assert_eq!(ids(chosen(all(), &backoff, &none, 0, 16)), [(a, 1), (b, 7)]);
        // Trigger 1 of `a` failed: backed off, `a`'s trigger 2 goes in its place.
        backoff.failed((a, 1), 0);
        assert_eq!(ids(chosen(all(), &backoff, &none, 1, 16)), [(b, 7), (a, 2)]);
        // Until its wait is over; and never more than the pass allows.
        assert_eq!(ids(chosen(all(), &backoff, &none, 2, 16)), [(a, 1), (b, 7)]);
        assert_eq!(ids(chosen(all(), &backoff, &none, 2, 1)), [(a, 1)]);
    }

    #[test]
    fn accounts_whose_triggers_fail_go_after_everyone_else() {
        // Sixteen accounts whose triggers always fail, farthest past their price, each placed
        // again under a new id once backed off: an honest stop still goes first.
        let honest = Pubkey::new_unique();
        let churners: Vec<Pubkey> = (0..16).map(|_| Pubkey::new_unique()).collect();
        let failing: std::collections::HashSet<Pubkey> = churners.iter().copied().collect();
        let mut all: Vec<Due> = churners
            .iter()
            .enumerate()
            .map(|(i, a)| due(*a, 100 + i as u64, 9_000))
            .collect();
        all.push(due(honest, 1, 10));
        let picked = chosen(all, &Backoff::new(2, 60), &failing, 0, 16);
        assert_eq!((picked[0].account, picked.len()), (honest, 16));
    }
}
