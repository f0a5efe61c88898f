//! End to end on an in-process bank: the real program and SPL Token, oracle accounts in their
//! real layouts, the SDK and the real keeper tasks. A leveraged long meets a price drop; the
//! keeper must liquidate it, two racing keepers must not report failures, an unreachable
//! first RPC endpoint must fail over, and every shipped scenario must keep its invariants.

use perp_keeper::backoff::Backoff;
use perp_keeper::config::Tuning;
use perp_keeper::metrics::Metrics;
use perp_keeper::pool::EndpointPool;
use perp_keeper::sender::Sender;
use perp_keeper::tasks::Keeper;
use perp_keeper::tasks::liquidator::{Liquidator, LiquidatorPass};
use perp_sdk::cluster::rpc::RpcCluster;
use perp_sdk::events::in_logs;
use perp_sdk::ix::order_args as order;
use perp_sdk::perp::events::Liquidated;
use perp_sdk::perp::{OrderSide, OrderType};
use perp_sdk::{Cluster, accounts, ix, presets};
use perp_sim::runner::Runner;
use perp_sim::scenario::Scenario;
use perp_sim::world::{User, World};
use solana_sdk::signer::Signer;
use std::sync::Arc;
use std::time::Duration;

const OPEN: f64 = 150.0;

/// A market where a maker sold 10,666 lots (1,600 quote) to a long holding 200 quote: 8×.
async fn leveraged_long() -> (World, User) {
    let world = World::create(presets::market_params(), OPEN, 1_000, 7)
        .await
        .expect("world");
    let maker = world.user(100_000, 0).await.expect("maker");
    let long = world.user(200, 0).await.expect("long");
    let ask = ix::order_place(
        &world.orders(&maker),
        order(OrderSide::Ask, OrderType::PostOnly, 1_500, 20_000),
        &[],
    );
    world
        .must("ask", &[ask], &[&maker.wallet])
        .await
        .expect("ask rests");
    let take = ix::order_place(
        &world.orders(&long),
        order(OrderSide::Bid, OrderType::ImmediateOrCancel, 1_500, 10_666),
        &[maker.margin_account],
    );
    world
        .must("take", &[take], &[&long.wallet])
        .await
        .expect("long opens");
    (world, long)
}

/// A keeper (funded margin account, SOL for fees) sending through `cluster`.
async fn keeper(world: &World, cluster: Arc<dyn Cluster>) -> (Keeper, Liquidator) {
    let user = world.user(100_000, 10_000_000_000).await.expect("keeper");
    let tuning = Tuning::default();
    let keeper = Keeper {
        sender: Sender::new(
            cluster,
            Arc::new(user.wallet.insecure_clone()),
            perp_keeper::sender::FeePolicy::fixed(1),
        ),
        metrics: Arc::new(Metrics::new()),
        tuning: tuning.clone(),
    };
    let liquidator = Liquidator::new(world.market, user.margin_account, Backoff::new(2, 60));
    (keeper, liquidator)
}

/// −9%: the 8× long's equity (≈ 56 quote) is below 5% maintenance of its ≈ 1,456 notional.
async fn crash(world: &World) {
    world.bank.advance(10).await.expect("advance");
    world
        .publish(Some(OPEN * 0.91), Some(OPEN * 0.91), 10)
        .await;
}

fn liquidated(pass: &LiquidatorPass) -> Vec<Liquidated> {
    pass.landed
        .iter()
        .flat_map(|(_, o, _)| in_logs::<Liquidated>(&o.logs))
        .collect()
}

