//! Audit of issue 23 (the position ledger, 6fb6780, and the parameter table, 4754289).

use crate::program_test::env::{TestEnv, assert_error, default_params};
use crate::program_test::ix;
use crate::program_test::trading::{order, place, try_place};
use perp::error::ErrorCode;
use perp::{OrderArgs, OrderSide, OrderType};

const TICKS: u64 = 1_500;

/// `order_place`'s hard-cap rule ("above the hard cap the market only shrinks") compares the
/// larger side of open interest before and after (`oi <= cap || oi <= oi_before`), so while the
/// market is above the cap the smaller side may still grow up to the larger one. A maker's side
/// of a queued fill is recorded only when consumed, so the two sides differ whenever a fill is
/// queued, and an attacker with four accounts keeps them apart on purpose: one queued fill
/// (`b`) is never consumed, so the short side always lags the long side by its size. Then, round
/// after round, `c` sells into `d`'s bid with `d`'s fill queued (short side catches up to the long
/// side: the larger side does not grow, allowed) and `d`'s fill is consumed (long side grows;
/// `events_consume` checks no cap). Open interest climbs without bound past the hard cap of a
/// market that should be reduce-only.
///
/// Pre-existing (the rule is unchanged by 6fb6780), found while checking `oi_before` there.
/// Expected: the sale in the second round, which raises the short side while open interest is
/// already above the hard cap, is refused with `OpenInterestCapReached`.
#[tokio::test]
async fn audit23_open_interest_cannot_climb_past_the_hard_cap_through_queued_fills() {
    let mut env = TestEnv::new().await;
    let mint = env.create_mint(6, false, &[]).await;
    let params = perp::MarketParams {
        oi_soft_cap_lots: 50,
        oi_hard_cap_lots: 100,
        ..default_params()
    };
    let market = env.try_create_market(&mint, params).await.expect("market");
    env.update_price(&market).await.expect("price");
    // One attacker, four accounts, each able to carry 100% margin on a few hundred lots.
    let a = env.funded_trader(&market, 100_000_000).await;
    let b = env.funded_trader(&market, 100_000_000).await;
    let c = env.funded_trader(&market, 100_000_000).await;
    let d = env.funded_trader(&market, 100_000_000).await;

    // `a` buys 100 from `b`'s ask; `b`'s fill stays queued: recorded (long, short) = (100, 0).
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

    let oi = |m: &perp::state::Market| (m.open_interest.long_lots, m.open_interest.short_lots);
    for round in 0..3u64 {
        let bid = OrderArgs {
            client_order_id: 100 + round,
            ..order(OrderSide::Bid, OrderType::Limit, TICKS, 100)
        };
        place(&mut env, &d, bid, &[]).await;
        let before = oi(&env.market(&market.market).await);
        let sell = OrderArgs {
            client_order_id: 200 + round,
            ..order(OrderSide::Ask, OrderType::ImmediateOrCancel, TICKS, 100)
        };
        let result = try_place(&mut env, &c, sell).await;
        if before.0.max(before.1) > params.oi_hard_cap_lots {
            // Above the hard cap: growing either side must be refused.
            if result.is_ok() {
                // Show how far it goes: settle `d` (and at the end `b`) and read the totals.
                consume(&mut env, &market, &[&d]).await;
                for r in round + 1..3 {
                    let bid = OrderArgs {
                        client_order_id: 100 + r,
                        ..order(OrderSide::Bid, OrderType::Limit, TICKS, 100)
                    };
                    place(&mut env, &d, bid, &[]).await;
                    let sell = OrderArgs {
                        client_order_id: 200 + r,
                        ..order(OrderSide::Ask, OrderType::ImmediateOrCancel, TICKS, 100)
                    };
                    try_place(&mut env, &c, sell).await.expect("sale");
                    consume(&mut env, &market, &[&d]).await;
                }
                consume(&mut env, &market, &[&b]).await;
                let after = oi(&env.market(&market.market).await);
                let cm = env.margin_account(&c.margin_account).await;
                let dm = env.margin_account(&d.margin_account).await;
                panic!(
                    "hard cap {} lots: a sale that raised the short side was accepted at \
                     (long, short) = {before:?}; after {} rounds open interest is {after:?} \
                     (c {}, d {})",
                    params.oi_hard_cap_lots, 3, cm.trader.base_position, dm.trader.base_position,
                );
            }
            assert_error(result, ErrorCode::OpenInterestCapReached);
            return;
        }
        result.expect("within the cap");
        consume(&mut env, &market, &[&d]).await;
    }
    panic!("open interest never rose above the hard cap");
}

/// Settles the queued events of `makers`.
async fn consume(
    env: &mut TestEnv,
    market: &crate::program_test::env::MarketKeys,
    makers: &[&crate::program_test::env::Trader],
) {
    let keys: Vec<_> = makers.iter().map(|m| m.margin_account).collect();
    let ix = ix::events_consume(market.market, market.event_queue, 64, &keys);
    env.send(&[ix], &[]).await.expect("events_consume");
}
