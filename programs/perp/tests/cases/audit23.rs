//! Audit of issue 23 (the position ledger, 6fb6780, and the parameter table, 4754289).

use crate::program_test::env::{TestEnv, assert_error};
use crate::program_test::ix;
use crate::program_test::trading::{
    capped_market, consume, open_interest, order, place, try_place,
};
use perp::error::ErrorCode;
use perp::{OrderArgs, OrderSide, OrderType};

const TICKS: u64 = 1_500;

/// The hard cap counts what queued fills will do (review of issue 23). The old rule compared the
/// larger recorded side before and after (`oi <= cap || oi <= oi_before`), and a maker's side of
/// a queued fill is recorded only when it settles, so the sides differed whenever a fill was
/// queued: one attacker with four accounts kept them apart on purpose (`b`'s fill never
/// consumed), then round after round `c` sold into `d`'s bid with `d`'s fill queued (the short
/// side catching up: "the larger side did not grow") and consumed it (`events_consume` checks no
/// cap): 400 lots a side in three rounds against a hard cap of 100. Now each side is bounded by
/// what the queued fills may add (`OpenInterest::with_queue`) and no side may grow past the cap
/// (`within_cap`): the first sale, which takes both sides to 200 once `d`'s fill settles, is
/// refused; reducing stays allowed.
#[tokio::test]
async fn audit23_open_interest_cannot_climb_past_the_hard_cap_through_queued_fills() {
    let mut env = TestEnv::new().await;
    let (market, t) = capped_market(&mut env, 50, 100, 100_000_000, 4).await;
    let [a, b, c, d] = [&t[0], &t[1], &t[2], &t[3]];

    // `a` buys 100 from `b`'s ask; `b`'s fill stays queued: recorded (long, short) = (100, 0),
    // really (100, 100): at the cap.
    place(
        &mut env,
        &b,
        order(OrderSide::Ask, OrderType::Limit, TICKS, 100),
        &[],
    )
    .await;
    place(
        &mut env,
        &a,
        order(OrderSide::Bid, OrderType::ImmediateOrCancel, TICKS, 100),
        &[],
    )
    .await;
    assert_eq!(open_interest(&mut env, &market).await, (100, 0));

    // `c` sells into `d`'s resting bid, `d`'s fill queued: refused, nothing changes.
    place(
        &mut env,
        &d,
        order(OrderSide::Bid, OrderType::Limit, TICKS, 100),
        &[],
    )
    .await;
    let sell = OrderArgs {
        client_order_id: 200,
        ..order(OrderSide::Ask, OrderType::ImmediateOrCancel, TICKS, 100)
    };
    assert_error(
        try_place(&mut env, &c, sell).await,
        ErrorCode::OpenInterestCapReached,
    );
    assert_eq!(open_interest(&mut env, &market).await, (100, 0));
    let cm = env.margin_account(&c.margin_account).await;
    assert_eq!(cm.trader.base_position.get(), 0);

    // Reducing at the cap stays allowed: `a` sells 40 of its long into `d`'s bid.
    let reduce = OrderArgs {
        client_order_id: 300,
        ..order(OrderSide::Ask, OrderType::ImmediateOrCancel, TICKS, 40)
    };
    try_place(&mut env, &a, reduce).await.expect("a reduction");
    consume(&mut env, &market, &[b, d]).await;
    assert_eq!(open_interest(&mut env, &market).await, (100, 100));
}

/// Recorded open interest against the positions of `traders` (every account of the market).
async fn assert_oi_is_the_sum_of_positions(
    env: &mut TestEnv,
    market: &crate::program_test::env::MarketKeys,
    traders: &[&crate::program_test::env::Trader],
    step: &str,
) {
    let (mut long, mut short) = (0u64, 0u64);
    for t in traders {
        let p = env
            .margin_account(&t.margin_account)
            .await
            .trader
            .base_position
            .get();
        if p >= 0 {
            long += p as u64;
        } else {
            short += p.unsigned_abs();
        }
    }
    let m = env.market(&market.market).await;
    assert_eq!(
        (m.open_interest.long_lots, m.open_interest.short_lots),
        (long, short),
        "{step}: open interest is the sum of the positions"
    );
}

