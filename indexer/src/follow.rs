//! Following the program's events: `logsSubscribe` mentioning the program, fills decoded from
//! each successful transaction's `BookEventLogged` events. After every (re)subscription the
//! program's history is read back through `getSignaturesForAddress` / `getTransaction` until a
//! recorded fill, so fills from before the start or while the connection was down are not
//! lost. A dropped connection is reopened with backoff.

use crate::store::{FundingPayment, Order, Store, Trade};
use futures::StreamExt;
use perp_sdk::events::in_logs;
use perp_sdk::perp::events::{BookEventLogged, FundingPaid, OrderPlaced};
use perp_sdk::perp::{OrderSide, OrderType};
use solana_commitment_config::CommitmentConfig;
use solana_pubsub_client::nonblocking::pubsub_client::PubsubClient;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client::rpc_client::GetConfirmedSignaturesForAddress2Config;
use solana_rpc_client_api::config::RpcTransactionConfig;
use solana_rpc_client_api::config::{RpcTransactionLogsConfig, RpcTransactionLogsFilter};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signature;
use solana_transaction_status_client_types::UiTransactionEncoding;
use std::str::FromStr;
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

/// The orders placed in one transaction's logs.
pub fn orders_of(signature: &str, slot: u64, logs: &[String]) -> Vec<Order> {
    in_logs::<OrderPlaced>(logs)
        .into_iter()
        .enumerate()
        .map(|(i, o)| Order {
            signature: signature.to_string(),
            index: i as u32,
            market: o.market.to_string(),
            account: o.margin_account.to_string(),
            slot,
            time: o.timestamp,
            side: match o.side {
                OrderSide::Bid => "buy",
                OrderSide::Ask => "sell",
            }
            .to_string(),
            order_type: match o.order_type {
                OrderType::Limit => "limit",
                OrderType::PostOnly => "postOnly",
                OrderType::PostOnlySlide => "postOnlySlide",
                OrderType::ImmediateOrCancel => "ioc",
                OrderType::FillOrKill => "fok",
                OrderType::Market => "market",
            }
            .to_string(),
            limit_ticks: o.limit_ticks,
            price_ticks: o.price_ticks,
            base_lots: o.base_lots,
            filled_base_lots: o.filled_base_lots,
            cancelled_base_lots: o.cancelled_base_lots,
            rested: o.resting_order_id.is_some(),
            reduce_only: o.reduce_only,
            client_order_id: o.client_order_id,
        })
        .collect()
}

/// The funding payments in one transaction's logs.
pub fn funding_of(signature: &str, slot: u64, logs: &[String]) -> Vec<FundingPayment> {
    in_logs::<FundingPaid>(logs)
        .into_iter()
        .flat_map(|e| {
            e.payments
                .into_iter()
                .map(move |p| (e.market, e.timestamp, p))
        })
        .enumerate()
        .map(|(i, (market, time, p))| FundingPayment {
            signature: signature.to_string(),
            index: i as u32,
            market: market.to_string(),
            account: p.margin_account.to_string(),
            slot,
            time,
            base_lots: p.base_lots,
            amount: p.amount,
        })
        .collect()
}

/// Records a transaction's fills, orders and funding payments.
fn record(store: &Store, signature: &str, slot: u64, logs: &[String]) -> anyhow::Result<usize> {
    let trades = trades_of(signature, slot, logs);
    let orders = orders_of(signature, slot, logs);
    let funding = funding_of(signature, slot, logs);
    let mut added = 0;
    if !trades.is_empty() {
        added += store.insert(&trades)?;
    }
    if !orders.is_empty() {
        added += store.insert_orders(&orders)?;
    }
    if !funding.is_empty() {
        added += store.insert_funding(&funding)?;
    }
    Ok(added)
}

/// Pages of history read back after a (re)subscription, at most.
const MAX_BACKFILL_PAGES: usize = 20;
const PAGE: usize = 1_000;

/// Records the fills of the program's transactions newer than the last recorded one.
pub async fn backfill(rpc: &RpcClient, program: &Pubkey, store: &Store) -> anyhow::Result<usize> {
    let mut before = None;
    let mut added = 0;
    for _ in 0..MAX_BACKFILL_PAGES {
        let config = GetConfirmedSignaturesForAddress2Config {
            before,
            until: None,
            limit: Some(PAGE),
            commitment: Some(CommitmentConfig::confirmed()),
        };
        let page = rpc
            .get_signatures_for_address_with_config(program, config)
            .await?;
        for entry in &page {
            if entry.err.is_some() {
                continue;
            }
            if store.has(&entry.signature)? {
                return Ok(added);
            }
            let signature = Signature::from_str(&entry.signature)?;
            let tx = rpc
                .get_transaction_with_config(
                    &signature,
                    RpcTransactionConfig {
                        encoding: Some(UiTransactionEncoding::Base64),
                        commitment: Some(CommitmentConfig::confirmed()),
                        max_supported_transaction_version: Some(0),
                    },
                )
                .await?;
            let logs: Option<Vec<String>> = tx.transaction.meta.and_then(|m| m.log_messages.into());
            added += record(
                store,
                &entry.signature,
                entry.slot,
                &logs.unwrap_or_default(),
            )?;
        }
        if page.len() < PAGE {
            break;
        }
        before = page
            .last()
            .map(|e| Signature::from_str(&e.signature))
            .transpose()?;
    }
    Ok(added)
}

/// One subscription until the connection ends.
async fn follow_once(
    ws_url: &str,
    rpc: &RpcClient,
    program: &Pubkey,
    store: &Store,
) -> anyhow::Result<()> {
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
    // Subscribed first, so nothing falls between the history and the live stream.
    let added = backfill(rpc, program, store).await?;
    tracing::info!(added, "history read back");
    while let Some(note) = notes.next().await {
        if note.value.err.is_some() {
            continue;
        }
        record(
            store,
            &note.value.signature,
            note.context.slot,
            &note.value.logs,
        )?;
    }
    Ok(())
}

/// Follows forever, reconnecting after 1 s, doubling to 30 s while the endpoint stays down.
pub async fn follow(ws_url: String, rpc_url: String, program: Pubkey, store: Arc<Store>) {
    let rpc = RpcClient::new_with_commitment(rpc_url, CommitmentConfig::confirmed());
    let mut wait = Duration::from_secs(1);
    loop {
        match follow_once(&ws_url, &rpc, &program, &store).await {
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
