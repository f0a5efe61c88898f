//! The book at its edges on the real program: expired orders leaving lazily (bounded by the
//! fill limit, also under post-only and fill-or-kill orders), a side at its full 4,096 orders
//! (eviction of the worst order, `BookSideFull`), and a queue at its limit for normal orders
//! (`EventQueueFull`, matching stopping) that still takes cancels and reduce-only orders.
//! Each scenario ends with the queue drained, zero-sum positions and cash, and conservation.
//!
//! Prices: the oracle price is 1,500 ticks and the band 1,350..=1,650 ticks (see `orders`).

use crate::program_test::env::{OPENING_PRICE_E8, Trader, assert_error};
use crate::program_test::ix;
use crate::program_test::trading::{
    book_depth, finish, finish_with, funded_market, order, place, place_all, try_place,
};
use base64::Engine as _;
use perp::error::ErrorCode;
use perp::{OrderArgs, OrderSide, OrderType};
use perp_engine::book::{BOOK_CAPACITY, EVENT_QUEUE_CAPACITY, queue_reserve};
use perp_engine::trader::MAX_OPEN_ORDERS;
use solana_sdk::pubkey::Pubkey;

const COLLATERAL: u64 = 50_000_000;

fn expiring(side: OrderSide, price: u64, lots: u64, expires_at: i64) -> OrderArgs {
    OrderArgs {
        expires_at,
        ..order(side, OrderType::Limit, price, lots)
    }
}

#[tokio::test]
async fn expired_orders_leave_lazily_within_the_fill_limit() {
    let (mut env, maker, taker) = funded_market(COLLATERAL).await;
    let market = maker.market;
    let expiry = env.clock().await.unix_timestamp + 60;
    place_all(
        &mut env,
        &maker,
        &[
            expiring(OrderSide::Ask, 1_505, 2, expiry),
            expiring(OrderSide::Ask, 1_507, 2, expiry),
            order(OrderSide::Ask, OrderType::Limit, 1_510, 5),
            order(OrderSide::Ask, OrderType::Limit, 1_520, 5),
            expiring(OrderSide::Ask, 1_530, 1, expiry),
            expiring(OrderSide::Ask, 1_531, 1, expiry),
            expiring(OrderSide::Ask, 1_532, 1, expiry),
        ],
    )
    .await;
    env.warp_seconds(60).await;
    env.set_prices(&market, OPENING_PRICE_E8, OPENING_PRICE_E8)
        .await;

    // Post-only at 1,506 crosses only the expired 1,505 ask: it leaves the book (its out
    // event is queued, the maker is not at hand) and the bid rests instead of being refused.
    // The 1,507 ask has expired too but stays until an order reaches it.
    let post = place(
        &mut env,
        &taker,
        order(OrderSide::Bid, OrderType::PostOnly, 1_506, 1),
        &[],
    )
    .await;
    assert_eq!((post.price_ticks, post.filled_base_lots), (1_506, 0));
    assert!(post.resting_order_id.is_some());
    assert_eq!(env.queue_len(&market).await, 1);
    assert_eq!(book_depth(&mut env, &market).await, (1, 6));

    // Fill-or-kill for 10: the expired 1,507 ask leaves (settled inline), then both live
    // levels fill it completely.
    let fok = place(
        &mut env,
        &taker,
        order(OrderSide::Bid, OrderType::FillOrKill, 1_520, 10),
        &[&maker],
    )
    .await;
    assert_eq!((fok.filled_base_lots, fok.fills), (10, 2));
    let m = env.margin_account(&maker.margin_account).await.trader;
    // Left reserved: the queued out of the 1,505 ask, and the three expired 1,53x asks.
    assert_eq!(
        (m.base_position.get(), m.asks_base_lots.get()),
        (-10, 2 + 3)
    );

    // Removal is bounded by the fill limit: two of the three expired asks per call.
    let ioc = OrderArgs {
        fill_limit: 2,
        ..order(OrderSide::Bid, OrderType::ImmediateOrCancel, 1_540, 1)
    };
    let first = place(&mut env, &taker, ioc, &[&maker]).await;
    assert_eq!((first.filled_base_lots, first.cancelled_base_lots), (0, 1));
    assert_eq!(book_depth(&mut env, &market).await, (1, 1));
    place(&mut env, &taker, ioc, &[&maker]).await;
    assert_eq!(book_depth(&mut env, &market).await, (1, 0));

    // The taker holds a position and a resting bid: what they reserve cannot leave.
    // (Withdrawing first settles realised PnL — here the taker's fees — into collateral.)
    let a = env.margin_account(&taker.margin_account).await;
    let all =
        u64::try_from(i64::try_from(a.collateral).unwrap() + a.trader.realised_pnl.get()).unwrap();
    assert_error(
        env.withdraw(&taker, all).await,
        ErrorCode::WithdrawalBreaksInitialMargin,
    );
    env.send(
        &[ix::order_cancel_all(&taker.orders(), None)],
        &[&taker.wallet],
    )
    .await
    .expect("cancel all");
    finish(&mut env, &market, &[&maker]).await;
    let m = env.margin_account(&maker.margin_account).await.trader;
    assert_eq!((m.asks_base_lots.get(), m.slots_in_use), (0, 0));
}

