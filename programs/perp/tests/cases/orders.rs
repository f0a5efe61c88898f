//! Order placement, matching, settlement and cancellation on the real program: each order type,
//! inline and queued maker settlement, delegates, and every refusal with its exact error. Each
//! scenario ends with token conservation and zero-sum positions and cash.
//!
//! Prices: the test market opens at 150.00; one tick is 100 native quote units per base lot, so
//! the oracle price is 1,500 ticks and the band (±10% breaker band) is 1,350..=1,650 ticks.

use crate::program_test::env::{TestEnv, Trader, assert_anchor_error, assert_error};
use crate::program_test::ix;
use crate::program_test::trading::{finish, funded_market, order, place, try_place};
use perp::error::ErrorCode;
use perp::state::{Gate, OrderBookAccount};
use perp::{OrderArgs, OrderSide, OrderType, SelfTradeBehavior};
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;

const COLLATERAL: u64 = 50_000_000;

/// A market with a stable price and two funded traders.
async fn setup() -> (TestEnv, Trader, Trader) {
    funded_market(COLLATERAL).await
}

#[tokio::test]
async fn fills_settle_inline_or_through_the_queue_and_stay_zero_sum() {
    let (mut env, maker, taker) = setup().await;
    let market = maker.market;
    let rest = place(
        &mut env,
        &maker,
        order(OrderSide::Ask, OrderType::PostOnly, 1_510, 10),
        &[],
    )
    .await;
    let id = rest.resting_order_id.expect("rests");

    // Maker at hand: settled in the same instruction.
    let fill = place(
        &mut env,
        &taker,
        order(OrderSide::Bid, OrderType::ImmediateOrCancel, 1_520, 4),
        &[&maker],
    )
    .await;
    assert_eq!(
        (fill.filled_base_lots, fill.fills, fill.resting_order_id),
        (4, 1, None)
    );
    let notional = 4 * 1_510 * 100; // quote lots
    assert_eq!(fill.filled_quote_lots, notional);
    assert_eq!(fill.taker_fee, (notional * 5).div_ceil(10_000) as i64);
    assert_eq!(
        env.margin_account(&maker.margin_account)
            .await
            .trader
            .base_position
            .get(),
        -4
    );
    assert_eq!(
        env.margin_account(&taker.margin_account)
            .await
            .trader
            .base_position
            .get(),
        4
    );

    // Maker not at hand: the fill waits in the queue, the maker's slot keeps reserving it.
    place(
        &mut env,
        &taker,
        order(OrderSide::Bid, OrderType::Limit, 1_510, 3),
        &[],
    )
    .await;
    assert_eq!(env.queue_len(&market).await, 1);
    let m = env.margin_account(&maker.margin_account).await.trader;
    assert_eq!(m.base_position.get(), -4);
    assert_eq!(m.asks_base_lots.get(), 6, "3 on the book + 3 pending");
    finish(&mut env, &market, &[&maker]).await;
    let m = env.margin_account(&maker.margin_account).await.trader;
    assert_eq!((m.base_position.get(), m.asks_base_lots.get()), (-7, 3));
    let rebate = |lots: u64| -(((lots * 1_510 * 100) / 10_000) as i64);
    assert_eq!(m.fees_paid.get(), rebate(4) + rebate(3));

    // The rest of the order is still there and cancellable by id.
    let cancel = ix::order_cancel(&maker.orders(), id);
    env.send(&[cancel], &[&maker.wallet]).await.expect("cancel");
    assert_eq!(
        env.margin_account(&maker.margin_account)
            .await
            .trader
            .slots_in_use,
        0
    );
    finish(&mut env, &market, &[]).await;
}

