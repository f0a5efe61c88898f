//! Typed quantities. A size cannot be added to a price, and only the products that mean
//! something exist (Phoenix's `quantities.rs` idea):
//!
//! - `Ticks × QuoteLotsPerBaseLotPerTick → QuoteLotsPerBaseLot` (an order's price per lot)
//! - `QuoteLotsPerBaseLot × BaseLots → QuoteLots` (an order's notional)
//! - `QuoteLots × QuoteNativePerQuoteLot → QuoteNative` (token units)
//! - `Bps × Bps → Bps` (a fraction times a multiplier, rounded up)
//!
//! Signed amounts (`SignedBaseLots` positions, `SignedQuoteLots` PnL and fees, `ScaledQuote` the
//! health unit) follow the same rules. All are `#[repr(transparent)]` and `bytemuck::Pod`, so
//! they can sit inside zero-copy account data. Arithmetic is checked and reports where it failed.
//! docs/engine-units.md has the table and the rules.
//!
//! Mixing units does not compile (these run with `cargo test -p perp-engine --doc`):
//!
//! ```compile_fail,E0308
//! use perp_engine::{BaseLots, Ticks};
//! let _ = BaseLots::new(1).checked_add(Ticks::new(1)); // a size plus a price
//! ```
//!
//! ```compile_fail,E0308
//! use perp_engine::risk::margin::MarginParams;
//! use perp_engine::{BaseLots, Bps};
//! fn f(p: &MarginParams) {
//!     let _ = p.initial_bps(Bps::new(1), Bps::new(100), BaseLots::ZERO); // a fraction as lots
//! }
//! ```
//!
//! ```compile_fail,E0308
//! use perp_engine::{SignedBaseLots, SignedQuoteLots};
//! let _ = SignedBaseLots::new(1).checked_sub(SignedQuoteLots::new(1)); // a position less PnL
//! ```
//!
//! ```
//! use perp_engine::{BaseLots, Bps};
//! use perp_engine::risk::margin::MarginParams;
//! fn f(p: &MarginParams) {
//!     let _ = p.initial_bps(BaseLots::new(1), Bps::new(100), BaseLots::ZERO); // as intended
//! }
//! ```

use crate::error::MathError;
use crate::math::SafeMath;
use bytemuck::{Pod, Zeroable};

/// Basis points in one whole: every fraction of the engine (margins, fees, bands, limits) is
/// in basis points of this (`Bps::WHOLE` as a raw integer).
pub const BPS: u64 = 10_000;

macro_rules! quantity {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[repr(transparent)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Pod, Zeroable)]
        pub struct $name(u64);

        /// The raw integer, for storage, logs and foreign interfaces (the unit is dropped).
        impl From<$name> for u64 {
            #[inline]
            fn from(q: $name) -> u64 {
                q.0
            }
        }

        /// The raw integer, widened.
        impl From<$name> for i128 {
            #[inline]
            fn from(q: $name) -> i128 {
                i128::from(q.0)
            }
        }

        impl core::fmt::Display for $name {
            /// The raw integer (the unit is the type's).
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl $name {
            /// Zero of this unit.
            pub const ZERO: Self = Self(0);
            /// The largest representable amount.
            pub const MAX: Self = Self(u64::MAX);
            /// Wraps a raw integer that is known to be in this unit.
            #[inline]
            pub const fn new(raw: u64) -> Self {
                Self(raw)
            }
            /// The raw integer, for storage and display.
            #[inline]
            pub const fn get(self) -> u64 {
                self.0
            }
            /// True when the amount is zero.
            #[inline]
            pub const fn is_zero(self) -> bool {
                self.0 == 0
            }
            /// Checked sum of two amounts in the same unit.
            #[track_caller]
            #[inline]
            pub fn checked_add(self, rhs: Self) -> Result<Self, MathError> {
                self.0.safe_add(rhs.0).map(Self)
            }
            /// Checked difference of two amounts in the same unit.
            #[track_caller]
            #[inline]
            pub fn checked_sub(self, rhs: Self) -> Result<Self, MathError> {
                self.0.safe_sub(rhs.0).map(Self)
            }
            /// Difference clamped at zero.
            #[inline]
            pub fn saturating_sub(self, rhs: Self) -> Self {
                Self(self.0.saturating_sub(rhs.0))
            }
        }
    };
}

