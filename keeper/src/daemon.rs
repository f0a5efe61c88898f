//! The daemon: one endpoint pool, the metrics server, and every task of every market on its
//! own timer, each under a supervisor. A failing pass is logged and counted; the task simply
//! runs again next time. A pass that hangs is cancelled after `pass_timeout_secs` and counted
//! as failed. A task that panics is restarted with fresh state; one that panics
//! `max_task_restarts` times within `restart_window_secs` cannot recover by itself, and the
//! keeper exits non-zero naming it, for the process supervisor to restart.

use crate::backoff::Backoff;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::pool::EndpointPool;
use crate::sender::Sender;
use crate::server::{ServerState, TaskClocks, serve};
use crate::stream::AccountStream;
use crate::tasks::events::EventConsumer;
use crate::tasks::funding::FundingCranker;
use crate::tasks::liquidator::Liquidator;
use crate::tasks::risk::RiskCranker;
use crate::tasks::triggers::{TriggerAccounts, TriggerExecutor};
use crate::tasks::unwind::Unwinder;
use crate::tasks::{Keeper, Pass};
use anyhow::Context;
use perp_sdk::Cluster;
use perp_sdk::cluster::rpc::RpcCluster;
use perp_sdk::pda::margin_account_pda;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::read_keypair_file;
use solana_sdk::signer::Signer;
use std::collections::VecDeque;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Passes woken early start at least this far apart (a slot is about 400 ms).
const MIN_WAKE_GAP: Duration = Duration::from_millis(50);

/// Makes a task's state afresh (at start, and after a panic).
type MakeTask = Box<dyn Fn() -> Box<dyn Pass> + Send + Sync>;

/// Runs `task` every `every` forever, and at once whenever it asks to be woken (`Pass::wake`),
/// recording completed passes in `clocks` under `name`; a pass longer than `timeout` is
/// cancelled.
async fn run_task(
    name: String,
    every: Duration,
    timeout: Duration,
    clocks: Arc<TaskClocks>,
    keeper: Keeper,
    mut task: Box<dyn Pass>,
) {
    let mut timer = tokio::time::interval(every);
    timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let wake = task.wake();
    let mut started = tokio::time::Instant::now();
    loop {
        match &wake {
            // Whichever comes first: the timer, or the task's own wake-up (a change it follows,
            // or work it had to leave for the next pass) — at most one pass per
            // `MIN_WAKE_GAP`, so a burst of changes makes one pass, not one each.
            Some(wake) => {
                tokio::select! {
                    _ = timer.tick() => {}
                    _ = wake.notified() => timer.reset(),
                }
                tokio::time::sleep_until(started + MIN_WAKE_GAP).await;
                // What arrived meanwhile is covered by this pass: drop its stored wake-up.
                tokio::select! {
                    biased;
                    _ = wake.notified() => {}
                    _ = std::future::ready(()) => {}
                }
            }
            None => {
                timer.tick().await;
            }
        }
        started = tokio::time::Instant::now();
        match tokio::time::timeout(timeout, task.pass(&keeper)).await {
            Ok(Ok(())) => clocks.completed(&name),
            Ok(Err(e)) => tracing::warn!(task = %name, error = %e, "pass failed"),
            Err(_) => {
                keeper
                    .metrics
                    .pass_timeouts
                    .with_label_values(&[&name])
                    .inc();
                tracing::warn!(task = %name, secs = timeout.as_secs_f64(), "pass timed out, cancelled");
            }
        }
    }
}

/// What a panic said.
fn panic_message(e: tokio::task::JoinError) -> String {
    match e.try_into_panic() {
        Ok(p) => p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".into()),
        Err(e) => e.to_string(),
    }
}

/// Runs the task `make` builds under `name` (see `run_task`), restarting it with fresh state
/// after a panic; returns why it gave up: `max_task_restarts` panics within
/// `restart_window_secs`.
async fn supervise(
    name: String,
    every: Duration,
    clocks: Arc<TaskClocks>,
    keeper: Keeper,
    make: MakeTask,
) -> String {
    // A task may miss a few passes (a slow endpoint) before it counts as lagging.
    clocks.register(&name, every * 10 + Duration::from_secs(30));
    let t = keeper.tuning.clone();
    let window = Duration::from_secs(t.restart_window_secs);
    let timeout = Duration::from_secs(t.pass_timeout_secs.max(1));
    let mut panics: VecDeque<Instant> = VecDeque::new();
    loop {
        let run = tokio::spawn(run_task(
            name.clone(),
            every,
            timeout,
            clocks.clone(),
            keeper.clone(),
            make(),
        ));
        let message = match run.await {
            Ok(()) => "returned".to_string(),
            Err(e) => panic_message(e),
        };
        let now = Instant::now();
        panics.push_back(now);
        while panics
            .front()
            .is_some_and(|p| now.duration_since(*p) > window)
        {
            panics.pop_front();
        }
        keeper
            .metrics
            .task_restarts
            .with_label_values(&[&name])
            .inc();
        if panics.len() >= t.max_task_restarts as usize {
            return format!(
                "task {name} failed {} times within {} s and cannot recover (last: {message})",
                panics.len(),
                window.as_secs()
            );
        }
        tracing::error!(task = %name, panic = %message, "task panicked; restarting it");
        tokio::time::sleep(every.min(Duration::from_secs(5))).await;
    }
}

