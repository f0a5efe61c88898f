//! Several RPC endpoints behind one [`Cluster`]: each request goes to the most preferred
//! endpoint that is up, and moves to the next when an endpoint cannot answer. An endpoint that
//! failed is skipped until a health check sees it answer again. Refused transactions are
//! answers, not failures: they never fail over.

use crate::metrics::Metrics;
use async_trait::async_trait;
use perp_sdk::{AccountFilter, Cluster, ClusterError, TxOutcome};
use solana_sdk::account::Account;
use solana_sdk::clock::Clock;
use solana_sdk::hash::Hash;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::transaction::Transaction;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

struct Endpoint {
    cluster: Arc<dyn Cluster>,
    up: AtomicBool,
}

pub struct EndpointPool {
    endpoints: Vec<Endpoint>,
    metrics: Arc<Metrics>,
}

type Call<'a, T> = Pin<Box<dyn Future<Output = Result<T, ClusterError>> + Send + 'a>>;

impl EndpointPool {
    /// `clusters` in order of preference; all start up.
    pub fn new(clusters: Vec<Arc<dyn Cluster>>, metrics: Arc<Metrics>) -> Self {
        let endpoints = clusters
            .into_iter()
            .map(|cluster| {
                metrics
                    .rpc_endpoint_up
                    .with_label_values(&[cluster.endpoint()])
                    .set(1);
                Endpoint {
                    cluster,
                    up: AtomicBool::new(true),
                }
            })
            .collect();
        EndpointPool { endpoints, metrics }
    }

    fn mark(&self, endpoint: &Endpoint, up: bool) {
        endpoint.up.store(up, Ordering::Relaxed);
        self.metrics
            .rpc_endpoint_up
            .with_label_values(&[endpoint.cluster.endpoint()])
            .set(i64::from(up));
    }

    /// Whether any endpoint is up.
    pub fn any_up(&self) -> bool {
        self.endpoints.iter().any(|e| e.up.load(Ordering::Relaxed))
    }

    /// Asks every endpoint for the clock and marks it up or down by whether it answered.
    pub async fn check_health(&self) {
        for endpoint in &self.endpoints {
            let ok = endpoint.cluster.clock().await.is_ok();
            if ok != endpoint.up.load(Ordering::Relaxed) {
                tracing::info!(
                    endpoint = endpoint.cluster.endpoint(),
                    up = ok,
                    "rpc endpoint health changed"
                );
            }
            self.mark(endpoint, ok);
        }
    }

    /// Runs `call` on the endpoints that are up, in order, until one answers; when none is up,
    /// tries them all (a health check may simply not have run since they recovered).
    async fn route<'a, T>(
        &'a self,
        call: impl Fn(&'a dyn Cluster) -> Call<'a, T>,
    ) -> Result<T, ClusterError> {
        let up: Vec<&Endpoint> = self
            .endpoints
            .iter()
            .filter(|e| e.up.load(Ordering::Relaxed))
            .collect();
        let order = if up.is_empty() {
            self.endpoints.iter().collect()
        } else {
            up
        };
        let mut last = None;
        for endpoint in order {
            match call(endpoint.cluster.as_ref()).await {
                Ok(v) => {
                    if !endpoint.up.load(Ordering::Relaxed) {
                        self.mark(endpoint, true);
                    }
                    return Ok(v);
                }
                Err(e) => {
                    tracing::warn!(endpoint = endpoint.cluster.endpoint(), error = %e, "rpc request failed, trying next endpoint");
                    self.metrics
                        .rpc_failovers
                        .with_label_values(&[endpoint.cluster.endpoint()])
                        .inc();
                    self.mark(endpoint, false);
                    last = Some(e);
                }
            }
        }
        Err(last.unwrap_or_else(|| ClusterError::Transport {
            endpoint: "pool".into(),
            message: "no endpoints configured".into(),
        }))
    }
}

#[async_trait]
impl Cluster for EndpointPool {
    fn endpoint(&self) -> &str {
        "pool"
    }

    async fn account(&self, key: &Pubkey) -> Result<Option<Account>, ClusterError> {
        self.route(|c| c.account(key)).await
    }

    async fn accounts(&self, keys: &[Pubkey]) -> Result<Vec<Option<Account>>, ClusterError> {
        self.route(|c| c.accounts(keys)).await
    }

    async fn program_accounts(
        &self,
        program: &Pubkey,
        filters: &[AccountFilter],
    ) -> Result<Vec<(Pubkey, Account)>, ClusterError> {
        self.route(|c| c.program_accounts(program, filters)).await
    }

    async fn latest_blockhash(&self) -> Result<Hash, ClusterError> {
        self.route(|c| c.latest_blockhash()).await
    }

    async fn clock(&self) -> Result<Clock, ClusterError> {
        self.route(|c| c.clock()).await
    }

    async fn simulate(&self, tx: &Transaction) -> Result<TxOutcome, ClusterError> {
        self.route(|c| c.simulate(tx)).await
    }

    async fn send(&self, tx: &Transaction) -> Result<TxOutcome, ClusterError> {
        // Re-sending the same signed transaction elsewhere is safe: it can land only once.
        self.route(|c| c.send(tx)).await
    }
}