/// Issue 25: an account that stays liquidatable raises the alarm. Here the keeper's own margin
/// account does not exist, so every `liquidate` it sends fails: the account ages, pass after
/// pass, in `liquidatable_oldest_seconds` (chain time), and is forgotten once it is gone.
#[tokio::test]
async fn an_account_that_stays_liquidatable_ages_until_it_is_liquidated() {
    let (world, long) = leveraged_long().await;
    let (k, _) = keeper(&world, world.bank.clone()).await;
    let nowhere = solana_sdk::pubkey::Pubkey::new_unique();
    let mut broken = Liquidator::new(world.market, nowhere, Backoff::new(0, 0));
    crash(&world).await;
    let market = world.market.to_string();
    let oldest = || {
        k.metrics
            .liquidatable_oldest_seconds
            .with_label_values(&[&market])
            .get()
    };
    let first = broken.tick(&k).await.expect("pass");
    assert_eq!(first.liquidatable, [long.margin_account]);
    assert_eq!(first.failed, 1, "the liquidation cannot land");
    assert_eq!(oldest(), 0, "just seen");
    world.bank.advance(45).await.expect("advance");
    world
        .publish(Some(OPEN * 0.91), Some(OPEN * 0.91), 10)
        .await;
    broken.tick(&k).await.expect("pass");
    assert!(oldest() >= 45, "{}", oldest());
    assert_eq!(k.metrics.stuck_markets(30), [(market.clone(), oldest())]);
    // A working keeper liquidates it; the next pass forgets it.
    let (good, mut liquidator) = keeper(&world, world.bank.clone()).await;
    assert_eq!(
        liquidated(&liquidator.tick(&good).await.expect("pass")).len(),
        1
    );
    broken.tick(&k).await.expect("pass");
    assert_eq!(oldest(), 0);
    assert!(k.metrics.stuck_markets(30).is_empty());
}

/// Issue 22: a healthy, flat account's bid left at 150 would, filled after a 9% crash, leave
/// it below maintenance (9× its collateral): the keeper cancels it, and nothing else.
#[tokio::test]
async fn keeper_cancels_a_stale_bid_that_a_crash_puts_at_risk() {
    let world = World::create(presets::market_params(), OPEN, 1_000, 7)
        .await
        .expect("world");
    let stale = world.user(200, 0).await.expect("stale");
    let bid = ix::order_place(
        &world.orders(&stale),
        order(OrderSide::Bid, OrderType::PostOnly, 1_500, 12_000),
        &[],
    );
    world
        .must("bid", &[bid], &[&stale.wallet])
        .await
        .expect("bid rests");
    let (k, mut liquidator) = keeper(&world, world.bank.clone()).await;
    let calm = liquidator.tick(&k).await.expect("pass");
    assert!(
        calm.orders_at_risk.is_empty() && calm.orders_cancelled.is_empty(),
        "a bid at the price is no risk"
    );

    crash(&world).await;
    let pass = liquidator.tick(&k).await.expect("pass");
    assert!(pass.liquidatable.is_empty(), "flat: nothing to liquidate");
    assert_eq!(pass.orders_at_risk, vec![stale.margin_account]);
    assert_eq!(pass.orders_cancelled, vec![stale.margin_account]);
    let after = world
        .bank
        .account(&stale.margin_account)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        accounts::margin_account(&after)
            .unwrap()
            .trader
            .open_order_count(),
        0
    );
    assert_eq!(pass.failed, 0);
}

