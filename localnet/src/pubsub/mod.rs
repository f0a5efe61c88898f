//! Solana PubSub over WebSocket: accountSubscribe, programSubscribe, signatureSubscribe,
//! logsSubscribe and slotSubscribe (and their unsubscribes), with notifications in a
//! validator's shapes, driven by the ledger's stream of changes.
//!
//! What one client can cost is bounded: its requests (4 KiB a message, as a validator takes),
//! its subscriptions (per connection and in all), and what it has not read yet (a connection
//! too far behind is closed). Notifications are encoded once per change and shared by every
//! connection holding the subscription (`hub`); each connection writes its own queue
//! (`outbox`) one frame at a time, so nothing is gathered in memory.

mod hub;
mod outbox;
mod params;

pub use hub::{Hub, MAX_SUBSCRIPTIONS, MAX_SUBSCRIPTIONS_PER_CONNECTION};
pub use outbox::{MAX_QUEUED_BYTES, MAX_QUEUED_BYTES_TOTAL};

use crate::origin::Origins;
use axum::Router;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use outbox::Next;
use std::sync::Arc;
use std::time::Duration;

/// Largest message (and frame) a client may send: a validator's (Agave's PubSub service sets
/// both to 4,096 bytes). A subscribe request with filters is a few hundred.
pub const MAX_REQUEST_BYTES: usize = 4_096;
/// WebSocket close code for a client closed for falling behind (policy violation).
const FELL_BEHIND: u16 = 1008;
/// How long a closing frame may take to a client that still reads.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

async fn serve_socket(mut socket: WebSocket, hub: Arc<Hub>) {
    let connection = hub.connect();
    let outbox = connection.outbox.clone();
    loop {
        tokio::select! {
            msg = socket.recv() => match msg {
                Some(Ok(Message::Text(text))) => hub.request(connection.id, text.as_str()),
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
            next = outbox.next() => match next {
                Next::Write(frame) => tokio::select! {
                    sent = socket.send(Message::Text(frame)) => if sent.is_err() {
                        return;
                    },
                    // Too far behind while this frame waits on a client that does not read:
                    // dropped mid-frame.
                    _ = outbox.closed() => return,
                },
                Next::Closed => {
                    let reason = format!("fell behind: over {MAX_QUEUED_BYTES} bytes of notifications unread");
                    let close = Message::Close(Some(CloseFrame { code: FELL_BEHIND, reason: reason.into() }));
                    let _ = tokio::time::timeout(CLOSE_TIMEOUT, socket.send(close)).await;
                    return;
                }
            },
        }
    }
}

/// What the PubSub endpoint serves from.
#[derive(Clone)]
struct Service {
    hub: Arc<Hub>,
    origins: Origins,
}

async fn upgrade(
    State(service): State<Service>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if let Some(refusal) = service.origins.refuse(&headers) {
        return refusal;
    }
    let hub = service.hub;
    ws.max_message_size(MAX_REQUEST_BYTES)
        .max_frame_size(MAX_REQUEST_BYTES)
        .on_upgrade(move |socket| serve_socket(socket, hub))
        .into_response()
}

/// The PubSub endpoint (any path, as a validator's); `hub` must be running (`Hub::run`).
pub fn router(hub: Arc<Hub>, origins: Origins) -> Router {
    Router::new()
        .route("/", any(upgrade))
        .with_state(Service { hub, origins })
}