#[tokio::test]
async fn order_types_behave_as_named() {
    let (mut env, maker, taker) = setup().await;
    let market = maker.market;
    for (price, lots) in [(1_510, 5), (1_520, 5)] {
        place(
            &mut env,
            &maker,
            order(OrderSide::Ask, OrderType::Limit, price, lots),
            &[],
        )
        .await;
    }
    // Post-only slide: reprices one tick under the best ask instead of taking.
    let slid = place(
        &mut env,
        &taker,
        order(OrderSide::Bid, OrderType::PostOnlySlide, 1_515, 1),
        &[],
    )
    .await;
    assert_eq!((slid.price_ticks, slid.filled_base_lots), (1_509, 0));
    assert!(slid.resting_order_id.is_some());
    // A limit order takes what crosses (5 @ 1,510) and rests the rest at its price.
    let limit = place(
        &mut env,
        &taker,
        order(OrderSide::Bid, OrderType::Limit, 1_515, 7),
        &[&maker],
    )
    .await;
    assert_eq!(limit.filled_base_lots, 5);
    assert!(limit.resting_order_id.is_some());
    // Market: IOC bounded by the band edge; takes the 1,520 level, the rest is cancelled.
    let mkt = place(
        &mut env,
        &taker,
        order(OrderSide::Bid, OrderType::Market, 0, 9),
        &[&maker],
    )
    .await;
    assert_eq!((mkt.filled_base_lots, mkt.cancelled_base_lots), (5, 4));
    // Reduce-only: clamped to the position (10 long) minus resting asks (none).
    let mut ro = order(OrderSide::Ask, OrderType::Limit, 1_560, 50);
    ro.reduce_only = true;
    let ro = place(&mut env, &taker, ro, &[]).await;
    assert!(ro.resting_order_id.is_some());
    assert_eq!(
        env.margin_account(&taker.margin_account)
            .await
            .trader
            .asks_base_lots
            .get(),
        10
    );
    // Cancel by client id and cancel all.
    let mut tagged = order(OrderSide::Bid, OrderType::PostOnly, 1_440, 1);
    tagged.client_order_id = 42;
    place(&mut env, &taker, tagged, &[]).await;
    env.send(
        &[ix::order_cancel_by_client_id(&taker.orders(), 42)],
        &[&taker.wallet],
    )
    .await
    .expect("cancel by client id");
    assert_error(
        env.send(
            &[ix::order_cancel_by_client_id(&taker.orders(), 42)],
            &[&taker.wallet],
        )
        .await,
        ErrorCode::OrderNotFound,
    );
    env.send(
        &[ix::order_cancel_all(&taker.orders(), None)],
        &[&taker.wallet],
    )
    .await
    .expect("cancel all");
    assert_eq!(
        env.margin_account(&taker.margin_account)
            .await
            .trader
            .slots_in_use,
        0
    );
    finish(&mut env, &market, &[&maker]).await;
}

#[tokio::test]
async fn a_delegate_places_and_cancels_but_a_stranger_cannot() {
    let (mut env, maker, _) = setup().await;
    let delegate = Keypair::new();
    env.set_delegate(&maker, &delegate.pubkey()).await;
    let a = maker.orders_signed_by(delegate.pubkey());
    let ix = ix::order_place(
        &a,
        order(OrderSide::Bid, OrderType::PostOnly, 1_450, 2),
        &[],
    );
    env.send(&[ix], &[&delegate])
        .await
        .expect("delegate places");
    env.send(
        &[ix::order_cancel_all(&a, Some(OrderSide::Bid))],
        &[&delegate],
    )
    .await
    .expect("delegate cancels");
    let stranger = Keypair::new();
    let s = maker.orders_signed_by(stranger.pubkey());
    let ix = ix::order_place(
        &s,
        order(OrderSide::Bid, OrderType::PostOnly, 1_450, 2),
        &[],
    );
    assert_error(
        env.send(&[ix], &[&stranger]).await,
        ErrorCode::NotOwnerOrDelegate,
    );
    assert_error(
        env.send(&[ix::order_cancel_all(&s, None)], &[&stranger])
            .await,
        ErrorCode::NotOwnerOrDelegate,
    );
    finish(&mut env, &maker.market, &[]).await;
}

