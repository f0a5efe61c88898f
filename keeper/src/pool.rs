//! Several RPC endpoints behind one [`Cluster`]: each request goes to the most preferred
//! endpoint that is up, and moves to the next when an endpoint cannot answer. An endpoint that
//! failed is skipped until a health check sees it answer again. Refused transactions are
//! answers, not failures: they never fail over.
//!
//! Answering is not enough: an endpoint that answers from a stale snapshot (a lagging node, or a
//! lying one) would silence every liquidation while looking healthy. The health check asks every
//! endpoint for the clock at once and counts one as down when its slot lags the newest any
//! endpoint reports by more than `max_slot_lag`, or its clock lags wall time by more than
//! `max_clock_lag_secs` (which also catches a lone endpoint, or all of them, falling behind).

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
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

struct Endpoint {
    cluster: Arc<dyn Cluster>,
    up: AtomicBool,
    /// Why the last health check counted it down (empty while up).
    why_down: Mutex<String>,
}

/// How far behind an endpoint may fall before it counts as down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Freshness {
    /// Slots behind the newest slot any endpoint reports.
    pub max_slot_lag: u64,
    /// Seconds its clock (`unix_timestamp`) may lag this machine's.
    pub max_clock_lag_secs: i64,
}

pub struct EndpointPool {
    endpoints: Vec<Endpoint>,
    metrics: Arc<Metrics>,
    freshness: Freshness,
}

/// What one health check found of one endpoint: up, or why not.
fn judge(
    answer: &Result<Clock, ClusterError>,
    reference: u64,
    wall: i64,
    f: Freshness,
) -> Result<(), String> {
    let clock = answer.as_ref().map_err(|e| format!("no answer: {e}"))?;
    let behind = reference.saturating_sub(clock.slot);
    if behind > f.max_slot_lag {
        return Err(format!("{behind} slots behind the other endpoints"));
    }
    // A slot far ahead of the others is a lie: believed, it would mark every honest endpoint
    // behind and take all the traffic.
    let ahead = clock.slot.saturating_sub(reference);
    if ahead > f.max_slot_lag {
        return Err(format!("{ahead} slots ahead of the other endpoints"));
    }
    let late = wall.saturating_sub(clock.unix_timestamp);
    if late > f.max_clock_lag_secs {
        return Err(format!("its clock is {late} s behind wall time"));
    }
    Ok(())
}

type Call<'a, T> = Pin<Box<dyn Future<Output = Result<T, ClusterError>> + Send + 'a>>;

