//! Order helpers shared by the trading scenarios: order arguments, placing (one or many per
//! transaction), reading the book, and the end-of-scenario settle-and-check.

use super::env::{MarketKeys, TestEnv, Trader, TxResult};
use super::ix;
use perp::OrderArgs;
use perp::events::OrderPlaced;
use perp::state::OrderBookAccount;
use perp_engine::book::MarketBook;
use perp_engine::side::Side;

pub use perp_sdk::ix::order_args as order;

/// A market with a fresh price and two traders (maker, taker) with `collateral` deposited.
pub async fn funded_market(collateral: u64) -> (TestEnv, Trader, Trader) {
    let mut env = TestEnv::new().await;
    let market = env.create_market().await;
    env.update_price(&market).await.expect("price");
    let maker = env.funded_trader(&market, collateral).await;
    let taker = env.funded_trader(&market, collateral).await;
    (env, maker, taker)
}

/// A market with the preset's parameters but open-interest caps `soft`/`hard` (lots), a fresh
/// price, and `traders` traders with `collateral` each.
pub async fn capped_market(
    env: &mut TestEnv,
    soft: u64,
    hard: u64,
    collateral: u64,
    traders: usize,
) -> (MarketKeys, Vec<Trader>) {
    let mint = env.create_mint(6, false, &[]).await;
    let params = perp::MarketParams {
        oi_soft_cap_lots: soft,
        oi_hard_cap_lots: hard,
        ..super::env::default_params()
    };
    let market = env.try_create_market(&mint, params).await.expect("market");
    env.update_price(&market).await.expect("price");
    let mut out = Vec::with_capacity(traders);
    for _ in 0..traders {
        out.push(env.funded_trader(&market, collateral).await);
    }
    (market, out)
}

/// Settles the queued events of `makers` (`events_consume`, up to 64).
pub async fn consume(env: &mut TestEnv, market: &MarketKeys, makers: &[&Trader]) {
    let keys: Vec<_> = makers.iter().map(|m| m.margin_account).collect();
    let ix = ix::events_consume(market.market, market.event_queue, 64, &keys);
    env.send(&[ix], &[]).await.expect("events_consume");
}

/// `market`'s recorded open interest, (long lots, short lots).
pub async fn open_interest(env: &mut TestEnv, market: &MarketKeys) -> (u64, u64) {
    let m = env.market(&market.market).await;
    (m.open_interest.long_lots, m.open_interest.short_lots)
}

/// Places `args` for `t` with `makers` at hand; returns the `OrderPlaced` event.
pub async fn place(
    env: &mut TestEnv,
    t: &Trader,
    args: OrderArgs,
    makers: &[&Trader],
) -> OrderPlaced {
    let makers: Vec<_> = makers.iter().map(|m| m.margin_account).collect();
    let ix = ix::order_place(&t.orders(), args, &makers);
    let events = env
        .send_for_events::<OrderPlaced>(&[ix], &[&t.wallet])
        .await
        .expect("order_place");
    events.into_iter().next().expect("OrderPlaced")
}

/// Places `args` for `t` with no makers at hand.
pub async fn try_place(env: &mut TestEnv, t: &Trader, args: OrderArgs) -> TxResult {
    let ix = ix::order_place(&t.orders(), args, &[]);
    env.send(&[ix], &[&t.wallet]).await
}

/// Places every order of `orders` for `t`, several per transaction (filling books quickly).
pub async fn place_all(env: &mut TestEnv, t: &Trader, orders: &[OrderArgs]) {
    for chunk in orders.chunks(8) {
        let ixs: Vec<_> = chunk
            .iter()
            .map(|args| ix::order_place(&t.orders(), *args, &[]))
            .collect();
        env.send(&ixs, &[&t.wallet]).await.expect("order_place");
    }
}

/// Orders resting on each side of `market`'s book: (bids, asks).
pub async fn book_depth(env: &mut TestEnv, market: &MarketKeys) -> (u32, u32) {
    let data = env.account_data(&market.book).await;
    assert_eq!(data.len(), OrderBookAccount::SPACE);
    // The book is ~1 MB: view it in an 8-aligned heap copy, never on the stack.
    let at = 8 + core::mem::size_of::<anchor_lang::prelude::Pubkey>();
    let size = core::mem::size_of::<MarketBook>();
    let mut words = vec![0u64; size / 8];
    bytemuck::cast_slice_mut(&mut words).copy_from_slice(&data[at..at + size]);
    let book: &MarketBook = bytemuck::from_bytes(bytemuck::cast_slice(&words));
    (book.side(Side::Bid).len(), book.side(Side::Ask).len())
}

/// Settles up to `limit` queued events for `makers`, then checks that trading stayed
/// zero-sum and tokens were conserved.
pub async fn finish_with(env: &mut TestEnv, market: &MarketKeys, makers: &[&Trader], limit: u16) {
    let keys: Vec<_> = makers.iter().map(|m| m.margin_account).collect();
    let ix = ix::events_consume(market.market, market.event_queue, limit, &keys);
    env.send(&[ix], &[]).await.expect("events_consume");
    env.assert_zero_sum(market).await;
    env.assert_conservation(market).await;
}

/// `finish_with` for scenarios with few queued events.
pub async fn finish(env: &mut TestEnv, market: &MarketKeys, makers: &[&Trader]) {
    finish_with(env, market, makers, 64).await;
}
