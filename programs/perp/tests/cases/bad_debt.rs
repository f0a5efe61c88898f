//! Issue 20's regressions: no trade can create bad debt. Each test replays one attack of the
//! review (two accounts of one attacker moving value at off-market prices, in every oracle and
//! market state, and as a delegate) or one of the smaller holes found with them, and asserts the
//! exact refusal. The adversarial fuzzer (`adversarial.rs`) searches the same space at random.

use crate::program_test::risk::{engine_price, price_e8};
use crate::program_test::solvency::*;
use crate::program_test::trading::{finish, funded_market, order, place, try_place};
use crate::program_test::*;
use perp::error::ErrorCode;
use perp::state::{Change, MarketStatus, OracleConfig};
use perp::{OrderSide, OrderType, PriceAction};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;

const TICKS: u64 = 1_500;
/// 50 quote (6 decimals) per account, as in the review.
const FIFTY: u64 = 50_000_000;
const LOTS: u64 = 1_000;

/// One attacker's two accounts after a fair wash trade at the oracle: `a` short, `b` long.
async fn washed() -> (TestEnv, Trader, Trader) {
    let (mut env, a, b) = funded_market(FIFTY).await;
    place(
        &mut env,
        &a,
        order(OrderSide::Ask, OrderType::PostOnly, TICKS, LOTS),
        &[],
    )
    .await;
    let fill = place(
        &mut env,
        &b,
        order(OrderSide::Bid, OrderType::ImmediateOrCancel, TICKS, LOTS),
        &[&a],
    )
    .await;
    assert_eq!(fill.filled_base_lots, LOTS);
    (env, a, b)
}

/// The two off-market legs of attacks 1 and 2 are refused, each with `expected`.
async fn assert_off_market_refused(env: &mut TestEnv, a: &Trader, b: &Trader, expected: ErrorCode) {
    for (who, args) in [
        // Attack 1: B rests a reduce-only ask at 100× the price, A would lift it.
        (
            b,
            reduce_only(OrderSide::Ask, OrderType::PostOnly, 100 * TICKS, LOTS),
        ),
        (
            a,
            reduce_only(
                OrderSide::Bid,
                OrderType::ImmediateOrCancel,
                100 * TICKS,
                LOTS,
            ),
        ),
        // Attack 2: a reduce-only ask at 1 tick, a reduce-only bid at 1 tick.
        (
            b,
            reduce_only(OrderSide::Ask, OrderType::ImmediateOrCancel, 1, LOTS),
        ),
        (a, reduce_only(OrderSide::Bid, OrderType::PostOnly, 1, LOTS)),
    ] {
        assert_error(try_place(env, who, args).await, expected);
    }
}

#[tokio::test]
async fn attack_1_and_2_reduce_only_wash_trades_off_market_are_refused() {
    let (mut env, a, b) = washed().await;
    assert_off_market_refused(&mut env, &a, &b, ErrorCode::PriceOutsideBand).await;
    // The most the pair can do: B rests a reduce-only ask at the band's top edge (4.9% above;
    // band + fee ≤ the 5% maintenance margin) and A closes into it. That passes — a fill in
    // the band never lowers maintenance health — and moves at most the band's width: A stays
    // solvent, nothing is owed.
    place(
        &mut env,
        &b,
        reduce_only(OrderSide::Ask, OrderType::PostOnly, 1_573, LOTS),
        &[],
    )
    .await;
    assert_error(
        try_place(
            &mut env,
            &b,
            reduce_only(OrderSide::Ask, OrderType::PostOnly, 1_574, LOTS),
        )
        .await,
        ErrorCode::PriceOutsideBand,
    );
    let out = place(
        &mut env,
        &a,
        reduce_only(OrderSide::Bid, OrderType::ImmediateOrCancel, 1_573, LOTS),
        &[&b],
    )
    .await;
    assert_eq!(out.filled_base_lots, LOTS);
    let market = a.market;
    finish(&mut env, &market, &[&a, &b]).await;
    let h = env
        .account_health(&market, &a.margin_account, engine_price(TICKS))
        .await;
    assert!(h.maintenance_e10 > 0, "A is flat and solvent");
    // What moved: 73 ticks × 100 native × 1,000 lots, plus the fee.
    let a_cash = env.margin_account(&a.margin_account).await;
    assert!(
        a_cash.trader.realised_pnl.get() > -(FIFTY as i64),
        "{a_cash:?}"
    );
}

