//! The risk engine on the program: liquidation (refused when healthy, sized to the buffer, fee
//! split, keeper initial-healthy), bankruptcy (insurance first, then the opposite side of the same
//! market only), funding (zero-sum, skipped samples), a volatility spike (initial margin at once,
//! maintenance at the ramp), withdrawals by initial health, and the open-interest hard cap.
//! Conservation is checked after every step.

use crate::program_test::env::{
    MarketKeys, TestEnv, Trader, assert_anchor_error, assert_error, default_params,
};
use crate::program_test::ix;
use crate::program_test::risk::{engine_price, price_e8};
use crate::program_test::trading::{capped_market, funded_market, order, place, try_place};
use perp::error::ErrorCode;
use perp::{OrderArgs, OrderSide, OrderType};
use perp_engine::{BaseLots, Bps};
use solana_sdk::signer::Signer;

const TICKS: u64 = 1_500;

fn buy(ticks: u64, lots: u64) -> OrderArgs {
    order(OrderSide::Bid, OrderType::ImmediateOrCancel, ticks, lots)
}

fn ask(ticks: u64, lots: u64) -> OrderArgs {
    order(OrderSide::Ask, OrderType::Limit, ticks, lots)
}

/// `taker` goes long `lots` at 1,500 from `maker` (settled inline).
async fn open_long(env: &mut TestEnv, taker: &Trader, maker: &Trader, lots: u64) {
    place(env, maker, ask(TICKS, lots), &[]).await;
    let fill = place(env, taker, buy(TICKS, lots), &[maker]).await;
    assert_eq!(fill.filled_base_lots, lots);
}

async fn insurance_balance(env: &mut TestEnv, market: &MarketKeys) -> u64 {
    env.token_balance(&market.insurance_vault).await
}

/// The book and the event queue are needed only when the account holds an order slot, judged
/// as stored, before anything settles. A long bought inline holds none: it is liquidated without
/// either exactly as with both (the keeper leaves the 1 MB book and the queue out). A bid filled
/// through the queue (its slot still held), in full or with a remainder still resting, needs
/// both: without either the liquidation is refused by name and changes nothing — so one without
/// them costs the same whatever anyone queued (an account cannot fill its own orders into the
/// queue to make a keeper's cheap liquidation settle them all and run out of compute) — and with
/// both its fills settle first and the rest is cancelled.
#[tokio::test]
async fn a_liquidation_needs_the_book_and_queue_only_for_an_account_holding_order_slots() {
    // (bought through the queue, lots the maker sells, book passed, queue passed)
    let cases = [
        (false, 90, false, false),
        (false, 90, true, true),
        (true, 90, false, false),
        (true, 90, true, false),
        (true, 90, false, true),
        (true, 90, true, true),
        (true, 88, false, false),
        (true, 88, true, true),
    ];
    let mut outcomes = Vec::new();
    for (queued, sold, book, queue) in cases {
        let (mut env, maker, victim) = funded_market(1_500_000).await;
        let market = victim.market;
        let keeper = env.funded_trader(&market, 10_000_000).await;
        if queued {
            place(
                &mut env,
                &victim,
                order(OrderSide::Bid, OrderType::Limit, TICKS, 90),
                &[],
            )
            .await;
            // The victim is not passed as the maker: its fill waits in the event queue.
            let ask = order(OrderSide::Ask, OrderType::ImmediateOrCancel, TICKS, sold);
            assert_eq!(
                place(&mut env, &maker, ask, &[]).await.filled_base_lots,
                sold
            );
            let stored = env.margin_account(&victim.margin_account).await;
            assert_eq!(stored.trader.slots_in_use, 1, "its slot held");
            assert_eq!(stored.trader.base_position.get(), 0, "its fill queued");
        } else {
            open_long(&mut env, &victim, &maker, 90).await;
        }
        env.set_price_ticks(&market, 1_390).await;
        let accounts = ix::LiquidateAccounts {
            book: book.then_some(market.book),
            event_queue: queue.then_some(market.event_queue),
            ..keeper.liquidating(victim.margin_account)
        };
        let held = (
            env.account_data(&victim.margin_account).await,
            env.account_data(&market.event_queue).await,
        );
        let sent = env
            .send(&[ix::liquidate(&accounts)], &[&keeper.wallet])
            .await;
        if queued && !(book && queue) {
            assert_error(sent, ErrorCode::BookRequired);
            let now = (
                env.account_data(&victim.margin_account).await,
                env.account_data(&market.event_queue).await,
            );
            assert_eq!(now, held, "refused, nothing changes");
            continue;
        }
        sent.expect("liquidate");
        env.assert_conservation(&market).await;
        let after = env.margin_account(&victim.margin_account).await;
        assert_eq!(after.trader.slots_in_use, 0, "settled and cancelled");
        outcomes.push((
            after.trader.base_position.get(),
            after.collateral,
            env.margin_account(&keeper.margin_account).await.collateral,
        ));
    }
    assert_eq!(outcomes.len(), 4, "{outcomes:?}");
    assert!(outcomes[0].0 < 90, "liquidated in part: {outcomes:?}");
    assert_eq!(
        outcomes[0], outcomes[1],
        "the same with the book and queue or without"
    );
    // Bought through the queue, the victim paid the maker's fee, not the taker's.
    assert_ne!(outcomes[0], outcomes[2]);
}