/// A signed amount over `$raw` (a position, a PnL, a value that may be a debt): the same
/// discipline as `quantity!`, with the sign.
macro_rules! signed_quantity {
    ($(#[$doc:meta])* $name:ident($raw:ty)) => {
        $(#[$doc])*
        #[repr(transparent)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Pod, Zeroable)]
        pub struct $name($raw);

        /// The raw integer, widened (the unit is dropped).
        impl From<$name> for i128 {
            #[inline]
            fn from(q: $name) -> i128 {
                q.0 as i128
            }
        }

        impl core::fmt::Display for $name {
            /// The raw integer (the unit is the type's).
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl $name {
            /// Zero of this unit.
            pub const ZERO: Self = Self(0);
            /// Wraps a raw integer that is known to be in this unit.
            #[inline]
            pub const fn new(raw: $raw) -> Self {
                Self(raw)
            }
            /// The raw integer, for storage and display.
            #[inline]
            pub const fn get(self) -> $raw {
                self.0
            }
            /// True when zero.
            #[inline]
            pub const fn is_zero(self) -> bool {
                self.0 == 0
            }
            /// True below zero.
            #[inline]
            pub const fn is_negative(self) -> bool {
                self.0 < 0
            }
            /// True above zero.
            #[inline]
            pub const fn is_positive(self) -> bool {
                self.0 > 0
            }
            /// Checked sum.
            #[track_caller]
            #[inline]
            pub fn checked_add(self, rhs: Self) -> Result<Self, MathError> {
                self.0.safe_add(rhs.0).map(Self)
            }
            /// Checked difference.
            #[track_caller]
            #[inline]
            pub fn checked_sub(self, rhs: Self) -> Result<Self, MathError> {
                self.0.safe_sub(rhs.0).map(Self)
            }
            /// The magnitude, same sign convention (`MIN` saturates).
            #[inline]
            pub const fn abs(self) -> Self {
                Self(self.0.saturating_abs())
            }
        }
    };
}

quantity!(
    /// An amount of the base asset in lots (the market's size increment).
    BaseLots
);
quantity!(
    /// An amount of quote in quote lots (the market's quote increment).
    QuoteLots
);
quantity!(
    /// A price in ticks (the market's price increment).
    Ticks
);
quantity!(
    /// An amount of the quote token in its native (smallest) units, as the token program counts.
    QuoteNative
);
quantity!(
    /// Tick size: how many quote lots one tick adds to the price of one base lot.
    QuoteLotsPerBaseLotPerTick
);
quantity!(
    /// A price expressed as quote lots per base lot (ticks × tick size).
    QuoteLotsPerBaseLot
);
quantity!(
    /// Quote lot size: native quote units in one quote lot.
    QuoteNativePerQuoteLot
);

quantity!(
    /// A fraction in basis points (10,000 = 100%): a margin fraction, a multiplier, a
    /// volatility per √hour. Products with a fraction round up (in the venue's favour).
    Bps
);

signed_quantity!(
    /// A position in base lots: positive long, negative short.
    SignedBaseLots(i64)
);
signed_quantity!(
    /// A signed amount of quote in quote lots (a cost basis, a PnL, fees net of rebates).
    SignedQuoteLots(i64)
);
signed_quantity!(
    /// The health unit: an amount of the quote token in native units × `PRICE_SCALE`, signed. A
    /// position valued at a `Price` lands here exactly (lots × price, no rounding), so equity,
    /// unrealised PnL and exposure are compared without ever dividing; only a figure shown to a
    /// user or moved as tokens is brought back to native units (`floor_native`, in `price`).
    ScaledQuote(i128)
);

impl SignedBaseLots {
    /// The size, whichever the direction.
    #[inline]
    pub const fn unsigned_abs(self) -> BaseLots {
        BaseLots(self.0.unsigned_abs())
    }
}

impl SignedQuoteLots {
    /// The amount, whichever the sign.
    #[inline]
    pub const fn unsigned_abs(self) -> QuoteLots {
        QuoteLots(self.0.unsigned_abs())
    }
}

impl Bps {
    /// One whole: 100%, or a multiplier of 1.
    pub const WHOLE: Self = Self(BPS);

    /// A stored or configured `u32` fraction.
    #[inline]
    pub const fn from_u32(raw: u32) -> Self {
        Self(raw as u64)
    }

    /// `self × multiplier`, where the multiplier is itself in bps (10,000 = ×1), rounded up.
    #[track_caller]
    #[inline]
    pub fn scale_ceil(self, multiplier: Bps) -> Result<Bps, MathError> {
        self.0.safe_mul(multiplier.0)?.safe_div_ceil(BPS).map(Self)
    }

    /// Never above one whole.
    #[inline]
    pub fn capped(self) -> Self {
        Self(self.0.min(BPS))
    }
}

impl Ticks {
    /// The price per base lot this many ticks stands for.
    #[track_caller]
    #[inline]
    pub fn checked_mul_tick_size(
        self,
        tick_size: QuoteLotsPerBaseLotPerTick,
    ) -> Result<QuoteLotsPerBaseLot, MathError> {
        self.0.safe_mul(tick_size.0).map(QuoteLotsPerBaseLot)
    }
}

impl QuoteLotsPerBaseLot {
    /// The quote value of `lots` at this price.
    #[track_caller]
    #[inline]
    pub fn checked_mul_lots(self, lots: BaseLots) -> Result<QuoteLots, MathError> {
        self.0.safe_mul(lots.0).map(QuoteLots)
    }
}

impl QuoteLots {
    /// These quote lots in native token units.
    #[track_caller]
    #[inline]
    pub fn checked_to_native(
        self,
        lot_size: QuoteNativePerQuoteLot,
    ) -> Result<QuoteNative, MathError> {
        self.0.safe_mul(lot_size.0).map(QuoteNative)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notional_chain_multiplies_through() {
        // 1,234 ticks × 5 quote lots/tick = 6,170 quote lots per base lot; × 3 lots = 18,510 quote
        // lots; × 10 native per quote lot = 185,100 native.
        let per_lot = Ticks::new(1_234)
            .checked_mul_tick_size(QuoteLotsPerBaseLotPerTick::new(5))
            .unwrap();
        assert_eq!(per_lot, QuoteLotsPerBaseLot::new(1_234 * 5));
        let quote = per_lot.checked_mul_lots(BaseLots::new(3)).unwrap();
        assert_eq!(quote, QuoteLots::new(1_234 * 5 * 3));
        assert_eq!(
            quote
                .checked_to_native(QuoteNativePerQuoteLot::new(10))
                .unwrap(),
            QuoteNative::new(1_234 * 5 * 3 * 10)
        );
    }

    #[test]
    fn same_unit_arithmetic_is_checked() {
        assert_eq!(
            BaseLots::new(3).checked_add(BaseLots::new(4)),
            Ok(BaseLots::new(7))
        );
        assert!(BaseLots::new(3).checked_sub(BaseLots::new(4)).is_err());
        assert!(QuoteNative::MAX.checked_add(QuoteNative::new(1)).is_err());
        assert_eq!(
            QuoteNative::new(3).saturating_sub(QuoteNative::new(4)),
            QuoteNative::ZERO
        );
        assert!(
            Ticks::new(u64::MAX)
                .checked_mul_tick_size(QuoteLotsPerBaseLotPerTick::new(2))
                .is_err()
        );
    }

    #[test]
    fn fractions_scale_up_and_cap_at_one_whole() {
        assert_eq!(
            Bps::new(1_000).scale_ceil(Bps::new(11_000)),
            Ok(Bps::new(1_100))
        );
        // 333 × 1.0001 = 333.0333 → 334 (rounded up).
        assert_eq!(
            Bps::new(333).scale_ceil(Bps::new(10_001)),
            Ok(Bps::new(334))
        );
        assert_eq!(
            Bps::new(9_000)
                .scale_ceil(Bps::new(20_000))
                .unwrap()
                .capped(),
            Bps::WHOLE
        );
        assert!(Bps::MAX.scale_ceil(Bps::new(2)).is_err());
    }

    #[test]
    fn quantities_are_transparent_pod() {
        assert_eq!(core::mem::size_of::<BaseLots>(), 8);
        assert_eq!(bytemuck::cast::<u64, Ticks>(42), Ticks::new(42));
    }
}
