//! Harness shared by every program test: a bank with the program, mints and funded users,
//! instruction builders, clock warps, oracle account writers, exact error assertions and the conservation check.

pub mod adversary;
pub mod env;
pub mod forger;
pub use perp_sdk::ix;
pub mod oracles;
pub mod risk;
pub mod solvency;
pub mod tokens;
pub mod trading;

pub use env::*;
pub use ix::{InsuranceWithdrawAccounts, MarketCreateAccounts};
pub use oracles::*;
