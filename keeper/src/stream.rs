//! One market's margin accounts, streamed: `programSubscribe` on the program with the same
//! filters the liquidator lists them with (`dataSize` + `memcmp` on the market), then a
//! `getProgramAccounts` snapshot to reconcile — subscribed first, so no change falls between the
//! two; per account the newest slot wins, and an account the snapshot no longer lists (closed)
//! goes. Every (re)subscription does the same, so a change made while the stream was down is
//! picked up. Several PubSub endpoints are tried in turn, with a backoff.
//!
//! The market account, its oracle accounts and its event queue are followed too
//! (`accountSubscribe`, no data): their change, like any margin account's, wakes the liquidator
//! at once (`wake`), so a price lands in its next pass rather than at its timer.
//!
//! The liquidator takes only what changed since its last pass (`take_changes`), so a pass
//! costs no RPC request for accounts; while the stream is down (`is_up` false) it polls as
//! before, and says so (`stream_up` metric, `/health`).
//!
//! The market's trigger-order accounts are streamed the same way (a second `programSubscribe`,
//! with their filters, reconciled by their own snapshot) and held whole for the trigger task
//! (`trigger_accounts`), which a change of one, or of an oracle, wakes (`trigger_wake`): a stop
//! is judged when the index moves, not at its next timer. Their snapshot failing (an endpoint
//! that caps the listing) leaves only them down: the trigger task reads them as it does while
//! the stream is down, and reconciles them itself (`reconcile_triggers`), as it does now and
//! then while it is up (a closed account sends no notification, and an endpoint may drop some).

use crate::metrics::Metrics;
use futures::StreamExt;
use perp_sdk::Cluster;
use perp_sdk::accounts;
use perp_sdk::cluster::listing;
use perp_sdk::cluster::rpc::rpc_filters;
use perp_sdk::oracle::OracleSnapshot;
use solana_commitment_config::CommitmentConfig;
use solana_pubsub_client::nonblocking::pubsub_client::PubsubClient;
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcProgramAccountsConfig, UiAccountEncoding, UiDataSliceConfig,
};
use solana_sdk::account::Account;
use solana_sdk::pubkey::Pubkey;
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// What a subscription reports: a margin account's new state, or that the market or an oracle
/// changed (the liquidator reads those itself, with the clock, in one snapshot).
enum Note {
    Account(Pubkey, u64, Option<Account>),
    Trigger(Pubkey, u64, Option<Account>),
    /// The market or its event queue changed (`false`), or an oracle (`true`).
    Prices {
        oracle: bool,
    },
    /// A subscription ended: the stream is no longer whole.
    Ended,
}

/// What the stream holds: each account with the slot it was seen at, and what changed since
/// the liquidator last took the changes (`None`: the account is gone).
///
/// A state nobody drains (`whole`: the trigger accounts) holds in `changed` every account's
/// newest state, and drops a closed one instead of keeping it as `None` (its slot kept).
#[derive(Default)]
struct State {
    slots: HashMap<Pubkey, u64>,
    changed: HashMap<Pubkey, Option<Account>>,
    whole: bool,
}

impl State {
    /// Keeps `account` as `key`'s state at `slot` unless a newer one is held.
    fn offer(&mut self, key: Pubkey, slot: u64, account: Option<Account>) {
        if self.slots.get(&key).is_some_and(|held| *held > slot) {
            return;
        }
        if account.is_none() && self.whole {
            // Its slot stays (until the next snapshot), so an older notification cannot bring
            // it back.
            self.changed.remove(&key);
            self.slots.insert(key, slot);
            return;
        }
        match account {
            Some(_) => {
                self.slots.insert(key, slot);
            }
            None => {
                self.slots.remove(&key);
            }
        }
        self.changed.insert(key, account);
    }

