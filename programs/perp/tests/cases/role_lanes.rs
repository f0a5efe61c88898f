//! Privileged roles stay in their lanes (docs/roles.md): nothing the risk council, governance or
//! the guardian can do halts liquidations, liquidates anyone at once, or keeps a trader from the
//! margin that keeps a position open. Regressions of the role audit's findings, then a table of
//! each role's out-of-lane attempts, each refused by name with every touched account unchanged.

use crate::program_test::risk::engine_price;
use crate::program_test::solvency::open_long;
use crate::program_test::trading::funded_market;
use crate::program_test::*;
use perp::error::ErrorCode;
use perp::state::{Change, MarketParams, MarketStatus, OracleConfig};
use perp_engine::BaseLots;
use perp_sdk::pda;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;

/// The book's price, 150.00.
const TICKS: u64 = 1_500;
/// A 5× long: 90 lots at 150 is 13.5M native of notional on 2.7M of collateral.
const LOTS: u64 = 90;
const FIVE_X: u64 = 2_700_000;

/// The finding's change: initial 10% → 30%, maintenance 5% → 25% (over the 5× long's ~20%).
fn raised_maintenance() -> MarketParams {
    MarketParams {
        initial_margin_bps: 3_000,
        maintenance_margin_bps: 2_500,
        ..default_params()
    }
}

async fn tighten(env: &mut TestEnv, m: &MarketKeys, p: MarketParams, o: OracleConfig) -> TxResult {
    let council = env.risk_council.insecure_clone();
    let ix = ix::params_tighten(council.pubkey(), m.market, p, o);
    env.send(&[ix], &[&council]).await
}

/// A fresh price on both oracles, then the risk crank.
async fn crank_risk(env: &mut TestEnv, m: &MarketKeys) {
    env.set_price_ticks(m, TICKS).await;
    env.update_risk(m).await.expect("risk crank");
}

/// The market's maintenance fraction in force for a small position.
async fn maintenance_in_force(env: &mut TestEnv, m: &MarketKeys) -> u64 {
    env.market(&m.market)
        .await
        .maintenance_margin_bps(BaseLots::ZERO)
        .unwrap()
        .get()
}

/// A 5× long of 90 lots at 150, its counterparty, and a funded keeper; the risk crank has run.
async fn five_x_long() -> (TestEnv, Trader, Trader) {
    let (mut env, maker, long) = funded_market(FIVE_X).await;
    let market = long.market;
    open_long(&mut env, &long, &maker, TICKS, LOTS).await;
    let keeper = env.funded_trader(&market, 50_000_000).await;
    crank_risk(&mut env, &market).await;
    assert_eq!(maintenance_in_force(&mut env, &market).await, 500);
    (env, long, keeper)
}

/// Hourly risk cranks at an unchanged price until maintenance reaches `bps`; `long` must stay
/// out of liquidation's reach until the last hour.
async fn ramp_until(env: &mut TestEnv, long: &Trader, keeper: &Trader, bps: u64) {
    let market = long.market;
    loop {
        assert_error(
            env.liquidate(keeper, &long.margin_account).await,
            ErrorCode::NotLiquidatable,
        );
        env.warp_seconds(3_600).await;
        crank_risk(env, &market).await;
        if maintenance_in_force(env, &market).await >= bps {
            return;
        }
    }
}

