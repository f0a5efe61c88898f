//! `params_tighten`: the risk council changes a market at once, but only in the safe direction,
//! field by field, each refusal naming its field.

use crate::program_test::*;
use perp::error::ErrorCode;
use perp::events::MarketTightened;
use perp::state::{MarketParams, OracleConfig};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signer::Signer;

type ParamsEdit = fn(&mut MarketParams);
type OracleEdit = fn(&mut OracleConfig);

async fn tighten(
    env: &mut TestEnv,
    market: &MarketKeys,
    p: MarketParams,
    o: OracleConfig,
) -> TxResult {
    let council = env.risk_council.insecure_clone();
    let ix = ix::params_tighten(council.pubkey(), market.market, p, o);
    env.send(&[ix], &[&council]).await
}

#[tokio::test]
async fn council_loosening_is_refused_field_by_field() {
    let mut env = TestEnv::new().await;
    let market = env.create_market().await;
    let listed = env.market(&market.market).await;
    let (params, oracle) = (listed.params, listed.oracle);

    let param_cases: &[(ParamsEdit, ErrorCode)] = &[
        (
            |p| p.base_lot_size *= 10,
            ErrorCode::CouncilCannotChangeBaseLotSize,
        ),
        (
            |p| p.quote_lot_size *= 10,
            ErrorCode::CouncilCannotChangeQuoteLotSize,
        ),
        (
            |p| p.tick_size *= 10,
            ErrorCode::CouncilCannotChangeTickSize,
        ),
        (
            |p| p.base_decimals -= 1,
            ErrorCode::CouncilCannotChangeBaseDecimals,
        ),
        (
            |p| p.maker_fee_bps += 1,
            ErrorCode::CouncilCannotChangeMakerFee,
        ),
        (
            |p| p.taker_fee_bps += 1,
            ErrorCode::CouncilCannotChangeTakerFee,
        ),
        (|p| p.deposit_cap += 1, ErrorCode::LoosensDepositCap),
        (
            |p| p.initial_margin_bps -= 1,
            ErrorCode::LoosensInitialMargin,
        ),
        (
            |p| p.maintenance_margin_bps -= 1,
            ErrorCode::LoosensMaintenanceMargin,
        ),
        (
            |p| p.withdraw_limit_bps += 1,
            ErrorCode::LoosensWithdrawLimit,
        ),
    ];
    for (edit, error) in param_cases {
        let mut p = params;
        edit(&mut p);
        assert_error(tighten(&mut env, &market, p, oracle).await, *error);
    }
    let oracle_cases: &[(OracleEdit, ErrorCode)] = &[
        (
            |o| o.pyth_price_update = Pubkey::new_unique(),
            ErrorCode::CouncilCannotChangeOracleSources,
        ),
        (
            |o| o.pyth_feed_id = [9; 32],
            ErrorCode::CouncilCannotChangeOracleSources,
        ),
        (
            |o| o.switchboard_feed = Pubkey::default(),
            ErrorCode::CouncilCannotChangeOracleSources,
        ),
        (|o| o.max_age_secs += 1, ErrorCode::LoosensOracleMaxAgeSecs),
        (
            |o| o.max_age_slots += 1,
            ErrorCode::LoosensOracleMaxAgeSlots,
        ),
        (
            |o| o.max_confidence_bps += 1,
            ErrorCode::LoosensOracleConfidence,
        ),
        (
            |o| o.max_deviation_bps += 1,
            ErrorCode::LoosensOracleDeviation,
        ),
        // Either way, since issue 21's audit: they also bound lone-source liquidations.
        (
            |o| o.stable_window_secs -= 1,
            ErrorCode::CouncilCannotChangeStablePrice,
        ),
        (
            |o| o.stable_window_secs += 1,
            ErrorCode::CouncilCannotChangeStablePrice,
        ),
        (
            |o| o.stable_growth_bps_per_sec += 1,
            ErrorCode::CouncilCannotChangeStablePrice,
        ),
        (
            |o| o.stable_growth_bps_per_sec -= 1,
            ErrorCode::CouncilCannotChangeStablePrice,
        ),
        (
            |o| o.breaker_band_bps += 1,
            ErrorCode::CouncilCannotChangeBreakerBand,
        ),
        (
            |o| o.breaker_band_bps -= 1,
            ErrorCode::CouncilCannotChangeBreakerBand,
        ),
        (
            |o| o.breaker_cooldown_secs -= 1,
            ErrorCode::LoosensBreakerCooldown,
        ),
    ];
    for (edit, error) in oracle_cases {
        let mut o = oracle;
        edit(&mut o);
        assert_error(tighten(&mut env, &market, params, o).await, *error);
    }
    // One loosened field spoils an otherwise tightening change.
    let mut p = params;
    p.initial_margin_bps += 100;
    p.deposit_cap += 1;
    assert_error(
        tighten(&mut env, &market, p, oracle).await,
        ErrorCode::LoosensDepositCap,
    );
    assert_error(
        tighten(&mut env, &market, params, oracle).await,
        ErrorCode::NoChange,
    );

    let after = env.market(&market.market).await;
    assert_eq!(
        (after.params, after.oracle),
        (params, oracle),
        "nothing changed"
    );
}

#[tokio::test]
async fn council_tightening_applies_at_once_within_bounds() {
    let mut env = TestEnv::new().await;
    let market = env.create_market().await;
    let listed = env.market(&market.market).await;
    let (mut p, mut o) = (listed.params, listed.oracle);
    p.deposit_cap /= 2;
    p.initial_margin_bps = 2_000;
    p.maintenance_margin_bps = 1_000;
    p.withdraw_limit_bps = 1_000;
    o.max_age_secs = 10;
    o.max_age_slots = 25;
    o.max_confidence_bps = 50;
    o.max_deviation_bps = 100;
    o.breaker_cooldown_secs = 900;

    let council = env.risk_council.insecure_clone();
    let ix = ix::params_tighten(council.pubkey(), market.market, p, o);
    let events: Vec<MarketTightened> = env
        .send_for_events(&[ix], &[&council])
        .await
        .expect("tighten");
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!((e.old_params, e.new_params), (listed.params, p));
    assert_eq!((e.old_oracle, e.new_oracle), (listed.oracle, o));
    let after = env.market(&market.market).await;
    assert_eq!((after.params, after.oracle), (p, o));

    // Safe direction, but past the hard bounds: refused by the bound's own error.
    let mut inverted = p;
    inverted.maintenance_margin_bps = 2_000;
    assert_error(
        tighten(&mut env, &market, inverted, o).await,
        ErrorCode::InvalidMaintenanceMargin,
    );
    let mut full = p;
    full.initial_margin_bps = 10_001;
    full.maintenance_margin_bps = 10_000;
    assert_error(
        tighten(&mut env, &market, full, o).await,
        ErrorCode::InvalidInitialMargin,
    );
}