/// Makers of `count` × `MAX_OPEN_ORDERS` one-lot orders on `side`, maker `j` at `price(j)`.
async fn fill_side(
    env: &mut crate::program_test::env::TestEnv,
    market: &crate::program_test::env::MarketKeys,
    side: OrderSide,
    count: usize,
    price: impl Fn(usize) -> u64,
) -> Vec<Trader> {
    let mut makers = Vec::with_capacity(count);
    for j in 0..count {
        let maker = env.funded_trader(market, 2_000_000).await;
        let orders = vec![order(side, OrderType::PostOnly, price(j), 1); MAX_OPEN_ORDERS];
        place_all(env, &maker, &orders).await;
        makers.push(maker);
    }
    makers
}

#[tokio::test]
async fn a_full_side_evicts_its_worst_order_and_a_full_queue_only_blocks_risk() {
    let (mut env, _, taker) = funded_market(COLLATERAL).await;
    let market = taker.market;
    let normal_room = EVENT_QUEUE_CAPACITY - queue_reserve(EVENT_QUEUE_CAPACITY);

    // Fill the queue up to the reserve: 448 one-lot bids, sold into without their makers at
    // hand (255 fills per order at most), leave 448 queued fills and the taker short 448.
    let bidders = fill_side(
        &mut env,
        &market,
        OrderSide::Bid,
        normal_room / MAX_OPEN_ORDERS,
        |j| 1_430 + j as u64,
    )
    .await;
    let mut sold = 0;
    while sold < normal_room as u64 {
        let sell = OrderArgs {
            fill_limit: u8::MAX,
            ..order(OrderSide::Ask, OrderType::ImmediateOrCancel, 1_427, 1_000)
        };
        sold += place(&mut env, &taker, sell, &[]).await.filled_base_lots;
    }
    assert_eq!(sold, normal_room as u64);
    assert_eq!(env.queue_len(&market).await as usize, normal_room);

    // Fill the ask side: 128 makers × 32 asks, maker j at 1,500 + j / 4.
    let askers = fill_side(
        &mut env,
        &market,
        OrderSide::Ask,
        BOOK_CAPACITY / MAX_OPEN_ORDERS,
        |j| 1_500 + j as u64 / 4,
    )
    .await;
    assert_eq!(
        book_depth(&mut env, &market).await,
        (0, BOOK_CAPACITY as u32)
    );
    let worst = askers.last().expect("makers");
    let late = env.funded_trader(&market, COLLATERAL).await;

    // Not better than the worst order (same price, later): refused.
    let ask = |p| order(OrderSide::Ask, OrderType::PostOnly, p, 1);
    assert_error(
        try_place(&mut env, &late, ask(1_531)).await,
        ErrorCode::BookSideFull,
    );
    // Better, but evicting needs an out event and the queue has no room for normal orders.
    assert_error(
        try_place(&mut env, &late, ask(1_530)).await,
        ErrorCode::EventQueueFull,
    );
    // With the evicted maker at hand the out settles inline: the order rests.
    let placed = place(&mut env, &late, ask(1_530), &[worst]).await;
    assert!(placed.resting_order_id.is_some());
    assert_eq!(
        book_depth(&mut env, &market).await,
        (0, BOOK_CAPACITY as u32)
    );
    let w = env.margin_account(&worst.margin_account).await.trader;
    assert_eq!(
        (w.asks_base_lots.get(), w.open_order_count()),
        (MAX_OPEN_ORDERS as u64 - 1, MAX_OPEN_ORDERS as u32 - 1)
    );

    // A risk-increasing order matches nothing while the queue has no normal room: the buyer
    // is not filled against makers it cannot settle.
    let buyer = env.funded_trader(&market, COLLATERAL).await;
    let buy = order(OrderSide::Bid, OrderType::ImmediateOrCancel, 1_560, 5);
    let none = place(&mut env, &buyer, buy, &[]).await;
    assert_eq!((none.filled_base_lots, none.cancelled_base_lots), (0, 5));
    // The short taker's reduce-only buy uses the reserve.
    let cover = OrderArgs {
        reduce_only: true,
        ..buy
    };
    let covered = place(&mut env, &taker, cover, &[]).await;
    assert_eq!(covered.filled_base_lots, 5);
    assert_eq!(env.queue_len(&market).await as usize, normal_room + 5);
    // Owners cancel without touching the queue.
    env.send(
        &[ix::order_cancel_all(&askers[1].orders(), None)],
        &[&askers[1].wallet],
    )
    .await
    .expect("cancel with a full queue");

    // Drain: every queued fill belongs to a bidder or the first asker.
    let mut makers: Vec<&Trader> = bidders.iter().collect();
    makers.push(&askers[0]);
    finish_with(&mut env, &market, &makers, EVENT_QUEUE_CAPACITY as u16).await;
    let t = env.margin_account(&taker.margin_account).await.trader;
    assert_eq!(t.base_position.get(), -(normal_room as i64) + 5);
}

