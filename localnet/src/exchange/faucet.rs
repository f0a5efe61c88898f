//! `POST /faucet {"owner": "<address>", "amount": <whole quote units>}`: mints the local test
//! quote token to the owner's associated token account (and 1 SOL for fees when it has less),
//! within the limits of `faucet_limits` (per request, per owner and in all, each minute).

use super::faucet_limits::{Limits, Refusal};
pub use super::faucet_limits::{
    MAX_FAUCET, OWNER_PER_MINUTE, REQUESTS_PER_MINUTE, TOTAL_PER_MINUTE,
};
use super::venue::Venue;
use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use perp_sdk::Cluster;
use serde::Deserialize;
use serde_json::json;
use solana_sdk::native_token::LAMPORTS_PER_SOL;
use solana_sdk::pubkey::Pubkey;
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

const DEFAULT_FAUCET: u64 = 10_000;
/// Largest request body: an address and an amount take under 100 bytes.
const MAX_BODY_BYTES: usize = 1_024;

/// Filled once the exchange is deployed; until then the faucet answers 503.
pub type VenueCell = Arc<OnceLock<Arc<Venue>>>;

/// What the faucet answers from.
#[derive(Clone)]
struct Faucet {
    venue: VenueCell,
    limits: Arc<Mutex<Limits>>,
}

#[derive(Deserialize)]
struct Request {
    owner: String,
    amount: Option<u64>,
}

fn refuse(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({"error": message.into()}))).into_response()
}

/// 429 with `Retry-After`, or 400 for an amount no minute allows.
fn refused(refusal: Refusal) -> Response {
    let Some(secs) = refusal.retry_secs() else {
        return refuse(StatusCode::BAD_REQUEST, refusal.to_string());
    };
    let mut response = refuse(StatusCode::TOO_MANY_REQUESTS, refusal.to_string());
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    response
}

async fn faucet(State(faucet): State<Faucet>, Json(request): Json<Request>) -> Response {
    let Some(venue) = faucet.venue.get() else {
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "the exchange is still starting",
        );
    };
    let Ok(owner) = Pubkey::from_str(&request.owner) else {
        return refuse(StatusCode::BAD_REQUEST, "owner is not an address");
    };
    let amount = request.amount.unwrap_or(DEFAULT_FAUCET);
    let lock = || faucet.limits.lock().unwrap_or_else(|e| e.into_inner());
    // Recorded before minting, so requests at the same time cannot pass the limits together.
    let ticket = match lock().take(Instant::now(), owner, amount) {
        Ok(ticket) => ticket,
        Err(refusal) => return refused(refusal),
    };
    let lamports = venue
        .ledger
        .account(&owner)
        .await
        .ok()
        .flatten()
        .map_or(0, |a| a.lamports);
    let sol = u64::from(lamports < LAMPORTS_PER_SOL / 10);
    match venue.fund(&owner, amount, sol).await {
        Ok(token_account) => (
            StatusCode::OK,
            Json(json!({
                "tokenAccount": token_account.to_string(),
                "mint": venue.quote_mint.to_string(),
                "amount": amount,
                "sol": sol,
            })),
        )
            .into_response(),
        Err(e) => {
            lock().give_back(ticket);
            refuse(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
        }
    }
}

pub fn router(venue: VenueCell) -> Router {
    let state = Faucet {
        venue,
        limits: Arc::default(),
    };
    Router::new()
        .route("/faucet", post(faucet))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}
