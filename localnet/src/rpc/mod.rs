//! Solana JSON-RPC 2.0 over HTTP (axum): the envelope (single and batch requests, the standard
//! error codes) and the method table. Methods answer with the same JSON shapes a validator does,
//! built from the `solana-rpc-client-types` / `-transaction-status` / `-account-decoder` types
//! real clients decode.

mod accounts;
pub use accounts::passes;
pub use chain::CORE_VERSION;
mod chain;
pub mod encode;
mod params;
mod transactions;

use crate::ledger::Ledger;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use params::Params;
use serde_json::{Value, json};
use std::sync::Arc;

/// Requests in one batch at most (as a validator's `--rpc-max-request-body-size` bounds it).
const MAX_BATCH: usize = 1_000;
/// Largest request body accepted.
const MAX_BODY_BYTES: usize = 1 << 20;

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

    fn to_json(&self) -> Value {
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

/// Answers a request body: one request, or a batch.
pub async fn answer(ledger: &Ledger, body: &[u8]) -> Option<Value> {
    let request: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(_) => {
            return Some(reply(
                Value::Null,
                Err(RpcError::new(RpcError::PARSE_ERROR, "Parse error")),
            ));
        }
    };
    match request {
        Value::Array(batch) if batch.is_empty() || batch.len() > MAX_BATCH => Some(reply(
            Value::Null,
            Err(RpcError::invalid_request("Invalid request")),
        )),
        Value::Array(batch) => {
            let answers: Vec<Value> =
                futures::future::join_all(batch.into_iter().map(|r| call(ledger, r)))
                    .await
                    .into_iter()
                    .flatten()
                    .collect();
            (!answers.is_empty()).then_some(Value::Array(answers))
        }
        single => call(ledger, single).await,
    }
}

async fn http(State(ledger): State<Arc<Ledger>>, body: Bytes) -> axum::response::Response {
    match answer(&ledger, &body).await {
        Some(v) => ([(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response(),
        None => axum::http::StatusCode::NO_CONTENT.into_response(),
    }
}

/// `POST /` JSON-RPC, and `GET /health` as a validator serves it.
pub fn router(ledger: Arc<Ledger>) -> Router {
    Router::new()
        .route("/", post(http))
        .route("/health", get(|| async { "ok" }))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(ledger)
}