/// Issue 26: the keeper's trigger task fires a long's stop-loss once every source is below it
/// (one source above holds it back) and earns the market's fee; a stop not yet due waits.
#[tokio::test]
async fn the_keeper_fires_a_due_stop_loss_and_earns_its_fee() {
    use perp_keeper::tasks::triggers::TriggerExecutor;
    let world = World::create(presets::market_params(), OPEN, 1_000, 7)
        .await
        .expect("world");
    let maker = world.user(100_000, 0).await.expect("maker");
    // Lamports for their trigger accounts' rent.
    let long = world.user(1_000, 1_000_000_000).await.expect("long");
    let calm = world.user(1_000, 1_000_000_000).await.expect("calm");
    let ask = ix::order_place(
        &world.orders(&maker),
        order(OrderSide::Ask, OrderType::PostOnly, 1_500, 20_000),
        &[],
    );
    world
        .must("ask", &[ask], &[&maker.wallet])
        .await
        .expect("ask");
    for (who, lots) in [(&long, 10_000), (&calm, 2_000)] {
        let take = ix::order_place(
            &world.orders(who),
            order(OrderSide::Bid, OrderType::ImmediateOrCancel, 1_500, lots),
            &[maker.margin_account],
        );
        world
            .must("take", &[take], &[&who.wallet])
            .await
            .expect("long");
    }
    // The long's stop at 147.0 (worst 140.0); the calm account's at 140.0; the maker bids 146.0.
    for (who, at, lots) in [(&long, 1_470, 10_000), (&calm, 1_400, 2_000)] {
        let owner = who.wallet.pubkey();
        let stop = ix::trigger_args(
            OrderSide::Ask,
            perp_sdk::perp::TriggerDirection::AtOrBelow,
            at,
            1_350,
            lots,
        );
        let ixs = [
            ix::trigger_orders_create(owner, owner, who.margin_account),
            ix::trigger_place(owner, world.market, who.margin_account, stop, None),
        ];
        world
            .must("stop", &ixs, &[&who.wallet])
            .await
            .expect("stop");
    }
    let bid = ix::order_place(
        &world.orders(&maker),
        order(OrderSide::Bid, OrderType::PostOnly, 1_460, 20_000),
        &[],
    );
    world
        .must("bid", &[bid], &[&maker.wallet])
        .await
        .expect("bid");

    let (k, _) = keeper(&world, world.bank.clone()).await;
    let keeper_account =
        perp_sdk::pda::margin_account_pda(&world.market, &k.sender.signer.pubkey(), 0);
    // As the daemon runs them: the liquidator, following every margin account, keeps whose
    // triggers to watch (their flag); the trigger task reads those trigger accounts only.
    let watched = perp_keeper::tasks::triggers::TriggerAccounts::default();
    let mut liquidator = Liquidator::new(world.market, keeper_account, Backoff::new(2, 60))
        .with_trigger_accounts(watched.clone());
    liquidator.tick(&k).await.expect("liquidator pass");
    assert_eq!(
        *watched.lock().unwrap(),
        [long.margin_account, calm.margin_account]
            .into_iter()
            .collect(),
        "the accounts with triggers"
    );
    let mut triggers = TriggerExecutor::new(world.market, keeper_account, Backoff::new(2, 60))
        .with_watched(watched.clone());
    let pass = triggers.tick(&k).await.expect("pass");
    assert_eq!(
        (pass.accounts, pass.triggers, pass.due),
        (2, 2, 0),
        "at 150 none is due"
    );

    // One source at 146.5 and the other at 147.2: the long's stop is not due on every source.
    world.bank.advance(10).await.expect("advance");
    world.publish(Some(146.5), Some(147.2), 10).await;
    assert_eq!(triggers.tick(&k).await.expect("pass").due, 0);
    world.publish(Some(146.5), Some(146.6), 10).await;
    let pass = triggers.tick(&k).await.expect("pass");
    assert_eq!(pass.due, 1, "the long's stop only");
    assert_eq!(pass.executed, vec![(long.margin_account, 1)]);
    assert_eq!((pass.raced, pass.failed), (0, 0), "{:?}", pass.failures);
    let held = |a: &solana_sdk::account::Account| accounts::margin_account(a).unwrap();
    let after = world
        .bank
        .account(&long.margin_account)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        held(&after).trader.base_position.get(),
        0,
        "sold to the maker's bid"
    );
    let earned = world.bank.account(&keeper_account).await.unwrap().unwrap();
    assert_eq!(
        held(&earned).trader.realised_pnl.get(),
        i64::try_from(presets::market_params().trigger_fee_quote_lots).unwrap()
    );
    assert_eq!(k.metrics.triggers.with_label_values(&["executed"]).get(), 1);
    // Done: the next pass finds the calm account's stop only, not due.
    let pass = triggers.tick(&k).await.expect("pass");
    assert_eq!((pass.triggers, pass.due, pass.executed.len()), (1, 0, 0));
    // Alone (no liquidator), the task lists the trigger accounts itself (the long's, empty now,
    // and the calm account's) and sees the same.
    let mut alone = TriggerExecutor::new(world.market, keeper_account, Backoff::new(2, 60));
    let pass = alone.tick(&k).await.expect("pass");
    assert_eq!((pass.accounts, pass.triggers, pass.due), (2, 1, 0));
}

