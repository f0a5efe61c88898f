//! Serves the built trading web app (`app/dist`) and the `/config.json` it starts from: where
//! the cluster, the faucet and the indexer listen, and what was deployed.

use axum::Router;
use axum::routing::get;
use perp_migrations::bootstrap::Deployment;
use serde::Serialize;
use std::path::Path;
use tower_http::services::{ServeDir, ServeFile};

/// What the app needs to find the exchange (it has no other configuration).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppConfig {
    pub rpc_url: String,
    pub ws_url: String,
    /// `POST {faucet_url} {"owner", "amount"}` mints test quote tokens.
    pub faucet_url: String,
    /// The trade and candle history; `None` when the indexer is off (the app then samples
    /// its chart live).
    pub indexer_url: Option<String>,
    pub deployment: Deployment,
}

/// The app's files from `dir`; any path that is not a file gets `index.html`, so a reload on
/// a client-side route still loads the app.
pub fn router(dir: &Path, config: AppConfig) -> Router {
    let index = ServeFile::new(dir.join("index.html"));
    Router::new()
        .route(
            "/config.json",
            get(move || {
                let config = config.clone();
                async move { axum::Json(config) }
            }),
        )
        .fallback_service(ServeDir::new(dir).fallback(index))
}
