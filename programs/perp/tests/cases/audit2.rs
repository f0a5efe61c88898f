//! Second independent audit of issue 20, after the first audit's fixes (`audit.rs`). Each test
//! states the invariant DESIGN §13 asks for and replays an attacker sequence against it; a
//! program that refuses any step of the sequence (or ends with the invariant holding) passes.

use crate::program_test::risk::engine_price;
use crate::program_test::solvency::*;
use crate::program_test::trading::{order, place};
use crate::program_test::*;
use perp::{OrderArgs, OrderSide, OrderType};

const TICKS: u64 = 1_500;
/// The band's low edge at 150 (4.9% under: 142.65, rounded up to a tick).
const LOW_EDGE: u64 = 1_427;

/// Finding 1. `collateral_withdraw` sizes what may leave with `Market::withdrawable` (equity
/// less initial margin of the worst-case exposure), which does not subtract what the account's
/// resting orders could cost when they fill (`Trader::resting_fill_loss`) — the loss the
/// placement check now reserves. A is long 1,000 at 150 and rests the first audit's flip ask
/// (2,100 lots at the band's low edge, 142.7) with enough collateral for the placement check
/// (15M initial margin + 15.33M resting loss); it then withdraws down to the 15M initial margin
/// (the flip nets out of `|position − asks|`, so the exposure stays the 150M long), and B lifts
/// the ask. A ends about −0.27M at an oracle price that never moved (2 × 4.9% / 0.951 = 10.3% of
/// the notional lost against 10% held); B keeps the 15.33M.
#[tokio::test]
async fn audit2_a_maker_withdraws_the_margin_its_resting_order_reserved_then_is_filled_into_negative_equity()
 {
    let (mut env, a, b, c) = long_at_150(31_000_000).await;
    let rested = try_place_with(
        &mut env,
        &a,
        order(OrderSide::Ask, OrderType::PostOnly, LOW_EDGE, 2_100),
        &[],
    )
    .await;
    assert!(rested, "the flip ask rests: 30.9M covers 15M + 15.33M");
    // Everything above initial margin, as the program computes it (realised equity − 15M).
    let withdrawn = env.withdraw(&a, 15_900_000).await.is_ok();
    if withdrawn {
        try_place_with(
            &mut env,
            &b,
            order(
                OrderSide::Bid,
                OrderType::ImmediateOrCancel,
                LOW_EDGE,
                2_100,
            ),
            &[&a],
        )
        .await;
    }
    let oracle = engine_price(TICKS);
    assert_eq!(
        env.market(&a.market.market).await.price.index_price,
        oracle.raw()
    );
    assert_no_negative_equity(&mut env, oracle, &[("A", &a), ("B", &b), ("C", &c)]).await;
}

/// Finding 1 on a market the parameter rules allow with initial margin close to maintenance
/// (6% initial, 5% maintenance, the preset 4.9% band and 5 bps taker fee: `band + fee ≤ mm`,
/// `mm < im ≤ 4 mm`). The same sequence leaves A about −6.3M, 4.2% of the position's notional,
/// for the insurance fund; B keeps the 15.33M.
#[tokio::test]
async fn audit2_the_withdrawal_hole_costs_four_percent_of_notional_with_initial_margin_near_maintenance()
 {
    let (env, market, _) = listed_with(perp::state::MarketParams {
        initial_margin_bps: 600,
        ..default_params()
    })
    .await;
    // 9M initial margin + 15.33M resting loss + the 75k fee, and 195k to spare.
    let (mut env, a, b, c) = long_on(env, market, 24_600_000).await;
    let rested = try_place_with(
        &mut env,
        &a,
        order(OrderSide::Ask, OrderType::PostOnly, LOW_EDGE, 2_100),
        &[],
    )
    .await;
    assert!(rested, "the flip ask rests");
    if env.withdraw(&a, 15_500_000).await.is_ok() {
        try_place_with(
            &mut env,
            &b,
            order(
                OrderSide::Bid,
                OrderType::ImmediateOrCancel,
                LOW_EDGE,
                2_100,
            ),
            &[&a],
        )
        .await;
    }
    let oracle = engine_price(TICKS);
    assert_no_negative_equity(&mut env, oracle, &[("A", &a), ("B", &b), ("C", &c)]).await;
}

/// Finding 1, queued variant: the fill has already happened when A withdraws. B lifts the
/// flip ask without passing A's account, so the fill waits in the event queue and A's slot
/// still holds it; `withdrawable` values the position as it was and the 2,100 lots only as
/// exposure, so A withdraws the 15.33M the fill already cost it, and the crank then settles
/// the fill into negative equity.
#[tokio::test]
async fn audit2_a_maker_withdraws_against_a_fill_still_in_the_queue() {
    let (mut env, a, b, c) = long_at_150(31_000_000).await;
    let rested = try_place_with(
        &mut env,
        &a,
        order(OrderSide::Ask, OrderType::PostOnly, LOW_EDGE, 2_100),
        &[],
    )
    .await;
    assert!(rested, "the flip ask rests");
    let lifted = try_place_with(
        &mut env,
        &b,
        order(
            OrderSide::Bid,
            OrderType::ImmediateOrCancel,
            LOW_EDGE,
            2_100,
        ),
        &[],
    )
    .await;
    assert!(lifted, "B lifts the ask; A's fill is queued");
    let _ = env.withdraw(&a, 15_900_000).await;
    let ix = ix::events_consume(
        a.market.market,
        a.market.event_queue,
        16,
        &[a.margin_account],
    );
    env.send(&[ix], &[]).await.expect("events_consume");
    let oracle = engine_price(TICKS);
    assert_no_negative_equity(&mut env, oracle, &[("A", &a), ("B", &b), ("C", &c)]).await;
}

