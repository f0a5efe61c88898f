//! The real `perp-keeper` binary against the local exchange over JSON-RPC, its first endpoint
//! unreachable: a price crash gets the leveraged account liquidated.

use perp_keeper::metrics::Metrics;
use perp_keeper::sender::{FeePolicy, Sender};
use perp_keeper::stream::AccountStream;
use perp_keeper::tasks::Keeper;
use perp_localnet::ServerConfig;
use perp_localnet::exchange::{Exchange, Options, keeper, status, venue};
use perp_sdk::cluster::rpc::RpcCluster;
use perp_sdk::perp::{OrderSide, OrderType};
use perp_sdk::{Cluster, accounts, ix};
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// An address nothing listens on (the discard port), for RPC and PubSub.
const UNREACHABLE: &str = "http://127.0.0.1:9";
const UNREACHABLE_WS: &str = "ws://127.0.0.1:9";

/// The local exchange with its prices still and nobody trading: what a test does is all that
/// happens.
async fn quiet_exchange() -> Exchange {
    let options = Options {
        server: ServerConfig::ephemeral(),
        moving_prices: false,
        traders: 0,
        makers: false,
        ..Options::default()
    };
    Exchange::start(&options).await.expect("exchange")
}

/// A keeper's tasks' context over `rpc`, counting into `metrics` (a fresh signer, no fee).
fn keeper_on(rpc: &Arc<dyn Cluster>, metrics: Arc<Metrics>) -> Keeper {
    Keeper {
        sender: Sender::new(rpc.clone(), Arc::new(Keypair::new()), FeePolicy::fixed(0)),
        metrics,
        tuning: perp_keeper::config::Tuning::default(),
    }
}

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
    let ws = [UNREACHABLE_WS.to_string(), ex.net.pubsub_url()];
    let config = keeper::prepare(
        &ex.venue,
        &dir,
        &urls,
        &ws,
        listen,
        keeper::KEEPER_COLLATERAL,
        "",
    )
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
    // Past the unreachable PubSub endpoint, the liquidator follows the accounts by stream.
    assert!(
        metrics.lines().any(|l| l.starts_with("keeper_stream_up")
            && l.contains(&m.market.to_string())
            && l.ends_with(" 1")),
        "the account stream is up:\n{metrics}"
    );
    child.kill().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 25: the liquidator's accounts streamed. The first PubSub endpoint is unreachable, so
