//! Review of 9a91e23 (the open-interest hard cap counts the makers' sides of queued fills).

use crate::program_test::env::{TestEnv, assert_error, default_params};
use crate::program_test::ix;
use crate::program_test::trading::{order, place};
use perp::error::ErrorCode;
use perp::{OrderArgs, OrderSide, OrderType};
use solana_sdk::signer::Signer;

const TICKS: u64 = 1_500;

/// Failing (expects `OpenInterestCapReached`): above a hard cap the risk council has lowered,
/// open interest regrows past the cap through the slack a queued reduction leaves in the bound.
///
/// `with_queue` bounds each side by recorded + queued fill lots; a queued fill whose bid maker is
/// short *reduces* the short side when it settles, but the bound counts it on the long side, and
/// the maker's stale short stays in the recorded short side: the bound then exceeds what open
/// interest will really be, by the fill's lots on both sides. `within_cap` only refuses a side
/// growing past max(cap, bound before), so a step whose bound does not grow may still turn that
/// slack into real positions. Below the cap that is harmless (the bound never exceeds the cap);
/// above it ("the market only shrinks") it is a climb:
///
/// `a` long 100 / `b` short 100 at a 300-lot cap; the council tightens the hard cap to 50. Then,
/// in one transaction (no keeper can crank in between):
/// 1. `b` rests a bid for 50; `a` sells 50 into it with `b`'s fill queued — a reduction: open
///    interest once settled is 50 (at the cap); bound (100, 100).
/// 2. `b` buys 100 from fresh `f`'s ask (`f` passed inline): `b`'s recorded short 100 closes,
///    `f` opens a 100 short; recorded (50, 100) + queued bid 50 = bound (100, 100): not above
///    the bound before, so accepted. Once `b`'s queued fill settles, `b` is long 50 (the fill
///    counted as slack has become a real long), `a` long 50, `f` short 100: open interest 100
///    lots a side, twice the hard cap of 50, grown from 50 in one order. `f` opened 100 lots of
///    new risk in a market whose cap is 50.
/// The fuzzer's invariant 7 (settled open interest never above max(before, cap) after a step)
/// would flag step 2. The attacker can repeat this to hold the market at its pre-tightening
/// size while rotating in new positions; it cannot exceed the bound it started from.
#[tokio::test]
async fn review2_open_interest_regrows_above_a_lowered_hard_cap_through_queued_reduction_slack() {
    let mut env = TestEnv::new().await;
    let mint = env.create_mint(6, false, &[]).await;
    let params = perp::MarketParams {
        oi_soft_cap_lots: 25,
        oi_hard_cap_lots: 300,
        ..default_params()
    };
    let market = env.try_create_market(&mint, params).await.expect("market");
    env.update_price(&market).await.expect("price");
    let a = env.funded_trader(&market, 100_000_000).await;
    let b = env.funded_trader(&market, 100_000_000).await;
    let f = env.funded_trader(&market, 100_000_000).await;
    let oi = |m: &perp::state::Market| (m.open_interest.long_lots, m.open_interest.short_lots);

    // `a` long 100, `b` short 100 (inline): 100 lots a side under a 300-lot cap.
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
        &[&b],
    )
    .await;
    assert_eq!(oi(&env.market(&market.market).await), (100, 100));

    // The risk council lowers the hard cap to 50: from now on the market may only shrink.
    let m = env.market(&market.market).await;
    let tightened = perp::MarketParams {
        oi_hard_cap_lots: 50,
        ..m.params
    };
    let council = env.risk_council.insecure_clone();
    let ix = ix::params_tighten(council.pubkey(), market.market, tightened, m.oracle);
    env.send(&[ix], &[&council]).await.expect("params_tighten");

    // `f` rests the ask `b` will buy from.
    place(
        &mut env,
        &f,
        order(OrderSide::Ask, OrderType::Limit, TICKS, 100),
        &[],
    )
    .await;

    // One transaction: the queued reduction, then the regrowth through its slack.
    let b_bid = OrderArgs {
        client_order_id: 11,
        ..order(OrderSide::Bid, OrderType::Limit, TICKS - 1, 50)
    };
    let a_sells = OrderArgs {
        client_order_id: 12,
        ..order(OrderSide::Ask, OrderType::ImmediateOrCancel, TICKS - 1, 50)
    };
    let b_buys = OrderArgs {
        client_order_id: 13,
        ..order(OrderSide::Bid, OrderType::ImmediateOrCancel, TICKS, 100)
    };
    let ixs = [
        ix::order_place(&b.orders(), b_bid, &[]),
        ix::order_place(&a.orders(), a_sells, &[]),
        ix::order_place(&b.orders(), b_buys, &[f.margin_account]),
    ];
    let result = env.send(&ixs, &[&a.wallet, &b.wallet]).await;
    if result.is_ok() {
        // Show what was let through: settle `b`'s queued fill.
        let ix = ix::events_consume(market.market, market.event_queue, 64, &[b.margin_account]);
        env.send(&[ix], &[]).await.expect("events_consume");
        let positions = (
            env.margin_account(&a.margin_account)
                .await
                .trader
                .base_position,
            env.margin_account(&b.margin_account)
                .await
                .trader
                .base_position,
            env.margin_account(&f.margin_account)
                .await
                .trader
                .base_position,
        );
        println!(
            "accepted: positions (a, b, f) = {positions:?}, open interest once settled {:?} \
             against a hard cap of 50",
            oi(&env.market(&market.market).await)
        );
    }
    assert_error(result, ErrorCode::OpenInterestCapReached);
}
