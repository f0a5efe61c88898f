//! The risk engine (DESIGN §7–§9), pure: margin fractions that react to size, realised
//! volatility and open interest (`margin`), the volatility estimator (`volatility`), an account's
//! health and withdrawable amount (`health`), liquidation sizing, fee and price (`liquidation`),
//! funding with socialised losses (`funding`), the market's risk state that the crank
//! refreshes (`state`), and the one way a position changes (`position`: funding settled before,
//! open interest recorded after).
//!
//! The program stores the state these types define in the market and margin accounts and calls
//! them with plain values; the same code answers the keeper's and the web app's questions.

pub mod account;
pub mod bankruptcy;
pub mod funding;
pub mod health;
pub mod liquidation;
pub mod margin;
pub mod mark;
pub mod open_interest;
pub mod position;
pub mod state;
pub mod trader_margin;
pub mod volatility;

/// Tests' prices: `native_per_lot` whole native quote units per base lot.
#[cfg(test)]
pub(crate) fn test_price(native_per_lot: u64) -> crate::price::Price {
    crate::price::Price::from_raw(native_per_lot * crate::price::PRICE_SCALE)
}
