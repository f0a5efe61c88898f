//! Starting points for markets in tests, simulations and local clusters (a real listing sets
//! every parameter through governance).

use perp::state::{MarketParams, OracleConfig};
use solana_sdk::pubkey::Pubkey;

/// A market with lots of 0.001 base (9 decimals), ticks of 0.1 quote per base (quote lots of
/// one native unit of a 6-decimal quote token): 10% initial / 5% maintenance, 20% daily outflow.
pub fn market_params() -> MarketParams {
    MarketParams {
        base_lot_size: 1_000_000,
        quote_lot_size: 1,
        tick_size: 100,
        deposit_cap: 1_000_000_000_000,
        maker_fee_bps: -1,
        taker_fee_bps: 5,
        initial_margin_bps: 1_000,
        maintenance_margin_bps: 500,
        withdraw_limit_bps: 2_000,
        base_decimals: 9,
        // No size premium below 100 lots; volatility up to 4× margin over 1% per √hour.
        size_unit_lots: 100,
        oi_soft_cap_lots: 1_000_000,
        oi_hard_cap_lots: 2_000_000,
        liquidation_min_lots: 1,
        funding_interval_secs: 3_600,
        size_premium_bps: 0,
        reference_vol_bps: 100,
        max_vol_multiplier_bps: 40_000,
        vol_time_constant_secs: 600,
        maintenance_ramp_bps_per_hour: 100,
        liquidation_discount_bps: 100,
        insurance_share_bps: 5_000,
        liquidation_buffer_bps: 1_000,
        funding_max_rate_bps: 50,
        funding_max_backfill_intervals: 24,
        // 0.05 quote per executed trigger: a few transactions' fees for its keeper.
        trigger_fee_quote_lots: 50_000,
    }
}

/// An oracle configuration for `pyth` (with `feed_id`) and `switchboard`: 30 s / 75 slots fresh,
/// ≤ 1% confidence, ≤ 1.5% disagreement, 10-minute stable window moving ≤ 5 bps/s, breaker (and
/// order band) at 4.9% for 5 minutes: with the 5 bps taker fee, the 5% maintenance margin that
/// band + fee may not exceed.
pub fn oracle_config(pyth: Pubkey, feed_id: [u8; 32], switchboard: Pubkey) -> OracleConfig {
    OracleConfig {
        pyth_price_update: pyth,
        pyth_feed_id: feed_id,
        switchboard_feed: switchboard,
        max_age_secs: 30,
        max_age_slots: 75,
        max_confidence_bps: 100,
        max_deviation_bps: 150,
        stable_window_secs: 600,
        stable_growth_bps_per_sec: 5,
        breaker_band_bps: 490,
        breaker_cooldown_secs: 300,
    }
}