#[tokio::test]
async fn refusals_name_their_reason_and_change_nothing() {
    let (mut env, maker, taker) = setup().await;
    let market = maker.market;
    place(
        &mut env,
        &maker,
        order(OrderSide::Ask, OrderType::Limit, 1_510, 5),
        &[],
    )
    .await;
    let now = env
        .ctx
        .banks_client
        .get_sysvar::<solana_sdk::clock::Clock>()
        .await
        .unwrap()
        .unix_timestamp;
    let bid = |o: OrderType, p, l| order(OrderSide::Bid, o, p, l);
    let cases: Vec<(&str, OrderArgs, ErrorCode)> = vec![
        (
            "zero size",
            bid(OrderType::Limit, 1_500, 0),
            ErrorCode::OrderZeroSize,
        ),
        (
            "above the band",
            bid(OrderType::Limit, 1_651, 1),
            ErrorCode::PriceOutsideBand,
        ),
        (
            "below the band",
            bid(OrderType::Limit, 1_349, 1),
            ErrorCode::PriceOutsideBand,
        ),
        (
            "post-only crossing",
            bid(OrderType::PostOnly, 1_510, 1),
            ErrorCode::PostOnlyWouldCross,
        ),
        (
            "fill-or-kill too big",
            bid(OrderType::FillOrKill, 1_510, 6),
            ErrorCode::FillOrKillNotFilled,
        ),
        (
            "reduce-only without a position",
            OrderArgs {
                reduce_only: true,
                ..bid(OrderType::Limit, 1_500, 1)
            },
            ErrorCode::ReduceOnlyNothingToReduce,
        ),
        (
            "already expired",
            OrderArgs {
                expires_at: now,
                ..bid(OrderType::Limit, 1_500, 1)
            },
            ErrorCode::OrderAlreadyExpired,
        ),
        (
            "beyond the margin",
            bid(OrderType::Limit, 1_500, 10_000),
            ErrorCode::InsufficientMargin,
        ),
    ];
    for (name, args, expected) in cases {
        let before = env.margin_account(&taker.margin_account).await.trader;
        let result = try_place(&mut env, &taker, args).await;
        assert_error(result, expected);
        assert_eq!(
            env.margin_account(&taker.margin_account).await.trader,
            before,
            "{name}"
        );
    }
    // Self-trade abort: the maker's bid meets its own ask.
    let own = OrderArgs {
        self_trade: SelfTradeBehavior::Abort,
        ..bid(OrderType::Limit, 1_510, 1)
    };
    assert_error(
        try_place(&mut env, &maker, own).await,
        ErrorCode::SelfTradeAborted,
    );
    assert_error(
        env.send(
            &[ix::order_cancel(&taker.orders(), 12_345)],
            &[&taker.wallet],
        )
        .await,
        ErrorCode::OrderNotFound,
    );
    // Another market's book is not this market's.
    let other = env.create_market().await;
    let mut wrong = taker.orders();
    wrong.book = other.book;
    let ix = ix::order_place(&wrong, bid(OrderType::Limit, 1_500, 1), &[]);
    assert_error(
        env.send(&[ix], &[&taker.wallet]).await,
        ErrorCode::WrongBook,
    );
    // Order placement can be gated; cancels never are.
    let guardian = env.guardian.insecure_clone();
    env.send(
        &[ix::exchange_set_gate(
            guardian.pubkey(),
            Gate::OrderPlace,
            false,
        )],
        &[&guardian],
    )
    .await
    .expect("close gate");
    assert_error(
        try_place(&mut env, &taker, bid(OrderType::Limit, 1_500, 1)).await,
        ErrorCode::GateClosed,
    );
    env.send(
        &[ix::order_cancel_all(&maker.orders(), None)],
        &[&maker.wallet],
    )
    .await
    .expect("cancel while gated");
    finish(&mut env, &market, &[]).await;
}

#[tokio::test]
async fn market_create_binds_a_fresh_full_size_book_only() {
    let mut env = TestEnv::new().await;
    let first = env.create_market().await;
    let mint = env.create_mint(6, false, &[]).await;
    let listing = env
        .listing(
            &mint,
            crate::program_test::env::default_params(),
            first.oracles.config(),
        )
        .await;
    env.queue(listing, None).await.expect("queue");
    env.warp_past_timelock().await;
    let good = env.market_create_accounts(&listing).await;
    let small = env
        .allocate_program_account(OrderBookAccount::SPACE - 8)
        .await;
    let cases = [
        (
            ix::MarketCreateAccounts {
                book: small,
                ..good
            },
            None,
        ),
        (
            ix::MarketCreateAccounts {
                book: first.book,
                ..good
            },
            Some(anchor_lang::error::ErrorCode::ConstraintZero),
        ),
    ];
    for (accounts, anchor_error) in cases {
        let result = env.send(&[ix::market_create(&accounts)], &[]).await;
        match anchor_error {
            Some(e) => assert_anchor_error(result, e),
            None => assert_error(result, ErrorCode::WrongAccountSize),
        }
    }
    env.send(&[ix::market_create(&good)], &[])
        .await
        .expect("fresh accounts bind");
}

