//! Oracle aggregation end to end: configuration bounds at listing, the per-action fault matrix,
//! a one-feed manipulation with the circuit breaker, and the stable price's growth limit.

use crate::program_test::*;
use perp::error::ErrorCode;
use perp::state::{MarketStatus, OracleConfig};
use perp::{ActionPrice, PriceAction};
use pyth_solana_receiver_sdk::price_update::VerificationLevel;
use solana_sdk::pubkey::Pubkey;

/// `Price` raw value of a test price: with the default market (lots of 10^6 atoms of a 9-decimal
/// base, 6-decimal quote) one lot is 10^-3 base, so P quote per base is P × 10^3 native per lot,
/// × 10^6 fixed point: raw = (e8 / 10^8) × 10^9 = e8 × 10.
fn px(e8: i64) -> u64 {
    e8 as u64 * 10
}

fn band(low: u64, high: u64) -> Option<ActionPrice> {
    Some(ActionPrice { low, high })
}

const ACTIONS: [PriceAction; 4] = [
    PriceAction::IncreaseRisk,
    PriceAction::ReduceRisk,
    PriceAction::Liquidate,
    PriceAction::Funding,
];

/// A market whose stable price has been set at `OPENING_PRICE_E8` by one crank.
async fn market_with_stable_price(env: &mut TestEnv) -> MarketKeys {
    let market = env.create_market().await;
    env.update_price(&market).await.expect("first crank");
    assert_eq!(
        env.market(&market.market).await.price.stable_price,
        px(OPENING_PRICE_E8)
    );
    market
}

#[tokio::test]
async fn oracle_config_bounds_are_enforced_at_creation() {
    let mut env = TestEnv::new().await;
    let mint = env.create_mint(6, false, &[]).await;
    type Case = (fn(&mut OracleConfig), ErrorCode);
    let cases: &[Case] = &[
        (
            |c| {
                c.pyth_price_update = Pubkey::default();
                c.switchboard_feed = Pubkey::default()
            },
            ErrorCode::NoOracleSource,
        ),
        (
            |c| c.switchboard_feed = c.pyth_price_update,
            ErrorCode::DuplicateOracleSource,
        ),
        (|c| c.pyth_feed_id = [0; 32], ErrorCode::InvalidPythFeedId),
        (|c| c.max_age_secs = 9, ErrorCode::InvalidOracleMaxAgeSecs),
        (|c| c.max_age_secs = 301, ErrorCode::InvalidOracleMaxAgeSecs),
        (
            |c| c.max_age_slots = 24,
            ErrorCode::InvalidOracleMaxAgeSlots,
        ),
        (
            |c| c.max_age_slots = 751,
            ErrorCode::InvalidOracleMaxAgeSlots,
        ),
        (
            |c| c.max_confidence_bps = 49,
            ErrorCode::InvalidOracleConfidence,
        ),
        (
            |c| c.max_confidence_bps = 501,
            ErrorCode::InvalidOracleConfidence,
        ),
        (
            |c| c.max_deviation_bps = 49,
            ErrorCode::InvalidOracleDeviation,
        ),
        (
            |c| c.max_deviation_bps = 501,
            ErrorCode::InvalidOracleDeviation,
        ),
        (
            |c| c.stable_window_secs = 59,
            ErrorCode::InvalidStablePriceWindow,
        ),
        (
            |c| c.stable_window_secs = 86_401,
            ErrorCode::InvalidStablePriceWindow,
        ),
        (
            |c| c.stable_growth_bps_per_sec = 0,
            ErrorCode::InvalidStablePriceGrowth,
        ),
        (
            |c| c.stable_growth_bps_per_sec = 81,
            ErrorCode::InvalidStablePriceGrowth,
        ),
        (|c| c.breaker_band_bps = 99, ErrorCode::InvalidBreakerBand),
        (
            |c| c.breaker_band_bps = 5_001,
            ErrorCode::InvalidBreakerBand,
        ),
        (
            |c| c.breaker_cooldown_secs = 59,
            ErrorCode::InvalidBreakerCooldown,
        ),
        (
            |c| c.breaker_cooldown_secs = 86_401,
            ErrorCode::InvalidBreakerCooldown,
        ),
    ];
    for (mutate, expected) in cases {
        let keys = OracleKeys::new_unique();
        let mut config = keys.config();
        mutate(&mut config);
        let result = env
            .try_create_market_with(&mint, default_params(), keys, config)
            .await;
        assert_error(result.map(|_| ()), *expected);
    }
    assert_eq!(env.exchange().await.market_count, 0);

    // The edges of every range are accepted and stored as given.
    let keys = OracleKeys::new_unique();
    let edges = [
        OracleConfig {
            max_age_secs: 300,
            max_age_slots: 750,
            max_confidence_bps: 500,
            max_deviation_bps: 500,
            stable_window_secs: 86_400,
            stable_growth_bps_per_sec: 80,
            breaker_band_bps: 5_000,
            breaker_cooldown_secs: 86_400,
            ..keys.config()
        },
        OracleConfig {
            max_age_secs: 10,
            max_age_slots: 25,
            max_confidence_bps: 50,
            max_deviation_bps: 50,
            stable_window_secs: 60,
            stable_growth_bps_per_sec: 1,
            breaker_band_bps: 100,
            breaker_cooldown_secs: 60,
            ..keys.config()
        },
    ];
    // A 50% band needs a maintenance margin of at least 50% plus the taker fee.
    let mut wide = default_params();
    wide.initial_margin_bps = 10_000;
    wide.maintenance_margin_bps = 5_000 + wide.taker_fee_bps as u32;
    for config in edges {
        let market = env
            .try_create_market_with(&mint, wide, keys, config)
            .await
            .expect("edge accepted");
        assert_eq!(env.market(&market.market).await.oracle, config);
    }
}

