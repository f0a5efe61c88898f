//! Independent audit of issue 21's fixes. Each test states the invariant DESIGN §13 asks for
//! and replays an attacker (or a role's) sequence against it; each failed on the audited code
//! (a7d11ea) and passes since the fixes: the stable price follows a lone valid source at its
//! growth limit, and only governance changes the stable price's window and growth and the
//! breaker band.

use crate::program_test::risk::{LiquidationEvents, price_e8};
use crate::program_test::solvency::open_long;
use crate::program_test::trading::funded_market;
use crate::program_test::*;
use perp::state::OracleConfig;
use solana_program_test::BanksClientError;
use solana_sdk::signer::Signer;

const TICKS: u64 = 1_500;
/// A 9× long: 90 lots at 150 (13.5M native) on 1.5M of collateral; bankrupt at 133.4.
const LOTS: u64 = 90;

/// A 9× long, then Switchboard goes quiet (stale) while Pyth alone follows a crash to 130 for
/// 30 minutes, the price crank running every minute; then one keeper `liquidate`. With
/// `council`, the risk council first "tightens" the stable price and the breaker: 1-day window,
/// 1 bps/s growth, 1% band (each a risk-reducing direction `params_tighten` accepts).
async fn single_source_crash(council: bool) -> Result<LiquidationEvents, BanksClientError> {
    let (mut env, maker, long) = funded_market(1_500_000).await;
    let market = long.market;
    open_long(&mut env, &long, &maker, TICKS, LOTS).await;
    let keeper = env.funded_trader(&market, 50_000_000).await;
    if council {
        let m = env.market(&market.market).await;
        let oracle = OracleConfig {
            stable_window_secs: 86_400,
            stable_growth_bps_per_sec: 1,
            breaker_band_bps: 100,
            ..m.oracle
        };
        let c = env.risk_council.insecure_clone();
        let ix = ix::params_tighten(c.pubkey(), market.market, m.params, oracle);
        // Since the fix: only governance changes what lone-source liquidations are bound by.
        assert_error(
            env.send(&[ix], &[&c]).await,
            perp::error::ErrorCode::CouncilCannotChangeStablePrice,
        );
        let band_only = OracleConfig {
            breaker_band_bps: 100,
            ..m.oracle
        };
        let ix = ix::params_tighten(c.pubkey(), market.market, m.params, band_only);
        assert_error(
            env.send(&[ix], &[&c]).await,
            perp::error::ErrorCode::CouncilCannotChangeBreakerBand,
        );
    }
    for _ in 0..30 {
        env.warp(60, 150).await;
        let q = env.pyth_quote(&market.oracles, price_e8(1_300)).await;
        env.set_pyth(&market.oracles.pyth, q).await;
        let r = env.update_price(&market).await;
        let m = env.market(&market.market).await;
        println!(
            "crank {:?}: stable {} breaker {}",
            r.is_ok(),
            m.price.stable_price,
            m.price.breaker_engaged
        );
    }
    env.liquidate(&keeper, &long.margin_account).await
}

/// Finding (a), oracle outage: DESIGN §13 "an account below maintenance can be liquidated by
/// one ordinary keeper transaction". With one of two sources stale, `liquidate` clamps the one
/// valid price into the breaker band (4.9%) around the stable price, and the stable price is
/// moved only by *agreeing* sources (`PriceTracker::refresh`: "partly down: the stable price
/// holds still"), so it stays frozen at the pre-outage price for as long as the outage lasts.
/// The liquidation price is pinned at 142.65 however far the live price falls: a 9× long
/// bankrupt at 130 (loss 1.8M on 1.5M) after 30 minutes of cranks is refused
/// `NotLiquidatable`. Since the band (4.9%) is narrower than initial minus maintenance (5%),
/// *no* position opened at the stable price can be liquidated during a one-feed outage.
/// Measured: stable stays 150.00 over 30 cranks, liquidate fails 6136.
#[tokio::test]
async fn audit21_one_stale_feed_freezes_the_stable_price_and_pins_liquidations() {
    let r = single_source_crash(false).await;
    assert!(
        r.is_ok(),
        "a 9x long bankrupt at the only live price (130) is not liquidatable: {r:?}"
    );
}

/// Finding (d): DESIGN §13 "roles in their lanes: no role alone can halt liquidations". With one
/// valid source, `liquidate` clamps its price into the breaker band around the stable price.
/// The council may, at once and without the timelock, lengthen the stable window to a day,
/// slow its growth to 1 bps/s and narrow the band to 1% (the floor): the liquidation price is
/// then pinned within 1% of the pre-crash price (148.5) even once the stable price moves again,
/// and a 9× long that is bankrupt at the only live
/// price (130) is refused `NotLiquidatable`. Now the council's change is refused with a named
/// error and the crash liquidates.
#[tokio::test]
async fn audit21_council_stable_price_tightening_halts_single_source_liquidations() {
    let r = single_source_crash(true).await;
    assert!(
        r.is_ok(),
        "a 9x long bankrupt at the only live price is not liquidatable after the council's \
         stable-price 'tightening': {r:?}"
    );
}