/// Finding 1: the council's maintenance rise used to liquidate 73 of the 5× long's 90 lots in
/// the same block at the same price. It now ramps from 5% at the market's 100 bps per hour, and
/// the long is first liquidatable when the ramp passes its ~20% equity fifteen hours later.
#[tokio::test]
async fn council_maintenance_rise_ramps_instead_of_liquidating_at_once() {
    let (mut env, long, keeper) = five_x_long().await;
    let market = long.market;
    let oracle = env.market(&market.market).await.oracle;
    tighten(&mut env, &market, raised_maintenance(), oracle)
        .await
        .expect("the council may raise maintenance");
    assert_eq!(maintenance_in_force(&mut env, &market).await, 500);
    assert_error(
        env.liquidate(&keeper, &long.margin_account).await,
        ErrorCode::NotLiquidatable,
    );
    // Nobody cranks for six hours: the ramp holds, nothing is due.
    env.warp_seconds(6 * 3_600).await;
    env.set_price_ticks(&market, TICKS).await;
    assert_eq!(maintenance_in_force(&mut env, &market).await, 500);
    assert_error(
        env.liquidate(&keeper, &long.margin_account).await,
        ErrorCode::NotLiquidatable,
    );
    // The crank after them brings maintenance to where the ramp's schedule from the change
    // allows, six hours at 100 bps: the same as hourly cranks would have, not the 2,500 target.
    crank_risk(&mut env, &market).await;
    assert_eq!(maintenance_in_force(&mut env, &market).await, 1_100);
    // Nine more hourly cranks reach 2,000 bps, past the long's equity of ~19.95%.
    ramp_until(&mut env, &long, &keeper, 2_000).await;
    assert_eq!(maintenance_in_force(&mut env, &market).await, 2_000);
    let e = env
        .liquidate(&keeper, &long.margin_account)
        .await
        .expect("liquidatable once the ramp passes its equity");
    let l = e.liquidated.expect("Liquidated");
    assert_eq!(
        (l.base_lots, l.position_after),
        (LIQUIDATED, 90 - LIQUIDATED)
    );
    assert_eq!(l.price, engine_price(TICKS).raw(), "at the unchanged price");
}

/// Lots the ramped maintenance of 20% liquidates from the long (its equity ~19.95%): enough to
/// restore 20% plus the 10% buffer, where the instant 25% took 73 of the 90 lots.
const LIQUIDATED: i64 = 9;

/// Finding 1 through governance: a timelocked raise ramps from the maintenance in force too,
/// and the days the timelock waited without a crank are not spent on the new target at once.
#[tokio::test]
async fn governance_maintenance_rise_ramps_after_the_timelock() {
    let (mut env, long, keeper) = five_x_long().await;
    let market = long.market;
    let change = Change::MarketParams {
        market_index: market.index,
        params: raised_maintenance(),
    };
    env.govern(change, Some(market.market))
        .await
        .expect("governed");
    assert_eq!(
        env.market(&market.market).await.params,
        raised_maintenance()
    );
    env.set_price_ticks(&market, TICKS).await;
    assert_eq!(maintenance_in_force(&mut env, &market).await, 500);
    assert_error(
        env.liquidate(&keeper, &long.margin_account).await,
        ErrorCode::NotLiquidatable,
    );
    env.warp_seconds(3_600).await;
    crank_risk(&mut env, &market).await;
    assert_eq!(maintenance_in_force(&mut env, &market).await, 600);
    // A lowering applies at once (and keeps maintenance below the new initial margin).
    let lower = Change::MarketParams {
        market_index: market.index,
        params: default_params(),
    };
    env.govern(lower, Some(market.market))
        .await
        .expect("lowered");
    assert_eq!(maintenance_in_force(&mut env, &market).await, 500);
}

/// While a raise ramps, a band or liquidation discount that fits only the new listed margin is
/// refused at execution: the rules hold against the maintenance liquidations use today.
#[tokio::test]
async fn a_band_must_fit_the_maintenance_in_force_while_it_ramps() {
    let (mut env, long, _) = five_x_long().await;
    let market = long.market;
    let change = Change::MarketParams {
        market_index: market.index,
        params: raised_maintenance(),
    };
    env.govern(change, Some(market.market))
        .await
        .expect("raised");
    let mut oracle = env.market(&market.market).await.oracle;
    oracle.breaker_band_bps = 1_000;
    let wide = Change::MarketOracle {
        market_index: market.index,
        oracle,
    };
    env.queue(wide, Some(market.market))
        .await
        .expect("fits the listed 25%");
    env.warp_past_timelock().await;
    let before = env.account_data(&market.market).await;
    assert_error(
        env.execute(&wide, Some(market.market)).await,
        ErrorCode::BandExceedsMaintenance,
    );
    assert_eq!(env.account_data(&market.market).await, before);
}

