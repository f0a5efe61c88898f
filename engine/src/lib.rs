//! `perp-engine`: the exchange's pure core.
//!
//! Owns typed quantities, checked fixed-point math and the trading/margin rules. It never sees
//! Solana: no `AccountInfo`, no `Clock`, no token program. The on-chain program loads accounts,
//! calls into this crate with plain values (time included) and writes the results back, so the
//! same code runs on-chain, in the keeper, in the SDK and in tests.
#![no_std]

pub mod book;
pub mod collateral;
pub mod crank;
pub mod error;
pub mod events;
#[cfg(feature = "idl-build")]
pub mod idl;
pub mod math;
pub mod oracle;
pub mod order;
pub mod price;
pub mod risk;
pub mod side;
pub mod trader;
pub mod trigger;
pub mod units;

pub use error::{EngineError, MathError};
pub use price::Price;
pub use side::Side;
pub use units::*;
