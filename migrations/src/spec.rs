//! The bootstrap spec (TOML): the quote token, who holds each role, and the markets to list.
//!
//! ```toml
//! quote_mint = "create"          # a test mint (6 decimals, the payer mints), or a mint address
//! governance = "payer"           # or an address: a DAO, whose listings are printed as proposals
//! risk_council = "payer"
//! guardian = "payer"
//!
//! [[markets]]
//! symbol = "SOL-PERP"
//! pyth = "<Pyth PriceUpdateV2 account>"
//! feed_id = "<Pyth feed id, 64 hex digits>"
//! switchboard = "<Switchboard On-Demand pull feed>"
//! insurance = 10000              # whole quote units the payer seeds the insurance fund with
//! [markets.params]               # overrides of the preset MarketParams
//! initial_margin_bps = 1000
//! [markets.oracle]               # overrides of the preset oracle limits
//! max_age_secs = 30
//! ```

use perp_sdk::perp::state::{MarketParams, OracleConfig};
use serde::Deserialize;
use solana_sdk::pubkey::Pubkey;
use std::path::Path;
use std::str::FromStr;

/// Decimals of a mint the bootstrap creates.
pub const TEST_MINT_DECIMALS: u8 = 6;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    quote_mint: String,
    #[serde(default = "payer")]
    governance: String,
    #[serde(default = "payer")]
    risk_council: String,
    #[serde(default = "payer")]
    guardian: String,
    markets: Vec<MarketFile>,
}

fn payer() -> String {
    "payer".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MarketFile {
    symbol: String,
    pyth: String,
    feed_id: String,
    switchboard: String,
    #[serde(default)]
    insurance: u64,
    #[serde(default)]
    params: toml::Table,
    #[serde(default)]
    oracle: toml::Table,
}

/// Who holds a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// The key running the bootstrap.
    Payer,
    Key(Pubkey),
}