    /// A snapshot listed at `slot`: every listed account offered; accounts it no longer lists,
    /// and last seen before it, are gone (when the listing is `complete`: one that left a part
    /// out cannot say). A held state claiming a slot past what the cluster can have made since
    /// (a lying endpoint's, before it was dropped) gives way to the snapshot.
    fn reconcile(&mut self, slot: u64, listed: Vec<(Pubkey, Account)>, complete: bool) {
        let most = plausible_slot(slot, Duration::ZERO);
        let changed = &mut self.changed;
        let whole = self.whole;
        self.slots.retain(|key, held| {
            let keep = *held <= most
                // A closed account's slot kept before this snapshot: a complete snapshot
                // answers for it now.
                && !(whole && complete && *held < slot && !changed.contains_key(key));
            if !keep && whole {
                changed.remove(key);
            }
            keep
        });
        if complete {
            let present: std::collections::HashSet<Pubkey> =
                listed.iter().map(|(k, _)| *k).collect();
            let gone: Vec<Pubkey> = self
                .slots
                .iter()
                .filter(|(k, s)| !present.contains(k) && **s <= slot)
                .map(|(k, _)| *k)
                .collect();
            for key in gone {
                self.offer(key, slot, None);
            }
        }
        for (key, account) in listed {
            self.offer(key, slot, Some(account));
        }
    }
}

/// Slots a notification may claim past the reconciling snapshot's: the cluster's pace (2.5 a
/// second; 3 allowed) for the time since, and a minute's worth on top.
const SLOTS_PER_SEC_ALLOWED: u64 = 3;
const SLOTS_AHEAD_ALLOWED: u64 = 150;

/// The highest slot a notification may claim `elapsed` after the cluster said it was at
/// `snapshot_slot`. A notification beyond it (and beyond the cluster's slot asked again) is a
/// lie or a broken endpoint: trusted, it would shadow every true change of that account (the
/// newest slot wins), so the subscription is dropped for the next endpoint instead.
fn plausible_slot(snapshot_slot: u64, elapsed: Duration) -> u64 {
    snapshot_slot
        .saturating_add(
            elapsed
                .as_secs()
                .saturating_add(1)
                .saturating_mul(SLOTS_PER_SEC_ALLOWED),
        )
        .saturating_add(SLOTS_AHEAD_ALLOWED)
}

/// A market's margin accounts as the stream sees them.
#[derive(Clone)]
pub struct AccountStream {
    state: Arc<Mutex<State>>,
    /// The market's trigger-order accounts, held whole.
    triggers: Arc<Mutex<State>>,
    up: Arc<AtomicBool>,
    /// The trigger accounts reconciled since the stream came up.
    triggers_up: Arc<AtomicBool>,
    wake: Arc<Notify>,
    trigger_wake: Arc<Notify>,
}