/// One row of the fault matrix: what is wrong with the sources.
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// Pyth 150.00, Switchboard 150.90 (0.6% apart, inside the 1.5% max deviation).
    Agreeing,
    /// Pyth 150.00, Switchboard 155.00 (3.3% apart).
    Diverging,
    /// Pyth published 31 s ago (limit 30 s).
    PythStale,
    /// Switchboard's result is 76 slots old (limit 75).
    SwitchboardStaleSlots,
    /// Pyth's confidence is 2% (limit 1%).
    PythTooUncertain,
    /// The Switchboard account is owned by another program.
    SwitchboardWrongOwner,
    /// The Pyth account carries another feed.
    PythWrongFeed,
    /// The Pyth update is only partially verified.
    PythPartial,
    /// Pyth stale and Switchboard owned by another program.
    BothDown,
    /// An account owned by the Pyth receiver that is not a `PriceUpdateV2` (a fake oracle).
    PythNotAPriceUpdate,
    /// Switchboard reports a negative value.
    SwitchboardNegative,
}

/// Switchboard's price in the fault rows: 0.2% above Pyth's, so the matrix shows which source
/// a liquidation used.
const SB_E8: i64 = 15_030_000_000;

/// Publishes agreeing prices (Pyth `OPENING_PRICE_E8`, Switchboard `SB_E8`), then breaks one or
/// both sources as `fault` says.
async fn apply(env: &mut TestEnv, market: &MarketKeys, fault: Fault) {
    let keys = market.oracles;
    let base = OPENING_PRICE_E8;
    env.set_prices(market, base, SB_E8).await;
    match fault {
        Fault::Agreeing => env.set_prices(market, base, 15_090_000_000).await,
        Fault::Diverging => env.set_prices(market, base, 15_500_000_000).await,
        Fault::PythStale | Fault::BothDown => {
            let mut q = env.pyth_quote(&keys, base).await;
            q.publish_time -= 31;
            env.set_pyth(&keys.pyth, q).await;
            if let Fault::BothDown = fault {
                let q = env.switchboard_quote(base).await;
                env.set_switchboard_owned(&keys.switchboard, q, &Pubkey::new_unique())
                    .await;
            }
        }
        Fault::SwitchboardStaleSlots => {
            let mut q = env.switchboard_quote(base).await;
            q.slot -= 76;
            env.set_switchboard(&keys.switchboard, q).await;
        }
        Fault::PythTooUncertain => {
            let mut q = env.pyth_quote(&keys, base).await;
            q.conf = base as u64 / 50;
            env.set_pyth(&keys.pyth, q).await;
        }
        Fault::SwitchboardWrongOwner => {
            let q = env.switchboard_quote(base).await;
            env.set_switchboard_owned(&keys.switchboard, q, &anchor_lang::system_program::ID)
                .await;
        }
        Fault::PythWrongFeed => {
            let mut q = env.pyth_quote(&keys, base).await;
            q.feed_id = [9; 32];
            env.set_pyth(&keys.pyth, q).await;
        }
        Fault::PythNotAPriceUpdate => {
            let data = vec![7u8; pyth_solana_receiver_sdk::price_update::PriceUpdateV2::LEN];
            env.set_raw_account(&keys.pyth, &perp::oracle::pyth::RECEIVER_PROGRAM_ID, data)
                .await;
        }
        Fault::SwitchboardNegative => {
            let mut q = env.switchboard_quote(base).await;
            q.value = -q.value;
            env.set_switchboard(&keys.switchboard, q).await;
        }
        Fault::PythPartial => {
            let mut q = env.pyth_quote(&keys, base).await;
            q.verification = VerificationLevel::Partial { num_signatures: 12 };
            env.set_pyth(&keys.pyth, q).await;
        }
    }
}

