//! Issue 21, finding 1 and 5: nothing queued can hold a liquidation back, nothing a role closes
//! can stop an exit, and every fill is logged once within a validator's log limit.
//!
//! The attack: an account about to go under has a resting order; the attacker lifts it behind
//! many orders of its own padding account with no makers passed, so the account's fill queues
//! behind the padding. `liquidate` used to require every slot free (the fill consumed) and
//! `events_consume` stopped at the first maker not passed: a keeper needed the whole queue
//! ahead in its transaction, and with enough padding no transaction could hold it.

use crate::program_test::adversary::read_queue;
use crate::program_test::solvency::*;
use crate::program_test::trading::{order, place, try_place};
use crate::program_test::*;
use perp::error::ErrorCode;
use perp::events::{BookEventLogged, OrderPlaced};
use perp::state::{Gate, MarketStatus};
use perp::{OrderArgs, OrderSide, OrderType};
use solana_sdk::signature::Signer;

/// Orders of the padding account ahead of the account's own fill (more than the 16 events the
/// keeper used to put in front of a liquidation).
const PADDING: u64 = 24;

/// Waiting (not yet settled) events of `market`'s queue.
async fn pending(env: &mut TestEnv, market: &MarketKeys) -> Vec<perp_engine::book::events::Event> {
    read_queue(&env.account_data(&market.event_queue).await)
}

/// From `long_at_150` with `collateral`: the long rests a 1-lot ask at 150 while healthy, the
/// attacker's padding account rests `PADDING` 1-lot asks at 149.9, and a taker lifts all of
/// them with no makers passed. Returns (env, long, padding, taker) with `PADDING + 1` fills
/// queued, the long's last.
async fn padded_queue(collateral: u64) -> (TestEnv, Trader, Trader, Trader) {
    let (mut env, long, padding, taker) = long_at_150(collateral).await;
    let market = long.market;
    place(
        &mut env,
        &long,
        order(OrderSide::Ask, OrderType::PostOnly, 1_500, 1),
        &[],
    )
    .await;
    for _ in 0..PADDING {
        place(
            &mut env,
            &padding,
            order(OrderSide::Ask, OrderType::PostOnly, 1_499, 1),
            &[],
        )
        .await;
    }
    let lift = OrderArgs {
        fill_limit: 32,
        ..order(
            OrderSide::Bid,
            OrderType::ImmediateOrCancel,
            1_500,
            PADDING + 1,
        )
    };
    let placed = place(&mut env, &taker, lift, &[]).await;
    assert_eq!(placed.filled_base_lots, PADDING + 1);
    let queue = pending(&mut env, &market).await;
    assert_eq!(queue.len() as u64, PADDING + 1);
    assert_eq!(queue.last().unwrap().maker, long.margin_account.to_bytes());
    (env, long, padding, taker)
}

#[tokio::test]
async fn a_liquidation_settles_the_accounts_own_queued_fill_behind_any_padding() {
    let (mut env, long, _padding, _taker) = padded_queue(15_100_000).await;
    let market = long.market;
    // The market falls to 140: the long is below maintenance.
    env.follow_price(&market, 1_400).await;
    let keeper = env.funded_trader(&market, 200_000_000).await;
    let before = env.margin_account(&long.margin_account).await.trader;
    assert_eq!(
        (before.base_position.get(), before.slots_in_use),
        (1_000, 1)
    );
    // One keeper transaction, nothing else: no `events_consume`, no padding account passed.
    let ix = ix::liquidate(&keeper.liquidating(long.margin_account));
    env.send(&[ix], &[&keeper.wallet]).await.expect("liquidate");
    let after = env.margin_account(&long.margin_account).await.trader;
    assert_eq!(after.slots_in_use, 0, "its queued fill settled in place");
    // It sold the lifted lot, then the keeper took part of the rest.
    assert!(
        after.base_position.get() < 999,
        "liquidated: {}",
        after.base_position.get()
    );
    let queue = pending(&mut env, &market).await;
    assert_eq!(queue.len() as u64, PADDING, "the padding still waits");
    assert!(
        queue
            .iter()
            .all(|e| e.maker != long.margin_account.to_bytes()),
        "nothing of the liquidated account is left in the queue"
    );
}

