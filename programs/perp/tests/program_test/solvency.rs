//! Helpers of the solvency scenarios (issue 20's regressions and the audits): placing an order
//! that may be refused, an account's equity as the program values it, and the no-bad-debt
//! assertion.

use super::env::{MarketKeys, TestEnv, Trader, default_params};
use super::ix;
use super::trading::order;
use perp::state::MarketParams;
use perp::{OrderArgs, OrderSide, OrderType};
use perp_engine::Price;
use solana_sdk::pubkey::Pubkey;

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
        .base_position
        .get();
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
    m.health(&a, price).unwrap().equity.floor_native()
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

/// A market listed with `params` (the preset otherwise) and its quote mint.
pub async fn listed_with(params: MarketParams) -> (TestEnv, MarketKeys, Pubkey) {
    let mut env = TestEnv::new().await;
    let mint = env.create_mint(6, false, &[]).await;
    let market = env
        .try_create_market(&mint, params)
        .await
        .expect("market listed");
    (env, market, mint)
}

/// On `market` at 150: an account long 1,000 lots bought at 150 holding `collateral`, the
/// attacker's other account and the counterparty that sold (both well funded), in that order.
pub async fn long_on(
    mut env: TestEnv,
    market: MarketKeys,
    collateral: u64,
) -> (TestEnv, Trader, Trader, Trader) {
    env.update_price(&market).await.expect("price");
    let long = env.funded_trader(&market, collateral).await;
    let partner = env.funded_trader(&market, 200_000_000).await;
    let seller = env.funded_trader(&market, 200_000_000).await;
    open_long(&mut env, &long, &seller, 1_500, 1_000).await;
    (env, long, partner, seller)
}

/// `long_on` a preset market.
pub async fn long_at_150(collateral: u64) -> (TestEnv, Trader, Trader, Trader) {
    let (env, market, _) = listed_with(default_params()).await;
    long_on(env, market, collateral).await
}