/// Finding 2. While both sources are stale the reference a reduce-only order is judged at is
/// the stable price alone — not the last price the sources agreed on, which is still the
/// market's price (nothing has published since). When the stable price lags a move, a long is
/// judged richer than it is. A, long 1,000 from 150, is at 140 (the stable price has
/// followed), then the sources print 136.6 once and go quiet: A's equity at 136.6 is +1.6M
/// (below maintenance, no keeper yet). It sells 600 lots reduce-only at the band's low edge
/// around the stable price (~133.2) to the attacker's bid: at 140 that is no worse for
/// maintenance (4.9% + fee ≤ 5%) and leaves equity ≥ 0, so it passes; at 136.6, the price
/// that never changed, A ends about −0.45M and B keeps the difference. (The fuzzer's invariant 2
/// values accounts at the last fresh agreeing price, as here.)
#[tokio::test]
async fn audit2_a_reduce_only_sale_judged_at_a_lagging_stable_price_leaves_negative_equity_while_the_oracles_are_stale()
 {
    let (mut env, a, b, c) = long_at_150(15_100_000).await;
    let market = a.market;
    // The market falls to 140 and the stable price follows it.
    env.follow_price(&market, 1_400).await;
    for _ in 0..40 {
        env.warp_seconds(60).await;
        env.set_price_ticks(&market, 1_400).await;
        env.update_price(&market).await.expect("price crank");
    }
    // One more print, at 136.6, cranked at once: the stable price stays near 140.
    let now = 1_366;
    env.warp_seconds(1).await;
    env.set_price_ticks(&market, now).await;
    env.update_price(&market).await.expect("price crank");
    let m = env.market(&market.market).await;
    assert_eq!(m.price.index_price, engine_price(now).raw());
    // The band's low edge around the stable price (4.9% under, rounded up to a tick).
    let stable = u128::from(m.price.stable_price);
    let per_tick = u128::from(engine_price(1).raw());
    let low = u64::try_from((stable * 9_510 / 10_000).div_ceil(per_tick)).unwrap();
    assert!(low < now, "the edge {low} is under the market");
    // B's bid there, placed while the sources are fresh (it is inside today's band).
    place(
        &mut env,
        &b,
        order(OrderSide::Bid, OrderType::PostOnly, low, 600),
        &[],
    )
    .await;
    let oracle = engine_price(now);
    let e = equity(&mut env, &a, oracle).await;
    assert!(e > 0 && e < 7_000_000, "A solvent at 136.6: {e}");

    // Nobody publishes for two minutes (300 slots): both sources are stale, nothing else
    // changed.
    env.warp(120, 300).await;
    try_place_with(
        &mut env,
        &a,
        OrderArgs {
            reduce_only: true,
            ..order(OrderSide::Ask, OrderType::ImmediateOrCancel, low, 600)
        },
        &[&b],
    )
    .await;
    assert_no_negative_equity(&mut env, oracle, &[("A", &a), ("B", &b), ("C", &c)]).await;
}

/// Finding 2, second face: with both sources stale the order band is the stable band alone, so
/// a resting order the band had left comes back into it. M (the attacker's, flat) rests a bid
/// for 1,000 lots at the band's top, 157.3, with the initial margin and resting loss it needs
/// (23.03M). The market crashes to 130, printed fresh by both sources: the band is empty (the
/// stable price is still 150) and nothing trades, as designed. Nobody publishes for two
/// minutes: the band is 142.7–157.3 again, and L (the attacker's long) sells into M's bid
/// reduce-only — judged at the stable price, a sale at 157.3 only improves L. M, flat and
/// solvent at 130 before, is long 1,000 at 157.3 after: about −4.2M at the price that never
/// changed.
#[tokio::test]
async fn audit2_stale_sources_bring_a_resting_order_the_band_had_left_back_and_it_fills_into_negative_equity()
 {
    let (mut env, l, m, c) = long_at_150(50_000_000).await;
    let market = l.market;
    // M (funded with 200M by `long_a`) keeps 23.1M: withdraw the rest while flat.
    env.withdraw(&m, 176_900_000)
        .await
        .expect("withdraw while flat");
    let top = 1_573;
    place(
        &mut env,
        &m,
        order(OrderSide::Bid, OrderType::PostOnly, top, 1_000),
        &[],
    )
    .await;
    // The crash, printed and cranked (the breaker engages; the stable price stays near 150).
    let now = 1_300;
    env.warp_seconds(1).await;
    env.set_price_ticks(&market, now).await;
    env.update_price(&market).await.expect("price crank");
    let oracle = engine_price(now);
    assert_eq!(
        env.market(&market.market).await.price.index_price,
        oracle.raw()
    );
    let sell = OrderArgs {
        reduce_only: true,
        ..order(OrderSide::Ask, OrderType::ImmediateOrCancel, top, 1_000)
    };
    assert!(
        !try_place_with(&mut env, &l, sell, &[&m]).await,
        "while the sources are fresh the band is empty"
    );
    let e = equity(&mut env, &m, oracle).await;
    assert!(e > 0, "M solvent (and flat) at 130: {e}");

    env.warp(120, 300).await;
    try_place_with(&mut env, &l, sell, &[&m]).await;
    assert_no_negative_equity(&mut env, oracle, &[("M", &m), ("C", &c)]).await;
}