/// Finding 2: tightening a validity limit to 1 used to invalidate every source and halt every
/// liquidation. Each limit now has a floor; at the floors a healthy feed (fresh, 0.1%
/// confidence) still liquidates.
#[tokio::test]
async fn oracle_limits_have_floors_and_liquidations_go_on_at_them() {
    let (mut env, maker, long) = funded_market(1_500_000).await;
    let market = long.market;
    open_long(&mut env, &long, &maker, TICKS, LOTS).await;
    let keeper = env.funded_trader(&market, 50_000_000).await;
    let listed = env.market(&market.market).await;
    let (params, oracle) = (listed.params, listed.oracle);
    let before = env.account_data(&market.market).await;
    type Tighten = fn(&mut OracleConfig);
    let to_one: &[(Tighten, ErrorCode)] = &[
        (|o| o.max_age_secs = 1, ErrorCode::InvalidOracleMaxAgeSecs),
        (|o| o.max_age_slots = 1, ErrorCode::InvalidOracleMaxAgeSlots),
        (
            |o| o.max_confidence_bps = 1,
            ErrorCode::InvalidOracleConfidence,
        ),
        (
            |o| o.max_deviation_bps = 1,
            ErrorCode::InvalidOracleDeviation,
        ),
    ];
    for (edit, error) in to_one {
        let mut o = oracle;
        edit(&mut o);
        assert_error(tighten(&mut env, &market, params, o).await, *error);
        let change = Change::MarketOracle {
            market_index: market.index,
            oracle: o,
        };
        assert_error(env.queue(change, Some(market.market)).await, *error);
    }
    assert_eq!(env.account_data(&market.market).await, before);
    // At the floors: 10 s, 25 slots, 0.5% confidence and disagreement.
    let floors = OracleConfig {
        max_age_secs: 10,
        max_age_slots: 25,
        max_confidence_bps: 50,
        max_deviation_bps: 50,
        ..oracle
    };
    tighten(&mut env, &market, params, floors)
        .await
        .expect("the floors themselves are allowed");
    // Both sources say 140: the 9× long (1.5M on 13.5M) is under 5% maintenance.
    env.set_price_ticks(&market, 1_400).await;
    let e = env
        .liquidate(&keeper, &long.margin_account)
        .await
        .expect("healthy feeds at the floors still liquidate");
    let l = e.liquidated.expect("Liquidated");
    assert_eq!(l.price, engine_price(1_400).raw());
    assert!(l.base_lots > 0);
}

/// A top-up of an account that holds a position passes the guardian's pause and `Deposit` gate
/// and a deposit cap the council lowered (liquidations go on in all three); a deposit into a
/// flat account does not.
#[tokio::test]
async fn a_position_can_always_be_topped_up() {
    let (mut env, long, _) = five_x_long().await;
    let market = long.market;
    let flat = env.trader(&market, 1_000).await;
    env.mint_to(&market.quote_mint, &long.token_account, 2_000)
        .await;
    let m = env.market(&market.market).await;
    let mut capped = m.params;
    capped.deposit_cap = m.collateral_total;
    tighten(&mut env, &market, capped, m.oracle)
        .await
        .expect("cap lowered to the current total");
    assert_error(env.deposit(&flat, 1).await, ErrorCode::DepositCapExceeded);
    env.deposit(&long, 1_000)
        .await
        .expect("top-up over the cap");

    let guardian = env.guardian.insecure_clone();
    let ix = ix::market_set_status(guardian.pubkey(), market.market, MarketStatus::Paused);
    env.send(&[ix], &[&guardian]).await.expect("paused");
    assert_error(env.deposit(&flat, 1).await, ErrorCode::MarketPaused);
    let before = env.margin_account(&long.margin_account).await.collateral;
    env.deposit(&long, 1_000)
        .await
        .expect("top-up while paused");
    let after = env.margin_account(&long.margin_account).await.collateral;
    assert_eq!(after, before + 1_000);

    // And through the exchange-wide deposit gate (issue 21: no gate stops what keeps a
    // position alive).
    let close = ix::exchange_set_gate(guardian.pubkey(), perp::state::Gate::Deposit, false);
    env.send(&[close], &[&guardian]).await.expect("gate closed");
    assert_error(env.deposit(&flat, 1).await, ErrorCode::GateClosed);
    env.mint_to(&market.quote_mint, &long.token_account, 1_000)
        .await;
    env.deposit(&long, 1_000)
        .await
        .expect("top-up through a closed gate");
    env.assert_conservation(&market).await;
}

