//! Solana PubSub over WebSocket: accountSubscribe, programSubscribe, signatureSubscribe,
//! logsSubscribe and slotSubscribe (and their unsubscribes), with notifications in a validator's shapes, driven by
//! the ledger's stream of changes.

use crate::ledger::{Change, Ledger};
use crate::rpc::encode::ui_account_unchecked;
use crate::rpc::{RpcError, reply};
use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::IntoResponse;
use axum::routing::any;
use perp_sdk::Cluster;
use serde_json::{Value, json};
use solana_account_decoder::{UiAccountEncoding, UiDataSliceConfig};
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcTransactionLogsFilter,
};
use solana_rpc_client_api::filter::RpcFilterType;
use solana_sdk::account::Account;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signature;
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::broadcast::error::RecvError;

/// Subscriptions one connection may hold.
const MAX_SUBSCRIPTIONS: usize = 1_000;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

enum Subscription {
    Account {
        key: Pubkey,
        encoding: UiAccountEncoding,
        slice: Option<UiDataSliceConfig>,
    },
    Program {
        program: Pubkey,
        filters: Vec<RpcFilterType>,
        encoding: UiAccountEncoding,
        slice: Option<UiDataSliceConfig>,
    },
    Signature(Signature),
    /// Logs of every transaction, or of those naming this account.
    Logs(Option<Pubkey>),
    Slot,
}

impl Subscription {
    fn kind(&self) -> &'static str {
        match self {
            Subscription::Account { .. } => "account",
            Subscription::Program { .. } => "program",
            Subscription::Signature(_) => "signature",
            Subscription::Logs(_) => "logs",
            Subscription::Slot => "slot",
        }
    }
}

fn param<T: serde::de::DeserializeOwned + Default>(
    params: &[Value],
    i: usize,
) -> Result<T, RpcError> {
    match params.get(i) {
        None | Some(Value::Null) => Ok(T::default()),
        Some(v) => serde_json::from_value(v.clone())
            .map_err(|e| RpcError::invalid_params(format!("Invalid params: {e}"))),
    }
}

fn key_param<T: FromStr>(params: &[Value], name: &str) -> Result<T, RpcError>
where
    T::Err: std::fmt::Display,
{
    let s = params
        .first()
        .and_then(Value::as_str)
        .ok_or_else(|| RpcError::invalid_params(format!("Invalid params: missing {name}")))?;
    T::from_str(s).map_err(|e| RpcError::invalid_params(format!("Invalid param: {e}")))
}

fn parse(method: &str, params: &[Value]) -> Result<Subscription, RpcError> {
    Ok(match method {
        "accountSubscribe" => {
            let config: RpcAccountInfoConfig = param(params, 1)?;
            Subscription::Account {
                key: key_param(params, "pubkey")?,
                encoding: config.encoding.unwrap_or(UiAccountEncoding::Binary),
                slice: config.data_slice,
            }
        }
        "programSubscribe" => {
            let config: RpcProgramAccountsConfig = param(params, 1)?;
            let filters = config.filters.unwrap_or_default();
            for f in &filters {
                f.verify()
                    .map_err(|e| RpcError::invalid_params(format!("Invalid param: {e:?}")))?;
            }
            Subscription::Program {
                program: key_param(params, "program id")?,
                filters,
                encoding: config
                    .account_config
                    .encoding
                    .unwrap_or(UiAccountEncoding::Binary),
                slice: config.account_config.data_slice,
            }
        }
        "signatureSubscribe" => Subscription::Signature(key_param(params, "signature")?),
        "logsSubscribe" => {
            let filter: RpcTransactionLogsFilter = params
                .first()
                .cloned()
                .and_then(|v| serde_json::from_value(v).ok())
                .ok_or_else(|| {
                    RpcError::invalid_params("Invalid params: expected a logs filter")
                })?;
            match filter {
                RpcTransactionLogsFilter::All | RpcTransactionLogsFilter::AllWithVotes => {
                    Subscription::Logs(None)
                }
                RpcTransactionLogsFilter::Mentions(keys) => {
                    match keys.as_slice() {
                        [key] => Subscription::Logs(Some(Pubkey::from_str(key).map_err(|e| {
                            RpcError::invalid_params(format!("Invalid param: {e}"))
                        })?)),
                        _ => {
                            return Err(RpcError::invalid_params(
                                "Invalid Request: Only 1 address supported",
                            ));
                        }
                    }
                }
            }
        }
        "slotSubscribe" => Subscription::Slot,
        other => {
            return Err(RpcError::new(
                RpcError::METHOD_NOT_FOUND,
                format!("Method not found: {other}"),
            ));
        }
    })
}

fn notification(method: &str, subscription: u64, result: Value) -> String {
    json!({"jsonrpc": "2.0", "method": method, "params": {"result": result, "subscription": subscription}})
        .to_string()
}

fn signature_result(slot: u64, err: Option<&solana_sdk::transaction::TransactionError>) -> Value {
    json!({"context": {"slot": slot}, "value": {"err": err}})
}

/// One connection's subscriptions.
struct Session {
    ledger: Arc<Ledger>,
    subs: HashMap<u64, Subscription>,
}