#[tokio::test]
async fn a_reduce_only_order_that_rests_is_judged_as_if_filled() {
    // A resting order's fill needs nobody's consent later (a queued maker is not even loaded),
    // so a reduce-only order that rests is judged as if it had filled at its own price.
    let (mut env, maker, thin) = funded_market(9_000_000).await;
    let market = thin.market;
    open_long(&mut env, &thin, &maker, TICKS, 500).await;
    // Long 500 at 150 on 9: at 132.1 its equity is 9 − 8.95 − the 0.0375 fee = 0.0125, below
    // maintenance (nobody has liquidated it yet).
    env.follow_price(&market, 1_321).await;
    let h = env
        .account_health(&market, &thin.margin_account, engine_price(1_321))
        .await;
    assert!(h.maintenance_e10 < 0);
    // Resting one tick under the oracle: filled there it would owe 0.05 − the rebate.
    assert_error(
        try_place(
            &mut env,
            &thin,
            reduce_only(OrderSide::Ask, OrderType::PostOnly, 1_320, 500),
        )
        .await,
        ErrorCode::ReduceWorsensHealth,
    );
    // Not even at the oracle price: below maintenance nothing rests (issue 21).
    assert_error(
        try_place(
            &mut env,
            &thin,
            reduce_only(OrderSide::Ask, OrderType::PostOnly, 1_321, 500),
        )
        .await,
        ErrorCode::UnhealthyCannotRest,
    );
}

#[tokio::test]
async fn attack_3_a_band_wider_than_maintenance_is_refused_at_listing_execution_and_tightening() {
    let mut env = TestEnv::new().await;
    let mint = env.create_mint(6, false, &[]).await;
    let keys = OracleKeys::new_unique();
    // Listing: a 50% band with 1% initial margin (the review's market).
    let mut loose = default_params();
    loose.initial_margin_bps = 400;
    loose.maintenance_margin_bps = 100;
    loose.liquidation_discount_bps = 50;
    let wide = OracleConfig {
        breaker_band_bps: 5_000,
        ..keys.config()
    };
    assert_error(
        env.try_create_market_with(&mint, loose, keys, wide).await,
        ErrorCode::BandExceedsMaintenance,
    );
    // The discount against maintenance, the stable price's growth against the band.
    let mut steep = default_params();
    steep.liquidation_discount_bps = steep.maintenance_margin_bps;
    assert_error(
        env.try_create_market_with(&mint, steep, keys, keys.config())
            .await,
        ErrorCode::DiscountNotBelowMaintenance,
    );
    let fast = OracleConfig {
        stable_growth_bps_per_sec: 9, // 540 bps per 60 s step ≥ the 500 bps band
        ..keys.config()
    };
    assert_error(
        env.try_create_market_with(&mint, default_params(), keys, fast)
            .await,
        ErrorCode::StableGrowthExceedsBand,
    );

    // Governance: each change is judged against the market's other half, at queue time …
    let market = env
        .try_create_market_with(&mint, default_params(), keys, keys.config())
        .await
        .expect("listed");
    let index = market.index;
    let key = Some(market.market);
    let mut lower_mm = default_params();
    lower_mm.maintenance_margin_bps = 400;
    assert_error(
        env.queue(
            Change::MarketParams {
                market_index: index,
                params: lower_mm,
            },
            key,
        )
        .await,
        ErrorCode::BandExceedsMaintenance,
    );
    // … and again at execution: a wider band queued while maintenance was 6%, executed after
    // maintenance went back to 5%.
    let mut higher_mm = default_params();
    higher_mm.initial_margin_bps = 1_200;
    higher_mm.maintenance_margin_bps = 600;
    // 5.95% + the 5 bps taker fee = 6%.
    env.govern(
        Change::MarketParams {
            market_index: index,
            params: higher_mm,
        },
        key,
    )
    .await
    .expect("maintenance to 6%");
    let wider = Change::MarketOracle {
        market_index: index,
        oracle: OracleConfig {
            breaker_band_bps: 595,
            ..keys.config()
        },
    };
    env.queue(wider, key)
        .await
        .expect("valid while maintenance is 6%");
    env.govern(
        Change::MarketParams {
            market_index: index,
            params: default_params(),
        },
        key,
    )
    .await
    .expect("maintenance back to 5%");
    assert_error(
        env.execute(&wider, key).await,
        ErrorCode::BandExceedsMaintenance,
    );

    // The risk council cannot narrow the band at all since issue 21's audit (it also bounds
    // lone-source liquidations); governance's narrowing below one stable-price step contradicts
    // the growth.
    let council = env.risk_council.insecure_clone();
    let narrow = OracleConfig {
        breaker_band_bps: 300, // = 5 bps/s × 60 s
        ..keys.config()
    };
    let ix = ix::params_tighten(council.pubkey(), market.market, default_params(), narrow);
    assert_error(
        env.send(&[ix], &[&council]).await,
        ErrorCode::CouncilCannotChangeBreakerBand,
    );
    let change = Change::MarketOracle {
        market_index: market.index,
        oracle: narrow,
    };
    assert_error(
        env.queue(change, Some(market.market)).await,
        ErrorCode::StableGrowthExceedsBand,
    );
}

