//! The real `perp-keeper` binary against the local exchange over JSON-RPC, its first endpoint
//! unreachable: a price crash gets the leveraged account liquidated.

use perp_localnet::ServerConfig;
use perp_localnet::exchange::{Exchange, Options, keeper, status, venue};
use perp_sdk::perp::{OrderSide, OrderType};
use perp_sdk::{Cluster, accounts, ix};
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use std::time::{Duration, Instant};

/// An address nothing listens on (the discard port).
const UNREACHABLE: &str = "http://127.0.0.1:9";

async fn position(ex: &Exchange, margin: &solana_sdk::pubkey::Pubkey) -> i64 {
    let a = ex.venue.ledger.account(margin).await.unwrap().unwrap();
    accounts::margin_account(&a)
        .unwrap()
        .trader
        .base_position
        .get()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_keeper_binary_liquidates_over_rpc_past_an_unreachable_endpoint() {
    let options = Options {
        server: ServerConfig {
            slot: Duration::from_millis(200),
            ..ServerConfig::ephemeral()
        },
        moving_prices: false,
        traders: 0,
        ..Options::default()
    };
    let ex = Exchange::start(&options).await.expect("exchange");
    let m = &ex.venue.markets[0];
    let price = m.feeder.price();

    // 8× long: 200 quote units of collateral, 1,600 of SOL, taken from the maker's ask.
    let long = Keypair::new();
    let margin = ex.venue.open(&long, m, 200).await.expect("open");
    let lots = (8.0 * venue::native(200) as f64 / m.lot_value(price)) as u64;
    let bid = ix::order_args(
        OrderSide::Bid,
        OrderType::ImmediateOrCancel,
        (m.ticks(price) * 1.002) as u64,
        lots,
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while position(&ex, &margin).await == 0 {
        assert!(Instant::now() < deadline, "the long never filled");
        let take = ix::order_place(&m.orders(&long.pubkey()), bid, &[ex.makers[0]]);
        ex.venue.send(&[take], &[&long]).await.expect("send");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let opened = position(&ex, &margin).await;
    assert!(opened > 0);

    let liquidations = status::Liquidations::new(&ex.venue);
    tokio::spawn(liquidations.clone().run(ex.venue.clone()));
    let dir = std::env::temp_dir().join(format!("perp-keeper-over-rpc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let listen = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let urls = [UNREACHABLE.to_string(), ex.net.rpc_url()];
    let config = keeper::prepare(&ex.venue, &dir, &urls, listen)
        .await
        .expect("keeper setup");
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_perp-keeper"));
    let mut child = keeper::spawn(bin, &config).expect("keeper starts");

    // Calm: a few keeper passes leave the healthy long alone.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        position(&ex, &margin).await,
        opened,
        "healthy at the opening price"
    );
    assert_eq!(liquidations.count(0), 0);

    m.feeder.set(&ex.venue.ledger, price * 0.91).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while position(&ex, &margin).await == opened {
        assert!(
            Instant::now() < deadline,
            "the keeper did not liquidate within 60 s"
        );
        assert!(child.try_wait().unwrap().is_none(), "the keeper exited");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        position(&ex, &margin).await < opened,
        "part of the long moved to the keeper"
    );
    assert!(liquidations.count(0) >= 1, "a Liquidated event landed");

    let (_, metrics) = perp_localnet::http_client::request(listen, "GET", "/metrics", None)
        .await
        .expect("metrics");
    let up = |url: &str, v: &str| {
        metrics
            .lines()
            .any(|l| l.contains("rpc_endpoint_up") && l.contains(url) && l.ends_with(v))
    };
    assert!(
        up(UNREACHABLE, " 0"),
        "the unreachable endpoint is down:\n{metrics}"
    );
    assert!(
        up(&ex.net.rpc_url(), " 1"),
        "the local cluster is up:\n{metrics}"
    );
    child.kill().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