impl AccountStream {
    /// Whether the stream is subscribed and reconciled (otherwise the liquidator polls).
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Acquire)
    }

    /// Notified whenever a followed account changes (a margin account, the market, an oracle).
    pub fn wake(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Notified whenever a trigger account or an oracle changes, while the trigger accounts are
    /// reconciled (and once when they are).
    pub fn trigger_wake(&self) -> Arc<Notify> {
        self.trigger_wake.clone()
    }

    /// The market's trigger-order accounts as the stream holds them, while it is up and they
    /// are reconciled.
    pub fn trigger_accounts(&self) -> Option<Vec<Account>> {
        if !self.is_up() || !self.triggers_up.load(Ordering::Acquire) {
            return None;
        }
        let held = self.triggers.lock().expect("stream state");
        Some(held.changed.values().flatten().cloned().collect())
    }

    /// Offers what the trigger task read of some trigger accounts at `slot` or later (`None`:
    /// closed): a closed account, which sends no notification, is no longer held.
    pub fn offer_triggers(&self, slot: u64, read: Vec<(Pubkey, Option<Account>)>) {
        let mut held = self.triggers.lock().expect("stream state");
        for (key, account) in read {
            held.offer(key, slot, account);
        }
    }

    /// Reconciles the trigger accounts with `listed`, read at `slot` or later (the trigger
    /// task's own reading; `complete`: every one that exists), while the stream is up. Only a
    /// complete reading makes them up.
    pub fn reconcile_triggers(&self, slot: u64, listed: Vec<(Pubkey, Account)>, complete: bool) {
        if !self.is_up() {
            return;
        }
        self.triggers
            .lock()
            .expect("stream state")
            .reconcile(slot, listed, complete);
        if complete {
            self.triggers_up.store(true, Ordering::Release);
        }
    }

    /// The accounts changed since the last call (`None`: closed), while the stream is up.
    pub fn take_changes(&self) -> Option<Vec<(Pubkey, Option<Account>)>> {
        if !self.is_up() {
            return None;
        }
        let mut state = self.state.lock().expect("stream state");
        Some(state.changed.drain().collect())
    }

    /// Starts following `market` over `ws_urls` (tried in turn), reconciling through `rpc`.
    pub fn spawn(
        ws_urls: Vec<String>,
        rpc: Arc<dyn Cluster>,
        market: Pubkey,
        metrics: Arc<Metrics>,
    ) -> Self {
        let stream = AccountStream {
            state: Arc::default(),
            triggers: Arc::new(Mutex::new(State {
                whole: true,
                ..State::default()
            })),
            up: Arc::new(AtomicBool::new(false)),
            triggers_up: Arc::new(AtomicBool::new(false)),
            wake: Arc::new(Notify::new()),
            trigger_wake: Arc::new(Notify::new()),
        };
        tokio::spawn(stream.clone().run(ws_urls, rpc, market, metrics));
        stream
    }

    fn set_up(&self, up: bool, market: &str, metrics: &Metrics) {
        if !up {
            self.triggers_up.store(false, Ordering::Release);
        }
        self.up.store(up, Ordering::Release);
        metrics
            .stream_up
            .with_label_values(&[market])
            .set(i64::from(up));
    }

    /// Follows forever: each endpoint in turn, 1 s between attempts doubling to 30 s while
    /// none holds.
    async fn run(
        self,
        ws_urls: Vec<String>,
        rpc: Arc<dyn Cluster>,
        market: Pubkey,
        metrics: Arc<Metrics>,
    ) {
        let name = market.to_string();
        let mut wait = Duration::from_secs(1);
        for url in ws_urls.iter().cycle() {
            let result = self
                .follow_once(url, rpc.as_ref(), &market, &name, &metrics)
                .await;
            self.set_up(false, &name, &metrics);
            match result {
                Ok(()) => {
                    tracing::warn!(url, market = %name, "account stream ended; polling until it resubscribes");
                    wait = Duration::from_secs(1);
                }
                Err(e) => {
                    tracing::warn!(url, market = %name, error = %e, "account stream down; polling");
                }
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(30));
        }
    }

    async fn follow_once(
        &self,
        url: &str,
        rpc: &dyn Cluster,
        market: &Pubkey,
        name: &str,
        metrics: &Metrics,
    ) -> anyhow::Result<()> {
        let client = PubsubClient::new(url).await?;
        let config = |filters: &[perp_sdk::AccountFilter]| RpcProgramAccountsConfig {
            filters: Some(rpc_filters(filters)),
            account_config: RpcAccountInfoConfig {
                encoding: Some(UiAccountEncoding::Base64),
                commitment: Some(CommitmentConfig::confirmed()),
                ..RpcAccountInfoConfig::default()
            },
            ..RpcProgramAccountsConfig::default()
        };
        let (accounts, _unsubscribe) = client
            .program_subscribe(
                &perp_sdk::perp::ID,
                Some(config(&accounts::margin_account_filters(market))),
            )
            .await?;
        let (triggers, _unsubscribe_triggers) = client
            .program_subscribe(
                &perp_sdk::perp::ID,
                Some(config(&accounts::trigger_orders_filters(market))),
            )
            .await?;
        // An account that no longer passes the filters (closed) arrives without data, where the
        // endpoint notifies it at all (not all do: the full listings now and then cover that).
        let decoded = |note: solana_rpc_client_api::response::Response<
            solana_rpc_client_api::response::RpcKeyedAccount,
        >| {
            let key = Pubkey::from_str(&note.value.pubkey).ok()?;
            let account = note
                .value
                .account
                .decode::<Account>()
                .filter(|a| !a.data.is_empty());
            Some((key, note.context.slot, account))
        };
        let ended = || futures::stream::once(async { Note::Ended });
        let accounts = accounts
            .filter_map(move |note| async move {
                decoded(note).map(|(key, slot, account)| Note::Account(key, slot, account))
            })
            .chain(ended());
        let triggers = triggers
            .filter_map(move |note| async move {
                decoded(note).map(|(key, slot, account)| Note::Trigger(key, slot, account))
            })
            .chain(ended());
        // The market and its oracles: which oracles is the market's to say.
        let market_account = rpc
            .account(market)
            .await?
            .ok_or_else(|| anyhow::anyhow!("market {name} not found"))?;
        let decoded = accounts::market(&market_account)?;
        let oracles = OracleSnapshot::keys(&decoded);
        // The event queue too: a fill queued against an account changes how it is judged.
        // Only an oracle's change wakes the trigger task (the market and the queue change with
        // every fill; a trigger fires on the index).
        let watched = [(*market, false), (decoded.event_queue, false)]
            .into_iter()
            .chain(oracles.into_iter().flatten().map(|o| (o, true)));
        // Only the change matters (the liquidator reads them itself): no data, where the
        // endpoint honours a data slice (the queue is 70 KB).
        let config = RpcAccountInfoConfig {
            encoding: Some(UiAccountEncoding::Base64),
            commitment: Some(CommitmentConfig::confirmed()),
            data_slice: Some(UiDataSliceConfig {
                offset: 0,
                length: 0,
            }),
            ..RpcAccountInfoConfig::default()
        };
        let mut prices = Vec::new();
        for (key, oracle) in watched {
            let (changes, _unsubscribe) =
                client.account_subscribe(&key, Some(config.clone())).await?;
            prices.push(
                changes
                    .map(move |_| Note::Prices { oracle })
                    .chain(ended())
                    .boxed(),
            );
        }
        let mut notes = futures::stream::select_all([
            accounts.boxed(),
            triggers.boxed(),
            futures::stream::select_all(prices).boxed(),
        ]);
        // Subscribed first: the snapshot then covers everything before the first notification.
        let snapshot_slot = rpc.clock().await?.slot;
        // The slot bound counts from when that slot was read, not from the end of a listing
        // that may take long.
        let (mut anchor_slot, mut anchor) = (snapshot_slot, std::time::Instant::now());
        let known = self.state.lock().expect("stream state").slots.len();
        let listed = listing::margin_accounts(rpc, market, known).await?;
        let count = listed.accounts.len();
        self.state.lock().expect("stream state").reconcile(
            snapshot_slot,
            listed.accounts,
            listed.complete,
        );
        let triggers = rpc
            .program_accounts(
                &perp_sdk::perp::ID,
                &accounts::trigger_orders_filters(market),
            )
            .await;
        self.set_up(true, name, metrics);
        match triggers {
            Ok(listed) => {
                self.reconcile_triggers(snapshot_slot, listed, true);
                self.trigger_wake.notify_one();
            }
            Err(e) => {
                tracing::warn!(url, market = %name, error = %e, "trigger accounts not listed; the trigger task reconciles them itself");
            }
        }
        self.wake.notify_one();
        tracing::info!(
            url,
            market = name,
            accounts = count,
            "account stream subscribed and reconciled"
        );
        while let Some(note) = notes.next().await {
            if let Note::Account(_, slot, _) | Note::Trigger(_, slot, _) = &note
                && *slot > plausible_slot(anchor_slot, anchor.elapsed())
            {
                // The cluster may run faster than the bound's pace: ask it where it is.
                anchor_slot = rpc.clock().await?.slot;
                anchor = std::time::Instant::now();
                let most = plausible_slot(anchor_slot, Duration::ZERO);
                anyhow::ensure!(
                    *slot <= most,
                    "a notification claims slot {slot}, beyond the cluster's {most} at most"
                );
            }
            if !self.apply(note) {
                // One subscription alone cannot go on: the stream would be up, not whole.
                return Ok(());
            }
        }
        Ok(())
    }
}

