//! Following the program's events: `logsSubscribe` mentioning the program, fills decoded from
//! each successful transaction's `BookEventLogged` events. A dropped connection is reopened
//! with backoff; fills while it was down are not backfilled (the app's chart then samples
//! live prices for the gap).

use crate::store::{Store, Trade};
use futures::StreamExt;
use perp_sdk::events::in_logs;
use perp_sdk::perp::events::BookEventLogged;
use solana_commitment_config::CommitmentConfig;
use solana_pubsub_client::nonblocking::pubsub_client::PubsubClient;
use solana_rpc_client_api::config::{RpcTransactionLogsConfig, RpcTransactionLogsFilter};
use solana_sdk::pubkey::Pubkey;
use std::sync::Arc;
use std::time::Duration;

/// `BookEventLogged::kind` of a fill.
const FILL: u8 = 1;
/// `BookEventLogged::maker_side` of an ask (the engine's `Side::Ask`).
const ASK: u8 = 1;

/// The fills in one transaction's logs.
pub fn trades_of(signature: &str, slot: u64, logs: &[String]) -> Vec<Trade> {
    in_logs::<BookEventLogged>(logs)
        .into_iter()
        .filter(|e| e.kind == FILL)
        .enumerate()
        .map(|(i, e)| Trade {
            signature: signature.to_string(),
            index: i as u32,
            market: e.market.to_string(),
            slot,
            time: e.timestamp,
            price_ticks: e.price_ticks,
            base_lots: e.base_lots,
            taker_side: if e.maker_side == ASK { "buy" } else { "sell" }.to_string(),
            maker: e.maker.to_string(),
            taker: e.taker.to_string(),
        })
        .collect()
}

/// One subscription until the connection ends.
async fn follow_once(ws_url: &str, program: &Pubkey, store: &Store) -> anyhow::Result<()> {
    let client = PubsubClient::new(ws_url).await?;
    let (mut notes, _unsubscribe) = client
        .logs_subscribe(
            RpcTransactionLogsFilter::Mentions(vec![program.to_string()]),
            RpcTransactionLogsConfig {
                commitment: Some(CommitmentConfig::confirmed()),
            },
        )
        .await?;
    tracing::info!(ws_url, "following the program's logs");
    while let Some(note) = notes.next().await {
        if note.value.err.is_some() {
            continue;
        }
        let trades = trades_of(&note.value.signature, note.context.slot, &note.value.logs);
        if !trades.is_empty() {
            store.insert(&trades)?;
        }
    }
    Ok(())
}

/// Follows forever, reconnecting after 1 s, doubling to 30 s while the endpoint stays down.
pub async fn follow(ws_url: String, program: Pubkey, store: Arc<Store>) {
    let mut wait = Duration::from_secs(1);
    loop {
        match follow_once(&ws_url, &program, &store).await {
            Ok(()) => {
                tracing::warn!(ws_url, "subscription ended; reconnecting");
                wait = Duration::from_secs(1);
            }
            Err(e) => tracing::warn!(ws_url, error = %e, "cannot follow; retrying"),
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(30));
    }
}