#[tokio::test]
async fn self_trade_modes_slots_and_status_refusals() {
    let (mut env, maker, taker) = setup().await;
    let market = maker.market;
    place(
        &mut env,
        &maker,
        order(OrderSide::Ask, OrderType::Limit, 1_510, 5),
        &[],
    )
    .await;
    // Decrement-take: 3 of the maker's own ask vanish with its bid; nothing trades.
    let dec = place(
        &mut env,
        &maker,
        order(OrderSide::Bid, OrderType::Limit, 1_510, 3),
        &[],
    )
    .await;
    assert_eq!((dec.filled_base_lots, dec.resting_order_id), (0, None));
    let m = env.margin_account(&maker.margin_account).await.trader;
    assert_eq!(
        (
            m.base_position.get(),
            m.asks_base_lots.get(),
            m.bids_base_lots.get()
        ),
        (0, 2, 0)
    );
    // Cancel-provide: the rest of the ask is cancelled and the bid rests.
    let cp = OrderArgs {
        self_trade: SelfTradeBehavior::CancelProvide,
        ..order(OrderSide::Bid, OrderType::Limit, 1_510, 1)
    };
    let cp = place(&mut env, &maker, cp, &[]).await;
    assert!(cp.resting_order_id.is_some());
    let m = env.margin_account(&maker.margin_account).await.trader;
    assert_eq!((m.asks_base_lots.get(), m.bids_base_lots.get()), (0, 1));

    // Bad prices, and a reduce-only market order (banded like every order) with nothing to
    // reduce.
    let bid = |o: OrderType, p, l| order(OrderSide::Bid, o, p, l);
    assert_error(
        try_place(&mut env, &taker, bid(OrderType::Limit, 0, 1)).await,
        ErrorCode::InvalidOrderPrice,
    );
    let ro_market = OrderArgs {
        reduce_only: true,
        ..bid(OrderType::Market, 0, 1)
    };
    assert_error(
        try_place(&mut env, &taker, ro_market).await,
        ErrorCode::ReduceOnlyNothingToReduce,
    );

    // 32 open-order slots per account.
    for i in 0..32 {
        place(
            &mut env,
            &taker,
            bid(OrderType::PostOnly, 1_430 + i, 1),
            &[],
        )
        .await;
    }
    assert_error(
        try_place(&mut env, &taker, bid(OrderType::PostOnly, 1_470, 1)).await,
        ErrorCode::TooManyOpenOrders,
    );
    env.send(
        &[ix::order_cancel_all(&taker.orders(), Some(OrderSide::Bid))],
        &[&taker.wallet],
    )
    .await
    .expect("cancel all bids");

    // Substituted accounts (a maker that is not a margin account; another market's queue —
    // listing it waits out the timelock, so this comes last among the oracle-priced orders).
    // Also refused: the taker's own account, or one maker named twice.
    let twice = [maker.margin_account, maker.margin_account];
    for makers in [&[market.market][..], &[taker.margin_account], &twice] {
        let ix = ix::order_place(&taker.orders(), bid(OrderType::Limit, 1_500, 1), makers);
        assert_error(
            env.send(&[ix], &[&taker.wallet]).await,
            ErrorCode::WrongMakerAccount,
        );
    }
    let other = env.create_market().await;
    let mut wrong = taker.orders();
    wrong.event_queue = other.event_queue;
    let ix = ix::order_place(&wrong, bid(OrderType::Limit, 1_500, 1), &[]);
    assert_error(
        env.send(&[ix], &[&taker.wallet]).await,
        ErrorCode::WrongEventQueue,
    );

    // A reduce-only market takes only reduce-only orders; a paused one takes none.
    let guardian = env.guardian.insecure_clone();
    for (status, expected) in [
        (
            perp::state::MarketStatus::ReduceOnly,
            ErrorCode::MarketNotActive,
        ),
        (perp::state::MarketStatus::Paused, ErrorCode::MarketPaused),
    ] {
        let ix = ix::market_set_status(guardian.pubkey(), market.market, status);
        env.send(&[ix], &[&guardian]).await.expect("set status");
        assert_error(
            try_place(&mut env, &taker, bid(OrderType::Limit, 1_500, 1)).await,
            expected,
        );
    }
    env.send(
        &[ix::order_cancel_all(&maker.orders(), None)],
        &[&maker.wallet],
    )
    .await
    .expect("cancels work while paused");
    finish(&mut env, &market, &[]).await;
}
