//! Market parameter overrides from TOML, laid over the presets (shared by the bootstrap spec
//! and the scenario runner's `[market]` table).

use perp_sdk::perp::state::params_table::SetFieldError;
use perp_sdk::perp::state::{MarketParams, OracleConfig};

/// `params` with `table`'s overrides (names as in `MarketParams`: its table decides which
/// exist, `MarketParams::set_field`).
pub fn market_params(
    mut params: MarketParams,
    table: &toml::Table,
    section: &str,
) -> Result<MarketParams, String> {
    apply(table, section, MarketParams::FIELDS, |key, v| {
        params.set_field(key, v)
    })?;
    Ok(params)
}

/// `oracle`'s limits with `table`'s overrides (its table's rows, `OracleConfig::set_field`; the
/// sources themselves are set elsewhere).
pub fn oracle_limits(
    mut oracle: OracleConfig,
    table: &toml::Table,
    section: &str,
) -> Result<OracleConfig, String> {
    apply(table, section, OracleConfig::FIELDS, |key, v| {
        oracle.set_field(key, v)
    })?;
    Ok(oracle)
}

/// Sets each key of `table` through `set`, refusing (in this order) names not in `fields`,
/// non-integers and values that do not fit the field's type. Errors name the `section`.
fn apply(
    table: &toml::Table,
    section: &str,
    fields: &[&str],
    mut set: impl FnMut(&str, i64) -> Result<(), SetFieldError>,
) -> Result<(), String> {
    for (key, value) in table {
        if !fields.contains(&key.as_str()) {
            return Err(format!("[{section}] has no parameter {key:?}"));
        }
        let v = value
            .as_integer()
            .ok_or_else(|| format!("[{section}] {key} must be an integer"))?;
        set(key, v).map_err(|e| match e {
            SetFieldError::Unknown => format!("[{section}] has no parameter {key:?}"),
            SetFieldError::OutOfRange => format!("[{section}] {key} = {v} is out of range"),
        })?;
    }
    Ok(())
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
        // A source is not a limit: named as unknown, whatever its value.
        let t: toml::Table = toml::from_str("pyth_feed_id = \"ab\"").unwrap();
        assert_eq!(
            oracle_limits(oracle, &t, "o").unwrap_err(),
            "[o] has no parameter \"pyth_feed_id\""
        );
    }
}
