//! Audit of issue 22 (second pass): attacks on `order_cancel_at_risk`, `margin_account_close`
//! and the owner-only `liquidate` keeper.

use crate::program_test::risk::{engine_price, price_e8};
use crate::program_test::solvency::*;
use crate::program_test::trading::{book_depth, order, place};
use crate::program_test::*;
use perp::error::ErrorCode;
use perp::state::MarketParams;
use perp::{OrderSide, OrderType};

/// A market whose maintenance margin sits close to initial (10% / 9.5%: inside the hard
/// bounds, `mm < im` and `4 × mm ≥ im`).
fn tight_maintenance() -> MarketParams {
    MarketParams {
        maintenance_margin_bps: 950,
        ..default_params()
    }
}

/// `order_cancel_at_risk` is meant to cancel only when the orders breach maintenance at every
/// liquidation price (`Trader::orders_breach_maintenance`: "below maintenance at every price in
/// `[low, high]`"). It checks the two ends only, but a two-sided quote's worst case is not
/// monotone in the price: at the low end its bids lose, at the high end its asks lose, and in
/// between nothing does. With the two sources merely agreeing (1.3% apart, within the 1.5%
/// deviation limit) a market maker whose quotes the program has just accepted under *initial*
/// margin is "at risk" at both ends, and anyone cancels all its orders — at an unchanged price,
/// as often as it re-quotes. Between 149.4 and 150.6 (the aggregate, 150, included) every fill of
/// its orders leaves it above maintenance. Fixed: the rule is judged at the index (the band's
/// middle) as well as at both ends.
#[tokio::test]
async fn audit22b_healthy_two_sided_quotes_are_not_cancelled_at_risk() {
    let (mut env, market, _) = listed_with(tight_maintenance()).await;
    env.update_price(&market).await.expect("price");
    // The sources agree (1.3% apart): aggregate 150.0, stable price 150.0.
    env.set_prices(&market, price_e8(1_490), price_e8(1_510))
        .await;
    // Flat, 1,360,000 collateral; a bid for 90 at 149.9 and an ask for 90 at 150.1. Initial
    // margin: 10% of 90 × 150,100 = 1,350,900 ≤ 1,360,000, so both are accepted now.
    let maker = env.funded_trader(&market, 1_360_000).await;
    place(
        &mut env,
        &maker,
        order(OrderSide::Bid, OrderType::PostOnly, 1_499, 90),
        &[],
    )
    .await;
    place(
        &mut env,
        &maker,
        order(OrderSide::Ask, OrderType::PostOnly, 1_501, 90),
        &[],
    )
    .await;
    assert_eq!(book_depth(&mut env, &market).await, (1, 1));

    // Same instant, same prices. At 150 nothing of the orders can lose; maintenance (9.5% of
    // 1,350,900) is covered with 76,645 to spare. Only at 149.0 (the bid filled: -81,000) or at
    // 151.0 (the ask filled: -81,000) would it dip below. A stranger cancels them anyway.
    // The program's own rule, judged at the aggregate (or anywhere in 149.4..=150.6): covered.
    let m = env.market(&market.market).await;
    let a = env.margin_account(&maker.margin_account).await;
    let scale = m.margin_scale(&a.trader).unwrap();
    let margin = m.params.margin();
    let mm = |lots| m.risk.maintenance_bps(&margin, lots);
    let at = |ticks| engine_price(ticks);
    assert_eq!(
        a.trader
            .orders_breach_maintenance(a.collateral(), &scale, at(1_500), at(1_500), mm),
        Ok(false)
    );
    assert_eq!(
        a.trader
            .orders_breach_maintenance(a.collateral(), &scale, at(1_490), at(1_510), mm),
        Ok(false),
        "covered at the index between the two ends"
    );
    let cancel = ix::order_cancel_at_risk(
        market.market,
        maker.margin_account,
        market.book,
        market.oracle_metas(),
    );
    let result = env.send(&[cancel], &[]).await;
    let left = book_depth(&mut env, &market).await;
    assert!(
        result.is_err(),
        "a stranger cancelled quotes accepted under initial margin at the same prices \
         (book after: {left:?})"
    );
    assert_error(result, ErrorCode::OrdersNotAtRisk);
}
