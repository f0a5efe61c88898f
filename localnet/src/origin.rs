//! Which browser origins may call the local exchange (JSON-RPC, the faucet, PubSub): the web app
//! as the local exchange serves it (on 127.0.0.1 or localhost, at its port), any origin the
//! operator adds (`--allow-origin`, e.g. a Vite dev server), and browser extensions (a wallet
//! set to this RPC calls it from its own `chrome-extension://` origin). A request without an
//! `Origin` header comes from a tool (curl, the keeper, the indexer, the Rust clients): browsers
//! send one on every cross-origin fetch, every POST and every WebSocket upgrade.
//!
//! Any web page can make a browser on this machine call loopback, so this must never let
//! another page read an answer (CORS) nor start work here (a request or WebSocket upgrade
//! carrying a foreign origin is refused with 403 before anything runs).

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};

/// Schemes of browser-extension origins (wallets); an extension is installed software the user
/// chose, not a page that happens to be open.
const EXTENSION_SCHEMES: [&str; 3] = [
    "chrome-extension://",
    "moz-extension://",
    "safari-web-extension://",
];

/// How long a browser may cache a preflight answer (Agave's `cors_max_age`).
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(86_400);

/// An origin given on the command line is not `scheme://host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an origin: expected http(s)://host[:port], without a path")]
pub struct NotAnOrigin(pub String);

/// The web origins allowed to call the local exchange, exactly as browsers send them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origins(Arc<[String]>);

impl Origins {
    /// The app served on loopback `port`, under both names a browser may use for it.
    pub fn app(port: u16) -> Self {
        Origins(
            [
                format!("http://127.0.0.1:{port}"),
                format!("http://localhost:{port}"),
            ]
            .into(),
        )
    }

    /// These origins and `extra` (each checked to be an origin).
    pub fn with(&self, extra: &[String]) -> Result<Self, NotAnOrigin> {
        let mut all = self.0.to_vec();
        for origin in extra {
            let rest = origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"))
                .ok_or_else(|| NotAnOrigin(origin.clone()))?;
            if rest.is_empty() || rest.contains('/') {
                return Err(NotAnOrigin(origin.clone()));
            }
            all.push(origin.clone());
        }
        Ok(Origins(all.into()))
    }

    /// The listed web origins.
    pub fn list(&self) -> &[String] {
        &self.0
    }

    /// Whether a request carrying this `Origin` header (none: a tool) may be answered.
    pub fn allows(&self, origin: Option<&HeaderValue>) -> bool {
        let Some(origin) = origin else {
            return true;
        };
        let Ok(origin) = origin.to_str() else {
            return false;
        };
        self.0.iter().any(|o| o == origin)
            || EXTENSION_SCHEMES.iter().any(|s| origin.starts_with(s))
    }

    /// CORS for JSON-RPC and the faucet: answers readable by the allowed origins only.
    pub fn cors(&self) -> CorsLayer {
        let origins = self.clone();
        CorsLayer::new()
            .allow_origin(AllowOrigin::predicate(move |origin, _| {
                origins.allows(Some(origin))
            }))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers(AllowHeaders::mirror_request())
            .max_age(PREFLIGHT_MAX_AGE)
    }

    /// The refusal of a request from a foreign origin, or `None` when it may go on.
    pub fn refuse(&self, headers: &HeaderMap) -> Option<Response> {
        let origin = headers.get(header::ORIGIN);
        if self.allows(origin) {
            return None;
        }
        let shown = origin.and_then(|o| o.to_str().ok()).unwrap_or("(not text)");
        let message = format!(
            "origin {shown} may not call the local exchange; allowed: {} (and tools that send no Origin)",
            self.0.join(", ")
        );
        Some((StatusCode::FORBIDDEN, message).into_response())
    }
}

impl Default for Origins {
    /// The app on its default port (`perp-localnet --app-port 8080`).
    fn default() -> Self {
        Origins::app(8080)
    }
}

/// Middleware: refuses (403) a request from a foreign origin before any handler runs.
pub async fn guard(State(origins): State<Origins>, request: Request, next: Next) -> Response {
    match origins.refuse(request.headers()) {
        Some(refusal) => refusal,
        None => next.run(request).await,
    }
}
