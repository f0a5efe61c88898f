//! What one JSON-RPC request may cost the local exchange: the size of its body (read no further
//! than the limit), the number of requests in a batch, and the bytes of its answer, alone and
//! with every other answer not yet written out. An answer past its budget is an error, so a
//! small request can no longer make a large one (100 `getAccountInfo` on a 1 MB book made
//! 140 MB). This module owns those figures; it must never hold an answer's bytes without
//! holding their share of the pool.

use super::RpcError;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde_json::{Value, json};
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Largest request body: a validator's (Agave's `MAX_REQUEST_BODY_SIZE`, 50 KiB, the default of
/// `--rpc-max-request-body-size`). A transaction is at most 1,232 bytes (~1.7 kB in base64).
pub const MAX_BODY_BYTES: usize = 50 * (1 << 10);
/// Requests in one batch. Agave has no count (its 50 KiB body holds ~500 small requests); 100
/// is the most keys `getMultipleAccounts` takes in one request, and no client of this
/// exchange batches at all.
pub const MAX_BATCH: usize = 100;
/// Bytes one request's answer (a batch's answers together) may take: ample for the largest
/// answer a client of this exchange asks for (the book is 1.40 MB in base64; every account of
/// the program, unfiltered, 3.0 MB with the default actors; a keeper listing 100,000 margin
/// accounts by key, about 17 MB: all measured). Larger markets are listed in parts
/// (`perp_sdk::cluster::listing`).
pub const MAX_RESPONSE_BYTES: usize = 32 << 20;
/// Bytes of answers all requests together may hold at once, built and not yet written out
/// (two answers of the largest size).
pub const MAX_RESPONSE_BYTES_IN_FLIGHT: usize = 64 << 20;
/// An answer is written out in pieces of this size, so its share of the pool is given back
/// only once the connection has taken (nearly) all of it.
const CHUNK: usize = 64 << 10;

/// The error a budget gives: the request's own limit, or every request's together.
fn too_large() -> RpcError {
    RpcError::invalid_request(format!(
        "Invalid request: the answer would exceed {MAX_RESPONSE_BYTES} bytes (the local exchange's limit per request); ask for less (dataSlice, fewer accounts, smaller batches)"
    ))
}

fn busy() -> RpcError {
    RpcError::new(
        RpcError::INTERNAL_ERROR,
        format!(
            "Internal error: the local exchange is already writing {MAX_RESPONSE_BYTES_IN_FLIGHT} bytes of answers; try again"
        ),
    )
}

/// The share of answers' bytes every request draws from.
#[derive(Clone)]
pub struct Pool(Arc<Semaphore>);

impl Default for Pool {
    fn default() -> Self {
        Pool(Arc::new(Semaphore::new(MAX_RESPONSE_BYTES_IN_FLIGHT)))
    }
}

impl Pool {
    /// Bytes of the pool not held by any answer.
    pub fn available(&self) -> usize {
        self.0.available_permits()
    }
}

/// One request's budget: the bytes its answer took so far, held from the pool.
pub struct Budget {
    pool: Pool,
    held: Option<OwnedSemaphorePermit>,
    used: usize,
}

impl Budget {
    pub fn new(pool: &Pool) -> Self {
        Budget {
            pool: pool.clone(),
            held: None,
            used: 0,
        }
    }

    /// Takes `bytes` more for this answer, or says why not.
    pub fn charge(&mut self, bytes: usize) -> Result<(), RpcError> {
        if self.used + bytes > MAX_RESPONSE_BYTES {
            return Err(too_large());
        }
        let n = u32::try_from(bytes).map_err(|_| too_large())?;
        let permit = self
            .pool
            .0
            .clone()
            .try_acquire_many_owned(n)
            .map_err(|_| busy())?;
        match &mut self.held {
            Some(held) => held.merge(permit),
            None => self.held = Some(permit),
        }
        self.used += bytes;
        Ok(())
    }

    /// Bytes taken so far.
    pub fn used(&self) -> usize {
        self.used
    }

    /// The HTTP body of `text`, holding this budget's bytes until it has been written out.
    pub fn into_body(self, text: String) -> Body {
        let held = self.held;
        let state = (text.into_bytes(), 0usize, held);
        // Each piece is copied out, so the whole answer is freed with the permit, not when the
        // connection takes its last piece.
        Body::from_stream(futures::stream::unfold(
            state,
            |(text, at, held)| async move {
                if at >= text.len() {
                    return None;
                }
                let end = (at + CHUNK).min(text.len());
                let piece = Bytes::copy_from_slice(&text[at..end]);
                Some((Ok::<_, Infallible>(piece), (text, end, held)))
            },
        ))
    }
}

/// A JSON-RPC error answered with an HTTP status (the request was not read as JSON-RPC).
fn refuse(status: StatusCode, e: RpcError) -> Response {
    let body = json!({"jsonrpc": "2.0", "error": e.to_json(), "id": Value::Null});
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn body_too_large() -> Response {
    refuse(
        StatusCode::PAYLOAD_TOO_LARGE,
        RpcError::invalid_request(format!(
            "Invalid request: the body is larger than {MAX_BODY_BYTES} bytes (a validator's limit)"
        )),
    )
}

/// The request's body, read no further than [`MAX_BODY_BYTES`]; a declared length over it is
/// refused before reading anything.
pub async fn read_body(headers: &HeaderMap, body: Body) -> Result<Bytes, Response> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(body_too_large());
    }
    let mut read = Vec::new();
    let mut frames = body.into_data_stream();
    while let Some(frame) = frames.next().await {
        let frame = frame.map_err(|e| {
            refuse(
                StatusCode::BAD_REQUEST,
                RpcError::invalid_request(format!("Invalid request: unreadable body: {e}")),
            )
        })?;
        if read.len() + frame.len() > MAX_BODY_BYTES {
            return Err(body_too_large());
        }
        read.extend_from_slice(&frame);
    }
    Ok(Bytes::from(read))
}

/// The error for a batch of more than [`MAX_BATCH`] requests.
pub fn batch_too_large() -> RpcError {
    RpcError::invalid_request(format!(
        "Invalid request: a batch holds at most {MAX_BATCH} requests"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_in_flight_share_one_pool() {
        let pool = Pool::default();
        let n = MAX_RESPONSE_BYTES_IN_FLIGHT / MAX_RESPONSE_BYTES;
        let mut full: Vec<Budget> = (0..n).map(|_| Budget::new(&pool)).collect();
        for budget in &mut full {
            budget.charge(MAX_RESPONSE_BYTES).unwrap();
            assert_eq!(budget.charge(1), Err(too_large()), "its own limit");
        }
        assert_eq!(pool.available(), 0);
        let mut late = Budget::new(&pool);
        assert_eq!(late.charge(1), Err(busy()));
        drop(full.pop());
        late.charge(MAX_RESPONSE_BYTES).unwrap();
        assert_eq!(late.used(), MAX_RESPONSE_BYTES);
    }
}
