//! Every connection's subscriptions, and the one task that turns the ledger's changes into
//! notifications. As on a validator (Agave's `SubscriptionControl`), requests with the same
//! parameters are one subscription with one id, whoever sent them: each notification is
//! encoded once per change and the same bytes are queued to every connection holding it.
//! The hub owns the caps on subscriptions (per connection and in all); it never waits on a
//! connection (an outbox that is too full closes instead).

use super::outbox::Outbox;
use super::params::{Params, parse};
use crate::ledger::{Change, Ledger};
use crate::rpc::encode::ui_account_unchecked;
use crate::rpc::{RpcError, reply};
use axum::extract::ws::Utf8Bytes;
use perp_sdk::Cluster;
use serde_json::{Value, json};
use solana_sdk::account::Account;
use solana_sdk::pubkey::Pubkey;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::broadcast::error::RecvError;

/// Subscriptions one connection may hold (a request with the parameters of one it holds
/// gets that one's id and is not counted again).
pub const MAX_SUBSCRIPTIONS_PER_CONNECTION: usize = 100;
/// Subscriptions all connections together may hold, each connection's counted (as Agave's
/// `max_active_subscriptions` counts subscribers, not distinct subscriptions).
pub const MAX_SUBSCRIPTIONS: usize = 1_000;

/// One subscription and the connections holding it, each with the number of the last ledger
/// change before it subscribed (it is owed the changes after).
struct Subscription {
    params: Params,
    holders: HashMap<u64, u64>,
}

impl Subscription {
    /// Whether change `seq` is owed to any holder.
    fn owed(&self, seq: u64) -> bool {
        self.holders.values().any(|since| *since < seq)
    }
}

struct Connection {
    ids: HashSet<u64>,
    outbox: Arc<Outbox>,
}

#[derive(Default)]
struct Registry {
    next_connection: u64,
    next_id: u64,
    subscriptions: HashMap<u64, Subscription>,
    ids: HashMap<Params, u64>,
    connections: HashMap<u64, Connection>,
    /// Subscriptions held, each connection's counted.
    held: usize,
}

impl Registry {
    fn new_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// `connection` lets go of subscription `id`; the subscription ends with its last holder.
    fn release(&mut self, connection: u64, id: u64) {
        let Some(sub) = self.subscriptions.get_mut(&id) else {
            return;
        };
        if sub.holders.remove(&connection).is_none() {
            return;
        }
        self.held -= 1;
        if sub.holders.is_empty() {
            let params = self.subscriptions.remove(&id).map(|s| s.params);
            if let Some(params) = params {
                self.ids.remove(&params);
            }
        }
    }

    fn disconnect(&mut self, connection: u64) {
        if let Some(c) = self.connections.remove(&connection) {
            for id in c.ids {
                self.release(connection, id);
            }
        }
    }
}

fn notification(method: &str, subscription: u64, result: Value) -> Utf8Bytes {
    json!({"jsonrpc": "2.0", "method": method, "params": {"result": result, "subscription": subscription}})
        .to_string()
        .into()
}

fn signature_result(slot: u64, err: Option<&solana_sdk::transaction::TransactionError>) -> Value {
    json!({"context": {"slot": slot}, "value": {"err": err}})
}

fn answer(id: Value, result: Result<Value, RpcError>) -> Utf8Bytes {
    reply(id, result).to_string().into()
}

pub struct Hub {
    ledger: Arc<Ledger>,
    registry: Mutex<Registry>,
    /// Bytes queued in every connection's outbox.
    queued: Arc<AtomicUsize>,
    /// Connections whose socket is still served (a connection dropped for falling behind
    /// leaves the registry at once, and this count when its task has let go of the socket).
    open: AtomicUsize,
}