type Outcome = Result<Option<ActionPrice>, ErrorCode>;

#[tokio::test]
async fn fault_matrix_decides_each_action_class() {
    let mut env = TestEnv::new().await;
    // The clock must be past the slot offsets the stale rows subtract.
    env.warp(0, 1_000).await;
    let market = market_with_stable_price(&mut env).await;
    let stable = px(OPENING_PRICE_E8);
    let (p, sb) = (px(OPENING_PRICE_E8), px(SB_E8));
    let (sb_agree, sb_far) = (px(15_090_000_000), px(15_500_000_000));
    let index = (p + sb_agree) / 2;
    let reduce: Outcome = Ok(None);
    // (fault, increase risk, liquidate, funding); reducing risk always needs nothing.
    let matrix: [(Fault, Outcome, Outcome, Outcome); 11] = [
        (
            Fault::Agreeing,
            Ok(band(stable, index)),
            Ok(band(p, sb_agree)),
            Ok(band(index, index)),
        ),
        (
            Fault::Diverging,
            Err(ErrorCode::OracleSourcesDiverge),
            Ok(band(p, sb_far)),
            Err(ErrorCode::OracleSourcesDiverge),
        ),
        (
            Fault::PythStale,
            Err(ErrorCode::OracleStale),
            Ok(band(sb, sb)),
            Err(ErrorCode::OracleStale),
        ),
        (
            Fault::SwitchboardStaleSlots,
            Err(ErrorCode::OracleStale),
            Ok(band(p, p)),
            Err(ErrorCode::OracleStale),
        ),
        (
            Fault::PythTooUncertain,
            Err(ErrorCode::OracleTooUncertain),
            Ok(band(sb, sb)),
            Err(ErrorCode::OracleTooUncertain),
        ),
        (
            Fault::SwitchboardWrongOwner,
            Err(ErrorCode::OracleWrongOwner),
            Ok(band(p, p)),
            Err(ErrorCode::OracleWrongOwner),
        ),
        (
            Fault::PythWrongFeed,
            Err(ErrorCode::OracleWrongFeed),
            Ok(band(sb, sb)),
            Err(ErrorCode::OracleWrongFeed),
        ),
        (
            Fault::PythPartial,
            Err(ErrorCode::OracleUnverified),
            Ok(band(sb, sb)),
            Err(ErrorCode::OracleUnverified),
        ),
        (
            Fault::PythNotAPriceUpdate,
            Err(ErrorCode::OracleWrongAccountType),
            Ok(band(sb, sb)),
            Err(ErrorCode::OracleWrongAccountType),
        ),
        (
            Fault::SwitchboardNegative,
            Err(ErrorCode::OracleNonPositive),
            Ok(band(p, p)),
            Err(ErrorCode::OracleNonPositive),
        ),
        (
            Fault::BothDown,
            Err(ErrorCode::OracleStale),
            Err(ErrorCode::OracleNoValidSource),
            Err(ErrorCode::OracleStale),
        ),
    ];
    for (fault, increase, liquidate, funding) in matrix {
        apply(&mut env, &market, fault).await;
        let expected = [increase, reduce, liquidate, funding];
        for (action, expected) in ACTIONS.into_iter().zip(expected) {
            let got = env.preview_price(&market, action).await;
            match expected {
                Ok(prices) => assert_eq!(got.unwrap(), prices, "{fault:?} {action:?}"),
                Err(code) => assert_error(got, code),
            }
        }
    }
}

