//! Issue 22, finding 7: a healthy account's stale resting orders could not be cancelled by
//! anyone but their owner; hit after a gap, a bid left far above the price bankrupts even a flat
//! account, and the insurance fund pays. `order_cancel_at_risk` lets anyone cancel an account's
//! orders once, filled at their limits, they would put it below maintenance at the liquidation
//! prices — and nothing else.

use crate::program_test::solvency::*;
use crate::program_test::trading::{book_depth, order, place};
use crate::program_test::*;
use perp::error::ErrorCode;
use perp::events::OrdersCancelledAtRisk;
use perp::{OrderSide, OrderType};

#[tokio::test]
async fn anyone_cancels_orders_that_would_breach_maintenance_and_nothing_else() {
    let (mut env, market, _) = listed_with(default_params()).await;
    env.update_price(&market).await.expect("price");
    // A flat account with a bid for 90 lots at 149 (about 9.6x its collateral), and a healthy
    // maker with an ask above the price.
    let stale = env.funded_trader(&market, 1_400_000).await;
    place(
        &mut env,
        &stale,
        order(OrderSide::Bid, OrderType::PostOnly, 1_490, 90),
        &[],
    )
    .await;
    let maker = env.funded_trader(&market, 10_000_000).await;
    place(
        &mut env,
        &maker,
        order(OrderSide::Ask, OrderType::PostOnly, 1_510, 10),
        &[],
    )
    .await;
    let cancel = |account| {
        ix::order_cancel_at_risk(market.market, account, market.book, market.oracle_metas())
    };

    // At 150 the bid is covered: nobody but its owner may cancel it.
    assert_error(
        env.send(&[cancel(stale.margin_account)], &[]).await,
        ErrorCode::OrdersNotAtRisk,
    );
    let orders = |t: &perp_engine::trader::Trader| t.open_order_count();
    assert_eq!(
        orders(&env.margin_account(&stale.margin_account).await.trader),
        1
    );

    // The price gaps to 130: filled at 149, the bid would lose 90 × 19 ticks × 100 = 171,000
    // more than the account holds. A keeper cancels it.
    env.set_price_ticks(&market, 1_300).await;
    let events = env
        .send_for_logs(&[cancel(stale.margin_account)], &[])
        .await
        .expect("the stale bid is cancelled");
    let logged = events_of::<OrdersCancelledAtRisk>(&events);
    assert_eq!(logged.len(), 1);
    assert_eq!(
        (logged[0].margin_account, logged[0].count),
        (stale.margin_account, 1)
    );
    let after = env.margin_account(&stale.margin_account).await;
    assert_eq!(orders(&after.trader), 0);
    assert_eq!(after.collateral, 1_400_000);
    // The book no longer holds it: no bid is left for a seller to hit; the maker's ask rests.
    assert_eq!(book_depth(&mut env, &market).await, (0, 1));

    // The maker's ask above the price costs nothing if filled: refused, still resting.
    assert_error(
        env.send(&[cancel(maker.margin_account)], &[]).await,
        ErrorCode::OrdersNotAtRisk,
    );
    assert_eq!(
        orders(&env.margin_account(&maker.margin_account).await.trader),
        1
    );
    // Nothing left to cancel is not at risk either.
    assert_error(
        env.send(&[cancel(stale.margin_account)], &[]).await,
        ErrorCode::OrdersNotAtRisk,
    );
    env.assert_conservation(&market).await;
}