/// Passing: every path of 6fb6780's ledger keeps open interest equal to the positions, and the
/// ways to break it are refused. Inline makers and the taker, a queued fill consumed by
/// `events_consume`, a liquidation whose account has its own fill queued (settled by `OneMaker`)
/// and whose keeper already holds a position on the other side (both closed on the ledger).
/// Refused: one maker named twice in `events_consume` and a maker of another market, in
/// `order_place` and in `events_consume` (`WrongMakerAccount`); the keeper's account equal to the
/// liquidated one (`SelfLiquidation`).
#[tokio::test]
async fn audit23_open_interest_follows_every_ledger_path() {
    // Two markets listed first (each listing waits out the timelock), then fresh prices.
    let mut env = TestEnv::new().await;
    let market = env.create_market().await;
    let other = env.create_market().await;
    for m in [&market, &other] {
        env.set_price_ticks(m, TICKS).await;
        env.update_price(m).await.expect("price");
    }
    let maker = env.funded_trader(&market, 1_500_000).await;
    let taker = env.funded_trader(&market, 1_500_000).await;
    let keeper = env.funded_trader(&market, 10_000_000).await;
    let buyer = env.funded_trader(&market, 10_000_000).await;
    let foreign = env.funded_trader(&other, 1_000_000).await;
    let all = [&maker, &taker, &keeper, &buyer];

    // The keeper goes short 10 into the maker's bid (inline), the taker long 90 from its ask.
    place(
        &mut env,
        &maker,
        order(OrderSide::Bid, OrderType::Limit, TICKS, 10),
        &[],
    )
    .await;
    place(
        &mut env,
        &keeper,
        order(OrderSide::Ask, OrderType::ImmediateOrCancel, TICKS, 10),
        &[&maker],
    )
    .await;
    place(
        &mut env,
        &maker,
        order(OrderSide::Ask, OrderType::Limit, TICKS, 90),
        &[],
    )
    .await;
    place(
        &mut env,
        &taker,
        order(OrderSide::Bid, OrderType::ImmediateOrCancel, TICKS, 90),
        &[&maker],
    )
    .await;
    assert_oi_is_the_sum_of_positions(&mut env, &market, &all, "inline makers").await;

    // The taker's ask for 5 is hit with its fill queued.
    place(
        &mut env,
        &taker,
        order(OrderSide::Ask, OrderType::Limit, TICKS, 5),
        &[],
    )
    .await;
    place(
        &mut env,
        &buyer,
        order(OrderSide::Bid, OrderType::ImmediateOrCancel, TICKS, 5),
        &[],
    )
    .await;
    assert_eq!(env.queue_len(&market).await, 1);

    // Refused: a maker named twice, a maker of another market.
    let twice = ix::events_consume(
        market.market,
        market.event_queue,
        8,
        &[taker.margin_account, taker.margin_account],
    );
    assert_error(env.send(&[twice], &[]).await, ErrorCode::WrongMakerAccount);
    let ix = ix::events_consume(
        market.market,
        market.event_queue,
        8,
        &[foreign.margin_account],
    );
    assert_error(env.send(&[ix], &[]).await, ErrorCode::WrongMakerAccount);
    let ix = ix::order_place(
        &buyer.orders(),
        order(OrderSide::Bid, OrderType::ImmediateOrCancel, TICKS, 1),
        &[foreign.margin_account],
    );
    assert_error(
        env.send(&[ix], &[&buyer.wallet]).await,
        ErrorCode::WrongMakerAccount,
    );

    // At 139 the taker (long 85 once its fill settles) is below maintenance; the liquidation
    // settles its queued fill and moves part of its long into the keeper's short.
    env.set_price_ticks(&market, 1_390).await;
    assert_error(
        env.liquidate(&taker, &taker.margin_account).await,
        ErrorCode::SelfLiquidation,
    );
    let out = env
        .liquidate(&keeper, &taker.margin_account)
        .await
        .expect("liquidate");
    assert_eq!(env.queue_len(&market).await, 0);
    let k = env.margin_account(&keeper.margin_account).await.trader;
    assert!(
        k.base_position.get() > -10,
        "the keeper took over: {}",
        k.base_position.get()
    );
    assert_oi_is_the_sum_of_positions(&mut env, &market, &all, "liquidation").await;
    // Zero-sum but for the insurance share of the fee, which left for the insurance vault.
    let (mut base, mut cash) = (0i64, 0i64);
    for t in all {
        let a = env.margin_account(&t.margin_account).await.trader;
        base += a.base_position.get();
        cash += a.cash_flow().unwrap().get();
    }
    let insurance_fee = out.liquidated.unwrap().insurance_fee as i64;
    assert_eq!(base, 0);
    assert_eq!(cash + env.book_fees(&market).await + insurance_fee, 0);
    env.assert_conservation(&market).await;
}