#[tokio::test]
async fn liquidation_is_refused_while_healthy_and_restores_the_buffer() {
    let (mut env, maker, taker) = funded_market(1_500_000).await;
    let market = taker.market;
    let keeper = env.funded_trader(&market, 10_000_000).await;
    let poor_keeper = env.trader(&market, 0).await;
    // 9× long: 90 lots of 150,000 on 1.5M, plus a resting bid the liquidation must cancel.
    open_long(&mut env, &taker, &maker, 90).await;
    place(
        &mut env,
        &taker,
        order(OrderSide::Bid, OrderType::Limit, 1_450, 2),
        &[],
    )
    .await;
    env.assert_conservation(&market).await;

    // Healthy at 150 and at 145 (equity 1.04M against 5% of 13.05M).
    assert_error(
        env.liquidate(&keeper, &taker.margin_account).await,
        ErrorCode::NotLiquidatable,
    );
    env.set_price_ticks(&market, 1_450).await;
    assert_error(
        env.liquidate(&keeper, &taker.margin_account).await,
        ErrorCode::NotLiquidatable,
    );

    // At 139 equity (503k) is below maintenance (625k).
    env.set_price_ticks(&market, 1_390).await;
    let price = engine_price(1_390);
    let before = env
        .account_health(&market, &taker.margin_account, price)
        .await;
    assert!(before.maintenance_e10 < 0);
    assert_error(
        env.liquidate(&poor_keeper, &taker.margin_account).await,
        ErrorCode::KeeperUnhealthy,
    );
    assert_error(
        env.liquidate(&taker, &taker.margin_account).await,
        ErrorCode::SelfLiquidation,
    );
    // Substituted accounts are refused by name.
    let good = keeper.liquidating(taker.margin_account);
    let stranger = env.funded_trader(&market, 1_000).await;
    let cases = [
        (
            ix::LiquidateAccounts {
                keeper: stranger.wallet.pubkey(),
                ..good
            },
            ErrorCode::NotAccountOwner,
        ),
        (
            ix::LiquidateAccounts {
                insurance_vault: stranger.token_account,
                ..good
            },
            ErrorCode::WrongVault,
        ),
        (
            ix::LiquidateAccounts {
                collateral_vault: keeper.token_account,
                ..good
            },
            ErrorCode::WrongVault,
        ),
        (
            ix::LiquidateAccounts {
                oracles: ix::OracleMetas {
                    pyth: Some(market.oracles.switchboard),
                    ..market.oracle_metas()
                },
                ..good
            },
            ErrorCode::WrongOracleAccount,
        ),
    ];
    for (accounts, expected) in cases {
        let signer = if accounts.keeper == keeper.wallet.pubkey() {
            &keeper.wallet
        } else {
            &stranger.wallet
        };
        assert_error(
            env.send(&[ix::liquidate(&accounts)], &[signer]).await,
            expected,
        );
    }
    let not_a_book = ix::LiquidateAccounts {
        book: Some(market.event_queue),
        ..good
    };
    assert_anchor_error(
        env.send(&[ix::liquidate(&not_a_book)], &[&keeper.wallet])
            .await,
        anchor_lang::error::ErrorCode::AccountDiscriminatorMismatch,
    );
    // The book may stay out only when the account holds no slot: the bid must be cancelled,
    // so without the book (or the queue) the liquidation is refused by name and changes nothing.
    let held = env.account_data(&taker.margin_account).await;
    for without in [
        ix::LiquidateAccounts { book: None, ..good },
        ix::LiquidateAccounts {
            event_queue: None,
            ..good
        },
    ] {
        assert_error(
            env.send(&[ix::liquidate(&without)], &[&keeper.wallet])
                .await,
            ErrorCode::BookRequired,
        );
    }
    assert_eq!(env.account_data(&taker.margin_account).await, held);
    let insurance_before = insurance_balance(&mut env, &market).await;
    let events = env
        .liquidate(&keeper, &taker.margin_account)
        .await
        .expect("liquidate");
    let l = events.liquidated.expect("Liquidated");
    assert!(events.bankruptcy.is_none());
    assert_eq!(l.orders_cancelled, 1);
    assert_eq!(l.price, price.raw());
    assert!(l.base_lots > 0 && l.base_lots < 90, "partial: {l:?}");
    assert_eq!(l.position_after, 90 - l.base_lots);
    let p = default_params();
    let fee = p
        .liquidation()
        .fee(
            BaseLots::new(l.base_lots as u64),
            price,
            perp_engine::QuoteNativePerQuoteLot::new(1),
            perp_engine::QuoteLots::MAX,
        )
        .unwrap();
    assert_eq!((l.keeper_fee, l.insurance_fee), (fee.0.get(), fee.1.get()));
    assert_eq!(
        insurance_balance(&mut env, &market).await - insurance_before,
        l.insurance_fee
    );
    let after = env
        .account_health(&market, &taker.margin_account, price)
        .await;
    assert!(
        after.maintenance_e10 > before.maintenance_e10,
        "strictly improved"
    );
    assert!(after.maintenance_e10 >= 0, "buffer restored");
    let keeper_health = env
        .account_health(&market, &keeper.margin_account, price)
        .await;
    assert!(keeper_health.initial_ok, "keeper stays initial-healthy");
    let m = env.margin_account(&keeper.margin_account).await;
    assert_eq!(m.trader.base_position.get(), l.base_lots);
    // Just enough was taken: a second call finds the account healthy.
    assert_error(
        env.liquidate(&keeper, &taker.margin_account).await,
        ErrorCode::NotLiquidatable,
    );
    env.assert_conservation(&market).await;
}