/// A connection's place in the hub; dropping it drops the connection's subscriptions.
pub struct Handle {
    hub: Arc<Hub>,
    pub id: u64,
    pub outbox: Arc<Outbox>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.hub.lock().disconnect(self.id);
        self.hub.open.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Hub {
    pub fn new(ledger: Arc<Ledger>) -> Arc<Self> {
        Arc::new(Hub {
            ledger,
            registry: Mutex::default(),
            queued: Arc::default(),
            open: AtomicUsize::new(0),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Subscriptions held now, each connection's counted.
    pub fn held(&self) -> usize {
        self.lock().held
    }

    /// Connections whose socket is served now.
    pub fn connections(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    pub fn connect(self: &Arc<Self>) -> Handle {
        self.open.fetch_add(1, Ordering::Relaxed);
        let outbox = Arc::new(Outbox::new(self.queued.clone()));
        let mut r = self.lock();
        r.next_connection += 1;
        let id = r.next_connection;
        r.connections.insert(
            id,
            Connection {
                ids: HashSet::new(),
                outbox: outbox.clone(),
            },
        );
        Handle {
            hub: self.clone(),
            id,
            outbox,
        }
    }

    /// Answers one text frame of `connection` into its outbox; a subscription's id is queued
    /// before any of its notifications.
    pub fn request(&self, connection: u64, text: &str) {
        let mut r = self.lock();
        let Some(outbox) = r.connections.get(&connection).map(|c| c.outbox.clone()) else {
            return;
        };
        let request = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(request)) => request,
            Ok(_) => {
                let e = RpcError::invalid_request("Invalid request");
                outbox.push(answer(Value::Null, Err(e)));
                return;
            }
            Err(_) => {
                let e = RpcError::new(RpcError::PARSE_ERROR, "Parse error");
                outbox.push(answer(Value::Null, Err(e)));
                return;
            }
        };
        let id = request.get("id").cloned().unwrap_or(Value::Null);
        let method = request.get("method").and_then(Value::as_str).unwrap_or("");
        let params = match request.get("params") {
            Some(Value::Array(p)) => p.as_slice(),
            _ => &[],
        };
        if let Some(kind) = method.strip_suffix("Unsubscribe") {
            let sid = params.first().and_then(Value::as_u64);
            let held = sid.filter(|s| {
                r.connections[&connection].ids.contains(s)
                    && r.subscriptions
                        .get(s)
                        .is_some_and(|sub| sub.params.kind() == kind)
            });
            let result = match held {
                Some(sid) => {
                    if let Some(c) = r.connections.get_mut(&connection) {
                        c.ids.remove(&sid);
                    }
                    r.release(connection, sid);
                    Ok(json!(true))
                }
                None => Err(RpcError::invalid_params("Invalid subscription id.")),
            };
            outbox.push(answer(id, result));
            return;
        }
        match parse(method, params) {
            Ok(params) => self.subscribe(&mut r, connection, &outbox, id, params),
            Err(e) => {
                outbox.push(answer(id, Err(e)));
            }
        }
    }

    fn subscribe(
        &self,
        r: &mut Registry,
        connection: u64,
        outbox: &Outbox,
        id: Value,
        params: Params,
    ) {
        let existing = r.ids.get(&params).copied();
        let mine = &r.connections[&connection].ids;
        if let Some(sid) = existing.filter(|s| mine.contains(s)) {
            outbox.push(answer(id, Ok(json!(sid))));
            return;
        }
        if mine.len() >= MAX_SUBSCRIPTIONS_PER_CONNECTION {
            let e = RpcError::invalid_request(format!(
                "Too many subscriptions on this connection (at most {MAX_SUBSCRIPTIONS_PER_CONNECTION})"
            ));
            outbox.push(answer(id, Err(e)));
            return;
        }
        if r.held >= MAX_SUBSCRIPTIONS {
            // A validator's words for its own cap.
            let e = RpcError::new(
                RpcError::INTERNAL_ERROR,
                "Internal Error: Subscription refused. Node subscription limit reached",
            );
            outbox.push(answer(id, Err(e)));
            return;
        }
        // A signature already processed is notified at once (and the subscription ends).
        if let Params::Signature(signature) = &params
            && let Some(record) = self.ledger.transaction(signature)
        {
            let sid = r.new_id();
            outbox.push(answer(id, Ok(json!(sid))));
            let result = signature_result(record.slot, record.err.as_ref());
            outbox.push(notification("signatureNotification", sid, result));
            return;
        }
        let sid = match existing {
            Some(sid) => sid,
            None => {
                let sid = r.new_id();
                r.ids.insert(params.clone(), sid);
                r.subscriptions.insert(
                    sid,
                    Subscription {
                        params,
                        holders: HashMap::new(),
                    },
                );
                sid
            }
        };
        let since = self.ledger.changes_sent();
        if let Some(sub) = r.subscriptions.get_mut(&sid) {
            sub.holders.insert(connection, since);
        }
        if let Some(c) = r.connections.get_mut(&connection) {
            c.ids.insert(sid);
        }
        r.held += 1;
        outbox.push(answer(id, Ok(json!(sid))));
    }

    /// The subscriptions owed change `seq` whose parameters `wanted` picks.
    fn matching(&self, seq: u64, wanted: impl Fn(&Params) -> bool) -> Vec<(u64, Params)> {
        self.lock()
            .subscriptions
            .iter()
            .filter(|(_, s)| s.owed(seq) && wanted(&s.params))
            .map(|(id, s)| (*id, s.params.clone()))
            .collect()
    }

    /// Whether subscription `id` is still owed change `seq`: its holders may have gone (closed
    /// for falling behind) since it was picked.
    fn owed(&self, id: u64, seq: u64) -> bool {
        self.lock()
            .subscriptions
            .get(&id)
            .is_some_and(|s| s.owed(seq))
    }

    /// Queues `frame` (about change `seq`) to every holder of subscription `id` owed it, and
    /// ends their hold when `last`; a holder too far behind is dropped with its subscriptions.
    fn deliver(&self, id: u64, seq: u64, frame: Utf8Bytes, last: bool) {
        let mut r = self.lock();
        let Some(sub) = r.subscriptions.get(&id) else {
            return;
        };
        let owed: Vec<u64> = sub
            .holders
            .iter()
            .filter(|(_, since)| **since < seq)
            .map(|(c, _)| *c)
            .collect();
        let behind: Vec<u64> = owed
            .iter()
            .filter(|c| {
                r.connections
                    .get(c)
                    .is_some_and(|c| !c.outbox.push(frame.clone()))
            })
            .copied()
            .collect();
        if last {
            for c in owed {
                if let Some(conn) = r.connections.get_mut(&c) {
                    conn.ids.remove(&id);
                }
                r.release(c, id);
            }
        }
        for c in behind {
            tracing::warn!(
                connection = c,
                "a PubSub connection fell too far behind; closed"
            );
            r.disconnect(c);
        }
    }

    /// `key`'s account, read once per change (`fetched`).
    async fn fetch<'a>(
        &self,
        key: &Pubkey,
        fetched: &'a mut HashMap<Pubkey, Account>,
    ) -> &'a Account {
        if !fetched.contains_key(key) {
            // A closed account is notified as empty and owned by the system program.
            let account = self
                .ledger
                .account(key)
                .await
                .ok()
                .flatten()
                .unwrap_or_default();
            fetched.insert(*key, account);
        }
        &fetched[key]
    }

    /// Notifies the holders of every subscription `change` concerns, one subscription at a
    /// time: each notification is encoded once and queued before the next is encoded.
    async fn notify(&self, seq: u64, change: &Change) {
        match change {
            Change::Slot { slot } => {
                for (id, _) in self.matching(seq, |p| matches!(p, Params::Slot)) {
                    let result =
                        json!({"parent": slot.saturating_sub(1), "root": slot, "slot": slot});
                    let frame = notification("slotNotification", id, result);
                    self.deliver(id, seq, frame, false);
                }
            }
            Change::Signature {
                slot,
                signature,
                err,
            } => {
                let wanted = |p: &Params| match p {
                    Params::Signature(s) => s == signature,
                    Params::Logs(_) => true,
                    _ => false,
                };
                for (id, params) in self.matching(seq, wanted) {
                    match params {
                        Params::Signature(_) => {
                            let result = signature_result(*slot, err.as_ref());
                            let frame = notification("signatureNotification", id, result);
                            self.deliver(id, seq, frame, true);
                        }
                        Params::Logs(mentions) => {
                            let Some(record) = self.ledger.transaction(signature) else {
                                continue;
                            };
                            let keys = record.transaction.message.static_account_keys();
                            if mentions.is_none_or(|key| keys.contains(&key)) {
                                let value = json!({"signature": signature.to_string(), "err": err, "logs": record.logs});
                                let result = json!({"context": {"slot": slot}, "value": value});
                                let frame = notification("logsNotification", id, result);
                                self.deliver(id, seq, frame, false);
                            }
                        }
                        _ => {}
                    }
                }
            }
            Change::Accounts { slot, keys } => {
                let wanted = |p: &Params| match p {
                    Params::Account { key, .. } => keys.contains(key),
                    Params::Program { .. } => true,
                    _ => false,
                };
                let mut fetched = HashMap::new();
                for (id, params) in self.matching(seq, wanted) {
                    if !self.owed(id, seq) {
                        continue;
                    }
                    match params {
                        Params::Account {
                            key,
                            encoding,
                            slice,
                        } => {
                            let account = self.fetch(&key, &mut fetched).await;
                            let value =
                                ui_account_unchecked(&self.ledger, &key, account, encoding, slice)
                                    .await;
                            let result = json!({"context": {"slot": slot}, "value": value});
                            let frame = notification("accountNotification", id, result);
                            self.deliver(id, seq, frame, false);
                        }
                        Params::Program {
                            program,
                            filters,
                            encoding,
                            slice,
                        } => {
                            for key in keys.iter() {
                                let account = self.fetch(key, &mut fetched).await;
                                let passes = account.owner == program
                                    && filters.iter().all(|f| crate::rpc::passes(f, &account.data));
                                if !passes {
                                    continue;
                                }
                                let value = ui_account_unchecked(
                                    &self.ledger,
                                    key,
                                    account,
                                    encoding,
                                    slice,
                                )
                                .await;
                                let result = json!({"context": {"slot": slot}, "value": {"pubkey": key.to_string(), "account": value}});
                                let frame = notification("programNotification", id, result);
                                self.deliver(id, seq, frame, false);
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    /// Turns the ledger's changes into notifications until the ledger stops.
    pub async fn run(self: Arc<Self>) {
        let mut changes = self.ledger.subscribe();
        loop {
            match changes.recv().await {
                Ok((seq, change)) => self.notify(seq, &change).await,
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "PubSub fell behind the ledger; changes dropped");
                }
                Err(RecvError::Closed) => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pubsub::outbox::Next;

    /// The next queued frame, as JSON (`None`: nothing queued).
    async fn queued(outbox: &Outbox) -> Option<Value> {
        if outbox.queued() == 0 {
            return None;
        }
        match outbox.next().await {
            Next::Write(frame) => serde_json::from_str(&frame).ok(),
            Next::Closed => None,
        }
    }

    #[tokio::test]
    async fn a_subscription_is_told_only_of_changes_after_it() {
        let ledger = Ledger::start(0).await.expect("ledger");
        let key = Pubkey::new_unique();
        // A change made before the subscription, not yet turned into notifications (the hub
        // is not running: this test drives it).
        ledger.set_account(&key, Account::default()).await;
        let before = ledger.changes_sent();
        let hub = Hub::new(ledger.clone());
        let connection = hub.connect();
        let request = json!({"jsonrpc": "2.0", "id": 1, "method": "accountSubscribe", "params": [key.to_string()]});
        hub.request(connection.id, &request.to_string());
        let sid = queued(&connection.outbox).await.expect("the reply")["result"].clone();
        let change = Change::Accounts {
            slot: ledger.slot(),
            keys: Arc::from([key]),
        };
        hub.notify(before, &change).await;
        assert_eq!(
            queued(&connection.outbox).await,
            None,
            "made before it subscribed"
        );
        hub.notify(before + 1, &change).await;
        let note = queued(&connection.outbox).await.expect("a notification");
        assert_eq!(
            (note["method"].as_str(), &note["params"]["subscription"]),
            (Some("accountNotification"), &sid)
        );
    }
}
