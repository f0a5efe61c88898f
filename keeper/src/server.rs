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
    /// An account liquidatable for longer than this (seconds) makes the keeper unhealthy.
    pub liquidatable_alarm_secs: i64,
    /// The liquidators stream their accounts (so polling means the stream is down).
    pub streaming: bool,
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
            format!(
                "no rpc endpoint up ({})\n",
                s.pool.down_reasons().join("; ")
            ),
        );
    }
    let stuck = s.metrics.stuck_markets(s.liquidatable_alarm_secs);
    if !stuck.is_empty() {
        let markets: Vec<String> = stuck
            .iter()
            .map(|(m, secs)| format!("{m} ({secs}s)"))
            .collect();
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "accounts liquidatable for over {}s: {}\n",
                s.liquidatable_alarm_secs,
                markets.join(", ")
            ),
        );
    }
    // Not knowing whether an account is liquidatable is as bad as knowing it stays so.
    let unvalued = s.metrics.unvalued_markets();
    if !unvalued.is_empty() {
        let markets: Vec<String> = unvalued.iter().map(|(m, n)| format!("{m} ({n})")).collect();
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("accounts the keeper cannot value: {}\n", markets.join(", ")),
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
    // Polling still liquidates: healthy, but say so.
    let polled = s.metrics.polled_markets();
    if !polled.is_empty() && s.streaming {
        return (
            StatusCode::OK,
            format!("ok (polling, stream down: {})\n", polled.join(", ")),
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
    serve_on(listener, state).await
}

/// Serves the endpoint on an already bound `listener`.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    state: ServerState,
) -> std::io::Result<()> {
    axum::serve(listener, router(state)).await
}

/// The raw response to a plain HTTP/1.1 GET of `path` (what a scraper or probe sends).
#[cfg(test)]
pub(crate) async fn http_get(addr: SocketAddr, path: &str) -> Option<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: keeper\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await.ok()?;
    Some(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use perp_sdk::Cluster;
    use perp_sdk::cluster::rpc::RpcCluster;

    /// A plain HTTP/1.1 GET: status code and body.
    async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
        let response = http_get(addr, path).await.expect("response");
        let status = response[9..12].parse().expect("status code");
        let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string());
        (status, body.unwrap_or_default())
    }

    #[tokio::test]
    async fn health_follows_endpoints_and_task_lag() {
        let metrics = Arc::new(Metrics::new());
        // Nothing listens on loopback port 1: the endpoint is down once checked.
        let dead = "http://127.0.0.1:1";
        let endpoint: Arc<dyn Cluster> = Arc::new(RpcCluster::new(dead, Duration::from_secs(2)));
        let pool = Arc::new(EndpointPool::new(
            vec![endpoint],
            metrics.clone(),
            crate::config::Tuning::default().freshness(),
        ));
        let clocks = Arc::new(TaskClocks::default());
        clocks.register("liquidator", Duration::from_secs(60));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let state = ServerState {
            metrics: metrics.clone(),
            pool: pool.clone(),
            clocks: clocks.clone(),
            liquidatable_alarm_secs: 30,
            streaming: true,
        };
        tokio::spawn(serve_on(listener, state));

        assert_eq!(get(addr, "/health").await, (200, "ok\n".to_string()));
        // An account liquidatable for longer than the alarm: unhealthy, and well again once it is
        // not.
        metrics.liquidatable("M1", 2, 31);
        let (status, body) = get(addr, "/health").await;
        assert_eq!(
            (status, body.as_str()),
            (503, "accounts liquidatable for over 30s: M1 (31s)\n")
        );
        metrics.liquidatable("M1", 2, 30);
        assert_eq!(get(addr, "/health").await, (200, "ok\n".to_string()));
        // An account whose health cannot be computed: unhealthy until it can be.
        metrics.unvalued("M1", 1);
        let (status, body) = get(addr, "/health").await;
        assert_eq!(
            (status, body.as_str()),
            (503, "accounts the keeper cannot value: M1 (1)\n")
        );
        metrics.unvalued("M1", 0);
        assert_eq!(get(addr, "/health").await, (200, "ok\n".to_string()));

        clocks.register("stuck", Duration::ZERO);
        tokio::time::sleep(Duration::from_millis(5)).await;
        let (status, body) = get(addr, "/health").await;
        assert_eq!(status, 503);
        assert!(body.starts_with("tasks lagging: stuck"), "{body}");
        pool.check_health().await;
        let (status, body) = get(addr, "/health").await;
        assert_eq!(status, 503);
        assert!(
            body.starts_with(&format!("no rpc endpoint up ({dead}: no answer")),
            "{body}"
        );

        let (status, body) = get(addr, "/metrics").await;
        assert_eq!(status, 200);
        assert!(
            body.contains(&format!("keeper_rpc_endpoint_up{{endpoint=\"{dead}\"}} 0")),
            "{body}"
        );
        assert!(
            body.contains("keeper_task_lag_seconds{task=\"liquidator\"} 0"),
            "{body}"
        );
        assert_eq!(get(addr, "/nowhere").await.0, 404);
    }
}