#[tokio::test]
async fn bankruptcy_draws_insurance_first_then_the_opposite_side_of_that_market_only() {
    let mut env = TestEnv::new().await;
    let other = env.create_market().await;
    let market = env.create_market().await;
    env.set_price_ticks(&other, TICKS).await;
    env.set_price_ticks(&market, TICKS).await;
    env.update_price(&market).await.expect("price");
    let bystander = env.funded_trader(&other, 2_000_000).await;
    let other_vaults = (
        env.token_balance(&other.collateral_vault).await,
        env.token_balance(&other.insurance_vault).await,
    );

    let short_a = env.funded_trader(&market, 3_000_000).await;
    let short_b = env.funded_trader(&market, 3_000_000).await;
    let long = env.funded_trader(&market, 1_500_000).await;
    let keeper = env.funded_trader(&market, 50_000_000).await;
    let donor = env.trader(&market, 100_000).await;
    let ins = ix::insurance_deposit(
        &donor.collateral_accounts(),
        market.insurance_vault,
        100_000,
    );
    env.send(&[ins], &[&donor.wallet]).await.expect("insurance");
    // The long buys 90 lots: 45 from each short.
    place(&mut env, &short_a, ask(TICKS, 45), &[]).await;
    place(&mut env, &short_b, ask(TICKS, 45), &[]).await;
    place(&mut env, &long, buy(TICKS, 90), &[&short_a, &short_b]).await;
    env.assert_conservation(&market).await;

    // A gap to 130: equity 1.49M − 1.8M < 0. Everything goes; the account is bankrupt.
    env.set_price_ticks(&market, 1_300).await;
    let events = env
        .liquidate(&keeper, &long.margin_account)
        .await
        .expect("liquidate");
    let l = events.liquidated.expect("Liquidated");
    assert_eq!((l.base_lots, l.position_after), (90, 0));
    let b = events.bankruptcy.expect("Bankruptcy");
    // Insurance (100,000 deposited + this liquidation's share) is used up first.
    assert_eq!(b.insurance_paid, 100_000 + l.insurance_fee);
    assert_eq!(insurance_balance(&mut env, &market).await, 0);
    assert_eq!(b.socialised, b.loss - b.insurance_paid);
    assert!(b.socialised > 0 && b.unresolved == 0);
    assert_eq!(b.socialised_long_per_lot, 0, "the long side is not charged");
    assert!(b.socialised_short_per_lot > 0);
    let a = env.margin_account(&long.margin_account).await;
    assert_eq!(
        (a.collateral, a.trader.realised_pnl.get()),
        (0, 0),
        "made whole"
    );
    // The shorts owe it (lazily): together at least the socialised loss.
    let m = env.market(&market.market).await;
    let mut owed = 0;
    for t in [&short_a, &short_b, &keeper] {
        let mut acc = env.margin_account(&t.margin_account).await;
        let charged = m
            .funding
            .settle(&mut acc.trader, &mut acc.funding, m.quote_lot_size())
            .unwrap()
            .get();
        if t.margin_account == keeper.margin_account {
            assert_eq!(charged, 0, "the keeper is long: not charged");
        }
        owed += charged;
    }
    assert!(owed as u64 >= b.socialised && (owed as u64) < b.socialised + 3);
    let dust = env.assert_conservation(&market).await;
    assert!(dust < 3, "dust {dust}");
    // Touching the shorts settles what they owe into their realised PnL. A withdrawal with a
    // position is new risk: it waits until the stable price has followed the gap into the
    // breaker band.
    assert_error(
        env.withdraw(&short_a, 1).await,
        ErrorCode::CircuitBreakerTripped,
    );
    env.follow_price(&market, 1_300).await;
    env.withdraw(&short_a, 1).await.expect("withdraw");
    assert_eq!(env.assert_conservation(&market).await, dust);

    // An account of another market cannot be liquidated through this one.
    assert_error(
        env.liquidate(&keeper, &bystander.margin_account).await,
        ErrorCode::WrongMarket,
    );
    // The other market never moved.
    assert_eq!(
        (
            env.token_balance(&other.collateral_vault).await,
            env.token_balance(&other.insurance_vault).await,
        ),
        other_vaults
    );
    assert_eq!(
        env.margin_account(&bystander.margin_account)
            .await
            .collateral,
        2_000_000
    );
    env.assert_conservation(&other).await;
}