#[tokio::test]
async fn events_consume_skips_makers_not_passed_and_keeps_each_makers_order() {
    let (mut env, long, padding, taker) = padded_queue(15_100_000).await;
    let market = long.market;
    // Only the long passed: its fill, last in the queue, settles; the padding waits.
    let consume = ix::events_consume(market.market, market.event_queue, 8, &[long.margin_account]);
    env.send(&[consume], &[]).await.expect("events_consume");
    assert_eq!(
        env.margin_account(&long.margin_account)
            .await
            .trader
            .slots_in_use,
        0
    );
    assert_eq!(
        env.margin_account(&long.margin_account)
            .await
            .trader
            .base_position
            .get(),
        999
    );
    assert_eq!(pending(&mut env, &market).await.len() as u64, PADDING);
    // Its slot stays used until the front settles; then the whole queue frees at once.
    assert_eq!(u64::from(env.queue_len(&market).await), PADDING + 1);
    crate::program_test::trading::finish(&mut env, &market, &[&padding]).await;
    assert_eq!(env.queue_len(&market).await, 0);
    assert_eq!(
        env.margin_account(&padding.margin_account)
            .await
            .trader
            .base_position
            .get(),
        -(PADDING as i64)
    );
    let _ = taker;
    env.assert_zero_sum(&market).await;
}

#[tokio::test]
async fn a_fill_is_logged_once_when_made_not_again_when_settled() {
    let (mut env, maker, taker) = crate::program_test::trading::funded_market(200_000_000).await;
    let market = maker.market;
    place(
        &mut env,
        &maker,
        order(OrderSide::Ask, OrderType::PostOnly, 1_500, 3),
        &[],
    )
    .await;
    let lift = ix::order_place(
        &taker.orders(),
        order(OrderSide::Bid, OrderType::ImmediateOrCancel, 1_500, 3),
        &[],
    );
    let made = env
        .send_for_events::<BookEventLogged>(&[lift], &[&taker.wallet])
        .await
        .expect("lift");
    assert_eq!(made.len(), 1, "the fill is logged when the book makes it");
    let consume = ix::events_consume(
        market.market,
        market.event_queue,
        8,
        &[maker.margin_account],
    );
    let settled = env
        .send_for_events::<BookEventLogged>(&[consume], &[])
        .await
        .expect("consume");
    assert!(
        settled.is_empty(),
        "settling it logs no second fill: {}",
        settled.len()
    );
    assert_eq!(env.queue_len(&market).await, 0);
}

#[tokio::test]
async fn one_order_touches_at_most_32_resting_orders_and_its_logs_fit_10_kb() {
    let (mut env, maker, taker) = crate::program_test::trading::funded_market(400_000_000).await;
    let market = maker.market;
    let other = env.funded_trader(&market, 200_000_000).await;
    for (t, n) in [(&maker, 32), (&other, 16)] {
        let asks: Vec<_> = (0..n)
            .map(|_| order(OrderSide::Ask, OrderType::PostOnly, 1_500, 1))
            .collect();
        crate::program_test::trading::place_all(&mut env, t, &asks).await;
    }
    let sweep = OrderArgs {
        fill_limit: u8::MAX,
        ..order(OrderSide::Bid, OrderType::ImmediateOrCancel, 1_500, 48)
    };
    let ix = ix::order_place(&taker.orders(), sweep, &[]);
    let logs = env
        .send_for_log_lines(&[ix], &[&taker.wallet])
        .await
        .expect("sweep");
    let placed: Vec<OrderPlaced> = perp_sdk::events::in_logs(&logs);
    assert_eq!(placed[0].fills, 32, "fill_limit is capped at 32");
    let bytes: usize = logs.iter().map(String::len).sum();
    println!(
        "order_place with 32 queued fills: {} log lines, {bytes} bytes",
        logs.len()
    );
    assert!(!logs.iter().any(|l| l.contains("Log truncated")));
    assert!(bytes < 10_000, "{bytes} bytes of logs");
}