/// Finding 3 (dust). `resting_fill_loss` counts a positive maker fee once, on the whole order's
/// notional rounded up; each fill is charged its own fee rounded up, so a fill split in pieces
/// costs up to one quote lot more per piece. A reduce-only order is allowed to rest with no
/// spare equity at all (`equity − resting loss ≥ 0`), so on a market with a positive maker fee
/// (5 bps here; `maker ∈ [−taker, taker]`) an account below maintenance rests a reduce-only ask
/// that uses its equity exactly, the attacker lifts it in three pieces, and the account ends a
/// few native units negative at an unchanged price.
#[tokio::test]
async fn audit2_a_positive_maker_fee_split_over_fills_overdraws_a_reduce_only_order_that_rests_at_zero_spare()
 {
    let (env, market, mint) = listed_with(perp::state::MarketParams {
        maker_fee_bps: 5,
        ..default_params()
    })
    .await;
    let (mut env, a, b, c) = long_on(env, market, 15_080_000).await;
    // The market falls to 140 and the stable price follows it.
    let now = 1_400;
    env.follow_price(&market, now).await;
    for _ in 0..40 {
        env.warp_seconds(60).await;
        env.set_price_ticks(&market, now).await;
        env.update_price(&market).await.expect("price crank");
    }
    let oracle = engine_price(now);
    let m = env.market(&market.market).await;
    assert_eq!(m.price.index_price, oracle.raw());
    let stable = u128::from(m.price.stable_price);
    let per_tick = u128::from(engine_price(1).raw());
    let low = u64::try_from((stable * 9_510 / 10_000).div_ceil(per_tick))
        .unwrap()
        .max((u128::from(now) * 9_510).div_ceil(10_000) as u64);
    // What a reduce-only ask of `lots` at `low` is counted to cost (native = quote lots here):
    // its loss against 140 and its maker fee on the whole notional, rounded up, plus one quote
    // lot per lot for fills that each round their own fee up.
    let cost = |lots: u64| -> i128 {
        let notional = u128::from(lots * low * 100);
        i128::from((lots * (now - low) * 100) as i64)
            + (notional * 5).div_ceil(10_000) as i128
            + i128::from(lots)
    };
    let fee_once = |lots: u64| cost(lots) - i128::from(lots);
    let e = equity(&mut env, &a, oracle).await;
    let mut lots = 1;
    while cost(lots) <= e {
        lots += 1;
    }
    // With equity for the fee counted once, the order may not rest: split fills round up more.
    let ask = OrderArgs {
        reduce_only: true,
        ..order(OrderSide::Ask, OrderType::PostOnly, low, lots)
    };
    let top_up = u64::try_from(fee_once(lots) - e).unwrap();
    env.mint_to(&mint, &a.token_account, top_up).await;
    env.deposit(&a, top_up).await.expect("deposit");
    assert_eq!(equity(&mut env, &a, oracle).await, fee_once(lots));
    assert_error(
        crate::program_test::trading::try_place(&mut env, &a, ask).await,
        perp::error::ErrorCode::ReduceWorsensHealth,
    );
    // Top up so that equity is exactly what the order is counted to cost.
    let top_up = u64::try_from(cost(lots) - fee_once(lots)).unwrap();
    env.mint_to(&mint, &a.token_account, top_up).await;
    env.deposit(&a, top_up).await.expect("deposit");
    assert_eq!(equity(&mut env, &a, oracle).await, cost(lots));
    // Issue 21: an account below maintenance cannot rest anything at all, so the split fills
    // never happen (the per-fill rounding is covered by `resting_fill_loss`'s unit tests).
    assert_error(
        crate::program_test::trading::try_place(&mut env, &a, ask).await,
        perp::error::ErrorCode::UnhealthyCannotRest,
    );
    for piece in [2, 2, lots - 4] {
        try_place_with(
            &mut env,
            &b,
            order(OrderSide::Bid, OrderType::ImmediateOrCancel, low, piece),
            &[&a],
        )
        .await;
    }
    assert_no_negative_equity(&mut env, oracle, &[("A", &a), ("B", &b), ("C", &c)]).await;
}
