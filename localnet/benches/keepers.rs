//! Keeper benchmark (issue 25): the local exchange seeded with `ACCOUNTS` margin accounts
//! holding positions (`exchange::seed`: one long in ten leveraged 8.5×), the real `perp-keeper`
//! binary (or several side by side, splitting the accounts), then the oracle drops 10% at once,
//! which puts about 5% of the accounts below maintenance. From the moment the price lands it
//! measures: the first liquidation, p50 / p99 / max time until each stressed account is
//! liquidated, liquidations per second, the keepers' raced, failed and no-capacity
//! liquidations, and their CPU time and peak memory.
//!
//! Run (the keeper binary must be built with the same profile):
//! `cargo build --profile load -p perp-keeper && cargo bench -p perp-localnet --bench keepers
//! --profile load -- <accounts> <keepers> <stream|poll>` (defaults: 10000 1 stream). Extra
//! keeper tuning (TOML lines, e.g. `max_liquidations_per_tick = 64`) may be given in
//! `PERP_BENCH_TUNING` to compare settings; the figures in the docs use the defaults.

use perp_localnet::ServerConfig;
use perp_localnet::exchange::{Exchange, Options, keeper, sibling_binary};
use perp_sdk::events::in_logs;
use perp_sdk::perp::events::Liquidated;
use solana_sdk::pubkey::Pubkey;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The exchange's allocator, as `perp-localnet` runs it.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// How long the stressed accounts have to be liquidated.
const DEADLINE: Duration = Duration::from_secs(180);

/// A keeper's `/metrics` text.
async fn metrics(listen: std::net::SocketAddr) -> String {
    perp_localnet::http_client::request(listen, "GET", "/metrics", None)
        .await
        .map(|(_, body)| body)
        .unwrap_or_default()
}