/// Issue 22, finding 5: every fill is an event the program logs, and the on-chain heap is a
/// 32 KiB bump allocator that never frees. Whatever `fill_limit` asks (up to 255), one order
/// touches at most `MAX_ORDERS_TOUCHED` resting orders, each event is encoded into a stack
/// buffer (`events::encode_event`, no allocation), and the transaction's logs stay under a
/// validator's 10,000-byte limit, so a client sees every fill.
#[tokio::test]
async fn one_order_logs_at_most_32_fills_within_the_log_limit() {
    use perp_engine::book::MAX_ORDERS_TOUCHED;
    let (mut env, maker, taker) = funded_market(COLLATERAL).await;
    let market = maker.market;
    // 40 one-lot asks from two makers (32 order slots each).
    let second = env.funded_trader(&market, COLLATERAL).await;
    for (who, prices) in [(&maker, 1_501..1_521), (&second, 1_521..1_541)] {
        let asks: Vec<_> = prices
            .map(|p| order(OrderSide::Ask, OrderType::PostOnly, p, 1))
            .collect();
        place_all(&mut env, who, &asks).await;
    }
    let sweep = OrderArgs {
        fill_limit: u8::MAX,
        ..order(OrderSide::Bid, OrderType::ImmediateOrCancel, 1_545, 40)
    };
    let ix = ix::order_place(
        &taker.orders(),
        sweep,
        &[maker.margin_account, second.margin_account],
    );
    let logs = env
        .send_for_log_lines(&[ix], &[&taker.wallet])
        .await
        .expect("sweep");
    let fills: Vec<_> = perp_sdk::events::in_logs::<perp::events::BookEventLogged>(&logs);
    assert_eq!(fills.len(), usize::from(MAX_ORDERS_TOUCHED));
    let bytes: usize = logs.iter().map(String::len).sum();
    println!(
        "a {MAX_ORDERS_TOUCHED}-fill order logs {bytes} bytes in {} lines",
        logs.len()
    );
    assert!(bytes < 10_000, "{bytes} bytes of logs");
    // Funding that settles adds `FundingPaid` lines listing every account that paid, nine to a
    // line: at most `MAX_MAKER_ACCOUNTS` makers and the taker, whatever the transaction's
    // format (a lookup table names more accounts than a legacy transaction; more makers are
    // refused). Even then the logs stay under the validator's limit.
    let payment = perp::events::FundingPayment {
        margin_account: Pubkey::new_unique(),
        base_lots: i64::MIN,
        amount: i64::MIN,
    };
    let payments = vec![payment; perp::util::makers::MAX_MAKER_ACCOUNTS + 1];
    let funding: usize = payments
        .chunks(perp::events::PAYMENTS_PER_EVENT)
        .map(|chunk| {
            let event = perp::events::FundingPaid {
                market: market.market,
                timestamp: i64::MAX,
                payments: chunk.to_vec(),
            };
            let data = anchor_lang::Event::data(&event);
            "Program data: ".len() + base64::engine::general_purpose::STANDARD.encode(data).len()
        })
        .sum();
    println!(
        "with {} funding payments: {} bytes",
        payments.len(),
        bytes + funding
    );
    assert!(bytes + funding < 10_000, "{} bytes", bytes + funding);
    assert_eq!(book_depth(&mut env, &market).await, (0, 8));
    finish(&mut env, &market, &[&maker, &second]).await;
}

/// The log bound above holds only while an instruction takes at most `MAX_MAKER_ACCOUNTS`
/// makers: one more is refused by name, by `order_place` and `events_consume` alike, before
/// anything is touched.
#[tokio::test]
async fn more_makers_than_the_log_bound_allows_are_refused() {
    use perp::util::makers::MAX_MAKER_ACCOUNTS;
    let (mut env, maker, taker) = funded_market(COLLATERAL).await;
    let market = maker.market;
    place_all(
        &mut env,
        &maker,
        &[order(OrderSide::Ask, OrderType::PostOnly, 1_501, 1)],
    )
    .await;
    // The same account named over and over keeps the transaction small; the count is checked
    // before anything else.
    let too_many = vec![maker.margin_account; MAX_MAKER_ACCOUNTS + 1];
    let take = order(OrderSide::Bid, OrderType::ImmediateOrCancel, 1_501, 1);
    let ix = ix::order_place(&taker.orders(), take, &too_many);
    assert_error(
        env.send(&[ix], &[&taker.wallet]).await,
        ErrorCode::TooManyMakerAccounts,
    );
    let consume = ix::events_consume(market.market, market.event_queue, 8, &too_many);
    assert_error(
        env.send(&[consume], &[]).await,
        ErrorCode::TooManyMakerAccounts,
    );
    assert_eq!(
        book_depth(&mut env, &market).await,
        (0, 1),
        "nothing filled"
    );
    // With the maker named once the same order fills.
    let ix = ix::order_place(&taker.orders(), take, &[maker.margin_account]);
    env.send(&[ix], &[&taker.wallet]).await.expect("one maker");
    assert_eq!(book_depth(&mut env, &market).await, (0, 0));
    finish(&mut env, &market, &[&maker]).await;
}