pub async fn run(config: Config) -> anyhow::Result<()> {
    let signer = read_keypair_file(&config.keypair)
        .map_err(|e| anyhow::anyhow!("{}: {e}", config.keypair.display()))?;
    let signer = Arc::new(signer);
    let markets = config
        .markets
        .iter()
        .map(|m| Pubkey::from_str(m).with_context(|| format!("market address {m:?}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let metrics = Arc::new(Metrics::new());
    let endpoints: Vec<Arc<dyn Cluster>> = config
        .rpc_urls
        .iter()
        .map(|url| {
            Arc::new(RpcCluster::new(
                url.clone(),
                config.tuning.request_timeout(),
            )) as Arc<dyn Cluster>
        })
        .collect();
    let pool = Arc::new(EndpointPool::new(
        endpoints,
        metrics.clone(),
        config.tuning.freshness(),
    ));
    let keeper = Keeper {
        sender: Sender::new(pool.clone(), signer.clone(), config.tuning.fees()),
        metrics: metrics.clone(),
        tuning: config.tuning.clone(),
    };
    let clocks = Arc::new(TaskClocks::default());
    let t = &config.tuning;
    tracing::info!(keeper = %signer.pubkey(), markets = markets.len(), endpoints = config.rpc_urls.len(), "keeper starting");
    let mut supervisors = tokio::task::JoinSet::new();
    // PubSub endpoints: the ones configured, else each RPC endpoint's by Solana's convention.
    let ws_urls: Vec<String> = if config.ws_urls.is_empty() {
        config
            .rpc_urls
            .iter()
            .filter_map(|u| crate::stream::pubsub_url(u))
            .collect()
    } else {
        config.ws_urls.clone()
    };

    for market in markets {
        let keeper_account = margin_account_pda(&market, &signer.pubkey(), 0);
        let (base, max, share) = (t.backoff_base_secs, t.backoff_max_secs, t.share());
        let stream = t
            .stream
            .then(|| AccountStream::spawn(ws_urls.clone(), pool.clone(), market, metrics.clone()));
        // The liquidator, which follows every margin account, keeps whose triggers to watch.
        let watched = TriggerAccounts::default();
        let watched_by_liquidator = watched.clone();
        let stream_for_triggers = stream.clone();
        let tasks: [(&str, Duration, MakeTask); 6] = [
            (
                "liquidator",
                Duration::from_millis(t.liquidator_interval_ms),
                Box::new(move || {
                    let liquidator =
                        Liquidator::new(market, keeper_account, Backoff::new(base, max))
                            .with_share(share)
                            .with_trigger_accounts(watched_by_liquidator.clone());
                    Box::new(match stream.clone() {
                        Some(stream) => liquidator.with_stream(stream),
                        None => liquidator,
                    })
                }),
            ),
            (
                "events",
                Duration::from_millis(t.events_interval_ms),
                Box::new(move || Box::new(EventConsumer::new(market))),
            ),
            (
                "funding",
                Duration::from_secs(t.funding_interval_secs),
                Box::new(move || Box::new(FundingCranker::new(market))),
            ),
            (
                "risk",
                Duration::from_secs(t.risk_interval_secs),
                Box::new(move || Box::new(RiskCranker::new(market))),
            ),
            (
                "unwind",
                Duration::from_millis(t.unwind_interval_ms.max(100)),
                Box::new(move || Box::new(Unwinder::new(market, keeper_account))),
            ),
            (
                "triggers",
                Duration::from_millis(t.triggers_interval_ms.max(100)),
                Box::new(move || {
                    let executor =
                        TriggerExecutor::new(market, keeper_account, Backoff::new(base, max))
                            .with_watched(watched.clone());
                    Box::new(match stream_for_triggers.clone() {
                        Some(stream) => executor.with_stream(stream),
                        None => executor,
                    })
                }),
            ),
        ];
        for (task, every, make) in tasks {
            let name = format!("{task}:{market}");
            supervisors.spawn(supervise(name, every, clocks.clone(), keeper.clone(), make));
        }
    }
    let pool_for_checks = pool.clone();
    let every = Duration::from_secs(config.tuning.health_check_secs.max(1));
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            pool_for_checks.check_health().await;
        }
    });
    let state = ServerState {
        metrics,
        pool,
        clocks,
        liquidatable_alarm_secs: config.tuning.liquidatable_alarm_secs,
        streaming: config.tuning.stream,
    };
    tokio::select! {
        served = serve(config.listen, state) => served.context("metrics endpoint")?,
        _ = tokio::signal::ctrl_c() => tracing::info!("stopping"),
        Some(gave_up) = supervisors.join_next() => {
            let reason = gave_up.unwrap_or_else(|e| format!("a supervisor failed: {e}"));
            tracing::error!(%reason, "keeper cannot recover; exiting");
            anyhow::bail!(reason);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Tuning;
    use crate::server::http_get as get;
    use solana_sdk::signature::{Keypair, write_keypair_file};

    /// The whole daemon, wired as `main` wires it, against an endpoint that never answers: it
    /// keeps running, and its health endpoint says why it is unhealthy.
    #[tokio::test]
    async fn daemon_serves_health_and_metrics_while_its_endpoint_is_down() {
        let dir = std::env::temp_dir().join(format!("perp-keeper-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let keypair = dir.join("keeper.json");
        write_keypair_file(&Keypair::new(), &keypair).expect("keypair file");
        // A free loopback port for the endpoint.
        let listen = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port");
        let dead = "http://127.0.0.1:1";
        let config = Config {
            rpc_urls: vec![dead.into()],
            ws_urls: Vec::new(),
            keypair,
            markets: vec![Pubkey::new_unique().to_string()],
            listen,
            json_logs: false,
            tuning: Tuning {
                liquidator_interval_ms: 50,
                events_interval_ms: 50,
                request_timeout_ms: 500,
                ..Tuning::default()
            },
        };
        let daemon = tokio::spawn(run(config));
        let mut health = None;
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if let Some(r) = get(listen, "/health").await
                && r.contains("no rpc endpoint up")
            {
                health = Some(r);
                break;
            }
        }
        let health = health.expect("health turns 503 once the endpoint fails");
        assert!(health.starts_with("HTTP/1.1 503"), "{health}");
        let metrics = get(listen, "/metrics").await.expect("metrics");
        assert!(metrics.contains(&format!("keeper_rpc_endpoint_up{{endpoint=\"{dead}\"}} 0")));
        assert!(metrics.contains("keeper_rpc_failovers_total"));
        assert!(
            !daemon.is_finished(),
            "a dead endpoint does not stop the daemon"
        );
        daemon.abort();
    }

    /// A task whose passes panic `panics` times (counted across restarts), hang when `hang`,
    /// and otherwise complete.
    struct Scripted {
        panics: Arc<std::sync::atomic::AtomicU32>,
        passes: Arc<std::sync::atomic::AtomicU32>,
        hang: bool,
    }

    #[async_trait::async_trait]
    impl Pass for Scripted {
        async fn pass(&mut self, _: &Keeper) -> Result<(), crate::KeeperError> {
            use std::sync::atomic::Ordering::SeqCst;
            if self.hang {
                tokio::time::sleep(Duration::from_secs(3_600)).await;
            }
            if self.panics.load(SeqCst) > 0 {
                self.panics.fetch_sub(1, SeqCst);
                panic!("scripted failure");
            }
            self.passes.fetch_add(1, SeqCst);
            Ok(())
        }
    }

    fn test_keeper(tuning: Tuning) -> Keeper {
        Keeper {
            sender: Sender::new(
                Arc::new(RpcCluster::new(
                    "http://127.0.0.1:1",
                    Duration::from_secs(1),
                )),
                Arc::new(Keypair::new()),
                crate::sender::FeePolicy::fixed(0),
            ),
            metrics: Arc::new(Metrics::new()),
            tuning,
        }
    }

    /// Supervises a `Scripted` task; returns its counters and the supervisor.
    fn scripted(
        keeper: &Keeper,
        panics: u32,
        hang: bool,
    ) -> (
        Arc<std::sync::atomic::AtomicU32>,
        tokio::task::JoinHandle<String>,
    ) {
        let panics = Arc::new(std::sync::atomic::AtomicU32::new(panics));
        let passes = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let (p, q) = (panics.clone(), passes.clone());
        let make: MakeTask = Box::new(move || {
            Box::new(Scripted {
                panics: p.clone(),
                passes: q.clone(),
                hang,
            })
        });
        let clocks = Arc::new(TaskClocks::default());
        let run = supervise(
            "t".into(),
            Duration::from_millis(10),
            clocks,
            keeper.clone(),
            make,
        );
        (passes, tokio::spawn(run))
    }

    #[tokio::test]
    async fn a_task_that_panics_is_restarted_with_fresh_state() {
        let k = test_keeper(Tuning::default());
        let (passes, supervisor) = scripted(&k, 2, false);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            passes.load(std::sync::atomic::Ordering::SeqCst) > 0,
            "it runs again"
        );
        assert_eq!(k.metrics.task_restarts.with_label_values(&["t"]).get(), 2);
        assert!(
            !supervisor.is_finished(),
            "two panics in five minutes are recovered from"
        );
        supervisor.abort();
    }

    #[tokio::test]
    async fn a_task_that_keeps_panicking_stops_the_keeper_with_a_clear_line() {
        let k = test_keeper(Tuning {
            max_task_restarts: 3,
            ..Tuning::default()
        });
        let (_, supervisor) = scripted(&k, u32::MAX, false);
        let reason = tokio::time::timeout(Duration::from_secs(5), supervisor)
            .await
            .expect("gives up")
            .expect("supervisor");
        assert_eq!(
            reason,
            "task t failed 3 times within 300 s and cannot recover (last: scripted failure)"
        );
    }

    /// A task that counts its passes and can be woken.
    struct Woken {
        passes: Arc<std::sync::atomic::AtomicU32>,
        wake: Arc<tokio::sync::Notify>,
    }

    #[async_trait::async_trait]
    impl Pass for Woken {
        async fn pass(&mut self, _: &Keeper) -> Result<(), crate::KeeperError> {
            self.passes
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        }

        fn wake(&self) -> Option<Arc<tokio::sync::Notify>> {
            Some(self.wake.clone())
        }
    }

    /// A change the task follows runs its next pass at once, not at its (hour-long) timer; a
    /// burst of changes makes one pass, not one each.
    #[tokio::test]
    async fn a_woken_task_passes_at_once_and_a_burst_makes_one_pass() {
        use std::sync::atomic::Ordering::SeqCst;
        let passes = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let wake = Arc::new(tokio::sync::Notify::new());
        let task = Box::new(Woken {
            passes: passes.clone(),
            wake: wake.clone(),
        });
        let run = tokio::spawn(run_task(
            "w".into(),
            Duration::from_secs(3_600),
            Duration::from_secs(60),
            Arc::new(TaskClocks::default()),
            test_keeper(Tuning::default()),
            task,
        ));
        // The interval's first tick is immediate: one pass at start.
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(passes.load(SeqCst), 1);
        for _ in 0..20 {
            wake.notify_one();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(passes.load(SeqCst), 2, "woken once for the whole burst");
        wake.notify_one();
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(passes.load(SeqCst), 3);
        run.abort();
    }

    #[tokio::test]
    async fn a_pass_that_hangs_is_cancelled_and_the_task_goes_on() {
        let k = test_keeper(Tuning {
            pass_timeout_secs: 1,
            ..Tuning::default()
        });
        let (_, supervisor) = scripted(&k, 0, true);
        tokio::time::sleep(Duration::from_millis(2_300)).await;
        assert!(k.metrics.pass_timeouts.with_label_values(&["t"]).get() >= 2);
        assert_eq!(k.metrics.task_restarts.with_label_values(&["t"]).get(), 0);
        supervisor.abort();
    }

    #[tokio::test]
    async fn refuses_a_bad_market_address_and_a_missing_keypair() {
        let base = || Config {
            rpc_urls: vec!["http://127.0.0.1:1".into()],
            ws_urls: Vec::new(),
            keypair: std::env::temp_dir().join("perp-keeper-no-such-keypair.json"),
            markets: vec!["not-a-key".into()],
            listen: "127.0.0.1:0".parse().expect("addr"),
            json_logs: false,
            tuning: Tuning::default(),
        };
        let err = run(base()).await.expect_err("no keypair");
        assert!(err.to_string().contains("no-such-keypair"), "{err}");
        let dir = std::env::temp_dir().join(format!("perp-keeper-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let keypair = dir.join("k.json");
        write_keypair_file(&Keypair::new(), &keypair).expect("keypair file");
        let err = run(Config { keypair, ..base() })
            .await
            .expect_err("bad market");
        assert!(err.to_string().contains("not-a-key"), "{err}");
    }
}
