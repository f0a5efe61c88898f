//! `[market]` overrides laid over the preset market parameters.

use perp_sdk::perp::state::MarketParams;

/// The preset parameters with `table`'s overrides, and the opening insurance fund (whole
/// quote units, key `insurance`).
pub fn market_params(table: &toml::Table) -> Result<(MarketParams, u64), String> {
    let mut overrides = table.clone();
    let insurance = match overrides.remove("insurance") {
        None => 0,
        Some(v) => {
            let v = v
                .as_integer()
                .ok_or("[market] insurance must be an integer")?;
            u64::try_from(v).map_err(|_| "[market] insurance must not be negative")?
        }
    };
    let params = perp_migrations::params::market_params(
        perp_sdk::presets::market_params(),
        &overrides,
        "market",
    )?;
    Ok((params, insurance))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_apply_and_insurance_is_read() {
        let t: toml::Table = toml::from_str("initial_margin_bps = 2000\ninsurance = 5").unwrap();
        let (p, insurance) = market_params(&t).unwrap();
        assert_eq!((p.initial_margin_bps, insurance), (2_000, 5));
        let bad = |s: &str| market_params(&toml::from_str(s).unwrap()).unwrap_err();
        assert!(bad("initial_margin = 1").contains("no parameter"));
        assert!(bad("insurance = -1").contains("must not be negative"));
    }
}