/// the stream starts down (the liquidator polls, and says so); an account opened before it and
/// one opened while it is down both arrive with the snapshot that reconciles the subscription on
/// the second endpoint; a later change arrives as a notification; the liquidator then streams.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_stream_reconciles_what_changed_while_it_was_down() {
    use perp_keeper::tasks::liquidator::Liquidator;

    let ex = quiet_exchange().await;
    let m = &ex.venue.markets[0];
    let early = ex.venue.open(&Keypair::new(), m, 100).await.expect("open");
    let rpc: Arc<dyn Cluster> = Arc::new(RpcCluster::new(ex.net.rpc_url(), Duration::from_secs(5)));
    let metrics = Arc::new(Metrics::new());
    let ws = vec![UNREACHABLE_WS.to_string(), ex.net.pubsub_url()];
    let stream = AccountStream::spawn(ws, rpc.clone(), m.market, metrics.clone());
    let market = m.market.to_string();

    // Down at first: no changes to take, and a liquidator polls.
    assert!(stream.take_changes().is_none());
    let keeper = keeper_on(&rpc, metrics.clone());
    let mut liquidator = Liquidator::new(
        m.market,
        solana_sdk::pubkey::Pubkey::new_unique(),
        perp_keeper::backoff::Backoff::new(1, 1),
    )
    .with_stream(stream.clone());
    let polled = liquidator.tick(&keeper).await.expect("pass");
    assert_eq!(polled.tracked, 1, "polling found the early account");
    assert_eq!(metrics.polling.with_label_values(&[&market]).get(), 1);

    // Opened while the stream is down.
    let late = ex.venue.open(&Keypair::new(), m, 100).await.expect("open");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !stream.is_up() {
        assert!(Instant::now() < deadline, "the stream never came up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(metrics.stream_up.with_label_values(&[&market]).get(), 1);
    let reconciled: Vec<_> = stream
        .take_changes()
        .expect("up")
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert!(
        reconciled.contains(&early) && reconciled.contains(&late),
        "{reconciled:?}"
    );

    // A change now arrives as a notification.
    let wallet = Keypair::new();
    let third = ex.venue.open(&wallet, m, 100).await.expect("open");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let changes = stream.take_changes().expect("up");
        if changes.iter().any(|(k, a)| *k == third && a.is_some()) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no notification for the new account"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The liquidator now streams (its fresh start listed everything; changes come from the
    // stream).
    let streamed = liquidator.tick(&keeper).await.expect("pass");
    assert_eq!(metrics.polling.with_label_values(&[&market]).get(), 0);
    assert!(streamed.tracked >= 1);
}

/// Issue 26: the trigger task driven by the stream, as the liquidator is (which change wakes it
/// is `stream.rs`'s unit test: here the feeder publishes every second). A trigger placed before
/// the stream came up arrives with the snapshot that reconciles it; one placed later arrives as
/// a notification. A pass reads the trigger accounts the stream holds, not the set the
/// liquidator keeps for polling (empty here), and reads again the accounts with a due trigger
/// before judging them: one executed already is not tried again, and one closed (which sends
/// no notification) costs no transaction and is no longer held. The task's own listing
/// (`stream_rescan_secs`) drops an account closed with nothing due.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trigger_task_reads_the_streamed_trigger_accounts_and_again_what_is_due() {
    use perp_keeper::tasks::triggers::{TriggerAccounts, TriggerExecutor};

    let ex = quiet_exchange().await;
    let m = &ex.venue.markets[0];
    let price = m.feeder.price();
    // A stop `below` times the index: due at once above 1, never here below.
    let place = |wallet: &Keypair, margin, below: f64| {
        let owner = wallet.pubkey();
        let at = (m.ticks(price) * below) as u64;
        let stop = ix::trigger_args(
            OrderSide::Ask,
            perp_sdk::perp::TriggerDirection::AtOrBelow,
            at,
            at / 2,
            1,
        );
        vec![
            // Rent from the exchange's deployer, which pays for every transaction here.
            ix::trigger_orders_create(owner, ex.venue.deployer.pubkey(), margin),
            ix::trigger_place(owner, m.market, margin, stop, None),
        ]
    };
    let early = Keypair::new();
    let margin = ex.venue.open(&early, m, 100).await.expect("open");
    ex.venue
        .must("stop", &place(&early, margin, 0.5), &[&early])
        .await
        .expect("stop");
    let rpc: Arc<dyn Cluster> = Arc::new(RpcCluster::new(ex.net.rpc_url(), Duration::from_secs(5)));
    let ws = vec![UNREACHABLE_WS.to_string(), ex.net.pubsub_url()];
    let stream = AccountStream::spawn(ws, rpc.clone(), m.market, Arc::new(Metrics::new()));
    assert!(stream.trigger_accounts().is_none(), "down at first");

    let held = |count: usize| {
        let stream = stream.clone();
        async move {
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                if let Some(held) = stream.trigger_accounts()
                    && held.len() == count
                {
                    return held;
                }
                assert!(
                    Instant::now() < deadline,
                    "the stream never held {count} trigger accounts"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    let reconciled = held(1).await;
    let orders = accounts::trigger_orders(&reconciled[0]).expect("trigger orders");
    assert_eq!(
        (orders.margin_account, orders.triggers.iter().count()),
        (margin, 1)
    );
    let late = Keypair::new();
    let late_margin = ex.venue.open(&late, m, 100).await.expect("open");
    ex.venue
        .must("stop", &place(&late, late_margin, 0.5), &[&late])
        .await
        .expect("stop");
    held(2).await;

    // The executor: a funded signer with its own margin account, which earns the fee.
    let signer = Keypair::new();
    ex.venue.fund(&signer.pubkey(), 0, 1).await.expect("fund");
    let keeper_account = ex.venue.open(&signer, m, 10).await.expect("open");
    let mut keeper = keeper_on(&rpc, Arc::new(Metrics::new()));
    keeper.sender = Sender::new(rpc.clone(), Arc::new(signer), FeePolicy::fixed(0));
    let task = |keeper_account| {
        TriggerExecutor::new(
            m.market,
            keeper_account,
            perp_keeper::backoff::Backoff::new(1, 1),
        )
        .with_watched(TriggerAccounts::default())
        .with_stream(stream.clone())
    };
    let mut executor = task(keeper_account);
    let pass = executor.tick(&keeper).await.expect("pass");
    assert_eq!((pass.accounts, pass.triggers, pass.due), (2, 2, 0));

    // A stop due at once on the early account, which holds no position: the program removes it
    // (nothing to reduce). The next pass, before or after the stream has seen that, sends
    // nothing.
    ex.venue
        .must(
            "due stop",
            &[place(&early, margin, 2.0).remove(1)],
            &[&early],
        )
        .await
        .expect("due stop");
    held(2).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let first = loop {
        let pass = executor.tick(&keeper).await.expect("pass");
        if pass.due > 0 || Instant::now() > deadline {
            break pass;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        (first.due, first.removed, first.failed),
        (1, 1, 0),
        "{:?}",
        first.failures
    );
    let again = executor.tick(&keeper).await.expect("pass");
    assert_eq!((again.removed, again.raced, again.failed), (0, 0, 0));

    // A due stop on the late account, seen by the stream; then its trigger account closed,
    // which the local PubSub, like others, does not notify (the account no longer passes the
    // filters). The stream still holds the stop, due: read again, it is gone, and nothing is
    // sent. A listing (every `stream_rescan_secs`; here now) then drops the closed account from
    // what the stream holds.
    ex.venue
        .must(
            "due stop",
            &[place(&late, late_margin, 2.0).remove(1)],
            &[&late],
        )
        .await
        .expect("due stop");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !stream.trigger_accounts().is_some_and(|held| {
        held.iter()
            .filter_map(|a| accounts::trigger_orders(a).ok())
            .any(|o| o.margin_account == late_margin && o.triggers.iter().count() == 2)
    }) {
        assert!(Instant::now() < deadline, "the due stop never streamed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    ex.venue
        .must(
            "close",
            &[ix::trigger_orders_close(
                late.pubkey(),
                late_margin,
                ex.venue.deployer.pubkey(),
            )],
            &[&late],
        )
        .await
        .expect("close");
    // What is read again goes back into the stream at the oldest slot it may reflect (the
    // pool's lag behind the clock): here the clock's own.
    keeper.tuning.max_slot_lag = 0;
    let phantom = executor.tick(&keeper).await.expect("pass");
    assert_eq!(
        (
            phantom.accounts,
            phantom.due,
            phantom.executed.len(),
            phantom.removed,
            phantom.raced,
            phantom.failed
        ),
        (1, 0, 0, 0, 0, 0),
        "{:?}",
        phantom.failures
    );
    assert_eq!(
        stream.trigger_accounts().map(|held| held.len()),
        Some(1),
        "the closed account, read again, is no longer held"
    );

    // The early account's trigger account closed, nothing due in it: held until the task's
    // listing (every `stream_rescan_secs`; here now).
    ex.venue
        .must(
            "close",
            &[ix::trigger_orders_close(
                early.pubkey(),
                margin,
                ex.venue.deployer.pubkey(),
            )],
            &[&early],
        )
        .await
        .expect("close");
    keeper.tuning.stream_rescan_secs = 0;
    let pass = executor.tick(&keeper).await.expect("pass");
    assert_eq!(pass.accounts, 0);
    assert_eq!(stream.trigger_accounts().map(|held| held.len()), Some(0));
}