#[tokio::test]
async fn attack_4_off_market_exits_are_refused_with_stale_oracles_reduce_only_and_the_breaker() {
    let (mut env, a, b) = washed().await;
    let market = a.market;
    // Oracles stale: the band is built around the stable price alone.
    env.warp_seconds(120).await;
    assert_off_market_refused(&mut env, &a, &b, ErrorCode::PriceOutsideBand).await;
    // ReduceOnly (the guardian).
    env.set_price_ticks(&market, TICKS).await;
    let guardian = env.guardian.insecure_clone();
    let ix = ix::market_set_status(guardian.pubkey(), market.market, MarketStatus::ReduceOnly);
    env.send(&[ix], &[&guardian]).await.expect("reduce-only");
    assert_off_market_refused(&mut env, &a, &b, ErrorCode::PriceOutsideBand).await;
    let governance = env.governance.insecure_clone();
    let ix = ix::market_set_status(governance.pubkey(), market.market, MarketStatus::Active);
    env.send(&[ix], &[&governance]).await.expect("active");
    // The breaker holds the market (+7%): what is left of the band is [152.5, 157.5].
    env.set_price_ticks(&market, 1_605).await;
    env.update_price(&market).await.expect("crank");
    assert_eq!(env.market(&market.market).await.price.breaker_engaged, 1);
    assert_off_market_refused(&mut env, &a, &b, ErrorCode::PriceOutsideBand).await;
    // +20%: no price is both near the market and inside the breaker band.
    env.set_price_ticks(&market, 1_800).await;
    assert_error(
        try_place(
            &mut env,
            &b,
            reduce_only(OrderSide::Ask, OrderType::Limit, 1_800, LOTS),
        )
        .await,
        ErrorCode::PriceBandEmpty,
    );
}

#[tokio::test]
async fn attack_5_a_delegate_cannot_trade_the_owner_off_market() {
    let (mut env, attacker, owner) = washed().await;
    let delegate = Keypair::new();
    env.airdrop(&delegate.pubkey(), 1_000_000_000).await;
    env.set_delegate(&owner, &delegate.pubkey()).await;
    // The delegate sells the owner's long at 1 tick to its own short account … (refused first by
    // the delegate rule of issue 22, which the band would refuse too)
    let as_delegate = owner.orders_signed_by(delegate.pubkey());
    for args in [
        reduce_only(OrderSide::Ask, OrderType::PostOnly, 1, LOTS),
        order(OrderSide::Ask, OrderType::Limit, 1, LOTS),
    ] {
        let ix = ix::order_place(&as_delegate, args, &[attacker.margin_account]);
        assert_error(
            env.send(&[ix], &[&delegate]).await,
            ErrorCode::DelegatePriceWorseThanIndex,
        );
    }
    // … or buys the attacker's long at 100×.
    place(
        &mut env,
        &attacker,
        reduce_only(OrderSide::Bid, OrderType::PostOnly, 1_450, 10),
        &[],
    )
    .await;
    let ix = ix::order_place(
        &as_delegate,
        order(OrderSide::Bid, OrderType::Limit, 100 * TICKS, 10),
        &[],
    );
    assert_error(
        env.send(&[ix], &[&delegate]).await,
        ErrorCode::DelegatePriceWorseThanIndex,
    );
}