/// Who tries what outside their lane.
#[derive(Clone, Copy, Debug)]
enum Attempt {
    /// `params_tighten` raising the maintenance ramp (a faster ramp is an instant rise).
    RaiseRamp,
    /// `params_tighten` raising the size premium (multiplies maintenance after the ramp).
    RaiseSizePremium,
    /// `params_tighten` shrinking the size unit (the same premium, per smaller unit).
    ShrinkSizeUnit,
    /// `params_tighten` with the Pyth staleness limit at 1 s.
    TightenStalenessToOne,
    /// `params_tighten` with the confidence limit at 1 bps.
    TightenConfidenceToOne,
    /// `params_queue` of oracle limits at 1 (would halt liquidations after the timelock).
    QueueConfidenceToOne,
    /// `params_queue` of a Switchboard staleness of 1 slot.
    QueueSlotsToOne,
    /// `params_tighten` raising maintenance (the council's own instruction).
    Tighten,
    /// `params_queue` of a maintenance raise.
    Queue,
    /// `params_cancel` of a queued change.
    Cancel,
    /// `market_set_status` → Paused.
    Pause,
    /// `market_set_status` ReduceOnly → Active.
    Resume,
}

/// The spec: (who, what, the error that refuses it). Each row leaves every touched account as
/// it was. The council's own instruction is refused here only for the fields that would move
/// maintenance or halt liquidations at once; governance_matrix covers who may sign what.
const LANES: &[(Actor, Attempt, ErrorCode)] = &[
    (
        Actor::RiskCouncil,
        Attempt::RaiseRamp,
        ErrorCode::CouncilCannotRaiseMaintenanceRamp,
    ),
    (
        Actor::RiskCouncil,
        Attempt::RaiseSizePremium,
        ErrorCode::CouncilCannotRaiseSizePremium,
    ),
    (
        Actor::RiskCouncil,
        Attempt::ShrinkSizeUnit,
        ErrorCode::CouncilCannotRaiseSizePremium,
    ),
    (
        Actor::RiskCouncil,
        Attempt::TightenStalenessToOne,
        ErrorCode::InvalidOracleMaxAgeSecs,
    ),
    (
        Actor::RiskCouncil,
        Attempt::TightenConfidenceToOne,
        ErrorCode::InvalidOracleConfidence,
    ),
    (Actor::RiskCouncil, Attempt::Queue, ErrorCode::NotGovernance),
    (Actor::RiskCouncil, Attempt::Cancel, ErrorCode::NotCanceller),
    (Actor::RiskCouncil, Attempt::Pause, ErrorCode::NotGuardian),
    (
        Actor::RiskCouncil,
        Attempt::Resume,
        ErrorCode::NotGovernance,
    ),
    (
        Actor::Governance,
        Attempt::QueueConfidenceToOne,
        ErrorCode::InvalidOracleConfidence,
    ),
    (
        Actor::Governance,
        Attempt::QueueSlotsToOne,
        ErrorCode::InvalidOracleMaxAgeSlots,
    ),
    (
        Actor::Governance,
        Attempt::Tighten,
        ErrorCode::NotRiskCouncil,
    ),
    (
        Actor::Governance,
        Attempt::RaiseRamp,
        ErrorCode::NotRiskCouncil,
    ),
    (Actor::Guardian, Attempt::Tighten, ErrorCode::NotRiskCouncil),
    (
        Actor::Guardian,
        Attempt::TightenConfidenceToOne,
        ErrorCode::NotRiskCouncil,
    ),
    (Actor::Guardian, Attempt::Queue, ErrorCode::NotGovernance),
    (
        Actor::Guardian,
        Attempt::QueueConfidenceToOne,
        ErrorCode::NotGovernance,
    ),
    (Actor::Guardian, Attempt::Resume, ErrorCode::NotGovernance),
    (Actor::Stranger, Attempt::Tighten, ErrorCode::NotRiskCouncil),
    (
        Actor::Stranger,
        Attempt::RaiseRamp,
        ErrorCode::NotRiskCouncil,
    ),
    (Actor::Stranger, Attempt::Queue, ErrorCode::NotGovernance),
    (
        Actor::Stranger,
        Attempt::QueueConfidenceToOne,
        ErrorCode::NotGovernance,
    ),
    (Actor::Stranger, Attempt::Cancel, ErrorCode::NotCanceller),
    (Actor::Stranger, Attempt::Pause, ErrorCode::NotGuardian),
    (Actor::Stranger, Attempt::Resume, ErrorCode::NotGovernance),
];

/// The queued change the Cancel rows try to drop.
fn queued(market: &MarketKeys) -> Change {
    Change::MarketParams {
        market_index: market.index,
        params: MarketParams {
            taker_fee_bps: 4,
            ..default_params()
        },
    }
}