#[tokio::test]
async fn funding_is_zero_sum_and_skips_samples_the_oracle_rules_forbid() {
    let (mut env, maker, taker) = funded_market(5_000_000).await;
    let market = taker.market;
    open_long(&mut env, &taker, &maker, 50).await;
    // The book's impact mid (one size unit, 100 lots) at 151.5, 1% over the index: each sample
    // is clamped to 0.5% an hour.
    place(
        &mut env,
        &maker,
        order(OrderSide::Bid, OrderType::Limit, 1_510, 100),
        &[],
    )
    .await;
    place(&mut env, &maker, ask(1_520, 100), &[]).await;
    let m = env.market(&market.market).await;
    assert_eq!(
        (m.open_interest.long_lots, m.open_interest.short_lots),
        (50, 50)
    );

    // Cranked every minute for an hour; from minute 30 to 44 the sources disagree by 2.7%
    // (> 1.5%): those samples are skipped, the cranks still succeed.
    let now = env.clock().await.unix_timestamp;
    env.warp_seconds((60 - now.rem_euclid(60)) % 60).await;
    env.set_price_ticks(&market, TICKS).await;
    env.update_funding(&market)
        .await
        .expect("open the interval");
    let mut closed = None;
    for minute in 1..=60 {
        env.warp_seconds(60).await;
        if (30..45).contains(&minute) {
            env.set_prices(&market, price_e8(1_500), price_e8(1_540))
                .await;
        } else {
            env.set_price_ticks(&market, TICKS).await;
        }
        let crank = env.update_funding(&market).await.expect("crank");
        assert_eq!(crank.sampled, !(30..45).contains(&minute));
        assert_eq!(crank.payment_per_lot.is_some(), minute == 60);
        closed = crank.payment_per_lot;
    }
    // Skipped time pays no premium: 0.5% of 150,000 native per lot for the 45 sampled minutes.
    assert_eq!(closed, Some(750_000_000 * 45 / 60));

    // Touching both accounts settles it: the long pays 50 × 562.5, the short receives it, and
    // each settlement says so in a `FundingPaid` event (what the indexer's history is built from).
    for (t, moved, lots) in [(&taker, -28_125, 50), (&maker, 28_125, -50)] {
        let before = claim(&mut env, t).await;
        let ix = perp_sdk::ix::collateral_withdraw(&t.collateral_accounts(), 1);
        let logs = env
            .send_for_log_lines(&[ix], &[&t.wallet])
            .await
            .expect("touch");
        assert_eq!(claim(&mut env, t).await - before, moved - 1);
        let paid: Vec<perp::events::FundingPaid> = perp_sdk::events::in_logs(&logs);
        assert_eq!(paid.len(), 1, "{logs:?}");
        assert_eq!(paid[0].market, market.market);
        assert_eq!(
            paid[0].payments,
            [perp::events::FundingPayment {
                margin_account: t.margin_account,
                base_lots: lots,
                amount: -moved,
            }]
        );
        // Settled once: touching it again pays nothing and logs nothing.
        let ix = perp_sdk::ix::collateral_withdraw(&t.collateral_accounts(), 1);
        let logs = env
            .send_for_log_lines(&[ix], &[&t.wallet])
            .await
            .expect("touch again");
        assert!(perp_sdk::events::in_logs::<perp::events::FundingPaid>(&logs).is_empty());
    }
    let dust = env.assert_conservation(&market).await;
    assert_eq!(dust, 0, "50 × 562.5 divides exactly");
}