#[tokio::test]
async fn only_the_configured_oracle_accounts_are_accepted() {
    let mut env = TestEnv::new().await;
    let market = market_with_stable_price(&mut env).await;
    // A genuine, fresh, fully verified update for the same feed at another address.
    let other = Pubkey::new_unique();
    let q = env.pyth_quote(&market.oracles, OPENING_PRICE_E8).await;
    env.set_pyth(&other, q).await;
    let substituted = ix::OracleMetas {
        pyth: Some(other),
        ..market.oracle_metas()
    };
    // Dropping a source would let a liquidator pick the price least favourable to the account.
    let dropped = ix::OracleMetas {
        switchboard: None,
        ..market.oracle_metas()
    };
    for action in [
        PriceAction::IncreaseRisk,
        PriceAction::Liquidate,
        PriceAction::Funding,
    ] {
        let r = env.preview_price_with(&market, substituted, action).await;
        assert_error(r, ErrorCode::WrongOracleAccount);
        let r = env.preview_price_with(&market, dropped, action).await;
        assert_error(r, ErrorCode::MissingOracleAccount);
    }
    for (oracles, error) in [
        (substituted, ErrorCode::WrongOracleAccount),
        (dropped, ErrorCode::MissingOracleAccount),
    ] {
        let ix = ix::market_update_price(market.market, oracles);
        assert_error(env.send(&[ix], &[]).await, error);
    }
    // Reducing risk reads no oracle at all.
    let none = ix::OracleMetas {
        pyth: None,
        switchboard: None,
    };
    let r = env
        .preview_price_with(&market, none, PriceAction::ReduceRisk)
        .await;
    assert_eq!(r.unwrap(), None);
}

