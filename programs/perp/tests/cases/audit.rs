//! Independent audit of issue 20 ("no trade can create bad debt"). Each test states the
//! invariant DESIGN §13 asks for and replays an attacker sequence against it; a program that
//! refuses any step of the sequence (or ends with the invariant holding) passes.

use crate::program_test::risk::{engine_price, price_e8};
use crate::program_test::solvency::*;
use crate::program_test::trading::{order, place};
use crate::program_test::*;
use perp::{OrderSide, OrderType};

const TICKS: u64 = 1_500;

/// Finding 1. A maker's initial margin counts a resting order at its limit price, as a position
/// it may end with, but never the loss of trading there: an ask that flips a long into a short
/// offsets the long in `|position − asks|`, so a long at exactly initial margin (10%) may rest
/// an ask for 2/0.951 × its position at the band's low edge (−4.9%). Lifted by the attacker's
/// other account, it costs 2 × 4.9% / 0.951 = 10.3% of the position's notional: more than the
/// account holds, at an oracle price that never moved. Nothing checks a maker at fill time.
#[tokio::test]
async fn audit_maker_flip_at_the_band_edge_leaves_negative_equity_at_an_unchanged_price() {
    let mut env = TestEnv::new().await;
    let market = env.create_market().await;
    env.update_price(&market).await.expect("price");
    // A: 10% of 1,000 lots at 150 (15M) plus the 5 bps taker fee (75k) and 5k to spare.
    let a = env.funded_trader(&market, 15_080_000).await;
    let b = env.funded_trader(&market, 200_000_000).await;
    let c = env.funded_trader(&market, 200_000_000).await;
    place(
        &mut env,
        &c,
        order(OrderSide::Ask, OrderType::PostOnly, TICKS, 1_000),
        &[],
    )
    .await;
    let fill = place(
        &mut env,
        &a,
        order(OrderSide::Bid, OrderType::ImmediateOrCancel, TICKS, 1_000),
        &[&c],
    )
    .await;
    assert_eq!(fill.filled_base_lots, 1_000, "A long 1,000 at the oracle");

    // The flip: 2,100 lots at 142.7 (the band's low edge, 4.9% under). |150M − 299.67M| ≤
    // 150M, so the exposure margin is sized on is still the 150M long: initial margin 15M is
    // covered; filled there, the ask costs 2,100 × 7.3 = 15.33M.
    let lots = 2_100;
    if try_place_with(
        &mut env,
        &a,
        order(OrderSide::Ask, OrderType::PostOnly, 1_427, lots),
        &[],
    )
    .await
    {
        try_place_with(
            &mut env,
            &b,
            order(OrderSide::Bid, OrderType::ImmediateOrCancel, 1_427, lots),
            &[&a],
        )
        .await;
    }
    let oracle = engine_price(TICKS);
    assert_eq!(
        env.market(&market.market).await.price.index_price,
        oracle.raw()
    );
    assert_no_negative_equity(&mut env, oracle, &[("A", &a), ("B", &b), ("C", &c)]).await;
}

/// Finding 2. A reduce-only order is judged only where it matches when placed: what rests is
/// never checked again, and its fill (a maker fill) may leave the account's equity negative,
/// which `require_no_worse_than` forbids for a taker. An account below maintenance (a real
/// price move, no keeper yet) rests a reduce-only ask at the band's low edge and lifts it with
/// the attacker's other account in the same transaction: the account goes from +5.0M to
/// about −1.4M at an oracle price that does not move, the other account keeps the 5%.
#[tokio::test]
async fn audit_a_resting_reduce_only_order_fills_into_negative_equity() {
    let mut env = TestEnv::new().await;
    let market = env.create_market().await;
    env.update_price(&market).await.expect("price");
    let a = env.funded_trader(&market, 15_100_000).await;
    let b = env.funded_trader(&market, 200_000_000).await;
    let c = env.funded_trader(&market, 200_000_000).await;
    open_long(&mut env, &a, &c, TICKS, 1_000).await;
    // The market falls to 140 and the stable price follows it closely.
    let now = 1_400;
    env.follow_price(&market, now).await;
    for _ in 0..40 {
        env.warp_seconds(60).await;
        env.set_price_ticks(&market, now).await;
        env.update_price(&market).await.expect("price crank");
    }
    let oracle = engine_price(now);
    let e = equity(&mut env, &a, oracle).await;
    assert!(
        e > 0 && e < 7_000_000,
        "A solvent but below 5% maintenance: {e}"
    );

    // Issue 21: below maintenance it cannot rest anything, even at the oracle price, so the
    // attacker's bid lifts nothing.
    assert_error(
        crate::program_test::trading::try_place(
            &mut env,
            &a,
            reduce_only(OrderSide::Ask, OrderType::PostOnly, now, 1_000),
        )
        .await,
        perp::error::ErrorCode::UnhealthyCannotRest,
    );
    let ticks = now;
    try_place_with(
        &mut env,
        &b,
        order(OrderSide::Bid, OrderType::ImmediateOrCancel, ticks, 1_000),
        &[&a],
    )
    .await;
    assert_no_negative_equity(&mut env, oracle, &[("A", &a), ("B", &b), ("C", &c)]).await;
}

/// Finding 3 (a regression). A reduce-only order must leave maintenance health no lower than
/// before at both ends of the reference; when the two sources are fresh but disagree, the
/// reference is their whole range. With Switchboard 6.7% above Pyth, a long — over-collateralised
/// 3× — cannot sell at the stable price, at Pyth's price, or anywhere below 152: every such sale
/// "lowers" its health valued at Switchboard's price. Risk-increasing orders are refused too
/// (sources diverge) and liquidation values longs at the higher source: longs are frozen.
/// Before issue 20 a reduce-only order needed no oracle and this exit worked.
#[tokio::test]
async fn audit_a_healthy_long_can_exit_at_the_market_while_the_sources_disagree() {
    let mut env = TestEnv::new().await;
    let market = env.create_market().await;
    env.update_price(&market).await.expect("price");
    let long = env.funded_trader(&market, 50_000_000).await;
    let maker = env.funded_trader(&market, 50_000_000).await;
    open_long(&mut env, &long, &maker, TICKS, 100).await;
    // A bid at the stable price and at Pyth's price.
    place(
        &mut env,
        &maker,
        order(OrderSide::Bid, OrderType::PostOnly, TICKS, 100),
        &[],
    )
    .await;
    env.set_prices(&market, price_e8(TICKS), price_e8(1_600))
        .await;
    let ix = ix::order_place(
        &long.orders(),
        reduce_only(OrderSide::Ask, OrderType::ImmediateOrCancel, TICKS, 100),
        &[maker.margin_account],
    );
    let result = env.send(&[ix], &[&long.wallet]).await;
    assert!(result.is_ok(), "the long cannot close at 150: {result:?}");
}
