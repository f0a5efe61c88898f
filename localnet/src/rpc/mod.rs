//! Solana JSON-RPC 2.0 over HTTP (axum): the envelope (single and batch requests, the standard
//! error codes) and the method table. Methods answer with the same JSON shapes a validator does,
//! built from the `solana-rpc-client-types` / `-transaction-status` / `-account-decoder` types
//! real clients decode.

mod accounts;
pub use accounts::passes;
pub use chain::CORE_VERSION;
pub use limits::{
    Budget, MAX_BATCH, MAX_BODY_BYTES, MAX_RESPONSE_BYTES, MAX_RESPONSE_BYTES_IN_FLIGHT, Pool,
};
mod chain;
pub mod encode;
mod limits;
mod params;
mod transactions;

use crate::ledger::Ledger;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use params::Params;
use serde_json::{Value, json};
use std::sync::Arc;

/// A JSON-RPC error object.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
    pub data: Option<Value>,
}

impl RpcError {
    pub const PARSE_ERROR: i64 = -32700;
    pub const INVALID_REQUEST: i64 = -32600;
    pub const METHOD_NOT_FOUND: i64 = -32601;
    pub const INVALID_PARAMS: i64 = -32602;
    pub const INTERNAL_ERROR: i64 = -32603;
    /// Solana's "transaction simulation failed" (preflight) error.
    pub const SEND_TRANSACTION_PREFLIGHT_FAILURE: i64 = -32002;
    pub const TRANSACTION_SIGNATURE_VERIFICATION_FAILURE: i64 = -32003;
    pub const UNSUPPORTED_TRANSACTION_VERSION: i64 = -32015;

    pub fn new(code: i64, message: impl Into<String>) -> Self {
        RpcError {
            code,
            message: message.into(),
            data: None,
        }
    }

    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self::new(Self::INVALID_PARAMS, message)
    }

    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(Self::INVALID_REQUEST, message)
    }

    pub fn internal(message: impl std::fmt::Display) -> Self {
        Self::new(Self::INTERNAL_ERROR, format!("Internal error: {message}"))
    }

    pub(crate) fn to_json(&self) -> Value {
        let mut error = json!({"code": self.code, "message": self.message});
        if let Some(data) = &self.data {
            error["data"] = data.clone();
        }
        error
    }
}

impl From<perp_sdk::ClusterError> for RpcError {
    fn from(e: perp_sdk::ClusterError) -> Self {
        RpcError::internal(e)
    }
}

pub type RpcResult = Result<Value, RpcError>;

/// `{"context": {"slot", "apiVersion"}, "value"}` — the shape of every contextual answer.
pub fn with_context(slot: u64, value: impl serde::Serialize) -> RpcResult {
    let value = serde_json::to_value(value).map_err(RpcError::internal)?;
    Ok(json!({"context": {"slot": slot, "apiVersion": chain::CORE_VERSION}, "value": value}))
}

async fn dispatch(ledger: &Ledger, method: &str, params: Params) -> RpcResult {
    match method {
        "getVersion" => chain::get_version(),
        "getHealth" => Ok(json!("ok")),
        "getSlot" => Ok(json!(ledger.slot())),
        "getBlockHeight" => Ok(json!(ledger.block_height())),
        "getTransactionCount" => Ok(json!(ledger.transaction_count())),
        "getEpochInfo" => chain::get_epoch_info(ledger),
        "getEpochSchedule" => chain::get_epoch_schedule(ledger),
        "getLatestBlockhash" => chain::get_latest_blockhash(ledger),
        "isBlockhashValid" => chain::is_blockhash_valid(ledger, params),
        "getFeeForMessage" => chain::get_fee_for_message(ledger, params),
        "getMinimumBalanceForRentExemption" => chain::minimum_balance(ledger, params),
        "getRecentPrioritizationFees" => chain::prioritization_fees(ledger, params),
        "getBalance" => accounts::get_balance(ledger, params).await,
        "getAccountInfo" => accounts::get_account_info(ledger, params).await,
        "getMultipleAccounts" => accounts::get_multiple_accounts(ledger, params).await,
        "getProgramAccounts" => accounts::get_program_accounts(ledger, params).await,
        "getTokenAccountBalance" => accounts::get_token_account_balance(ledger, params).await,
        "getTokenAccountsByOwner" => accounts::get_token_accounts_by_owner(ledger, params).await,
        "sendTransaction" => transactions::send_transaction(ledger, params).await,
        "simulateTransaction" => transactions::simulate_transaction(ledger, params).await,
        "getSignatureStatuses" => transactions::get_signature_statuses(ledger, params),
        "getTransaction" => transactions::get_transaction(ledger, params),
        "getSignaturesForAddress" => transactions::get_signatures_for_address(ledger, params),
        "requestAirdrop" => transactions::request_airdrop(ledger, params).await,
        other => Err(RpcError::new(
            RpcError::METHOD_NOT_FOUND,
            format!("Method not found: {other}"),
        )),
    }
}