#[tokio::test]
async fn keeper_liquidates_after_a_crash() {
    let (world, long) = leveraged_long().await;
    let (k, mut liquidator) = keeper(&world, world.bank.clone()).await;

    let calm = liquidator.tick(&k).await.expect("pass");
    assert!(
        calm.landed.is_empty() && calm.liquidatable.is_empty(),
        "nothing to do at 150"
    );
    assert_eq!(
        calm.tracked, 3,
        "maker, long and the keeper's own account are followed"
    );

    crash(&world).await;
    let pass = liquidator.tick(&k).await.expect("pass");
    assert_eq!(pass.liquidatable, vec![long.margin_account]);
    let events = liquidated(&pass);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].margin_account, long.margin_account);
    let after = world
        .bank
        .account(&long.margin_account)
        .await
        .unwrap()
        .unwrap();
    let position = accounts::margin_account(&after)
        .unwrap()
        .trader
        .base_position
        .get();
    assert_eq!(position, events[0].position_after);
    assert!(position < 10_666, "part of the long moved to the keeper");
    assert_eq!(k.metrics.liquidations_of("landed"), 1);
    assert_eq!(k.metrics.liquidations_of("failed"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_keepers_race_without_failures() {
    let (world, long) = leveraged_long().await;
    let (k1, mut l1) = keeper(&world, world.bank.clone()).await;
    let (k2, mut l2) = keeper(&world, world.bank.clone()).await;
    crash(&world).await;
    let (a, b) = futures::join!(l1.tick(&k1), l2.tick(&k2));
    let (a, b) = (a.expect("pass"), b.expect("pass"));
    let events: Vec<Liquidated> = liquidated(&a).into_iter().chain(liquidated(&b)).collect();
    assert!(!events.is_empty(), "one of them liquidated");
    assert!(
        events
            .iter()
            .all(|e| e.margin_account == long.margin_account)
    );
    for k in [&k1, &k2] {
        assert_eq!(
            k.metrics.liquidations_of("failed"),
            0,
            "losing a race is not a failure"
        );
    }
    // Whoever found the account liquidatable landed it or lost the race (or liquidated what
    // remained). A keeper whose pass started after the other's landed may find it healthy
    // again and not try at all: which happens depends on scheduling, not on the keeper.
    let tried =
        |k: &Keeper| k.metrics.liquidations_of("landed") + k.metrics.liquidations_of("raced");
    assert_eq!(tried(&k1) as usize, a.liquidatable.len());
    assert_eq!(tried(&k2) as usize, b.liquidatable.len());
    assert!(tried(&k1) + tried(&k2) >= 1);
}

#[tokio::test]
async fn pool_fails_over_from_an_unreachable_endpoint() {
    let (world, long) = leveraged_long().await;
    let metrics = Arc::new(Metrics::new());
    // Port 1 on loopback: nothing listens, so every request fails fast.
    let dead = "http://127.0.0.1:1";
    let endpoints: Vec<Arc<dyn Cluster>> = vec![
        Arc::new(RpcCluster::new(dead, Duration::from_secs(2))),
        world.bank.clone(),
    ];
    let pool = Arc::new(EndpointPool::new(
        endpoints,
        metrics.clone(),
        perp_keeper::config::Tuning::default().freshness(),
    ));
    let (mut k, mut liquidator) = keeper(&world, pool.clone()).await;
    k.metrics = metrics.clone();
    crash(&world).await;
    let pass = liquidator
        .tick(&k)
        .await
        .expect("the pool answers from the bank");
    let events = liquidated(&pass);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].margin_account, long.margin_account);
    let up = |url: &str| metrics.rpc_endpoint_up.with_label_values(&[url]).get();
    assert_eq!(up(dead), 0, "the dead endpoint is marked down");
    assert_eq!(up("bank"), 1);
    assert_eq!(
        metrics.rpc_failovers.with_label_values(&[dead]).get(),
        1,
        "failed over once, then skipped"
    );
    pool.check_health().await;
    assert_eq!(up(dead), 0, "a health check does not revive it");
    assert!(pool.any_up());
}

/// `scenario` run to its end.
async fn run(scenario: &Scenario) -> perp_sim::report::Report {
    Runner::new(scenario)
        .await
        .expect("world")
        .run(|_, _| {})
        .await
        .expect("run completes")
}

/// The shipped scenarios. The directory is read at run time (`cargo test` sets
/// `CARGO_MANIFEST_DIR`): a test binary built in another checkout sharing the target directory
/// is reused by cargo, and `env!` would hold that checkout's path.
fn scenarios() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(
            || env!("CARGO_MANIFEST_DIR").into(),
            std::path::PathBuf::from,
        )
        .join("../scenarios")
}