/// What an account holds in the vault: collateral plus its net trading cash flow (native units,
/// quote lots of one native unit here).
async fn claim(env: &mut TestEnv, t: &Trader) -> i64 {
    let a = env.margin_account(&t.margin_account).await;
    i64::try_from(a.collateral).unwrap() + a.trader.cash_flow().unwrap().get()
}

#[tokio::test]
async fn a_volatility_spike_raises_initial_margin_at_once_and_maintenance_at_the_ramp() {
    let (mut env, maker, taker) = funded_market(1_500_000).await;
    let market = taker.market;
    let keeper = env.funded_trader(&market, 10_000_000).await;
    open_long(&mut env, &taker, &maker, 90).await;
    // A quiet hour of 0.1% moves, cranked every 10 minutes (the stable price follows the
    // drop from 150, so the breaker releases and new risk is allowed again).
    for step in 0..=6u64 {
        env.set_price_ticks(&market, 1_420 + step % 2).await;
        env.update_price(&market).await.expect("price");
        env.update_risk(&market).await.expect("risk");
        env.warp_seconds(600).await;
    }
    let m = env.market(&market.market).await;
    assert_eq!(
        (
            m.initial_margin_bps(BaseLots::ZERO).unwrap(),
            m.maintenance_margin_bps(BaseLots::ZERO).unwrap()
        ),
        (Bps::new(1_000), Bps::new(500))
    );
    // At 142 the long (equity 773k, maintenance 639k) is healthy with little room.
    env.set_price_ticks(&market, 1_420).await;
    env.update_risk(&market).await.expect("risk");
    let price = engine_price(1_420);
    assert!(
        env.account_health(&market, &taker.margin_account, price)
            .await
            .maintenance_e10
            > 0
    );

    // A spike with a flat price: +5% at the next minute's first crank and back at the one
    // after (volatility keeps one observation per minute slot).
    let now = env.clock().await.unix_timestamp;
    env.warp_seconds(60 - now.rem_euclid(60)).await;
    env.set_price_ticks(&market, 1_491).await;
    env.update_risk(&market).await.expect("risk");
    env.warp_seconds(60).await;
    env.set_price_ticks(&market, 1_420).await;
    env.update_risk(&market).await.expect("risk");
    let m = env.market(&market.market).await;
    let p = default_params().margin();
    let target = p.maintenance_target_bps(m.risk.vol.vol_bps()).unwrap();
    assert_eq!(
        m.initial_margin_bps(BaseLots::ZERO).unwrap(),
        Bps::new(4_000),
        "initial margin at its 4× cap at once"
    );
    assert!(
        target >= Bps::new(1_500),
        "volatility calls for maintenance {target}"
    );
    // Maintenance rose by at most the ramp (100 bps/h) over the spike's (at most) two minutes.
    assert!(m.maintenance_margin_bps(BaseLots::ZERO).unwrap() <= Bps::new(504));
    // Not liquidatable from the spike alone, though it would be at the target fraction.
    let a = env.margin_account(&taker.margin_account).await;
    let h = perp_engine::risk::health::Health::of(&a.trader, 1_500_000, m.quote_lot_size(), price)
        .unwrap();
    assert!(!h.covers(target).unwrap());
    assert_error(
        env.liquidate(&keeper, &taker.margin_account).await,
        ErrorCode::NotLiquidatable,
    );
    // New risk needs the higher initial margin now: one more lot is refused.
    let lp = env.funded_trader(&market, 100_000_000).await;
    place(&mut env, &lp, ask(1_420, 1), &[]).await;
    assert_error(
        try_place(&mut env, &taker, buy(1_420, 1)).await,
        ErrorCode::InsufficientMargin,
    );

    // Maintenance keeps ramping while volatility stays high: ~100 bps per hour, never faster
    // (at most 100 × (3,600 + 120) / 3,600 = 103 bps since the quiet hour's last crank).
    env.warp_seconds(3_600).await;
    env.set_price_ticks(&market, 1_420).await;
    env.update_risk(&market).await.expect("risk");
    let mm = env
        .market(&market.market)
        .await
        .maintenance_margin_bps(BaseLots::ZERO)
        .unwrap();
    assert!(
        (Bps::new(550)..=Bps::new(603)).contains(&mm),
        "ramped to {mm}"
    );
    env.send(&[ix::order_cancel_all(&lp.orders(), None)], &[&lp.wallet])
        .await
        .expect("cancel");
    env.assert_conservation(&market).await;
}