/// The guardian closes every gate and pauses `market`.
async fn close_every_gate_and_pause(env: &mut TestEnv, market: &MarketKeys) {
    let guardian = env.guardian.insecure_clone();
    let mut closes: Vec<_> = [
        Gate::Deposit,
        Gate::Withdraw,
        Gate::MarginAccountCreate,
        Gate::OrderPlace,
    ]
    .into_iter()
    .map(|g| ix::exchange_set_gate(guardian.pubkey(), g, false))
    .collect();
    closes.push(ix::market_set_status(
        guardian.pubkey(),
        market.market,
        MarketStatus::Paused,
    ));
    env.send(&closes, &[&guardian])
        .await
        .expect("close every gate and pause");
}

/// Every gate the guardian holds closed and the market paused: a liquidation still goes
/// through ("liquidations are never gated"), settling the account's queued fill on the way.
#[tokio::test]
async fn no_gate_or_pause_stops_a_liquidation() {
    let (mut env, long, _padding, _taker) = padded_queue(15_100_000).await;
    let market = long.market;
    env.follow_price(&market, 1_400).await;
    let keeper = env.funded_trader(&market, 200_000_000).await;
    close_every_gate_and_pause(&mut env, &market).await;
    let ix = ix::liquidate(&keeper.liquidating(long.margin_account));
    env.send(&[ix], &[&keeper.wallet])
        .await
        .expect("liquidate under every gate and the pause");
    let after = env.margin_account(&long.margin_account).await.trader;
    assert_eq!(after.slots_in_use, 0, "its queued fill settled");
    assert!(after.base_position.get() < 999, "liquidated");
    let keeper_after = env.margin_account(&keeper.margin_account).await.trader;
    assert!(
        keeper_after.base_position.get() > 0,
        "the keeper took the position over"
    );
}

#[tokio::test]
async fn no_gate_or_pause_stops_a_reduce_only_exit_or_the_fills_it_needs() {
    let (mut env, long, partner, _seller) = long_at_150(40_000_000).await;
    let market = long.market;
    place(
        &mut env,
        &partner,
        order(OrderSide::Bid, OrderType::PostOnly, 1_490, 10),
        &[],
    )
    .await;
    close_every_gate_and_pause(&mut env, &market).await;
    // Nothing new: a plain order is refused by the gate.
    assert_error(
        try_place(
            &mut env,
            &partner,
            order(OrderSide::Bid, OrderType::PostOnly, 1_480, 5),
        )
        .await,
        ErrorCode::GateClosed,
    );
    // The long still exits, into the bid that rested before (its maker not passed: queued).
    let exit = reduce_only(OrderSide::Ask, OrderType::ImmediateOrCancel, 1_490, 10);
    let placed = place(&mut env, &long, exit, &[]).await;
    assert_eq!(placed.filled_base_lots, 10);
    // The fill it made settles whatever the gates: the queue is never gated.
    let consume = ix::events_consume(
        market.market,
        market.event_queue,
        8,
        &[partner.margin_account],
    );
    env.send(&[consume], &[])
        .await
        .expect("events_consume is never gated");
    assert_eq!(
        env.margin_account(&partner.margin_account)
            .await
            .trader
            .base_position
            .get(),
        10
    );
    // Cancels are never gated either.
    let rest = reduce_only(OrderSide::Ask, OrderType::PostOnly, 1_550, 10);
    place(&mut env, &long, rest, &[]).await;
    env.send(
        &[ix::order_cancel_all(&long.orders(), None)],
        &[&long.wallet],
    )
    .await
    .expect("cancel");
    assert_eq!(
        env.margin_account(&long.margin_account)
            .await
            .trader
            .slots_in_use,
        0
    );
}