impl EndpointPool {
    /// `clusters` in order of preference; all start up.
    pub fn new(
        clusters: Vec<Arc<dyn Cluster>>,
        metrics: Arc<Metrics>,
        freshness: Freshness,
    ) -> Self {
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
                    why_down: Mutex::new(String::new()),
                }
            })
            .collect();
        EndpointPool {
            endpoints,
            metrics,
            freshness,
        }
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

    /// Why each endpoint that is down is down (`endpoint: reason`), for `/health`.
    pub fn down_reasons(&self) -> Vec<String> {
        self.endpoints
            .iter()
            .filter(|e| !e.up.load(Ordering::Relaxed))
            .map(|e| {
                let why = e.why_down.lock().expect("why down").clone();
                format!(
                    "{}: {}",
                    e.cluster.endpoint(),
                    if why.is_empty() {
                        "failed a request"
                    } else {
                        &why
                    }
                )
            })
            .collect()
    }

    /// Asks every endpoint for the clock at once, and marks each up or down: down when it did
    /// not answer, or answered from too far behind (`Freshness`).
    pub async fn check_health(&self) {
        let mut asks = tokio::task::JoinSet::new();
        for (i, endpoint) in self.endpoints.iter().enumerate() {
            let cluster = endpoint.cluster.clone();
            asks.spawn(async move { (i, cluster.clock().await) });
        }
        let mut answers: Vec<Option<Result<Clock, ClusterError>>> =
            (0..self.endpoints.len()).map(|_| None).collect();
        while let Some(joined) = asks.join_next().await {
            if let Ok((i, answer)) = joined {
                answers[i] = Some(answer);
            }
        }
        // The reference is the median slot (the upper one of an even count): one endpoint
        // cannot move it, whether it lags or claims to be far ahead. With two endpoints the one
        // ahead is believed (a lagging node is the common case); three or more outvote a liar.
        let mut slots: Vec<u64> = answers
            .iter()
            .filter_map(|a| a.as_ref()?.as_ref().ok().map(|c| c.slot))
            .collect();
        slots.sort_unstable();
        let newest = slots.get(slots.len() / 2).copied().unwrap_or(0);
        let wall = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        for (endpoint, answer) in self.endpoints.iter().zip(answers) {
            let name = endpoint.cluster.endpoint();
            let answer = answer.unwrap_or_else(|| {
                Err(ClusterError::Transport {
                    endpoint: name.into(),
                    message: "health check task failed".into(),
                })
            });
            if let Ok(clock) = &answer {
                self.metrics
                    .rpc_endpoint_slot_lag
                    .with_label_values(&[name])
                    .set(newest.saturating_sub(clock.slot) as i64);
            }
            let verdict = judge(&answer, newest, wall, self.freshness);
            let up = verdict.is_ok();
            if up != endpoint.up.load(Ordering::Relaxed) {
                match &verdict {
                    Ok(()) => tracing::info!(endpoint = name, "rpc endpoint up again"),
                    Err(why) => tracing::warn!(endpoint = name, why = %why, "rpc endpoint down"),
                }
            }
            *endpoint.why_down.lock().expect("why down") = verdict.err().unwrap_or_default();
            self.mark(endpoint, up);
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

    /// Simulates on the preferred endpoint; a refusal is checked on the next endpoint
    /// (`simulate_until`).
    async fn simulate(&self, tx: &Transaction) -> Result<TxOutcome, ClusterError> {
        self.simulate_until(tx, &|o| o.err.is_none()).await
    }

    /// Simulates on the preferred endpoint; an answer `good` rejects is checked on the next
    /// endpoint (a lagging or lying endpoint most easily makes a transaction look refused, or
    /// pointless: an unwind that would fill nothing). When they disagree the good answer
    /// stands, and the disagreement is counted against the preferred endpoint.
    async fn simulate_until(
        &self,
        tx: &Transaction,
        good: &(dyn for<'o> Fn(&'o TxOutcome) -> bool + Sync),
    ) -> Result<TxOutcome, ClusterError> {
        let first = self.route(|c| c.simulate(tx)).await?;
        if good(&first) {
            return Ok(first);
        }
        // The endpoint that answered is the first one up; the second opinion comes from the
        // next endpoint in the list, up or not (a liar may have talked the others down).
        let n = self.endpoints.len();
        let Some(at) = self
            .endpoints
            .iter()
            .position(|e| e.up.load(Ordering::Relaxed))
        else {
            return Ok(first);
        };
        if n < 2 {
            return Ok(first);
        }
        let (preferred, second) = (&self.endpoints[at], &self.endpoints[(at + 1) % n]);
        match second.cluster.simulate(tx).await {
            Ok(other) if good(&other) => {
                let name = preferred.cluster.endpoint();
                tracing::warn!(endpoint = name, other = second.cluster.endpoint(), refused = ?first.err, "endpoints disagree on a simulation; the good answer stands");
                self.metrics
                    .rpc_disagreements
                    .with_label_values(&[name])
                    .inc();
                Ok(other)
            }
            _ => Ok(first),
        }
    }

    async fn send(&self, tx: &Transaction) -> Result<TxOutcome, ClusterError> {
        // Re-sending the same signed transaction elsewhere is safe: it can land only once.
        self.route(|c| c.send(tx)).await
    }

    async fn send_simulated(&self, tx: &Transaction) -> Result<TxOutcome, ClusterError> {
        self.route(|c| c.send_simulated(tx)).await
    }

    async fn prioritization_fees(&self, accounts: &[Pubkey]) -> Result<Vec<u64>, ClusterError> {
        self.route(|c| c.prioritization_fees(accounts)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An endpoint that answers only the clock: the slot and unix time it is set to.
    struct FixedClock {
        name: String,
        slot: u64,
        unix: i64,
        /// Its simulations refuse everything.
        refuses: bool,
    }

    fn refused<T>(name: &str) -> Result<T, ClusterError> {
        Err(ClusterError::Rpc {
            endpoint: name.into(),
            message: "not in this test".into(),
        })
    }

    #[async_trait]
    impl Cluster for FixedClock {
        fn endpoint(&self) -> &str {
            &self.name
        }
        async fn account(&self, _: &Pubkey) -> Result<Option<Account>, ClusterError> {
            refused(&self.name)
        }
        async fn accounts(&self, _: &[Pubkey]) -> Result<Vec<Option<Account>>, ClusterError> {
            refused(&self.name)
        }
        async fn program_accounts(
            &self,
            _: &Pubkey,
            _: &[AccountFilter],
        ) -> Result<Vec<(Pubkey, Account)>, ClusterError> {
            refused(&self.name)
        }
        async fn latest_blockhash(&self) -> Result<Hash, ClusterError> {
            refused(&self.name)
        }
        async fn clock(&self) -> Result<Clock, ClusterError> {
            Ok(Clock {
                slot: self.slot,
                unix_timestamp: self.unix,
                ..Clock::default()
            })
        }
        async fn simulate(&self, tx: &Transaction) -> Result<TxOutcome, ClusterError> {
            // The liar's refusal: the program error a liquidation that lost a race gets.
            let err = self.refuses.then_some(
                solana_sdk::transaction::TransactionError::InstructionError(
                    0,
                    solana_sdk::instruction::InstructionError::Custom(6_000),
                ),
            );
            // The quiet one says yes, but that the transaction does nothing.
            let logs = if err.is_none() && self.name != "quiet" {
                vec!["fill".to_string()]
            } else {
                Vec::new()
            };
            Ok(TxOutcome {
                signature: tx.signatures[0],
                err,
                logs,
                units: None,
            })
        }
        async fn send(&self, _: &Transaction) -> Result<TxOutcome, ClusterError> {
            refused(&self.name)
        }
    }

    fn wall() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    }

    fn endpoint(name: &str, slot: u64, unix: i64) -> Arc<dyn Cluster> {
        Arc::new(FixedClock {
            name: name.into(),
            slot,
            unix,
            refuses: name == "liar",
        })
    }

    const FRESH: Freshness = Freshness {
        max_slot_lag: 25,
        max_clock_lag_secs: 60,
    };

    #[tokio::test]
    async fn a_lagging_endpoint_is_down_though_it_answers_and_requests_skip_it() {
        let metrics = Arc::new(Metrics::new());
        // Preferred, answering every request, but 100 slots behind the other: a stale snapshot.
        let now = wall();
        let pool = EndpointPool::new(
            vec![
                endpoint("stale", 900, now - 40),
                endpoint("live", 1_000, now),
            ],
            metrics.clone(),
            FRESH,
        );
        assert_eq!(
            pool.clock().await.unwrap().slot,
            900,
            "before a check, the preferred answers"
        );
        pool.check_health().await;
        let up = |e: &str| metrics.rpc_endpoint_up.with_label_values(&[e]).get();
        let lag = |e: &str| metrics.rpc_endpoint_slot_lag.with_label_values(&[e]).get();
        assert_eq!((up("stale"), up("live")), (0, 1));
        assert_eq!((lag("stale"), lag("live")), (100, 0));
        assert_eq!(
            pool.clock().await.unwrap().slot,
            1_000,
            "requests go to the live one"
        );
        assert_eq!(
            pool.down_reasons(),
            ["stale: 100 slots behind the other endpoints"]
        );
    }

    #[tokio::test]
    async fn a_lone_endpoint_behind_wall_time_is_down_and_within_the_limits_is_up() {
        let metrics = Arc::new(Metrics::new());
        let now = wall();
        // Alone, there is no other slot to compare with: its clock is.
        let pool = EndpointPool::new(
            vec![endpoint("alone", 5, now - 300)],
            metrics.clone(),
            FRESH,
        );
        pool.check_health().await;
        assert!(!pool.any_up());
        assert!(
            pool.down_reasons()[0].starts_with("alone: its clock is 30"),
            "{:?}",
            pool.down_reasons()
        );
        // 25 slots and 60 s behind are still fresh.
        let pool = EndpointPool::new(
            vec![endpoint("a", 975, now - 50), endpoint("b", 1_000, now)],
            metrics,
            FRESH,
        );
        pool.check_health().await;
        assert!(pool.down_reasons().is_empty());
    }

    #[tokio::test]
    async fn a_refused_simulation_is_checked_on_another_endpoint_and_a_success_stands() {
        let metrics = Arc::new(Metrics::new());
        let now = wall();
        // Fresh and first, but its simulations refuse everything (a faked `NotLiquidatable`).
        let pool = EndpointPool::new(
            vec![endpoint("liar", 1_000, now), endpoint("honest", 1_000, now)],
            metrics.clone(),
            FRESH,
        );
        let payer = solana_sdk::signature::Keypair::new();
        let tx = Transaction::new_signed_with_payer(
            &[],
            Some(&solana_sdk::signer::Signer::pubkey(&payer)),
            &[&payer],
            Hash::default(),
        );
        let out = pool.simulate(&tx).await.unwrap();
        assert_eq!(out.err, None, "the honest endpoint's success stands");
        assert_eq!(
            metrics.rpc_disagreements.with_label_values(&["liar"]).get(),
            1
        );
        // Alone, its answer is all there is.
        let alone = EndpointPool::new(vec![endpoint("liar", 1_000, now)], metrics.clone(), FRESH);
        assert!(alone.simulate(&tx).await.unwrap().err.is_some());
        // A success that does not do what the caller needs (an unwind that would fill
        // nothing, as a liar can claim) is checked the same way.
        let quiet = EndpointPool::new(
            vec![
                endpoint("quiet", 1_000, now),
                endpoint("honest", 1_000, now),
            ],
            metrics.clone(),
            FRESH,
        );
        let fills = |o: &TxOutcome| o.err.is_none() && o.logs.iter().any(|l| l == "fill");
        let out = quiet.simulate_until(&tx, &fills).await.unwrap();
        assert!(fills(&out), "the honest endpoint's fill stands");
        assert_eq!(
            metrics
                .rpc_disagreements
                .with_label_values(&["quiet"])
                .get(),
            1
        );
    }

    #[tokio::test]
    async fn one_endpoint_claiming_a_far_slot_cannot_talk_the_others_down() {
        let metrics = Arc::new(Metrics::new());
        let now = wall();
        let pool = EndpointPool::new(
            vec![
                endpoint("boaster", 1_000_000, now),
                endpoint("a", 1_000, now),
                endpoint("b", 1_001, now),
            ],
            metrics,
            FRESH,
        );
        pool.check_health().await;
        assert_eq!(
            pool.down_reasons(),
            ["boaster: 998999 slots ahead of the other endpoints"]
        );
        assert_eq!(pool.clock().await.unwrap().slot, 1_000);
    }
}