#[tokio::test]
async fn withdrawals_keep_initial_margin_and_count_no_unrealised_profit() {
    let (mut env, maker, taker) = funded_market(1_500_000).await;
    let market = taker.market;
    open_long(&mut env, &taker, &maker, 90).await;
    // Equity 1,493,250 (after the taker fee) against 10% of 13.5M.
    let a = env.margin_account(&taker.margin_account).await;
    let h =
        perp_engine::risk::health::Health::of(&a.trader, 1_500_000, a_qls(), engine_price(TICKS))
            .unwrap();
    let free = h.withdrawable(Bps::new(1_000)).unwrap().get();
    assert_eq!(free, 143_250);
    assert_error(
        env.withdraw(&taker, free + 1).await,
        ErrorCode::WithdrawalBreaksInitialMargin,
    );
    env.withdraw(&taker, free)
        .await
        .expect("withdraw what margin leaves");
    env.assert_conservation(&market).await;

    // The price rises 4%: the unrealised 540k stays in the account (only realised PnL leaves).
    env.set_price_ticks(&market, 1_560).await;
    env.update_price(&market).await.expect("price");
    assert_error(
        env.withdraw(&taker, 1).await,
        ErrorCode::WithdrawalBreaksInitialMargin,
    );
    // Once realised (the long sells at 156), the profit is withdrawable.
    let lp = env.funded_trader(&market, 100_000_000).await;
    place(
        &mut env,
        &lp,
        order(OrderSide::Bid, OrderType::Limit, 1_560, 90),
        &[],
    )
    .await;
    let close = OrderArgs {
        reduce_only: true,
        ..order(OrderSide::Ask, OrderType::ImmediateOrCancel, 1_560, 90)
    };
    place(&mut env, &taker, close, &[&lp]).await;
    let equity = claim(&mut env, &taker).await;
    assert!(
        equity > 1_500_000 - free as i64 + 500_000,
        "profit realised: {equity}"
    );
    env.withdraw(&taker, u64::try_from(equity).unwrap())
        .await
        .expect("withdraw all");
    let a = env.margin_account(&taker.margin_account).await;
    assert!(a.is_empty());
    env.assert_conservation(&market).await;
}