async fn try_attempt(
    env: &mut TestEnv,
    m: &MarketKeys,
    what: Attempt,
    signer: &Keypair,
) -> TxResult {
    let me = signer.pubkey();
    let current = env.market(&m.market).await;
    let (p, o) = (current.params, current.oracle);
    let tighten_with = |p: MarketParams, o: OracleConfig| ix::params_tighten(me, m.market, p, o);
    let queue_oracle = |o: OracleConfig| {
        let change = Change::MarketOracle {
            market_index: m.index,
            oracle: o,
        };
        ix::params_queue(me, me, change, Some(m.market))
    };
    let ix = match what {
        Attempt::RaiseRamp => tighten_with(
            MarketParams {
                maintenance_ramp_bps_per_hour: 10_000,
                ..p
            },
            o,
        ),
        Attempt::RaiseSizePremium => tighten_with(
            MarketParams {
                size_premium_bps: 10_000,
                ..p
            },
            o,
        ),
        Attempt::ShrinkSizeUnit => tighten_with(
            MarketParams {
                size_unit_lots: 1,
                ..p
            },
            o,
        ),
        Attempt::TightenStalenessToOne => tighten_with(
            p,
            OracleConfig {
                max_age_secs: 1,
                ..o
            },
        ),
        Attempt::TightenConfidenceToOne => tighten_with(
            p,
            OracleConfig {
                max_confidence_bps: 1,
                ..o
            },
        ),
        Attempt::QueueConfidenceToOne => queue_oracle(OracleConfig {
            max_confidence_bps: 1,
            ..o
        }),
        Attempt::QueueSlotsToOne => queue_oracle(OracleConfig {
            max_age_slots: 1,
            ..o
        }),
        Attempt::Tighten => tighten_with(raised_maintenance(), o),
        Attempt::Queue => {
            let change = Change::MarketParams {
                market_index: m.index,
                params: raised_maintenance(),
            };
            ix::params_queue(me, me, change, Some(m.market))
        }
        Attempt::Cancel => ix::params_cancel(
            me,
            pda::param_change_pda(&queued(m)),
            env.payer(),
            Some(m.market),
        ),
        Attempt::Pause => ix::market_set_status(me, m.market, MarketStatus::Paused),
        Attempt::Resume => ix::market_set_status(me, m.market, MarketStatus::Active),
    };
    env.send(&[ix], &[signer]).await
}

#[tokio::test]
async fn each_role_is_refused_outside_its_lane_and_nothing_changes() {
    let (mut env, long, _) = five_x_long().await;
    let market = long.market;
    // The size premium on, so shrinking its unit is a change; a change queued to cancel; the
    // market reduce-only, so Resume is a loosening.
    let mut p = env.market(&market.market).await.params;
    p.size_premium_bps = 1_000;
    let o = env.market(&market.market).await.oracle;
    let premium = Change::MarketParams {
        market_index: market.index,
        params: p,
    };
    env.govern(premium, Some(market.market))
        .await
        .expect("premium on");
    env.queue(queued(&market), Some(market.market))
        .await
        .expect("queued");
    let guardian = env.guardian.insecure_clone();
    let ix = ix::market_set_status(guardian.pubkey(), market.market, MarketStatus::ReduceOnly);
    env.send(&[ix], &[&guardian]).await.expect("reduce-only");
    assert_eq!(env.market(&market.market).await.oracle, o);

    let touched = [
        market.market,
        pda::exchange_pda(),
        pda::param_change_pda(&queued(&market)),
        pda::param_change_pda(&Change::MarketParams {
            market_index: market.index,
            params: raised_maintenance(),
        }),
        pda::param_change_pda(&Change::MarketOracle {
            market_index: market.index,
            oracle: o,
        }),
    ];
    for &(who, what, error) in LANES {
        let signer = env.actor(who, &long).await;
        let mut before = Vec::new();
        for key in touched {
            before.push((env.lamports(&key).await, raw_data(&mut env, &key).await));
        }
        assert_error(try_attempt(&mut env, &market, what, &signer).await, error);
        for (key, was) in touched.iter().zip(before) {
            let now = (env.lamports(key).await, raw_data(&mut env, key).await);
            assert_eq!(now, was, "{who:?} {what:?} changed {key}");
        }
    }
}

/// An account's data, empty when it does not exist.
async fn raw_data(env: &mut TestEnv, key: &Pubkey) -> Vec<u8> {
    match env.lamports(key).await {
        0 => Vec::new(),
        _ => env.account_data(key).await,
    }
}
