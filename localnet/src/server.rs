//! The cluster's services: the slot clock, JSON-RPC over HTTP and PubSub over WebSocket.

use crate::ledger::Ledger;
use crate::origin::{self, Origins};
use crate::{pubsub, rpc};
use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Where and how fast the cluster runs, and which web pages may call it.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub rpc: SocketAddr,
    pub pubsub: SocketAddr,
    pub slot: Duration,
    /// Cluster clock minus wall clock at start (seconds).
    pub clock_offset: i64,
    /// Browser origins allowed to call JSON-RPC, the faucet and PubSub (tools that send no
    /// `Origin` always may).
    pub origins: Origins,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            rpc: SocketAddr::from(([127, 0, 0, 1], 8899)),
            pubsub: SocketAddr::from(([127, 0, 0, 1], 8900)),
            slot: Duration::from_millis(400),
            clock_offset: 0,
            origins: Origins::default(),
        }
    }
}

impl ServerConfig {
    /// Both services on free loopback ports (for tests and benches).
    pub fn ephemeral() -> Self {
        ServerConfig {
            rpc: SocketAddr::from(([127, 0, 0, 1], 0)),
            pubsub: SocketAddr::from(([127, 0, 0, 1], 0)),
            ..Default::default()
        }
    }
}

/// Background tasks stopped when their owner drops.
#[derive(Default)]
pub struct Tasks(pub Vec<JoinHandle<()>>);

impl Drop for Tasks {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// A running local cluster. Dropping it stops its services.
pub struct Localnet {
    pub ledger: Arc<Ledger>,
    /// PubSub's subscriptions and connections.
    pub hub: Arc<pubsub::Hub>,
    /// The bytes of JSON-RPC answers not yet written out.
    pub answers: rpc::Pool,
    pub rpc_addr: SocketAddr,
    pub pubsub_addr: SocketAddr,
    _tasks: Tasks,
}

/// Serves `router` on `listener` until the task is dropped; a failure is logged.
pub async fn serve(listener: TcpListener, router: Router) {
    if let Err(e) = axum::serve(listener, router).await {
        tracing::error!(error = %e, "server stopped");
    }
}

impl Localnet {
    /// Starts the bank, the slot clock and both services; `extra` routes (e.g. the faucet) are
    /// served beside JSON-RPC.
    pub async fn start(config: &ServerConfig, extra: Option<Router>) -> anyhow::Result<Self> {
        let ledger = Ledger::start(config.clock_offset).await?;
        let rpc_listener = TcpListener::bind(config.rpc).await?;
        let pubsub_listener = TcpListener::bind(config.pubsub).await?;
        let rpc_addr = rpc_listener.local_addr()?;
        let pubsub_addr = pubsub_listener.local_addr()?;
        let answers = rpc::Pool::default();
        let mut http = rpc::router(ledger.clone(), answers.clone());
        if let Some(extra) = extra {
            http = http.merge(extra);
        }
        // The web app (served from another port) may call JSON-RPC and the faucet; another
        // page may not, and its requests are refused before they run.
        let origins = config.origins.clone();
        let http = http
            .layer(origins.cors())
            .layer(axum::middleware::from_fn_with_state(origins, origin::guard));
        let hub = pubsub::Hub::new(ledger.clone());
        let clock = {
            let ledger = ledger.clone();
            let period = config.slot;
            tokio::spawn(async move {
                let mut interval = tokio::time::interval(period);
                interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    interval.tick().await;
                    ledger.tick().await;
                }
            })
        };
        let pubsub = pubsub::router(hub.clone(), config.origins.clone());
        let tasks = Tasks(vec![
            clock,
            tokio::spawn(hub.clone().run()),
            tokio::spawn(serve(rpc_listener, http)),
            tokio::spawn(serve(pubsub_listener, pubsub)),
        ]);
        Ok(Localnet {
            ledger,
            hub,
            answers,
            rpc_addr,
            pubsub_addr,
            _tasks: tasks,
        })
    }

    pub fn rpc_url(&self) -> String {
        format!("http://{}", self.rpc_addr)
    }

    pub fn pubsub_url(&self) -> String {
        format!("ws://{}", self.pubsub_addr)
    }
}