impl AccountStream {
    /// Takes `note` into the state it changes and wakes whom it concerns: a margin account's
    /// change the liquidator; a trigger account's the trigger task; the market's or the event
    /// queue's the liquidator; an oracle's both. The trigger task only while its accounts are
    /// reconciled (until then it polls on its timer, as while the stream is down). `false`: a
    /// subscription ended.
    fn apply(&self, note: Note) -> bool {
        let triggers_up = self.triggers_up.load(Ordering::Acquire);
        let wake_triggers = || {
            if triggers_up {
                self.trigger_wake.notify_one();
            }
        };
        match note {
            Note::Account(key, slot, account) => {
                self.state
                    .lock()
                    .expect("stream state")
                    .offer(key, slot, account);
                self.wake.notify_one();
            }
            Note::Trigger(key, slot, account) => {
                self.triggers
                    .lock()
                    .expect("stream state")
                    .offer(key, slot, account);
                wake_triggers();
            }
            Note::Prices { oracle } => {
                self.wake.notify_one();
                if oracle {
                    wake_triggers();
                }
            }
            Note::Ended => return false,
        }
        true
    }
}

/// The PubSub URL of an RPC URL by Solana's convention: `ws` for `http`, the next port.
pub fn pubsub_url(rpc_url: &str) -> Option<String> {
    let (scheme, rest) = rpc_url.split_once("://")?;
    let scheme = match scheme {
        "http" => "ws",
        "https" => "wss",
        _ => return None,
    };
    let (host, path) = rest.split_once('/').map_or((rest, ""), |(h, p)| (h, p));
    let host = match host.rsplit_once(':') {
        Some((h, port)) => format!("{h}:{}", port.parse::<u16>().ok()?.checked_add(1)?),
        None => host.to_string(),
    };
    Some(
        format!("{scheme}://{host}/{path}")
            .trim_end_matches('/')
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(byte: u8) -> Account {
        Account {
            data: vec![byte; 4],
            ..Account::default()
        }
    }

    #[test]
    fn the_newest_slot_wins_and_the_snapshot_removes_what_closed_meanwhile() {
        let (a, b, c) = (
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            Pubkey::new_unique(),
        );
        let mut s = State::default();
        s.offer(a, 10, Some(account(1)));
        s.offer(b, 12, Some(account(2)));
        // An older notification never overwrites a newer state.
        s.offer(a, 9, Some(account(9)));
        assert_eq!(s.changed[&a], Some(account(1)));
        s.changed.clear();
        // The stream went down; meanwhile `a` changed, `b` closed, `c` opened. The snapshot at
        // slot 20 carries all three; a notification from slot 25 for `c` is newer and stays.
        s.offer(c, 25, Some(account(7)));
        s.reconcile(20, vec![(a, account(3)), (c, account(5))], true);
        assert_eq!(
            s.changed[&a],
            Some(account(3)),
            "changed while down: picked up"
        );
        assert_eq!(s.changed[&b], None, "closed while down: gone");
        assert_eq!(s.changed[&c], Some(account(7)), "a newer notification wins");
        assert!(!s.slots.contains_key(&b));
    }

    #[test]
    fn an_incomplete_snapshot_removes_nothing_and_a_lie_gives_way_to_the_snapshot() {
        let (a, b) = (Pubkey::new_unique(), Pubkey::new_unique());
        let mut s = State::default();
        s.offer(a, 10, Some(account(1)));
        // A lying endpoint claimed `b` at a far slot.
        s.offer(b, 1_000_000, Some(account(9)));
        s.changed.clear();
        // An incomplete listing at slot 20 that left `a`'s part out: `a` stays.
        s.reconcile(20, vec![(b, account(2))], false);
        assert!(!s.changed.contains_key(&a), "not removed");
        assert_eq!(s.slots[&a], 10);
        assert_eq!(s.changed[&b], Some(account(2)), "the lie gave way");
        assert_eq!(s.slots[&b], 20);
    }

    #[test]
    fn a_state_held_whole_keeps_every_account_and_drops_a_closed_one() {
        let (a, b) = (Pubkey::new_unique(), Pubkey::new_unique());
        let mut s = State {
            whole: true,
            ..State::default()
        };
        s.reconcile(10, vec![(a, account(1)), (b, account(2))], true);
        s.offer(a, 12, Some(account(3)));
        // Closed by a notification: gone, not held as `None`; an older one does not revive it.
        s.offer(b, 12, None);
        s.offer(b, 11, Some(account(2)));
        let held: Vec<_> = s.changed.values().flatten().collect();
        assert_eq!(held, [&account(3)]);
        // A snapshot that no longer lists `a` (closed while the stream was down) drops it, and
        // answers for `b` now: its kept slot goes.
        s.reconcile(20, vec![], true);
        assert!(s.changed.is_empty());
        assert_eq!(s.slots, HashMap::from([(a, 20)]));
    }

    #[test]
    fn each_change_wakes_the_task_it_concerns() {
        use futures::FutureExt;
        let stream = AccountStream {
            state: Arc::default(),
            triggers: Arc::default(),
            up: Arc::new(AtomicBool::new(true)),
            triggers_up: Arc::new(AtomicBool::new(true)),
            wake: Arc::new(Notify::new()),
            trigger_wake: Arc::new(Notify::new()),
        };
        // Which of (liquidator, trigger task) a note woke.
        let woke = |note| {
            assert!(stream.apply(note));
            (
                stream.wake.notified().now_or_never().is_some(),
                stream.trigger_wake.notified().now_or_never().is_some(),
            )
        };
        let key = Pubkey::new_unique();
        assert_eq!(woke(Note::Account(key, 1, Some(account(1)))), (true, false));
        assert_eq!(woke(Note::Trigger(key, 1, Some(account(2)))), (false, true));
        assert_eq!(woke(Note::Prices { oracle: false }), (true, false));
        assert_eq!(woke(Note::Prices { oracle: true }), (true, true));
        // Trigger accounts not reconciled: the trigger task runs on its timer.
        stream.triggers_up.store(false, Ordering::Release);
        assert_eq!(woke(Note::Prices { oracle: true }), (true, false));
        assert_eq!(woke(Note::Trigger(key, 2, None)), (false, false));
        assert!(!stream.apply(Note::Ended), "a subscription ended");
    }

    #[test]
    fn a_notification_from_beyond_the_clusters_pace_is_refused() {
        let at = |secs| plausible_slot(1_000, Duration::from_secs(secs));
        assert_eq!(at(0), 1_000 + 3 + 150);
        // Ten minutes on: the cluster made about 1,500 slots; up to 1,803 + 150 are believed.
        assert_eq!(at(600), 1_000 + 601 * 3 + 150);
        assert!(at(600) > 1_000 + 1_500);
        assert!(at(600) < 1_000 + 2_500, "a far future slot is not");
        assert_eq!(
            plausible_slot(u64::MAX - 1, Duration::from_secs(1)),
            u64::MAX
        );
    }

    #[test]
    fn the_pubsub_url_is_the_next_port() {
        assert_eq!(
            pubsub_url("http://127.0.0.1:8899").as_deref(),
            Some("ws://127.0.0.1:8900")
        );
        assert_eq!(
            pubsub_url("https://api.devnet.solana.com").as_deref(),
            Some("wss://api.devnet.solana.com")
        );
        assert_eq!(
            pubsub_url("https://rpc.example:443/key").as_deref(),
            Some("wss://rpc.example:444/key")
        );
        assert_eq!(pubsub_url("ftp://x"), None);
    }
}