/// The sum of a metric's samples whose line contains `filter`.
fn sum(metrics: &str, name: &str, filter: &str) -> f64 {
    metrics
        .lines()
        .filter(|l| l.starts_with(name) && l.contains(filter))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// CPU seconds (user + system) and peak resident memory (MiB) of process `pid`.
fn usage(pid: u32) -> (f64, f64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let cpu = (ticks(11) + ticks(12)) / 100.0;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let peak_kib = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .unwrap_or(0.0);
    (cpu, peak_kib / 1024.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len().max(1)) - 1;
    sorted.get(i).copied().unwrap_or_default()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let accounts: usize = args.first().map_or(Ok(10_000), |a| a.parse())?;
    let keepers: u32 = args.get(1).map_or(Ok(1), |a| a.parse())?;
    let stream = args.get(2).is_none_or(|m| m != "poll");
    let bin = sibling_binary("perp-keeper")
        .ok_or_else(|| anyhow::anyhow!("build perp-keeper with the same profile first"))?;

    let options = Options {
        server: ServerConfig::ephemeral(),
        moving_prices: false,
        makers: false,
        traders: 0,
        seed_accounts: accounts,
        ..Options::default()
    };
    let seeding = Instant::now();
    let ex = Exchange::start(&options).await?;
    let seeded = ex.seeded.clone();
    eprintln!(
        "seeded {} accounts in {:.0} s ({} stressed)",
        seeded.calm.len() + seeded.stressed.len(),
        seeding.elapsed().as_secs_f64(),
        seeded.stressed.len()
    );

    // The keepers, each with its own account and share.
    let mut children = Vec::new();
    for index in 0..keepers {
        let dir =
            std::env::temp_dir().join(format!("perp-bench-keeper-{}-{index}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let listen = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
        let tuning = format!(
            "stream = {stream}\nkeeper_index = {index}\nkeeper_count = {keepers}\n{}\n",
            std::env::var("PERP_BENCH_TUNING").unwrap_or_default()
        );
        let config = keeper::prepare(
            &ex.venue,
            &dir,
            &[ex.net.rpc_url()],
            &[ex.net.pubsub_url()],
            listen,
            keeper::KEEPER_COLLATERAL.max(accounts as u64 * keeper::KEEPER_COLLATERAL_PER_ACCOUNT),
            &tuning,
        )
        .await?;
        children.push((keeper::spawn(&bin, &config)?, listen));
    }
    // Ready: every keeper follows every seeded account, and a streaming keeper's stream is up
    // (its reconciling listing done): the crash finds it in its steady state, not still
    // polling as it does at start.
    let market = ex.venue.markets[0].market.to_string();
    let ready = Instant::now();
    for (_, listen) in &children {
        while {
            let text = metrics(*listen).await;
            sum(&text, "keeper_accounts_tracked", &market) < accounts as f64
                || (stream
                    && (sum(&text, "keeper_stream_up", &market) < 1.0
                        || sum(&text, "keeper_polling", &market) > 0.0))
        } {
            anyhow::ensure!(
                ready.elapsed() < DEADLINE,
                "the keepers never followed every account (through their streams)"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    let cpu_before: Vec<(f64, f64)> = children
        .iter()
        .map(|(c, _)| usage(c.id().unwrap_or(0)))
        .collect();

    // The first liquidation of each account, timed as the ledger commits it.
    let times: Arc<Mutex<HashMap<Pubkey, Instant>>> = Arc::default();
    let mut changes = ex.venue.ledger.subscribe();
    let (ledger, seen) = (ex.venue.ledger.clone(), times.clone());
    tokio::spawn(async move {
        loop {
            let change = match changes.recv().await {
                Ok(change) => change,
                // Fell behind: later signatures still come.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            };
            if let perp_localnet::ledger::Change::Signature {
                signature,
                err: None,
                ..
            } = change.1
                && let Some(record) = ledger.transaction(&signature)
            {
                let now = Instant::now();
                for l in in_logs::<Liquidated>(&record.logs) {
                    seen.lock().unwrap().entry(l.margin_account).or_insert(now);
                }
            }
        }
    });

    let m = &ex.venue.markets[0];
    let price = m.feeder.price();
    m.feeder.hold(true);
    // The exchange runs in this process: its CPU during the crash, beside the keepers'.
    let exchange_before = usage(std::process::id()).0;
    let dropped = Instant::now();
    m.feeder.set(&ex.venue.ledger, price * 0.9).await;
    let stressed: HashSet<Pubkey> = seeded.stressed.iter().copied().collect();
    loop {
        let done = times
            .lock()
            .unwrap()
            .keys()
            .filter(|k| stressed.contains(k))
            .count();
        if done == stressed.len() || dropped.elapsed() > DEADLINE {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let exchange_cpu = usage(std::process::id()).0 - exchange_before;
    let crash = dropped.elapsed();
    let times = times.lock().unwrap().clone();
    let mut latencies: Vec<Duration> = stressed
        .iter()
        .filter_map(|k| times.get(k).map(|t| t.duration_since(dropped)))
        .collect();
    latencies.sort();
    let healthy = times.keys().filter(|k| !stressed.contains(k)).count();
    let (mut raced, mut failed, mut no_capacity, mut busy) = (0.0, 0.0, 0.0, 0.0);
    let (mut cpu, mut peak) = (0.0, 0.0f64);
    for ((child, listen), before) in children.iter().zip(&cpu_before) {
        let text = metrics(*listen).await;
        raced += sum(&text, "keeper_liquidations_total", "raced");
        failed += sum(&text, "keeper_liquidations_total", "\"failed\"");
        no_capacity += sum(&text, "keeper_liquidations_total", "no_capacity");
        busy += sum(&text, "keeper_liquidations_total", "busy");
        let (c, p) = usage(child.id().unwrap_or(0));
        cpu += c - before.0;
        peak = peak.max(p);
    }
    let span = latencies.last().copied().unwrap_or_default();
    println!(
        "{accounts} accounts, {keepers} keeper(s), {}: {} of {} stressed liquidated{}; first {:.0} ms, p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms; {:.1} liquidations/s; raced {raced}, failed {failed}, no capacity {no_capacity}, never executed {busy}; keeper CPU {cpu:.1} s, peak memory {peak:.0} MiB; exchange CPU {exchange_cpu:.1} s in {:.1} s",
        if stream { "streaming" } else { "polling" },
        latencies.len(),
        stressed.len(),
        if healthy > 0 {
            format!(" (and {healthy} others)")
        } else {
            String::new()
        },
        latencies.first().copied().unwrap_or_default().as_secs_f64() * 1e3,
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        span.as_secs_f64() * 1e3,
        latencies.len() as f64 / span.as_secs_f64().max(1e-3),
        crash.as_secs_f64(),
    );
    for (mut child, _) in children {
        let _ = child.kill().await;
    }
    Ok(())
}