// Multi-threaded like the `perp-sim` binary, so keepers really contend for accounts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shipped_scenarios_hold_their_invariants() {
    let dir = scenarios();
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("scenarios directory")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 4,
        "calm, crash, outage and spike scenarios ship"
    );
    for path in paths {
        let scenario = Scenario::load(&path).expect("valid scenario");
        let report = run(&scenario).await;
        let name = &report.scenario;
        assert!(report.conservation_ok, "{name}: tokens conserved");
        assert_eq!(
            report.healthy_liquidations, 0,
            "{name}: no healthy account liquidated"
        );
        assert_eq!(
            report.liquidatable_at_end, 0,
            "{name}: keepers left nothing behind"
        );
        assert_eq!(
            report.final_open_interest[0], report.final_open_interest[1],
            "{name}: open interest balances"
        );
        for k in &report.keepers {
            assert_eq!(k.failed, 0, "{name}: keeper failures {:?}", k.failures);
        }
        match name.as_str() {
            "calm" | "one_source_spike" => assert_eq!(report.liquidations, 0, "{name}"),
            "flash_crash" | "oracle_outage" => assert!(report.liquidations > 0, "{name}"),
            // Issue 21: padding queued ahead of an account's own fills (more than the 16
            // events a keeper used to put before a liquidation) delays nothing: every account
            // is liquidated in the keeper step that finds it liquidatable.
            "padded_crash" => {
                assert!(
                    report.max_queued_events > 16,
                    "{name}: the queue was padded"
                );
                assert!(
                    report.liquidations_with_queued_fills > 0,
                    "{name}: accounts with their own fills queued were liquidated"
                );
                assert_eq!(report.max_liquidation_delay_s, 0, "{name}: one keeper step");
            }
            _ => {}
        }
    }
}

/// Issue 25: keepers side by side split the accounts instead of racing for each. The flash
/// crash with one, two and four keepers, racing and splitting: splitting wastes no transaction
/// on a race, and nothing is left liquidatable or delayed beyond the race's own figure. Prints
/// the figures (docs/keeper.md has them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keepers_that_split_the_accounts_waste_no_transactions_on_races() {
    let base = Scenario::load(&scenarios().join("flash_crash.toml")).expect("scenario");
    for (count, split) in [(1, false), (2, false), (2, true), (4, false), (4, true)] {
        let mut scenario = base.clone();
        scenario.keeper.count = count;
        scenario.keeper.split = split;
        let report = run(&scenario).await;
        let sum = |f: fn(&perp_sim::report::KeeperReport) -> u64| {
            report.keepers.iter().map(f).sum::<u64>()
        };
        let (landed, raced, failed) = (sum(|k| k.landed), sum(|k| k.raced), sum(|k| k.failed));
        println!(
            "{count} keeper(s), {}: {} liquidations, {landed} landed, {raced} raced, {failed} failed, longest delay {} s",
            if split { "split" } else { "racing" },
            report.liquidations,
            report.max_liquidation_delay_s
        );
        assert!(report.liquidations > 0);
        assert_eq!(
            (failed, report.liquidatable_at_end),
            (0, 0),
            "{count} {split}: {:?}",
            report
                .keepers
                .iter()
                .flat_map(|k| &k.failures)
                .collect::<Vec<_>>()
        );
        if split || count == 1 {
            assert_eq!(raced, 0, "{count} keepers splitting race for nothing");
        }
    }
}

