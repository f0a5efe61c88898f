//! `[market]` overrides laid over the preset market parameters.

use perp_sdk::perp::state::MarketParams;

/// Sets `field` of `params` from a TOML integer, refusing values that do not fit its type.
macro_rules! overrides {
    ($params:ident, $key:expr, $value:expr, [$($field:ident),* $(,)?]) => {
        match $key {
            $(stringify!($field) => {
                let v = $value.as_integer().ok_or_else(|| format!("[market] {} must be an integer", $key))?;
                $params.$field = v.try_into().map_err(|_| format!("[market] {} = {} is out of range", $key, v))?;
            })*
            other => return Err(format!("[market] has no parameter {other:?}")),
        }
    };
}

/// The preset parameters with `table`'s overrides, and the opening insurance fund (whole
/// quote units, key `insurance`).
pub fn market_params(table: &toml::Table) -> Result<(MarketParams, u64), String> {
    let mut params = perp_sdk::presets::market_params();
    let mut insurance = 0u64;
    for (key, value) in table {
        if key == "insurance" {
            let v = value
                .as_integer()
                .ok_or("[market] insurance must be an integer")?;
            insurance = u64::try_from(v).map_err(|_| "[market] insurance must not be negative")?;
            continue;
        }
        overrides!(
            params,
            key.as_str(),
            value,
            [
                base_lot_size,
                quote_lot_size,
                tick_size,
                deposit_cap,
                maker_fee_bps,
                taker_fee_bps,
                initial_margin_bps,
                maintenance_margin_bps,
                withdraw_limit_bps,
                base_decimals,
                size_unit_lots,
                oi_soft_cap_lots,
                oi_hard_cap_lots,
                liquidation_min_lots,
                funding_interval_secs,
                size_premium_bps,
                reference_vol_bps,
                max_vol_multiplier_bps,
                vol_time_constant_secs,
                maintenance_ramp_bps_per_hour,
                liquidation_discount_bps,
                insurance_share_bps,
                liquidation_buffer_bps,
                funding_max_rate_bps,
                funding_max_backfill_intervals,
            ]
        );
    }
    Ok((params, insurance))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_apply_and_bad_ones_are_named() {
        let t: toml::Table = toml::from_str("initial_margin_bps = 2000\ninsurance = 5").unwrap();
        let (p, insurance) = market_params(&t).unwrap();
        assert_eq!((p.initial_margin_bps, insurance), (2_000, 5));
        let bad = |s: &str| market_params(&toml::from_str(s).unwrap()).unwrap_err();
        assert!(bad("initial_margin = 1").contains("no parameter"));
        assert!(bad("initial_margin_bps = -1").contains("out of range"));
        assert!(bad("initial_margin_bps = \"x\"").contains("integer"));
    }
}
