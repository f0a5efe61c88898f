//! The metrics and health endpoint: `GET /metrics` (Prometheus text) and `GET /health` (200
//! while an RPC endpoint is up and every task has completed a pass recently, 503 otherwise).

use crate::metrics::Metrics;
use crate::pool::EndpointPool;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// When each task last completed a pass, and how stale that may get before the keeper is
/// unhealthy.
#[derive(Default)]
pub struct TaskClocks {
    tasks: Mutex<HashMap<String, (Instant, Duration)>>,
}

impl TaskClocks {
    /// Registers `task`, allowed to go `max_lag` without completing a pass.
    pub fn register(&self, task: &str, max_lag: Duration) {
        self.tasks
            .lock()
            .expect("task clocks")
            .insert(task.to_string(), (Instant::now(), max_lag));
    }

    /// `task` completed a pass now.
    pub fn completed(&self, task: &str) {
        if let Some(entry) = self.tasks.lock().expect("task clocks").get_mut(task) {
            entry.0 = Instant::now();
        }
    }

    /// Tasks over their allowed lag, with their lag; also publishes every lag to `metrics`.
    pub fn lagging(&self, metrics: &Metrics) -> Vec<(String, Duration)> {
        let tasks = self.tasks.lock().expect("task clocks");
        let mut late = Vec::new();
        for (name, (last, max)) in tasks.iter() {
            let lag = last.elapsed();
            metrics
                .task_lag_seconds
                .with_label_values(&[name])
                .set(lag.as_secs() as i64);
            if lag > *max {
                late.push((name.clone(), lag));
            }
        }
        late
    }
}

#[derive(Clone)]
pub struct ServerState {
    pub metrics: Arc<Metrics>,
    pub pool: Arc<EndpointPool>,
    pub clocks: Arc<TaskClocks>,
}

async fn metrics(State(s): State<ServerState>) -> String {
    s.clocks.lagging(&s.metrics);
    s.metrics.render()
}

async fn health(State(s): State<ServerState>) -> (StatusCode, String) {
    let late = s.clocks.lagging(&s.metrics);
    if !s.pool.any_up() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "no rpc endpoint up\n".into(),
        );
    }
    if !late.is_empty() {
        let names: Vec<String> = late
            .iter()
            .map(|(n, lag)| format!("{n} ({}s)", lag.as_secs()))
            .collect();
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("tasks lagging: {}\n", names.join(", ")),
        );
    }
    (StatusCode::OK, "ok\n".into())
}

pub fn router(state: ServerState) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/health", get(health))
        .with_state(state)
}

/// Serves the endpoint on `addr` until the process ends.
pub async fn serve(addr: SocketAddr, state: ServerState) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, "metrics and health endpoint listening");
    axum::serve(listener, router(state)).await
}
