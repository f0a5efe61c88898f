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