/// Answers one request object (`None` for a notification, which gets no answer).
async fn call(ledger: &Ledger, request: Value) -> Option<Value> {
    let Value::Object(request) = request else {
        return Some(reply(
            Value::Null,
            Err(RpcError::invalid_request("Invalid request")),
        ));
    };
    let id = request.get("id").cloned();
    let valid_id = matches!(
        id,
        None | Some(Value::Null | Value::Number(_) | Value::String(_))
    );
    let method = request.get("method").and_then(Value::as_str);
    let (Some(method), true, Some("2.0")) = (
        method,
        valid_id,
        request.get("jsonrpc").and_then(Value::as_str),
    ) else {
        return Some(reply(
            id.filter(|_| valid_id).unwrap_or(Value::Null),
            Err(RpcError::invalid_request("Invalid request")),
        ));
    };
    let result = match Params::new(request.get("params").cloned()) {
        Ok(params) => dispatch(ledger, method, params).await,
        Err(e) => Err(e),
    };
    id.map(|id| reply(id, result))
}

pub(crate) fn reply(id: Value, result: RpcResult) -> Value {
    match result {
        Ok(result) => json!({"jsonrpc": "2.0", "result": result, "id": id}),
        Err(e) => json!({"jsonrpc": "2.0", "error": e.to_json(), "id": id}),
    }
}

/// The id a request would be answered with (`None`: a notification, which gets no answer).
fn id_of(request: &Value) -> Option<Value> {
    match request {
        Value::Object(r) => r.get("id").cloned(),
        _ => Some(Value::Null),
    }
}

/// Answers the requests in turn, within `budget`: once an answer would pass it, that request
/// and every later one is answered with the budget's error instead of being run.
async fn call_all(ledger: &Ledger, requests: Vec<Value>, budget: &mut Budget) -> Vec<String> {
    let mut answers = Vec::new();
    let mut refusal: Option<RpcError> = None;
    for request in requests {
        if let Some(e) = &refusal {
            // Refusals are small and always sent.
            if let Some(id) = id_of(&request) {
                answers.push(reply(id, Err(e.clone())).to_string());
            }
            continue;
        }
        let id = id_of(&request);
        let Some(answer) = call(ledger, request).await else {
            continue;
        };
        let text = answer.to_string();
        drop(answer);
        // One more byte: the comma or bracket around it in a batch.
        match budget.charge(text.len() + 1) {
            Ok(()) => answers.push(text),
            Err(e) => {
                answers.push(reply(id.unwrap_or(Value::Null), Err(e.clone())).to_string());
                refusal = Some(e);
            }
        }
    }
    answers
}

/// Answers a request body, one request or a batch, as JSON text within `budget` (`None`: only
/// notifications, which get no answer).
pub async fn answer(ledger: &Ledger, body: &[u8], budget: &mut Budget) -> Option<String> {
    let request: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(_) => {
            let e = RpcError::new(RpcError::PARSE_ERROR, "Parse error");
            return Some(reply(Value::Null, Err(e)).to_string());
        }
    };
    match request {
        Value::Array(batch) if batch.is_empty() => {
            let e = RpcError::invalid_request("Invalid request");
            Some(reply(Value::Null, Err(e)).to_string())
        }
        Value::Array(batch) if batch.len() > MAX_BATCH => {
            Some(reply(Value::Null, Err(limits::batch_too_large())).to_string())
        }
        Value::Array(batch) => {
            let answers = call_all(ledger, batch, budget).await;
            (!answers.is_empty()).then(|| format!("[{}]", answers.join(",")))
        }
        single => call_all(ledger, vec![single], budget).await.pop(),
    }
}

/// What JSON-RPC answers from: the ledger and the pool of answer bytes.
#[derive(Clone)]
struct Service {
    ledger: Arc<Ledger>,
    pool: Pool,
}

async fn http(
    State(service): State<Service>,
    headers: HeaderMap,
    body: Body,
) -> axum::response::Response {
    let body = match limits::read_body(&headers, body).await {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    let mut budget = Budget::new(&service.pool);
    match answer(&service.ledger, &body, &mut budget).await {
        Some(text) => (
            [
                (header::CONTENT_TYPE, "application/json".to_string()),
                (header::CONTENT_LENGTH, text.len().to_string()),
            ],
            budget.into_body(text),
        )
            .into_response(),
        None => axum::http::StatusCode::NO_CONTENT.into_response(),
    }
}

/// `POST /` JSON-RPC, and `GET /health` as a validator serves it; answers draw from `pool`.
pub fn router(ledger: Arc<Ledger>, pool: Pool) -> Router {
    Router::new()
        .route("/", post(http))
        .route("/health", get(|| async { "ok" }))
        .with_state(Service { ledger, pool })
}