#[tokio::test]
async fn a_single_configured_source_is_enough() {
    let mut env = TestEnv::new().await;
    let mint = env.create_mint(6, false, &[]).await;
    let keys = OracleKeys::new_unique();
    let config = OracleConfig {
        switchboard_feed: Pubkey::default(),
        ..keys.config()
    };
    let market = env
        .try_create_market_with(&mint, default_params(), keys, config)
        .await
        .expect("pyth-only market");
    let pyth_only = ix::OracleMetas {
        pyth: Some(keys.pyth),
        switchboard: None,
    };
    // No stable price before the first crank: new risk is refused, liquidation is not.
    let r = env
        .preview_price_with(&market, pyth_only, PriceAction::IncreaseRisk)
        .await;
    assert_error(r, ErrorCode::StablePriceUnset);
    let r = env
        .preview_price_with(&market, pyth_only, PriceAction::Liquidate)
        .await;
    let p = px(OPENING_PRICE_E8);
    assert_eq!(r.unwrap(), band(p, p));

    env.send(&[ix::market_update_price(market.market, pyth_only)], &[])
        .await
        .expect("crank");
    let r = env
        .preview_price_with(&market, pyth_only, PriceAction::IncreaseRisk)
        .await;
    assert_eq!(r.unwrap(), band(p, p));
    // An account the market does not configure is refused, not ignored.
    let r = env
        .preview_price_with(&market, market.oracle_metas(), PriceAction::Funding)
        .await;
    assert_error(r, ErrorCode::WrongOracleAccount);
}

#[tokio::test]
async fn one_feed_jumping_40_percent_trips_the_breaker_and_is_never_used_for_new_risk() {
    let mut env = TestEnv::new().await;
    let market = market_with_stable_price(&mut env).await;
    let cooldown = i64::from(market.oracles.config().breaker_cooldown_secs);
    let base = OPENING_PRICE_E8;
    let jumped = base * 14 / 10;
    let stable = px(base);

    // Pyth jumps 40%, Switchboard holds.
    env.set_prices(&market, jumped, base).await;
    let r = env.preview_price(&market, PriceAction::IncreaseRisk).await;
    assert_error(r, ErrorCode::OracleSourcesDiverge);
    env.update_price(&market).await.expect("crank");
    let engaged_at = env.clock().await.unix_timestamp;
    let m = env.market(&market.market).await;
    assert_eq!(m.price.breaker_engaged, 1);
    assert_eq!(m.price.breaker_cooldown_until, engaged_at + cooldown);
    assert_eq!(m.effective_status(), MarketStatus::ReduceOnly);
    assert_eq!(
        m.status,
        MarketStatus::Active as u8,
        "governance status untouched"
    );
    assert_eq!(
        m.price.stable_price, stable,
        "the jump did not move the anchor"
    );

    // While engaged: new risk is refused, liquidation goes on at the account-favourable ends,
    // funding skips.
    let r = env.preview_price(&market, PriceAction::IncreaseRisk).await;
    assert_error(r, ErrorCode::MarketNotActive);
    let r = env.preview_price(&market, PriceAction::Liquidate).await;
    assert_eq!(r.unwrap(), band(px(base), px(jumped)));
    let r = env.preview_price(&market, PriceAction::Funding).await;
    assert_error(r, ErrorCode::OracleSourcesDiverge);

    // Pyth recovers, but the cool-down has not passed: still reduce-only.
    env.warp_seconds(60).await;
    env.set_prices(&market, base, base).await;
    env.update_price(&market).await.expect("crank");
    let m = env.market(&market.market).await;
    assert_eq!(m.effective_status(), MarketStatus::ReduceOnly);
    let r = env.preview_price(&market, PriceAction::IncreaseRisk).await;
    assert_error(r, ErrorCode::MarketNotActive);

    // Past the cool-down, an in-band crank releases it and new risk is priced from the
    // recovered sources.
    env.warp_seconds(cooldown - 60).await;
    env.set_prices(&market, base, base).await;
    env.update_price(&market).await.expect("crank");
    let m = env.market(&market.market).await;
    assert_eq!(m.price.breaker_engaged, 0);
    assert_eq!(m.effective_status(), MarketStatus::Active);
    assert_eq!(m.price.stable_price, stable);
    let r = env.preview_price(&market, PriceAction::IncreaseRisk).await;
    assert_eq!(r.unwrap(), band(stable, stable));
}

