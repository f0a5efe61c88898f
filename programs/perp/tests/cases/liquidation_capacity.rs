//! Issue 22, finding 1: open interest at the hard cap stopped every liquidation. After a
//! liquidation the keeper had to cover its *dynamic* initial margin, whose open-interest term
//! is 100% at `oi_hard_cap_lots` — although moving an existing position into the keeper never
//! raises open interest. Two hedged accounts of an attacker (safe: maintenance ignores open
//! interest) trade open interest up to the cap, and no keeper can take any position over.
//! Now the keeper is judged on what the transfer adds (`MarginParams::keeper_initial_bps`: the
//! base fraction and size premium, never below maintenance).

use crate::program_test::solvency::*;
use crate::program_test::*;
use perp::error::ErrorCode;
use perp::state::MarketParams;
use perp_engine::{BaseLots, Bps};
use solana_sdk::signer::Signer;

/// A market whose open-interest caps sit just above the 1,000-lot long `long_on` opens, with
/// that long (15.1M on 1,000 lots at 150), the attacker's hedged pair pushing open interest to
/// the hard cap, and the market fallen to 140 (the long below maintenance). Returns the env, the
/// long, and a keeper with 20M (enough at the base 10%, not at 100%).
async fn long_at_the_open_interest_cap() -> (TestEnv, Trader, Trader) {
    let (env, market, _) = listed_with(MarketParams {
        oi_soft_cap_lots: 1_500,
        oi_hard_cap_lots: 2_000,
        ..default_params()
    })
    .await;
    let (mut env, long, a, b) = long_on(env, market, 15_100_000).await;
    // The attacker's two accounts trade 1,000 lots between them: open interest 2,000, the cap.
    open_long(&mut env, &a, &b, 1_500, 1_000).await;
    assert_eq!(env.market(&market.market).await.open_interest.lots(), 2_000);
    assert_eq!(
        env.market(&market.market)
            .await
            .initial_margin_bps(BaseLots::ZERO)
            .unwrap(),
        Bps::WHOLE
    );
    env.follow_price(&market, 1_400).await;
    let keeper = env.funded_trader(&market, 20_000_000).await;
    (env, long, keeper)
}

#[tokio::test]
async fn a_liquidation_goes_on_with_open_interest_at_the_hard_cap() {
    let (mut env, long, keeper) = long_at_the_open_interest_cap().await;
    let market = long.market;
    let oi_before = env.market(&market.market).await.open_interest.lots();
    let out = env
        .liquidate(&keeper, &long.margin_account)
        .await
        .expect("liquidated with open interest at the hard cap");
    let l = out.liquidated.expect("a Liquidated event");
    assert!(l.base_lots > 0, "moved {} lots", l.base_lots);
    // Moving a position never raises open interest.
    assert_eq!(
        env.market(&market.market).await.open_interest.lots(),
        oi_before
    );
    env.assert_conservation(&market).await;
}

#[tokio::test]
async fn a_liquidation_goes_on_after_the_council_lowers_the_caps() {
    let (mut env, long, keeper) = long_at_the_open_interest_cap().await;
    let market = long.market;
    let m = env.market(&market.market).await;
    let params = MarketParams {
        oi_soft_cap_lots: 100,
        oi_hard_cap_lots: 200,
        ..m.params
    };
    let council = env.risk_council.insecure_clone();
    let ix = ix::params_tighten(council.pubkey(), market.market, params, m.oracle);
    env.send(&[ix], &[&council])
        .await
        .expect("caps lowered at once");
    env.liquidate(&keeper, &long.margin_account)
        .await
        .expect("liquidated under caps far below open interest");
}

#[tokio::test]
async fn the_keeper_must_still_cover_the_base_margin_of_what_it_takes() {
    // The same liquidation with a keeper too small for even the base 10% on what it would take
    // is refused, and names why.
    let (mut env, long, _) = long_at_the_open_interest_cap().await;
    let thin = env.funded_trader(&long.market, 1_000_000).await;
    assert_error(
        env.liquidate(&thin, &long.margin_account).await,
        ErrorCode::KeeperUnhealthy,
    );
}
