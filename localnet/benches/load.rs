//! Load check of the local cluster over loopback, with the official Rust client: 10 s of
//! `getAccountInfo` from 32 concurrent callers, then 10 s of `sendTransaction` (SOL transfers
//! with the default preflight simulation) from 32 concurrent senders with their own payers.
//! At most 1,000,000 requests a phase. Prints requests/s, errors and latency percentiles; exits
//! 1 if any request failed or a target (2,000 getAccountInfo/s, 200 sendTransaction/s) was
//! missed. Run: `cargo bench -p perp-localnet --bench load --profile load`.

use perp_localnet::{Localnet, ServerConfig};
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_sdk::native_token::LAMPORTS_PER_SOL;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use solana_sdk::transaction::Transaction;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CALLERS: usize = 32;
const PHASE: Duration = Duration::from_secs(10);
/// Upper bound on requests per phase, whatever the speed.
const MAX_REQUESTS: usize = 1_000_000;

struct Phase {
    name: &'static str,
    target: f64,
    latencies: Vec<Duration>,
    errors: usize,
    elapsed: Duration,
}

impl Phase {
    fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    fn report(&mut self) -> bool {
        self.latencies.sort();
        let pct = |p: f64| {
            let i = ((self.latencies.len() as f64 * p) as usize)
                .min(self.latencies.len().saturating_sub(1));
            self.latencies.get(i).map_or(0.0, |d| d.as_secs_f64() * 1e3)
        };
        let ok = self.errors == 0 && self.rate() >= self.target;
        println!(
            "{:<16} {:>8} ok {:>4} errors in {:>5.2} s = {:>8.0}/s (target {:>5.0}/s) latency ms p50 {:>6.2} p99 {:>6.2} max {:>7.2}  {}",
            self.name,
            self.latencies.len(),
            self.errors,
            self.elapsed.as_secs_f64(),
            self.rate(),
            self.target,
            pct(0.5),
            pct(0.99),
            pct(1.0),
            if ok { "ok" } else { "MISSED" }
        );
        ok
    }
}

/// Runs `CALLERS` loops of `call(caller, n)` for `PHASE` (or `MAX_REQUESTS` in all).
async fn phase<F, Fut>(name: &'static str, target: f64, call: F) -> Phase
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let call = Arc::new(call);
    let start = Instant::now();
    let tasks: Vec<_> = (0..CALLERS)
        .map(|caller| {
            let call = call.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = 0;
                let mut n = 0;
                while start.elapsed() < PHASE && n < MAX_REQUESTS / CALLERS {
                    let t = Instant::now();
                    if call(caller, n).await {
                        latencies.push(t.elapsed());
                    } else {
                        errors += 1;
                    }
                    n += 1;
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut out = Phase {
        name,
        target,
        latencies: Vec::new(),
        errors: 0,
        elapsed: Duration::ZERO,
    };
    for t in tasks {
        let (l, e) = t.await.expect("caller");
        out.latencies.extend(l);
        out.errors += e;
    }
    out.elapsed = start.elapsed();
    out
}

#[tokio::main]
async fn main() {
    let net = Localnet::start(&ServerConfig::ephemeral(), None)
        .await
        .expect("localnet");
    let client = Arc::new(RpcClient::new_with_commitment(
        net.rpc_url(),
        CommitmentConfig::confirmed(),
    ));
    let payers: Arc<Vec<Keypair>> = Arc::new((0..CALLERS).map(|_| Keypair::new()).collect());
    for p in payers.iter() {
        net.ledger
            .airdrop(&p.pubkey(), 100 * LAMPORTS_PER_SOL)
            .await
            .expect("airdrop");
    }
    let target = payers[0].pubkey();
    println!(
        "local cluster on {}, {CALLERS} concurrent callers, {} s per phase",
        net.rpc_url(),
        PHASE.as_secs()
    );

    let c = client.clone();
    let mut reads = phase("getAccountInfo", 2_000.0, move |_, _| {
        let c = c.clone();
        async move { c.get_account(&target).await.is_ok() }
    })
    .await;

    let c = client.clone();
    let blockhash = Arc::new(tokio::sync::RwLock::new(
        client.get_latest_blockhash().await.expect("blockhash"),
    ));
    let refresh = {
        let (c, blockhash) = (client.clone(), blockhash.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(5)).await;
                if let Ok(h) = c.get_latest_blockhash().await {
                    *blockhash.write().await = h;
                }
            }
        })
    };
    // Rent-exempt from the start, so each small transfer is valid on its own.
    let recipient = solana_sdk::pubkey::Pubkey::new_unique();
    net.ledger
        .airdrop(&recipient, LAMPORTS_PER_SOL)
        .await
        .expect("airdrop");
    let mut sends = phase("sendTransaction", 200.0, move |caller, n| {
        let (c, payers, blockhash) = (c.clone(), payers.clone(), blockhash.clone());
        async move {
            let payer = &payers[caller];
            // A distinct amount per send keeps every transaction unique.
            let ix = anchor_lang::solana_program::system_instruction::transfer(
                &payer.pubkey(),
                &recipient,
                1 + n as u64,
            );
            let hash = *blockhash.read().await;
            let tx =
                Transaction::new_signed_with_payer(&[ix], Some(&payer.pubkey()), &[payer], hash);
            match c.send_transaction(&tx).await {
                Ok(_) => true,
                Err(e) => {
                    if caller == 0 {
                        eprintln!("sendTransaction failed: {e}");
                    }
                    false
                }
            }
        }
    })
    .await;
    refresh.abort();
    let ok = reads.report() & sends.report();
    println!(
        "transactions processed by the cluster: {}",
        net.ledger.transaction_count()
    );
    std::process::exit(if ok { 0 } else { 1 });
}
