//! Helpers of the solvency scenarios (issue 20's regressions and the audits): placing an order
//! that may be refused, an account's equity as the program values it, and the no-bad-debt
//! assertion.

use super::env::{TestEnv, Trader};
use super::ix;
use super::trading::order;
use perp::{OrderArgs, OrderSide, OrderType};
use perp_engine::Price;

/// A reduce-only order.
pub fn reduce_only(side: OrderSide, kind: OrderType, ticks: u64, lots: u64) -> OrderArgs {
    OrderArgs {
        reduce_only: true,
        ..order(side, kind, ticks, lots)
    }
}

/// `long` buys `lots` at `ticks` from `maker`'s resting ask (settled inline): a position opened
/// at a price both agree on.
pub async fn open_long(env: &mut TestEnv, long: &Trader, maker: &Trader, ticks: u64, lots: u64) {
    let ask = order(OrderSide::Ask, OrderType::PostOnly, ticks, lots);
    assert!(
        try_place_with(env, maker, ask, &[]).await,
        "the maker's ask rests"
    );
    let bid = order(OrderSide::Bid, OrderType::ImmediateOrCancel, ticks, lots);
    assert!(
        try_place_with(env, long, bid, &[maker]).await,
        "the long buys"
    );
    let filled = env
        .margin_account(&long.margin_account)
        .await
        .trader
        .base_position;
    assert!(filled >= lots as i64, "filled {filled} of {lots}");
}

/// Places `args` for `t` with `makers` at hand; `false` when the program refuses it.
pub async fn try_place_with(
    env: &mut TestEnv,
    t: &Trader,
    args: OrderArgs,
    makers: &[&Trader],
) -> bool {
    let makers: Vec<_> = makers.iter().map(|m| m.margin_account).collect();
    let ix = ix::order_place(&t.orders(), args, &makers);
    env.send(&[ix], &[&t.wallet]).await.is_ok()
}

/// `t`'s equity (native units, rounded toward −∞) at `price`, funding settled.
pub async fn equity(env: &mut TestEnv, t: &Trader, price: Price) -> i128 {
    let m = env.market(&t.market.market).await;
    let mut a = env.margin_account(&t.margin_account).await;
    m.settle_funding(&mut a).unwrap();
    m.health(&a, price).unwrap().equity.div_euclid(1_000_000)
}

/// DESIGN §13, "no manufactured bad debt": at the (unchanged) oracle price no account's equity
/// is negative.
pub async fn assert_no_negative_equity(
    env: &mut TestEnv,
    price: Price,
    accounts: &[(&str, &Trader)],
) {
    for (name, t) in accounts {
        let e = equity(env, t, price).await;
        assert!(
            e >= 0,
            "{name}'s equity is {e} native units at the unchanged oracle price"
        );
    }
}
