//! Oracle aggregation: grading each external source, combining the valid ones, and deciding per
//! action which price may be used (DESIGN §6). Also owns the market's stable price and its
//! circuit breaker, and the rule that refreshes both (`PriceTracker::refresh`).
//!
//! It never sees a Solana account: `accounts` decodes the Pyth / Switchboard layouts from an
//! owner key and bytes (the program passes what it loaded, the web app what it subscribed to)
//! into [`SourceReading`]s, reporting account-level faults (owner, account type, feed id,
//! verification) as a [`SourceFault`]; from there on everything is plain values.

pub mod accounts;
mod aggregate;
mod band;
mod breaker;
mod source;
mod stable;
mod tracker;

pub use aggregate::{Action, OracleError, PriceBand, PriceRules, agreed_price, price_for};
pub use band::{
    OrderBand, inside_breaker_band, order_band, reference_range, scale_bps, valid_range, widen,
};
pub use breaker::{Breaker, BreakerConfig, BreakerTransition};
pub use source::{Graded, MAX_SOURCES, Now, Published, SourceFault, SourceLimits, SourceReading};
pub use stable::{STABLE_MAX_STEP_SECS, StablePrice, StablePriceConfig};
pub use tracker::{PriceTracker, Refresh, TrackerConfig};

use crate::error::MathError;
use crate::math::SafeMath;
use crate::price::Price;

/// Whether `a` and `b` lie within `bps` of `reference`: |a − b| × 10⁴ ≤ bps × reference.
#[track_caller]
fn within_bps(a: Price, b: Price, bps: u32, reference: Price) -> Result<bool, MathError> {
    let diff = u128::from(a.raw().abs_diff(b.raw()));
    let lhs = diff.safe_mul(u128::from(crate::units::BPS))?;
    let rhs = u128::from(bps).safe_mul(u128::from(reference.raw()))?;
    Ok(lhs <= rhs)
}
