//! The indexer following a local exchange: a crossing order's fills appear as trades and a
//! candle, over HTTP.

use crate::store::Store;
use crate::{follow, http};
use perp_localnet::ServerConfig;
use perp_localnet::exchange::{Exchange, Options};
use perp_sdk::events::in_logs;
use perp_sdk::ix;
use perp_sdk::perp::events::OrderPlaced;
use perp_sdk::perp::{OrderSide, OrderType};
use serde_json::Value;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use std::sync::Arc;
use std::time::{Duration, Instant};

async fn get(addr: std::net::SocketAddr, path: &str) -> (u16, Value) {
    let (status, body) = perp_localnet::http_client::request(addr, "GET", path, None)
        .await
        .unwrap();
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// Buys `lots` from the maker until it fills; the fill's `OrderPlaced`.
async fn buy(ex: &Exchange, buyer: &Keypair, lots: u64) -> OrderPlaced {
    let m = &ex.venue.markets[0];
    let price = (m.ticks(m.feeder.price()) * 1.01) as u64;
    let bid = ix::order_args(OrderSide::Bid, OrderType::ImmediateOrCancel, price, lots);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        assert!(Instant::now() < deadline, "the order never filled");
        let take = ix::order_place(&m.orders(&buyer.pubkey()), bid, &[ex.makers[0]]);
        let out = ex.venue.send(&[take], &[buyer]).await.expect("send");
        if let Some(p) = in_logs::<OrderPlaced>(&out.logs)
            .into_iter()
            .find(|p| p.filled_base_lots > 0)
        {
            return p;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fills_from_before_and_after_the_start_become_trades_and_a_candle() {
    let options = Options {
        server: ServerConfig {
            slot: Duration::from_millis(100),
            ..ServerConfig::ephemeral()
        },
        moving_prices: false,
        traders: 0,
        ..Options::default()
    };
    let ex = Exchange::start(&options).await.expect("exchange");
    let buyer = Keypair::new();
    ex.venue
        .open(&buyer, &ex.venue.markets[0], 1_000)
        .await
        .expect("open");
    // A fill before the indexer runs: read back from history.
    let before = buy(&ex, &buyer, 50).await;

    let store = Arc::new(Store::in_memory().unwrap());
    tokio::spawn(follow::follow(
        ex.net.pubsub_url(),
        ex.net.rpc_url(),
        perp_sdk::perp::ID,
        store.clone(),
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, http::router(store)).await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    // A fill while it runs: from the live stream.
    let after = buy(&ex, &buyer, 30).await;
    let expected = before.filled_base_lots + after.filled_base_lots;

    let market = ex.venue.markets[0].market.to_string();
    let lots_of = |t: &Value| t["baseLots"].as_u64().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let trades = loop {
        let (status, body) = get(addr, &format!("/trades?market={market}")).await;
        assert_eq!(status, 200);
        let trades = body.as_array().cloned().unwrap_or_default();
        if trades.iter().map(lots_of).sum::<u64>() == expected {
            break trades;
        }
        assert!(
            Instant::now() < deadline,
            "indexed {trades:?}, expected {expected} lots"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        trades
            .iter()
            .all(|t| t["takerSide"] == "buy" && t["market"] == market.as_str())
    );

    // The buyer's own fills, from its margin account (it took every one).
    let account =
        perp_sdk::pda::margin_account_pda(&ex.venue.markets[0].market, &buyer.pubkey(), 0);
    let (status, mine) = get(addr, &format!("/fills?account={account}")).await;
    assert_eq!(status, 200);
    let mine = mine.as_array().cloned().unwrap_or_default();
    assert_eq!(mine.iter().map(lots_of).sum::<u64>(), expected);
    assert!(
        mine.iter()
            .all(|t| t["taker"] == account.to_string().as_str())
    );
    // And its orders, as asked: IOC buys, the ones that filled with their sizes.
    let (status, orders) = get(addr, &format!("/orders?account={account}")).await;
    assert_eq!(status, 200);
    let orders = orders.as_array().cloned().unwrap_or_default();
    let filled: u64 = orders
        .iter()
        .map(|o| o["filledBaseLots"].as_u64().unwrap())
        .sum();
    assert_eq!(filled, expected);
    assert!(
        orders
            .iter()
            .all(|o| o["side"] == "buy" && o["orderType"] == "ioc")
    );
    assert!(orders.iter().any(|o| o["baseLots"] == 50));
    assert!(orders.iter().any(|o| o["baseLots"] == 30));

    let (status, candles) = get(addr, &format!("/candles?market={market}&interval=60")).await;
    assert_eq!(status, 200);
    let volume: u64 = candles
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["volume"].as_u64().unwrap())
        .sum();
    assert_eq!(volume, expected);
    let (status, _) = get(addr, &format!("/candles?market={market}&interval=7")).await;
    assert_eq!(status, 400, "only the listed candle widths");
}