/// Issue 26: flash crashes with half the longs holding stop-losses, each against the same crash
/// without them. In the crash that slides 5.7% before it gaps 26% (`gap_crash_stops.toml`), the
/// keepers fire every stop 5% below entry during the slide, so those accounts are out before the
/// gap, which leaves only the others bankrupt: fewer liquidations and less insurance used. In
/// the straight one-minute crash (`flash_crash_stops.toml`) stops 3% below fire and halve the
/// liquidations; stops 5% below cannot fire there (the order band has closed by the time they
/// are due), which that run prints. All five runs are printed (the README's figures).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_losses_cut_liquidations_and_insurance_in_a_flash_crash() {
    let load = |file: &str| Scenario::load(&scenarios().join(file)).expect("scenario");
    let (gap, straight) = (load("gap_crash_stops.toml"), load("flash_crash_stops.toml"));
    let at = |base: &Scenario, pct: f64| {
        let mut s = base.clone();
        for g in &mut s.traders {
            if g.stop_loss_pct > 0.0 {
                g.stop_loss_pct = pct;
            }
        }
        s
    };
    let mut runs = Vec::new();
    for (name, scenario) in [
        ("gap crash, stops 5% below", at(&gap, 5.0)),
        ("gap crash, no stops", at(&gap, 0.0)),
        ("straight crash, stops 3% below", at(&straight, 3.0)),
        ("straight crash, stops 5% below", at(&straight, 5.0)),
        ("straight crash, no stops", at(&straight, 0.0)),
    ] {
        let r = run(&scenario).await;
        println!(
            "{name}: triggers fired {} (removed {}), liquidations {}, bankruptcies {}, insurance used {:.2}, socialised {:.2}, bad debt {:.2}",
            r.triggers_fired,
            r.triggers_removed,
            r.liquidations,
            r.bankruptcies,
            r.insurance_used as f64 / 1e6,
            r.socialized_loss as f64 / 1e6,
            r.bad_debt as f64 / 1e6,
        );
        assert!(r.conservation_ok, "{name}: tokens conserved");
        assert_eq!(r.liquidatable_at_end, 0, "{name}");
        runs.push(r);
    }
    for (stops, plain, cut_insurance) in [(&runs[0], &runs[1], true), (&runs[2], &runs[4], false)] {
        assert!(
            stops.triggers_fired >= 4,
            "every stop fired: {}",
            stops.triggers_fired
        );
        assert_eq!(plain.triggers_fired, 0);
        assert!(
            stops.liquidations < plain.liquidations,
            "{} liquidations with stops, {} without",
            stops.liquidations,
            plain.liquidations
        );
        // In the straight crash keepers acting every 2 s liquidate before any account goes
        // bankrupt, with or without stops: the insurance fund pays nothing either way there.
        if cut_insurance {
            assert!(
                stops.insurance_used < plain.insurance_used,
                "insurance used {} with stops, {} without",
                stops.insurance_used,
                plain.insurance_used
            );
        } else {
            assert!(stops.insurance_used <= plain.insurance_used);
        }
    }
}

/// Issue 25: a keeper with little collateral in a long one-way move. Holding the positions its
/// liquidations leave it, its margin runs out and later liquidations fail; closing them as it
/// goes (the unwind task), it liquidates every account and ends solvent. Prints both runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_unwind_task_keeps_a_keeper_solvent_through_a_grind() {
    let base = Scenario::load(&scenarios().join("grind.toml")).expect("scenario");
    let mut runs = Vec::new();
    for unwind in [false, true] {
        let mut scenario = base.clone();
        scenario.keeper.unwind = unwind;
        let report = run(&scenario).await;
        let k = &report.keepers[0];
        // Sent to the cluster (not refused in simulation) and not landed: failed transactions,
        // each with its fee paid.
        let paid_failures = k.sent - k.landed;
        println!(
            "grind, unwind {}: {} liquidations, {} landed, {} refused for the keeper's margin, {} failed, {} failed on chain (fee paid), {} never executed, {} left liquidatable, bad debt {}",
            if unwind { "on" } else { "off" },
            report.liquidations,
            k.landed,
            k.no_capacity,
            k.failed,
            paid_failures,
            k.busy,
            report.liquidatable_at_end,
            report.bad_debt
        );
        runs.push((
            k.no_capacity,
            k.failed,
            report.liquidatable_at_end,
            report.liquidations,
        ));
        // Liquidations go unsimulated, but once the keeper's margin is found used up they are
        // simulated first until one lands again: the refusals cost nothing, where every one
        // would otherwise be a failed transaction (review of the unsimulated sends, High 1).
        // A liquidation never executed (its accounts locked on every retry) is no fee paid
        // and is tried again; it stays rare.
        assert!(
            k.busy * 50 <= k.landed.max(50),
            "unwind {unwind}: {} never executed for {} landed",
            k.busy,
            k.landed
        );
        assert!(
            paid_failures * 10 <= k.no_capacity.max(10),
            "unwind {unwind}: {paid_failures} paid failures for {} refusals",
            k.no_capacity
        );
    }
    let (kept, unwound) = (runs[0], runs[1]);
    assert!(
        kept.0 > 0 && kept.2 > 0,
        "holding its inventory, the keeper runs out of margin: {kept:?}"
    );
    assert_eq!(
        (unwound.1, unwound.2),
        (0, 0),
        "unwinding, none fail and none are left"
    );
    assert!(
        unwound.0 < kept.0 && unwound.3 > kept.3,
        "{unwound:?} against {kept:?}"
    );
}

