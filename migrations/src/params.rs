//! Market parameter overrides from TOML, laid over the presets (shared by the bootstrap spec
//! and the scenario runner's `[market]` table).

use perp_sdk::perp::state::params_table::SetFieldError;
use perp_sdk::perp::state::{MarketParams, OracleConfig};

/// Sets each `field` named in `table` on `target`, refusing unknown names, non-integers and
/// values that do not fit the field's type. Errors name the `section`.
macro_rules! overrides {
    ($target:ident, $table:expr, $section:expr, [$($field:ident),* $(,)?]) => {
        for (key, value) in $table {
            match key.as_str() {
                $(stringify!($field) => {
                    let v = value.as_integer().ok_or_else(|| format!("[{}] {} must be an integer", $section, key))?;
                    $target.$field = v.try_into().map_err(|_| format!("[{}] {} = {} is out of range", $section, key, v))?;
                })*
                other => return Err(format!("[{}] has no parameter {other:?}", $section)),
            }
        }
    };
}

/// `params` with `table`'s overrides (names as in `MarketParams`: its table decides which
/// exist, `MarketParams::set_field`).
pub fn market_params(
    mut params: MarketParams,
    table: &toml::Table,
    section: &str,
) -> Result<MarketParams, String> {
    for (key, value) in table {
        let v = value
            .as_integer()
            .ok_or_else(|| format!("[{section}] {key} must be an integer"))?;
        params.set_field(key, v).map_err(|e| match e {
            SetFieldError::Unknown => format!("[{section}] has no parameter {key:?}"),
            SetFieldError::OutOfRange => format!("[{section}] {key} = {v} is out of range"),
        })?;
    }
    Ok(params)
}

/// `oracle`'s limits with `table`'s overrides (the sources themselves are set elsewhere).
pub fn oracle_limits(
    mut oracle: OracleConfig,
    table: &toml::Table,
    section: &str,
) -> Result<OracleConfig, String> {
    overrides!(
        oracle,
        table,
        section,
        [
            max_age_secs,
            max_age_slots,
            max_confidence_bps,
            max_deviation_bps,
            stable_window_secs,
            stable_growth_bps_per_sec,
            breaker_band_bps,
            breaker_cooldown_secs,
        ]
    );
    Ok(oracle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_apply_and_bad_ones_are_named() {
        let preset = perp_sdk::presets::market_params();
        let t: toml::Table = toml::from_str("initial_margin_bps = 2000").unwrap();
        assert_eq!(
            market_params(preset, &t, "m").unwrap().initial_margin_bps,
            2_000
        );
        let bad = |s: &str| market_params(preset, &toml::from_str(s).unwrap(), "m").unwrap_err();
        assert_eq!(
            bad("initial_margin = 1"),
            "[m] has no parameter \"initial_margin\""
        );
        assert_eq!(
            bad("initial_margin_bps = -1"),
            "[m] initial_margin_bps = -1 is out of range"
        );
        assert_eq!(
            bad("initial_margin_bps = \"x\""),
            "[m] initial_margin_bps must be an integer"
        );
        let oracle =
            perp_sdk::presets::oracle_config(Default::default(), [0; 32], Default::default());
        let t: toml::Table = toml::from_str("max_age_secs = 10").unwrap();
        assert_eq!(oracle_limits(oracle, &t, "o").unwrap().max_age_secs, 10);
    }
}
