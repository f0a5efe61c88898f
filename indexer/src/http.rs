//! `GET /trades?market=<address>&limit=<n>` (newest first, n ≤ 1,000),
//! `GET /fills?account=<margin account>&limit=<n>` (that account's fills as maker or taker,
//! newest first, n ≤ 1,000), `GET /orders?account=<margin account>&limit=<n>` (the orders it
//! placed, newest first, n ≤ 1,000), `GET /funding?account=<margin account>&limit=<n>` (the
//! funding it paid or received each time funding settled into it, newest first, n ≤ 1,000) and
//! `GET /candles?market=<address>&interval=<secs>&from=<unix>&to=<unix>` (oldest first), JSON,
//! readable from any origin (the web app is served elsewhere); `GET /health`.

use crate::store::Store;
use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

const MAX_TRADES: u32 = 1_000;
/// Candle widths served, seconds.
pub const INTERVALS: [i64; 6] = [60, 300, 900, 3_600, 14_400, 86_400];

fn reply(status: StatusCode, body: serde_json::Value) -> Response {
    (
        status,
        [(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")],
        Json(body),
    )
        .into_response()
}

fn failed(e: rusqlite::Error) -> Response {
    reply(
        StatusCode::INTERNAL_SERVER_ERROR,
        json!({"error": e.to_string()}),
    )
}

#[derive(Deserialize)]
struct TradesQuery {
    market: String,
    limit: Option<u32>,
}

async fn trades(State(store): State<Arc<Store>>, Query(q): Query<TradesQuery>) -> Response {
    let limit = q.limit.unwrap_or(100).min(MAX_TRADES);
    match store.trades(&q.market, limit) {
        Ok(t) => reply(StatusCode::OK, json!(t)),
        Err(e) => failed(e),
    }
}

#[derive(Deserialize)]
struct FillsQuery {
    account: String,
    limit: Option<u32>,
}

async fn fills(State(store): State<Arc<Store>>, Query(q): Query<FillsQuery>) -> Response {
    let limit = q.limit.unwrap_or(100).min(MAX_TRADES);
    match store.fills(&q.account, limit) {
        Ok(t) => reply(StatusCode::OK, json!(t)),
        Err(e) => failed(e),
    }
}

async fn orders(State(store): State<Arc<Store>>, Query(q): Query<FillsQuery>) -> Response {
    let limit = q.limit.unwrap_or(100).min(MAX_TRADES);
    match store.orders(&q.account, limit) {
        Ok(o) => reply(StatusCode::OK, json!(o)),
        Err(e) => failed(e),
    }
}

async fn funding(State(store): State<Arc<Store>>, Query(q): Query<FillsQuery>) -> Response {
    let limit = q.limit.unwrap_or(100).min(MAX_TRADES);
    match store.funding(&q.account, limit) {
        Ok(p) => reply(StatusCode::OK, json!(p)),
        Err(e) => failed(e),
    }
}

#[derive(Deserialize)]
struct CandlesQuery {
    market: String,
    interval: Option<i64>,
    from: Option<i64>,
    to: Option<i64>,
}

async fn candles(State(store): State<Arc<Store>>, Query(q): Query<CandlesQuery>) -> Response {
    let interval = q.interval.unwrap_or(60);
    if !INTERVALS.contains(&interval) {
        let error = format!("interval must be one of {INTERVALS:?} seconds");
        return reply(StatusCode::BAD_REQUEST, json!({"error": error}));
    }
    match store.candles(
        &q.market,
        interval,
        q.from.unwrap_or(0),
        q.to.unwrap_or(i64::MAX),
    ) {
        Ok(c) => reply(StatusCode::OK, json!(c)),
        Err(e) => failed(e),
    }
}

pub fn router(store: Arc<Store>) -> Router {
    Router::new()
        .route("/trades", get(trades))
        .route("/fills", get(fills))
        .route("/orders", get(orders))
        .route("/funding", get(funding))
        .route("/candles", get(candles))
        .route("/health", get(|| async { "ok" }))
        .with_state(store)
}