#[tokio::test]
async fn liquidating_ones_own_bankrupt_account_pays_no_fee() {
    let (mut env, short, long) = funded_market(3_000_000).await;
    let market = long.market;
    env.withdraw(&long, 1_500_000).await.expect("leave 1.5M");
    let keeper = env.funded_trader(&market, 50_000_000).await;
    open_long(&mut env, &long, &short, TICKS, 90).await;
    // A gap to 130: equity 1.5M − 1.8M < 0.
    env.set_price_ticks(&market, 1_300).await;
    let events = env
        .liquidate(&keeper, &long.margin_account)
        .await
        .expect("liquidate");
    let l = events.liquidated.expect("Liquidated");
    assert_eq!((l.keeper_fee, l.insurance_fee), (0, 0), "{l:?}");
    assert!(events.bankruptcy.is_some());
}

#[tokio::test]
async fn a_reduce_only_market_order_with_a_limit_works_while_the_oracles_are_down() {
    let (mut env, maker, taker) = funded_market(FIFTY).await;
    let market = taker.market;
    open_long(&mut env, &taker, &maker, TICKS, 10).await;
    place(
        &mut env,
        &maker,
        order(OrderSide::Bid, OrderType::Limit, 1_490, 10),
        &[],
    )
    .await;
    env.warp_seconds(120).await;
    // New risk needs the oracles …
    assert_error(
        try_place(
            &mut env,
            &taker,
            order(OrderSide::Ask, OrderType::Market, 1_480, 20),
        )
        .await,
        ErrorCode::OracleStale,
    );
    // … closing does not.
    let out = place(
        &mut env,
        &taker,
        reduce_only(OrderSide::Ask, OrderType::Market, 1_480, 10),
        &[&maker],
    )
    .await;
    assert_eq!(out.filled_base_lots, 10);
    finish(&mut env, &market, &[&maker]).await;
}

#[tokio::test]
async fn one_crank_after_a_long_silence_moves_the_stable_price_one_step() {
    let (mut env, _, taker) = funded_market(FIFTY).await;
    let market = taker.market;
    env.warp_seconds(3_600).await;
    env.set_price_ticks(&market, 1_560).await;
    env.update_price(&market).await.expect("crank");
    // 60 s of a 600 s average: a tenth of the 4% gap, not the whole of it.
    let (from, to) = (engine_price(TICKS).raw(), engine_price(1_560).raw());
    let stable = env.market(&market.market).await.price.stable_price;
    assert_eq!(stable, from + (to - from) * 60 / 600);
}

#[tokio::test]
async fn one_valid_source_cannot_liquidate_beyond_the_stable_band() {
    let (mut env, maker, long) = funded_market(1_500_000).await;
    let market = long.market;
    let keeper = env.funded_trader(&market, 50_000_000).await;
    open_long(&mut env, &long, &maker, TICKS, 90).await;
    // Switchboard down, Pyth alone says −20%: valued at the stable band's edge (142.65), where
    // the 9× long still covers maintenance.
    let keys = market.oracles;
    let q = env.pyth_quote(&keys, price_e8(1_200)).await;
    env.set_pyth(&keys.pyth, q).await;
    let q = env.switchboard_quote(price_e8(TICKS)).await;
    env.set_switchboard_owned(&keys.switchboard, q, &Pubkey::new_unique())
        .await;
    let r = env.preview_price(&market, PriceAction::Liquidate).await;
    let edge = perp_engine::oracle::scale_bps(engine_price(TICKS), -490)
        .unwrap()
        .raw();
    assert_eq!(
        r.unwrap(),
        Some(perp::ActionPrice {
            low: edge,
            high: edge
        })
    );
    assert_error(
        env.liquidate(&keeper, &long.margin_account).await,
        ErrorCode::NotLiquidatable,
    );
    // Both sources agreeing on the crash liquidate at once.
    env.set_price_ticks(&market, 1_200).await;
    env.liquidate(&keeper, &long.margin_account)
        .await
        .expect("two sources agree");
}

#[tokio::test]
async fn an_oracle_print_older_than_one_used_is_refused() {
    let (mut env, maker, taker) = funded_market(FIFTY).await;
    let market = taker.market;
    let keys = market.oracles;
    env.warp_seconds(5).await;
    env.set_price_ticks(&market, TICKS).await;
    env.update_price(&market)
        .await
        .expect("crank uses the newest print");
    // An older print, still inside the 30 s staleness window.
    let mut old = env.pyth_quote(&keys, price_e8(1_490)).await;
    old.publish_time -= 5;
    env.set_pyth(&keys.pyth, old).await;
    assert_error(
        env.preview_price(&market, PriceAction::IncreaseRisk).await,
        ErrorCode::OracleRegressed,
    );
    assert_error(
        try_place(
            &mut env,
            &maker,
            order(OrderSide::Ask, OrderType::PostOnly, TICKS, 1),
        )
        .await,
        ErrorCode::OracleRegressed,
    );
    // The newest print is accepted again.
    env.set_price_ticks(&market, TICKS).await;
    place(
        &mut env,
        &maker,
        order(OrderSide::Ask, OrderType::PostOnly, TICKS, 1),
        &[],
    )
    .await;
}