/// The keeper whose share an account is in may be down: another takes it over once it has
/// stayed liquidatable, untouched, for the grace delay.
#[tokio::test]
async fn a_keeper_takes_over_an_account_its_owner_left_liquidatable() {
    use perp_keeper::tasks::liquidator::Share;
    let (world, long) = leveraged_long().await;
    let (k, liquidator) = keeper(&world, world.bank.clone()).await;
    let share = |index| Share {
        index,
        count: 2,
        grace_secs: 3,
        max_secs: 30,
    };
    // The other keeper's share: the owner is index 0 or 1, we are the other one.
    let theirs = if share(0).owns(&long.margin_account) {
        0
    } else {
        1
    };
    let mut ours = liquidator.with_share(share(1 - theirs));
    crash(&world).await;
    let first = ours.tick(&k).await.expect("pass");
    assert_eq!((first.liquidatable.len(), first.deferred), (1, 1));
    assert!(first.landed.is_empty(), "left to its owner for now");
    world.bank.advance(3).await.expect("advance");
    world
        .publish(Some(OPEN * 0.91), Some(OPEN * 0.91), 10)
        .await;
    let second = ours.tick(&k).await.expect("pass");
    assert_eq!(
        liquidated(&second).len(),
        1,
        "taken over after the grace delay"
    );
}

/// Quote per base of an engine price (native quote per lot × 10^6) in the preset market.
fn quote_per_base(world: &World, p: perp_sdk::perp_engine::Price) -> f64 {
    p.raw() as f64 / 1e6 / world.lot_value(1.0)
}

#[tokio::test]
async fn sdk_risk_numbers_match_the_program() {
    use perp_keeper::snapshot::MarketSnapshot;
    use perp_sdk::perp::error::ErrorCode;
    use perp_sdk::perp_engine::oracle::Action;
    use perp_sdk::risk::{AccountRisk, withdrawable};
    use solana_sdk::signer::Signer;

    let (world, long) = leveraged_long().await;
    let (k, mut liquidator) = keeper(&world, world.bank.clone()).await;
    let account = |w: &World| {
        let key = long.margin_account;
        let bank = w.bank.clone();
        async move {
            let a = bank.account(&key).await.unwrap().unwrap();
            accounts::margin_account(&a).unwrap()
        }
    };

    // Withdrawable: exactly what the program lets out, not one unit more.
    let snap = MarketSnapshot::fetch(world.bank.as_ref(), world.market)
        .await
        .unwrap();
    let band = snap.band(Action::IncreaseRisk).expect("priced");
    let free = withdrawable(&snap.market, &*account(&world).await, Some(band))
        .unwrap()
        .get();
    assert!(free > 0, "an 8× long under 10% initial margin has room");
    let a = world.collateral_accounts(
        &long.wallet.pubkey(),
        &long.token_account,
        &long.margin_account,
    );
    let too_much = world
        .send(&[ix::collateral_withdraw(&a, free + 1)], &[&long.wallet])
        .await
        .unwrap();
    assert_eq!(
        too_much.custom_error(),
        Some(u32::from(ErrorCode::WithdrawalBreaksInitialMargin))
    );
    world
        .must(
            "withdraw",
            &[ix::collateral_withdraw(&a, free)],
            &[&long.wallet],
        )
        .await
        .expect("exactly the withdrawable amount leaves");

    // Liquidation price: 1% above it the keeper leaves the account alone, 1% below it liquidates.
    let snap = MarketSnapshot::fetch(world.bank.as_ref(), world.market)
        .await
        .unwrap();
    let price = snap.band(Action::Liquidate).expect("priced").high;
    let liq = AccountRisk::at(&snap.market, &*account(&world).await, price)
        .unwrap()
        .liquidation_price
        .expect("a leveraged long has one");
    let liq = quote_per_base(&world, liq);
    assert!(
        liq < OPEN && liq > OPEN * 0.9,
        "within 10% below entry: {liq}"
    );
    world.bank.advance(10).await.unwrap();
    world.publish(Some(liq * 1.01), Some(liq * 1.01), 10).await;
    let above = liquidator.tick(&k).await.expect("pass");
    assert!(
        above.liquidatable.is_empty(),
        "healthy above its liquidation price"
    );
    world.bank.advance(10).await.unwrap();
    world.publish(Some(liq * 0.99), Some(liq * 0.99), 10).await;
    let below = liquidator.tick(&k).await.expect("pass");
    assert_eq!(below.liquidatable, vec![long.margin_account]);
    assert_eq!(liquidated(&below).len(), 1, "the program agrees");
}

