//! The daemon: one endpoint pool, the metrics server, and every task of every market on its
//! own timer. A failing pass is logged and counted; the task simply runs again next time.

use crate::backoff::Backoff;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::pool::EndpointPool;
use crate::sender::Sender;
use crate::server::{ServerState, TaskClocks, serve};
use crate::tasks::events::EventConsumer;
use crate::tasks::funding::FundingCranker;
use crate::tasks::liquidator::Liquidator;
use crate::tasks::risk::RiskCranker;
use crate::tasks::{Keeper, Pass};
use anyhow::Context;
use perp_sdk::Cluster;
use perp_sdk::cluster::rpc::RpcCluster;
use perp_sdk::pda::margin_account_pda;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::read_keypair_file;
use solana_sdk::signer::Signer;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// Runs `task` every `every`, recording completed passes in `clocks` under `name`.
fn spawn_task(
    name: String,
    every: Duration,
    clocks: Arc<TaskClocks>,
    keeper: Keeper,
    mut task: Box<dyn Pass>,
) {
    // A task may miss a few passes (a slow endpoint) before it counts as lagging.
    clocks.register(&name, every * 10 + Duration::from_secs(30));
    tokio::spawn(async move {
        let mut timer = tokio::time::interval(every);
        timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            timer.tick().await;
            match task.pass(&keeper).await {
                Ok(()) => clocks.completed(&name),
                Err(e) => tracing::warn!(task = %name, error = %e, "pass failed"),
            }
        }
    });
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
    let pool = Arc::new(EndpointPool::new(endpoints, metrics.clone()));
    let keeper = Keeper {
        sender: Sender {
            cluster: pool.clone(),
            signer: signer.clone(),
            priority_fee_micro_lamports: config.tuning.priority_fee_micro_lamports,
        },
        metrics: metrics.clone(),
        tuning: config.tuning.clone(),
    };
    let clocks = Arc::new(TaskClocks::default());
    let t = &config.tuning;
    tracing::info!(keeper = %signer.pubkey(), markets = markets.len(), endpoints = config.rpc_urls.len(), "keeper starting");

    for market in markets {
        let keeper_account = margin_account_pda(&market, &signer.pubkey(), 0);
        let backoff = Backoff::new(t.backoff_base_secs, t.backoff_max_secs);
        let tasks: [(&str, Duration, Box<dyn Pass>); 4] = [
            (
                "liquidator",
                Duration::from_millis(t.liquidator_interval_ms),
                Box::new(Liquidator::new(market, keeper_account, backoff)),
            ),
            (
                "events",
                Duration::from_millis(t.events_interval_ms),
                Box::new(EventConsumer::new(market)),
            ),
            (
                "funding",
                Duration::from_secs(t.funding_interval_secs),
                Box::new(FundingCranker::new(market)),
            ),
            (
                "risk",
                Duration::from_secs(t.risk_interval_secs),
                Box::new(RiskCranker::new(market)),
            ),
        ];
        for (task, every, pass) in tasks {
            let name = format!("{task}:{market}");
            spawn_task(name, every, clocks.clone(), keeper.clone(), pass);
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
    };
    tokio::select! {
        served = serve(config.listen, state) => served.context("metrics endpoint")?,
        _ = tokio::signal::ctrl_c() => tracing::info!("stopping"),
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

    #[tokio::test]
    async fn refuses_a_bad_market_address_and_a_missing_keypair() {
        let base = || Config {
            rpc_urls: vec!["http://127.0.0.1:1".into()],
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
