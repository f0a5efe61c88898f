//! `POST /faucet {"owner": "<address>", "amount": <whole quote units>}`: mints the local test
//! quote token to the owner's associated token account (and 1 SOL for fees when it has less).

use super::venue::Venue;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use perp_sdk::Cluster;
use serde::Deserialize;
use serde_json::{Value, json};
use solana_sdk::native_token::LAMPORTS_PER_SOL;
use solana_sdk::pubkey::Pubkey;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

/// The most one request may ask for, whole quote units.
pub const MAX_FAUCET: u64 = 1_000_000;
const DEFAULT_FAUCET: u64 = 10_000;

/// Filled once the exchange is deployed; until then the faucet answers 503.
pub type VenueCell = Arc<OnceLock<Arc<Venue>>>;

#[derive(Deserialize)]
struct Request {
    owner: String,
    amount: Option<u64>,
}

fn refuse(status: StatusCode, message: impl Into<String>) -> (StatusCode, Json<Value>) {
    (status, Json(json!({"error": message.into()})))
}

async fn faucet(
    State(cell): State<VenueCell>,
    Json(request): Json<Request>,
) -> (StatusCode, Json<Value>) {
    let Some(venue) = cell.get() else {
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "the exchange is still starting",
        );
    };
    let Ok(owner) = Pubkey::from_str(&request.owner) else {
        return refuse(StatusCode::BAD_REQUEST, "owner is not an address");
    };
    let amount = request.amount.unwrap_or(DEFAULT_FAUCET);
    if amount == 0 || amount > MAX_FAUCET {
        return refuse(
            StatusCode::BAD_REQUEST,
            format!("amount must be between 1 and {MAX_FAUCET}"),
        );
    }
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
        ),
        Err(e) => refuse(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

pub fn router(cell: VenueCell) -> Router {
    Router::new()
        .route("/faucet", post(faucet))
        .with_state(cell)
}
