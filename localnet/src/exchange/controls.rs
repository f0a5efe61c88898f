//! Test controls, mounted only with `perp-localnet --test-controls` (the web app's end-to-end
//! test uses them; a normal run never has them):
//!
//! `POST /test/price {"symbol": "SOL-PERP", "price": 139.5, "hold": true}` moves the market's
//! oracle price there at once — both providers publish it (with their usual noise) within the
//! second — and, with `hold`, pauses its random walk so the price stays there (`"hold": false`
//! lets it walk on from where it is). A crash on demand: the circuit breaker, the order band,
//! the volatility estimate and the keeper all react to it as they would to a real one.

use super::faucet::VenueCell;
use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
struct PriceRequest {
    symbol: String,
    /// Whole quote units per whole base unit.
    price: f64,
    #[serde(default = "held")]
    hold: bool,
}

fn held() -> bool {
    true
}

async fn price(State(venue): State<VenueCell>, Json(request): Json<PriceRequest>) -> Response {
    let refuse = |status: StatusCode, message: String| {
        (status, Json(json!({"error": message}))).into_response()
    };
    let Some(venue) = venue.get() else {
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "the exchange is still starting".into(),
        );
    };
    let Some(m) = venue.markets.iter().find(|m| m.symbol == request.symbol) else {
        return refuse(
            StatusCode::NOT_FOUND,
            format!("no market {}", request.symbol),
        );
    };
    if !(request.price.is_finite() && request.price > 0.0) {
        return refuse(
            StatusCode::BAD_REQUEST,
            "price must be a positive number".into(),
        );
    }
    m.feeder.hold(request.hold);
    m.feeder.set(&venue.ledger, request.price).await;
    tracing::info!(market = %m.symbol, price = request.price, hold = request.hold, "test control: price set");
    Json(json!({"symbol": m.symbol, "price": request.price, "hold": request.hold})).into_response()
}

pub fn router(venue: VenueCell) -> Router {
    Router::new()
        .route("/test/price", post(price))
        .layer(DefaultBodyLimit::max(1_024))
        .with_state(venue)
}
