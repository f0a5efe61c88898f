//! Account layouts. Stored fields are plain integers and keys (so the IDL describes them and
//! clients decode them); typed engine quantities are built from them at the boundary.

pub mod book;
pub mod exchange;
pub mod margin_account;
pub mod market;
pub mod market_params;
pub mod oracle_config;
pub mod param_change;
pub mod params_table;
pub mod tighten;
pub mod trigger_orders;

pub use book::*;
pub use exchange::*;
pub use margin_account::*;
pub use market::*;
pub use market_params::*;
pub use oracle_config::*;
pub use param_change::*;
pub use trigger_orders::*;

#[cfg(test)]
mod enum_encoding_tests {
    use super::{Gate, MarketStatus, Role};
    use anchor_lang::AnchorSerialize;

    fn bytes(v: &impl AnchorSerialize) -> Vec<u8> {
        let mut out = Vec::new();
        v.serialize(&mut out).unwrap();
        out
    }

    /// These enums are borsh-encoded by variant index (what the IDL describes); their
    /// explicit values must stay equal to it.
    #[test]
    fn index_and_value_encode_the_same() {
        for r in [Role::Governance, Role::RiskCouncil, Role::Guardian] {
            assert_eq!(bytes(&r), vec![r as u8]);
        }
        for g in [
            Gate::Deposit,
            Gate::Withdraw,
            Gate::MarginAccountCreate,
            Gate::OrderPlace,
        ] {
            assert_eq!(bytes(&g), vec![g as u8]);
        }
        for s in [
            MarketStatus::Active,
            MarketStatus::ReduceOnly,
            MarketStatus::Paused,
        ] {
            assert_eq!(bytes(&s), vec![s as u8]);
        }
    }
}