#[tokio::test]
async fn stable_price_follows_the_oracle_at_the_growth_limit() {
    let mut env = TestEnv::new().await;
    let mint = env.create_mint(6, false, &[]).await;
    let keys = OracleKeys::new_unique();
    // A 60 s window and 1 bps/s: the growth cap binds for any gap above 0.6%.
    let config = OracleConfig {
        stable_window_secs: 60,
        stable_growth_bps_per_sec: 1,
        ..keys.config()
    };
    let market = env
        .try_create_market_with(&mint, default_params(), keys, config)
        .await
        .unwrap();
    // Start at a crank slot (the stable price moves at the first crank of each minute only).
    let now = env.clock().await.unix_timestamp;
    env.warp_seconds((60 - now.rem_euclid(60)) % 60).await;
    env.set_prices(&market, OPENING_PRICE_E8, OPENING_PRICE_E8)
        .await;
    env.update_price(&market).await.expect("first crank");
    let target_e8 = OPENING_PRICE_E8 * 104 / 100; // +4%, inside the 5% breaker band
    let target = px(target_e8);
    let mut stable = px(OPENING_PRICE_E8);
    // (seconds since the last crank, seconds since the stable price last moved, whether the cap
    // binds): a crank 10 s into a slot already cranked moves nothing; a gap of two minutes
    // counts one.
    for (dt, since_move, capped) in [
        (60u64, 60u64, true),
        (10, 0, false),
        (50, 60, true),
        (120, 120, true),
    ] {
        env.warp_seconds(dt as i64).await;
        env.set_prices(&market, target_e8, target_e8).await;
        env.update_price(&market).await.expect("crank");
        let w = since_move.min(60);
        let average_step = (target - stable) * w / 60;
        let cap = stable * w / 10_000;
        assert_eq!(average_step > cap, capped);
        stable += average_step.min(cap);
        let m = env.market(&market.market).await;
        assert_eq!(m.price.stable_price, stable, "after {dt}s");
        assert_eq!(m.price.index_price, target);
        assert_eq!(m.price.breaker_engaged, 0);
    }
    // New risk is valued at the worse of oracle and stable: a long at the lagging stable price.
    let r = env.preview_price(&market, PriceAction::IncreaseRisk).await;
    assert_eq!(r.unwrap(), band(stable, target));
}

#[tokio::test]
async fn crank_with_every_source_down_changes_nothing() {
    let mut env = TestEnv::new().await;
    let market = market_with_stable_price(&mut env).await;
    let before = env.market(&market.market).await.price;
    env.warp_seconds(31).await;
    let mut q = env.switchboard_quote(OPENING_PRICE_E8).await;
    q.value = 0;
    env.set_switchboard(&market.oracles.switchboard, q).await;
    let result = env.update_price(&market).await;
    assert_error(result, ErrorCode::OracleNoValidSource);
    assert_eq!(env.market(&market.market).await.price, before);
}

#[tokio::test]
async fn price_instructions_refuse_a_fake_market_or_another_markets_oracles() {
    use anchor_lang::error::ErrorCode as Anchor;
    let mut env = TestEnv::new().await;
    let market = market_with_stable_price(&mut env).await;
    let other = env.create_market().await;
    let trader = env.trader(&market, 0).await;
    // A program-owned account of another type, and an account of another program (the vault).
    for (fake, error) in [
        (trader.margin_account, Anchor::AccountDiscriminatorMismatch),
        (market.collateral_vault, Anchor::AccountOwnedByWrongProgram),
    ] {
        let ix = ix::market_update_price(fake, market.oracle_metas());
        assert_anchor_error(env.send(&[ix], &[]).await, error);
    }
    // Another market's genuine oracles are not this market's.
    let ix = ix::market_update_price(market.market, other.oracle_metas());
    assert_error(env.send(&[ix], &[]).await, ErrorCode::WrongOracleAccount);
    let r = env
        .preview_price_with(&market, other.oracle_metas(), PriceAction::Liquidate)
        .await;
    assert_error(r, ErrorCode::WrongOracleAccount);
}