fn a_qls() -> perp_engine::QuoteNativePerQuoteLot {
    perp_engine::QuoteNativePerQuoteLot::new(default_params().quote_lot_size)
}

#[tokio::test]
async fn open_interest_above_the_hard_cap_is_reduce_only() {
    let mut env = TestEnv::new().await;
    let (market, t) = capped_market(&mut env, 50, 100, 100_000_000, 2).await;
    let [maker, taker] = [&t[0], &t[1]];
    place(&mut env, &maker, ask(TICKS, 200), &[]).await;
    // Between the caps initial margin rises linearly toward 100%: at 75 lots, 10% + 90% × ½.
    place(&mut env, &taker, buy(TICKS, 75), &[&maker]).await;
    let m = env.market(&market.market).await;
    assert_eq!(
        m.initial_margin_bps(BaseLots::ZERO).unwrap(),
        Bps::new(5_500)
    );
    place(&mut env, &taker, buy(TICKS, 25), &[&maker]).await;
    // At the hard cap: anything that grows open interest is refused.
    assert_error(
        try_place(&mut env, &taker, buy(TICKS, 1)).await,
        ErrorCode::OpenInterestCapReached,
    );
    // Reducing still works.
    let reduce = OrderArgs {
        reduce_only: true,
        ..order(OrderSide::Ask, OrderType::Limit, 1_560, 10)
    };
    place(&mut env, &taker, reduce, &[]).await;
    env.send(
        &[ix::order_cancel_all(&maker.orders(), None)],
        &[&maker.wallet],
    )
    .await
    .expect("cancel");
    let m = env.market(&market.market).await;
    assert_eq!(
        (m.open_interest.long_lots, m.open_interest.short_lots),
        (100, 100)
    );
    env.assert_conservation(&market).await;
}