/// A cluster whose next `busy` sends come back `AccountInUse`, never executed (a local bank's
/// answer when others hold the transaction's accounts); everything else goes to `inner`.
struct Busy {
    inner: Arc<dyn Cluster>,
    busy: std::sync::Mutex<u32>,
}

impl Busy {
    fn refused(&self, tx: &solana_sdk::transaction::Transaction) -> Option<perp_sdk::TxOutcome> {
        let mut busy = self.busy.lock().unwrap();
        (*busy > 0).then(|| {
            *busy -= 1;
            perp_sdk::TxOutcome {
                signature: tx.signatures[0],
                err: Some(solana_sdk::transaction::TransactionError::AccountInUse),
                logs: Vec::new(),
                units: None,
            }
        })
    }
}

#[async_trait::async_trait]
impl Cluster for Busy {
    fn endpoint(&self) -> &str {
        "busy"
    }
    async fn account(
        &self,
        key: &solana_sdk::pubkey::Pubkey,
    ) -> Result<Option<solana_sdk::account::Account>, perp_sdk::ClusterError> {
        self.inner.account(key).await
    }
    async fn accounts(
        &self,
        keys: &[solana_sdk::pubkey::Pubkey],
    ) -> Result<Vec<Option<solana_sdk::account::Account>>, perp_sdk::ClusterError> {
        self.inner.accounts(keys).await
    }
    async fn program_accounts(
        &self,
        program: &solana_sdk::pubkey::Pubkey,
        filters: &[perp_sdk::AccountFilter],
    ) -> Result<
        Vec<(solana_sdk::pubkey::Pubkey, solana_sdk::account::Account)>,
        perp_sdk::ClusterError,
    > {
        self.inner.program_accounts(program, filters).await
    }
    async fn latest_blockhash(&self) -> Result<solana_sdk::hash::Hash, perp_sdk::ClusterError> {
        self.inner.latest_blockhash().await
    }
    async fn clock(&self) -> Result<solana_sdk::clock::Clock, perp_sdk::ClusterError> {
        self.inner.clock().await
    }
    async fn simulate(
        &self,
        tx: &solana_sdk::transaction::Transaction,
    ) -> Result<perp_sdk::TxOutcome, perp_sdk::ClusterError> {
        self.inner.simulate(tx).await
    }
    async fn send(
        &self,
        tx: &solana_sdk::transaction::Transaction,
    ) -> Result<perp_sdk::TxOutcome, perp_sdk::ClusterError> {
        match self.refused(tx) {
            Some(outcome) => Ok(outcome),
            None => self.inner.send(tx).await,
        }
    }
    async fn send_simulated(
        &self,
        tx: &solana_sdk::transaction::Transaction,
    ) -> Result<perp_sdk::TxOutcome, perp_sdk::ClusterError> {
        match self.refused(tx) {
            Some(outcome) => Ok(outcome),
            None => self.inner.send_simulated(tx).await,
        }
    }
}

/// A liquidation whose accounts stay locked through every retry never executed and paid no
/// fee: it counts as `busy`, not as sent and failed, the account is not backed off, and the
/// next pass (the same chain second) liquidates it. Without the book: the long has no order.
#[tokio::test]
async fn a_liquidation_never_executed_is_busy_and_tried_again_at_once() {
    let (world, long) = leveraged_long().await;
    let busy = Arc::new(Busy {
        inner: world.bank.clone(),
        busy: std::sync::Mutex::new(u32::MAX),
    });
    let (k, mut liquidator) = keeper(&world, busy.clone()).await;
    crash(&world).await;
    let first = liquidator.tick(&k).await.expect("pass");
    assert_eq!(first.liquidatable, [long.margin_account]);
    assert!(first.landed.is_empty());
    assert_eq!((first.failed, first.raced), (0, 0));
    let count = |outcome: &str| k.metrics.liquidations_of(outcome);
    assert_eq!((count("busy"), count("sent"), count("failed")), (1, 0, 0));
    *busy.busy.lock().unwrap() = 0;
    let second = liquidator.tick(&k).await.expect("pass");
    assert_eq!(
        liquidated(&second).len(),
        1,
        "tried again at once, no back-off"
    );
    let (_, landed, _) = &second.landed[0];
    assert!(landed.err.is_none());
    assert_eq!((count("landed"), count("failed")), (1, 0));
}
