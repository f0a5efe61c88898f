//! Review of 9a91e23 (the open-interest hard cap counts the makers' sides of queued fills).

use crate::program_test::env::{TestEnv, assert_error};
use crate::program_test::ix;
use crate::program_test::trading::{capped_market, consume, open_interest, order, place};
use perp::error::ErrorCode;
use perp::{OrderArgs, OrderSide, OrderType};
use solana_sdk::signer::Signer;

const TICKS: u64 = 1_500;

/// Above a hard cap the risk council has lowered, open interest could regrow past the cap
/// through the slack a queued reduction leaves in the bound (found against 9a91e23; now refused:
/// above the cap only reduce-only orders trade, `OpenInterest::within_cap`).
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
    let (market, t) = capped_market(&mut env, 25, 300, 100_000_000, 3).await;
    let [a, b, f] = [&t[0], &t[1], &t[2]];

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
    assert_eq!(open_interest(&mut env, &market).await, (100, 100));

    // `f` rests the ask `b` will buy from (before the cap is lowered: after it, only
    // reduce-only orders trade).
    place(
        &mut env,
        &f,
        order(OrderSide::Ask, OrderType::Limit, TICKS, 100),
        &[],
    )
    .await;

    // The risk council lowers the hard cap to 50: from now on the market may only shrink.
    let m = env.market(&market.market).await;
    let tightened = perp::MarketParams {
        oi_hard_cap_lots: 50,
        ..m.params
    };
    let council = env.risk_council.insecure_clone();
    let ix = ix::params_tighten(council.pubkey(), market.market, tightened, m.oracle);
    env.send(&[ix], &[&council]).await.expect("params_tighten");

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
        consume(&mut env, &market, &[b]).await;
        let positions = (
            env.margin_account(&a.margin_account)
                .await
                .trader
                .base_position
                .get(),
            env.margin_account(&b.margin_account)
                .await
                .trader
                .base_position
                .get(),
            env.margin_account(&f.margin_account)
                .await
                .trader
                .base_position
                .get(),
        );
        println!(
            "accepted: positions (a, b, f) = {positions:?}, open interest once settled {:?} \
             against a hard cap of 50",
            open_interest(&mut env, &market).await
        );
    }
    assert_error(result, ErrorCode::OpenInterestCapReached);

    // Above the lowered cap, exits still trade: `a` sells 50 reduce-only into `b`'s
    // reduce-only bid.
    let b_exit = OrderArgs {
        client_order_id: 15,
        reduce_only: true,
        ..order(OrderSide::Bid, OrderType::Limit, TICKS - 1, 50)
    };
    place(&mut env, &b, b_exit, &[]).await;
    let exit = OrderArgs {
        client_order_id: 14,
        reduce_only: true,
        ..order(OrderSide::Ask, OrderType::ImmediateOrCancel, TICKS - 1, 50)
    };
    place(&mut env, &a, exit, &[&b]).await;
    assert_eq!(open_interest(&mut env, &market).await, (50, 50));
}

/// Passing (griefing, quantified): an attacker parks the queued bound at the hard cap with no
/// open interest at all, refusing every honest risk-increasing order (`OpenInterestCapReached`)
/// until someone settles the attacker's queued fill; one `events_consume` naming the attacker's
/// maker, bundled before the honest order in the same transaction, lifts it.
///
/// `p` sells 100 (the whole cap) to `q` with `p` inline; then `q` rests an ask for 100 and `p`
/// buys it back with `q`'s fill queued: both are flat once settled, but recorded (100, 0) +
/// queued ask 100 = bound (100, 100). An honest 10-lot trade with its maker inline (real open
/// interest 10 of 100) is refused. Cost to the attacker per round: net fees of two legs on the
/// cap's notional, (taker 5 − maker rebate 1) bps × 2 = 8 bps (printed: 12,000 quote lots =
/// 0.012 USDC for the 100-lot, 15 USDC cap here), plus initial margin for the cap, locked only
/// until the queued fill settles; it must redo this (and pay again) after every crank. The old rule
/// (larger recorded side) refused the same honest order here (recorded long 100 + 10), so this
/// is not new with 9a91e23; the new rule also adds queued lots, which changes nothing for a
/// symmetric position (each side's bound equals the old larger side).
#[tokio::test]
async fn review2_griefing_the_hard_cap_with_a_queued_round_trip_lasts_until_one_crank() {
    let mut env = TestEnv::new().await;
    let collateral = 100_000_000;
    let (market, t) = capped_market(&mut env, 50, 100, collateral, 4).await;
    let [p, q, m, n] = [&t[0], &t[1], &t[2], &t[3]];

    // The attacker's round trip, the second leg queued.
    place(
        &mut env,
        &p,
        order(OrderSide::Ask, OrderType::Limit, TICKS, 100),
        &[],
    )
    .await;
    place(
        &mut env,
        &q,
        order(OrderSide::Bid, OrderType::ImmediateOrCancel, TICKS, 100),
        &[&p],
    )
    .await;
    place(
        &mut env,
        &q,
        order(OrderSide::Ask, OrderType::Limit, TICKS, 100),
        &[],
    )
    .await;
    place(
        &mut env,
        &p,
        order(OrderSide::Bid, OrderType::ImmediateOrCancel, TICKS, 100),
        &[],
    )
    .await;
    let mk = env.market(&market.market).await;
    assert_eq!(
        (mk.open_interest.long_lots, mk.open_interest.short_lots),
        (100, 0)
    );

    // An honest 10-lot trade, maker inline: refused.
    place(
        &mut env,
        &m,
        order(OrderSide::Ask, OrderType::Limit, TICKS, 10),
        &[],
    )
    .await;
    let buy = order(OrderSide::Bid, OrderType::ImmediateOrCancel, TICKS, 10);
    let honest = ix::order_place(&n.orders(), buy, &[m.margin_account]);
    assert_error(
        env.send(&[honest.clone()], &[&n.wallet]).await,
        ErrorCode::OpenInterestCapReached,
    );

    // Bundled after a crank naming `q`: accepted.
    let crank = ix::events_consume(market.market, market.event_queue, 8, &[q.margin_account]);
    let buy = OrderArgs {
        client_order_id: 2,
        ..buy
    };
    let honest = ix::order_place(&n.orders(), buy, &[m.margin_account]);
    env.send(&[crank, honest], &[&n.wallet])
        .await
        .expect("crank then the honest order");
    let pa = env.margin_account(&p.margin_account).await;
    let qa = env.margin_account(&q.margin_account).await;
    assert_eq!(
        (pa.trader.base_position.get(), qa.trader.base_position.get()),
        (0, 0)
    );
    // Fees net of rebates, in quote lots, and what the account still owes or is owed.
    let fees = pa.trader.fees_paid.get() + qa.trader.fees_paid.get();
    let pnl = pa.trader.realised_pnl.get() + qa.trader.realised_pnl.get();
    let collateral_delta = (pa.collateral + qa.collateral) as i128 - 2 * collateral as i128;
    println!(
        "griefing cost for a 100-lot cap: fees paid {fees} quote lots, realised pnl {pnl} quote \
         lots, collateral change {collateral_delta} native"
    );
    assert!(fees > 0);
}