impl Holder {
    pub fn resolve(self, payer: &Pubkey) -> Pubkey {
        match self {
            Holder::Payer => *payer,
            Holder::Key(k) => k,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuoteMint {
    /// A test mint the payer creates and mints.
    Create,
    Existing(Pubkey),
}

#[derive(Debug, Clone)]
pub struct MarketSpec {
    pub symbol: String,
    pub index: u16,
    pub params: MarketParams,
    pub oracle: OracleConfig,
    /// Whole quote units the payer seeds the insurance fund with.
    pub insurance: u64,
}

#[derive(Debug, Clone)]
pub struct Spec {
    pub quote_mint: QuoteMint,
    pub governance: Holder,
    pub risk_council: Holder,
    pub guardian: Holder,
    pub markets: Vec<MarketSpec>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SpecError {
    #[error("cannot read {0}: {1}")]
    Read(String, String),
    #[error("{0}")]
    Invalid(String),
}

fn key(what: &str, s: &str) -> Result<Pubkey, SpecError> {
    Pubkey::from_str(s)
        .map_err(|e| SpecError::Invalid(format!("{what}: {s:?} is not an address: {e}")))
}

fn holder(what: &str, s: &str) -> Result<Holder, SpecError> {
    match s {
        "payer" => Ok(Holder::Payer),
        other => key(what, other).map(Holder::Key),
    }
}

fn feed_id(symbol: &str, hex: &str) -> Result<[u8; 32], SpecError> {
    let hex = hex.strip_prefix("0x").unwrap_or(hex);
    let bad = || SpecError::Invalid(format!("{symbol}: feed_id must be 64 hex digits"));
    if hex.len() != 64 {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(out)
}

impl Spec {
    pub fn load(path: &Path) -> Result<Spec, SpecError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| SpecError::Read(path.display().to_string(), e.to_string()))?;
        Self::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Spec, SpecError> {
        let file: File = toml::from_str(text).map_err(|e| SpecError::Invalid(e.to_string()))?;
        let quote_mint = match file.quote_mint.as_str() {
            "create" => QuoteMint::Create,
            other => QuoteMint::Existing(key("quote_mint", other)?),
        };
        if file.markets.is_empty() {
            return Err(SpecError::Invalid("no [[markets]]".into()));
        }
        let mut markets = Vec::with_capacity(file.markets.len());
        for (i, m) in file.markets.into_iter().enumerate() {
            let index =
                u16::try_from(i).map_err(|_| SpecError::Invalid("too many markets".into()))?;
            if markets.iter().any(|x: &MarketSpec| x.symbol == m.symbol) {
                return Err(SpecError::Invalid(format!("{} is listed twice", m.symbol)));
            }
            let section = |s: &str| format!("{}.{s}", m.symbol);
            let params = crate::params::market_params(
                perp_sdk::presets::market_params(),
                &m.params,
                &section("params"),
            )
            .map_err(SpecError::Invalid)?;
            let sources = perp_sdk::presets::oracle_config(
                key(&section("pyth"), &m.pyth)?,
                feed_id(&m.symbol, &m.feed_id)?,
                key(&section("switchboard"), &m.switchboard)?,
            );
            let oracle = crate::params::oracle_limits(sources, &m.oracle, &section("oracle"))
                .map_err(SpecError::Invalid)?;
            markets.push(MarketSpec {
                symbol: m.symbol,
                index,
                params,
                oracle,
                insurance: m.insurance,
            });
        }
        let roles = [
            holder("governance", &file.governance)?,
            holder("risk_council", &file.risk_council)?,
            holder("guardian", &file.guardian)?,
        ];
        if roles[0] == roles[1] || roles[0] == roles[2] || roles[1] == roles[2] {
            return Err(SpecError::Invalid(
                "governance, risk_council and guardian must be three distinct keys".into(),
            ));
        }
        let [governance, risk_council, guardian] = roles;
        // A DAO's listings wait for proposals that name the mint: it must exist first.
        if quote_mint == QuoteMint::Create && governance != Holder::Payer {
            return Err(SpecError::Invalid(
                "a DAO-governed exchange lists an existing quote mint: set quote_mint to its address"
                    .into(),
            ));
        }
        Ok(Spec {
            quote_mint,
            governance,
            risk_council,
            guardian,
            markets,
        })
    }

    pub fn market(&self, symbol: &str) -> Option<&MarketSpec> {
        self.markets.iter().find(|m| m.symbol == symbol)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"
        quote_mint = "create"
        risk_council = "8PjJ1pBj2H8Z2GjKKayvLpdTQW91mCiLF75tFUJ6HdaQ"
        guardian = "8oGtFN1W5sm82qkorcFVJ1ySczQULjsYd8TRK4p9h4xw"
        [[markets]]
        symbol = "SOL-PERP"
        pyth = "7UVimffxr9ow1uXYxsr4LHAcV58mLzhmwaeKvJ1pjLiE"
        feed_id = "ef0d8b6fda2ceba41da15d4095d1da392a0d2f8ed0c6c7bc0f4cfac8c280b56d"
        switchboard = "GvDMxPzN1sCj7L26YDK2HnMRXEQmQ2aemov8YBtPS7vR"
        insurance = 10
        [markets.params]
        initial_margin_bps = 2000
    "#;

    #[test]
    fn a_spec_resolves_overrides_roles_and_units() {
        let spec = Spec::parse(SPEC).unwrap();
        assert_eq!(spec.quote_mint, QuoteMint::Create);
        assert_eq!(spec.governance, Holder::Payer);
        let m = spec.market("SOL-PERP").unwrap();
        assert_eq!((m.index, m.params.initial_margin_bps), (0, 2_000));
        assert_eq!(m.insurance, 10);
        assert_eq!(m.oracle.pyth_feed_id[0], 0xef);
    }

    #[test]
    fn bad_specs_are_named() {
        let bad = |from: &str, to: &str| Spec::parse(&SPEC.replace(from, to)).unwrap_err();
        assert_eq!(
            bad("ef0d8b6f", "zz0d8b6f"),
            SpecError::Invalid("SOL-PERP: feed_id must be 64 hex digits".into())
        );
        assert!(
            bad("initial_margin_bps", "margin")
                .to_string()
                .contains("no parameter")
        );
        assert!(
            bad("\"create\"", "\"nope\"")
                .to_string()
                .contains("quote_mint")
        );
        assert_eq!(
            bad(
                "guardian = \"8oGtFN1W5sm82qkorcFVJ1ySczQULjsYd8TRK4p9h4xw\"",
                "guardian = \"payer\""
            ),
            SpecError::Invalid(
                "governance, risk_council and guardian must be three distinct keys".into()
            )
        );
        let dao = "quote_mint = \"create\"\ngovernance = \"GAg63yhouM3qXMDz9vudCSpmwK367m92LHaSsjQMFGD1\"";
        assert!(
            bad("quote_mint = \"create\"", dao)
                .to_string()
                .contains("existing quote mint")
        );
    }
}