#[tokio::test]
async fn the_breaker_fails_closed_without_a_crank() {
    let (mut env, maker, taker) = funded_market(FIFTY).await;
    let market = taker.market;
    open_long(&mut env, &taker, &maker, TICKS, 10).await;
    // +6%, beyond the 5% band, and nobody has cranked `market_update_price`.
    env.set_price_ticks(&market, 1_590).await;
    assert_eq!(env.market(&market.market).await.price.breaker_engaged, 0);
    assert_error(
        try_place(
            &mut env,
            &maker,
            order(OrderSide::Ask, OrderType::PostOnly, 1_570, 5),
        )
        .await,
        ErrorCode::CircuitBreakerTripped,
    );
    assert_error(
        env.withdraw(&taker, 1).await,
        ErrorCode::CircuitBreakerTripped,
    );
    // Closing stays possible inside what is left of the band.
    place(
        &mut env,
        &maker,
        reduce_only(OrderSide::Bid, OrderType::PostOnly, 1_560, 10),
        &[],
    )
    .await;
    let out = place(
        &mut env,
        &taker,
        reduce_only(OrderSide::Ask, OrderType::ImmediateOrCancel, 1_560, 10),
        &[&maker],
    )
    .await;
    assert_eq!(out.filled_base_lots, 10);
    finish(&mut env, &market, &[&maker]).await;
}

#[tokio::test]
async fn a_resting_order_the_band_has_left_is_removed_not_filled() {
    let (mut env, maker, taker) = funded_market(FIFTY).await;
    let market = taker.market;
    // An ask below the market, inside today's band.
    place(
        &mut env,
        &maker,
        order(OrderSide::Ask, OrderType::PostOnly, 1_430, 10),
        &[],
    )
    .await;
    // The market rises 3% and the stable price follows: 143.0 is now below the band.
    env.follow_price(&market, 1_545).await;
    let out = place(
        &mut env,
        &taker,
        order(OrderSide::Bid, OrderType::ImmediateOrCancel, 1_545, 10),
        &[&maker],
    )
    .await;
    assert_eq!((out.filled_base_lots, out.fills), (0, 0));
    let m = env.margin_account(&maker.margin_account).await.trader;
    assert_eq!(
        (m.asks_base_lots.get(), m.open_order_count()),
        (0, 0),
        "removed"
    );
    finish(&mut env, &market, &[&maker]).await;
}

#[tokio::test]
async fn a_maker_cannot_withdraw_what_its_resting_orders_could_cost() {
    let (mut env, maker, a) = funded_market(31_000_000).await;
    let market = a.market;
    let b = env.funded_trader(&market, 200_000_000).await;
    open_long(&mut env, &a, &maker, TICKS, 1_000).await;
    // A flips its long with an ask of 2,100 at the band's bottom (142.7): filled, it costs
    // 2,100 × 7.3 = 15.33M. Margin (15M on the 150M long) still leaves room for it to rest …
    place(
        &mut env,
        &a,
        order(OrderSide::Ask, OrderType::PostOnly, 1_427, 2_100),
        &[],
    )
    .await;
    // … but not to withdraw what the fill could take: 30.925M − 15M of margin would leave
    // 15.925M, the loss is set aside first.
    assert_error(
        env.withdraw(&a, 15_925_000).await,
        ErrorCode::WithdrawalBreaksInitialMargin,
    );
    env.withdraw(&a, 595_000).await.expect("what is left over");
    // The attacker's partner lifts it: A stays solvent at the unchanged price.
    place(
        &mut env,
        &b,
        order(OrderSide::Bid, OrderType::ImmediateOrCancel, 1_427, 2_100),
        &[&a],
    )
    .await;
    // (A withdrawal folds realised PnL into collateral, so the cash zero-sum of `finish` does
    // not apply; conservation does.)
    env.assert_conservation(&market).await;
    let acc = env.margin_account(&a.margin_account).await;
    let m = env.market(&market.market).await;
    let equity = m.health(&acc, engine_price(TICKS)).unwrap().equity;
    assert!(!equity.is_negative(), "A's equity {equity}");
}