impl Session {
    /// Answers one text frame; the answer first, then any notification it already owes.
    async fn request(&mut self, text: &str) -> Vec<String> {
        let request = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(request)) => request,
            Ok(_) => {
                let e = RpcError::invalid_request("Invalid request");
                return vec![reply(Value::Null, Err(e)).to_string()];
            }
            Err(_) => {
                let e = RpcError::new(RpcError::PARSE_ERROR, "Parse error");
                return vec![reply(Value::Null, Err(e)).to_string()];
            }
        };
        let id = request.get("id").cloned().unwrap_or(Value::Null);
        let method = request.get("method").and_then(Value::as_str).unwrap_or("");
        let params = match request.get("params") {
            Some(Value::Array(p)) => p.clone(),
            _ => Vec::new(),
        };
        if let Some(kind) = method.strip_suffix("Unsubscribe") {
            let sid = params.first().and_then(Value::as_u64);
            let removed = sid
                .filter(|s| self.subs.get(s).is_some_and(|sub| sub.kind() == kind))
                .and_then(|s| self.subs.remove(&s));
            let result = match removed {
                Some(_) => Ok(json!(true)),
                None => Err(RpcError::invalid_params("Invalid subscription id.")),
            };
            return vec![reply(id, result).to_string()];
        }
        if self.subs.len() >= MAX_SUBSCRIPTIONS {
            let e = RpcError::invalid_request("Too many subscriptions on this connection");
            return vec![reply(id, Err(e)).to_string()];
        }
        let sub = match parse(method, &params) {
            Ok(sub) => sub,
            Err(e) => return vec![reply(id, Err(e)).to_string()],
        };
        let sid = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let mut out = vec![reply(id, Ok(json!(sid))).to_string()];
        // A signature already processed is notified at once (and the subscription ends).
        if let Subscription::Signature(signature) = &sub
            && let Some(record) = self.ledger.transaction(signature)
        {
            let result = signature_result(record.slot, record.err.as_ref());
            out.push(notification("signatureNotification", sid, result));
            return out;
        }
        self.subs.insert(sid, sub);
        out
    }

    async fn account(&self, key: &Pubkey) -> Account {
        // A closed account is notified as empty and owned by the system program.
        self.ledger
            .account(key)
            .await
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// The notifications `change` owes this connection.
    async fn notify(&mut self, change: &Change) -> Vec<String> {
        let mut out = Vec::new();
        let mut fetched: HashMap<Pubkey, Account> = HashMap::new();
        let mut finished = Vec::new();
        for (sid, sub) in &self.subs {
            match (sub, change) {
                (Subscription::Slot, Change::Slot { slot }) => {
                    let result =
                        json!({"parent": slot.saturating_sub(1), "root": slot, "slot": slot});
                    out.push(notification("slotNotification", *sid, result));
                }
                (
                    Subscription::Logs(mentions),
                    Change::Signature {
                        slot,
                        signature,
                        err,
                    },
                ) => {
                    let Some(record) = self.ledger.transaction(signature) else {
                        continue;
                    };
                    let named = mentions.is_none_or(|key| {
                        record
                            .transaction
                            .message
                            .static_account_keys()
                            .contains(&key)
                    });
                    if named {
                        let value = json!({"signature": signature.to_string(), "err": err, "logs": record.logs});
                        let result = json!({"context": {"slot": slot}, "value": value});
                        out.push(notification("logsNotification", *sid, result));
                    }
                }
                (
                    Subscription::Signature(s),
                    Change::Signature {
                        slot,
                        signature,
                        err,
                    },
                ) if s == signature => {
                    let result = signature_result(*slot, err.as_ref());
                    out.push(notification("signatureNotification", *sid, result));
                    finished.push(*sid);
                }
                (
                    Subscription::Account {
                        key,
                        encoding,
                        slice,
                    },
                    Change::Accounts { slot, keys },
                ) if keys.contains(key) => {
                    if !fetched.contains_key(key) {
                        fetched.insert(*key, self.account(key).await);
                    }
                    let account = &fetched[key];
                    let value =
                        ui_account_unchecked(&self.ledger, key, account, *encoding, *slice).await;
                    let result = json!({"context": {"slot": slot}, "value": value});
                    out.push(notification("accountNotification", *sid, result));
                }
                (
                    Subscription::Program {
                        program,
                        filters,
                        encoding,
                        slice,
                    },
                    Change::Accounts { slot, keys },
                ) => {
                    for key in keys.iter() {
                        if !fetched.contains_key(key) {
                            fetched.insert(*key, self.account(key).await);
                        }
                        let account = &fetched[key];
                        let passes = account.owner == *program
                            && filters.iter().all(|f| crate::rpc::passes(f, &account.data));
                        if !passes {
                            continue;
                        }
                        let value =
                            ui_account_unchecked(&self.ledger, key, account, *encoding, *slice)
                                .await;
                        let result = json!({"context": {"slot": slot}, "value": {"pubkey": key.to_string(), "account": value}});
                        out.push(notification("programNotification", *sid, result));
                    }
                }
                _ => {}
            }
        }
        for sid in finished {
            self.subs.remove(&sid);
        }
        out
    }
}

async fn serve_socket(mut socket: WebSocket, ledger: Arc<Ledger>) {
    let mut changes = ledger.subscribe();
    let mut session = Session {
        ledger,
        subs: HashMap::new(),
    };
    loop {
        let outgoing = tokio::select! {
            msg = socket.recv() => match msg {
                Some(Ok(Message::Text(text))) => session.request(text.as_str()).await,
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => continue,
            },
            change = changes.recv() => match change {
                Ok(change) => session.notify(&change).await,
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "a PubSub connection fell behind; changes dropped");
                    continue;
                }
                Err(RecvError::Closed) => break,
            },
        };
        for text in outgoing {
            if socket.send(Message::Text(text.into())).await.is_err() {
                return;
            }
        }
    }
}

async fn upgrade(State(ledger): State<Arc<Ledger>>, ws: WebSocketUpgrade) -> impl IntoResponse {
    ws.on_upgrade(move |socket| serve_socket(socket, ledger))
}

/// The PubSub endpoint (any path, as a validator's).
pub fn router(ledger: Arc<Ledger>) -> Router {
    Router::new().route("/", any(upgrade)).with_state(ledger)
}
