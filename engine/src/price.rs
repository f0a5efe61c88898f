//! The one fixed-point price used everywhere: native quote units per base lot, scaled by
//! `PRICE_SCALE` (10^6). Oracle prices, order-book ticks, margin and PnL all convert to and
//! from this, so there is exactly one place where decimals and lot sizes meet.
//!
//! Rounding is always explicit (`_floor` / `_ceil`) so callers choose the direction that
//! favours the venue (e.g. margin required rounds up, collateral value rounds down).

use crate::error::MathError;
use crate::math::{SafeMath, safe_cast};
pub use crate::units::ScaledQuote;
use crate::units::{
    BaseLots, QuoteLotsPerBaseLotPerTick, QuoteNative, QuoteNativePerQuoteLot, Ticks,
};
use bytemuck::{Pod, Zeroable};

/// Number of decimal places in a `Price`'s fixed-point representation.
pub const PRICE_DECIMALS: u32 = 6;
/// `10^PRICE_DECIMALS`: a `Price` of `PRICE_SCALE` is one native quote unit per base lot.
pub const PRICE_SCALE: u64 = 10u64.pow(PRICE_DECIMALS);

/// Native quote units per base lot, fixed-point with `PRICE_DECIMALS` decimals.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Pod, Zeroable)]
pub struct Price(u64);

impl ScaledQuote {
    /// `native` quote units, exactly.
    #[inline]
    pub fn from_native(native: i128) -> Result<Self, MathError> {
        native.safe_mul(i128::from(PRICE_SCALE)).map(Self::new)
    }

    /// Native units, rounded down (toward −∞: a deficit never shows smaller than it is).
    #[inline]
    pub fn floor_native(self) -> i128 {
        self.get().div_euclid(i128::from(PRICE_SCALE))
    }
}

/// How a market's lots and decimals relate to whole units, needed to read an external price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LotScale {
    /// Base atoms in one base lot (a base atom is 10^-base_decimals of one whole base unit).
    pub base_lot_size: u64,
    /// Decimals of the base asset's atoms.
    pub base_decimals: u8,
    /// Decimals of the quote token.
    pub quote_decimals: u8,
}

impl Price {
    /// Zero price.
    pub const ZERO: Self = Self(0);

    /// Wraps a raw fixed-point value.
    #[inline]
    pub const fn from_raw(raw: u64) -> Self {
        Self(raw)
    }

    /// The raw fixed-point value, for storage.
    #[inline]
    pub const fn raw(self) -> u64 {
        self.0
    }

    /// The midpoint of two prices, rounded down (no overflow at any pair).
    #[inline]
    pub const fn mid(self, other: Self) -> Self {
        Self(self.0 / 2 + other.0 / 2 + (self.0 % 2 + other.0 % 2) / 2)
    }

    /// The price an order at `ticks` stands for: ticks × tick size × quote lot size.
    #[track_caller]
    pub fn from_ticks(
        ticks: Ticks,
        tick_size: QuoteLotsPerBaseLotPerTick,
        quote_lot_size: QuoteNativePerQuoteLot,
    ) -> Result<Self, MathError> {
        let native_per_lot = u128::from(ticks.get())
            .safe_mul(u128::from(tick_size.get()))?
            .safe_mul(u128::from(quote_lot_size.get()))?;
        Ok(Self(safe_cast(
            native_per_lot.safe_mul(u128::from(PRICE_SCALE))?,
        )?))
    }

    /// The native quote units of one tick, scaled: the price step of the book.
    #[track_caller]
    fn tick_step(
        tick_size: QuoteLotsPerBaseLotPerTick,
        quote_lot_size: QuoteNativePerQuoteLot,
    ) -> Result<u128, MathError> {
        u128::from(tick_size.get())
            .safe_mul(u128::from(quote_lot_size.get()))?
            .safe_mul(u128::from(PRICE_SCALE))
    }

    /// The highest tick whose price is at or below this price.
    #[track_caller]
    pub fn to_ticks_floor(
        self,
        tick_size: QuoteLotsPerBaseLotPerTick,
        quote_lot_size: QuoteNativePerQuoteLot,
    ) -> Result<Ticks, MathError> {
        let step = Self::tick_step(tick_size, quote_lot_size)?;
        Ok(Ticks::new(safe_cast(u128::from(self.0).safe_div(step)?)?))
    }

    /// The lowest tick whose price is at or above this price.
    #[track_caller]
    pub fn to_ticks_ceil(
        self,
        tick_size: QuoteLotsPerBaseLotPerTick,
        quote_lot_size: QuoteNativePerQuoteLot,
    ) -> Result<Ticks, MathError> {
        let step = Self::tick_step(tick_size, quote_lot_size)?;
        Ok(Ticks::new(safe_cast(
            u128::from(self.0).safe_div_ceil(step)?,
        )?))
    }

    /// Value of `lots` at this price in native quote units, rounded down.
    #[track_caller]
    pub fn notional_floor(self, lots: BaseLots) -> Result<QuoteNative, MathError> {
        let scaled = u128::from(self.0).safe_mul(u128::from(lots.get()))?;
        Ok(QuoteNative::new(safe_cast(
            scaled.safe_div(u128::from(PRICE_SCALE))?,
        )?))
    }

    /// Value of `lots` at this price in native quote units, rounded up.
    #[track_caller]
    pub fn notional_ceil(self, lots: BaseLots) -> Result<QuoteNative, MathError> {
        let scaled = u128::from(self.0).safe_mul(u128::from(lots.get()))?;
        Ok(QuoteNative::new(safe_cast(
            scaled.safe_div_ceil(u128::from(PRICE_SCALE))?,
        )?))
    }

    /// Converts an external decimal price `mantissa × 10^expo` (whole quote units per whole base
    /// unit, as oracles publish it) into a `Price`, rounding down. A non-positive mantissa is a
    /// math error: callers grade such a source invalid before converting.
    #[track_caller]
    pub fn from_decimal(mantissa: i128, expo: i32, scale: LotScale) -> Result<Self, MathError> {
        let mantissa: u128 = safe_cast(mantissa)?;
        if mantissa == 0 {
            return Err(MathError::at_caller());
        }
        // raw = mantissa × base_lot_size × 10^(expo + quote_decimals − base_decimals + PRICE_DECIMALS)
        let shift = i64::from(expo) + i64::from(scale.quote_decimals)
            - i64::from(scale.base_decimals)
            + i64::from(PRICE_DECIMALS);
        let numerator = mantissa.safe_mul(u128::from(scale.base_lot_size))?;
        let pow = |e: i64| -> Result<u128, MathError> {
            let e: u32 = safe_cast(e)?;
            match 10u128.checked_pow(e) {
                Some(v) => Ok(v),
                None => Err(MathError::at_caller()),
            }
        };
        let raw = if shift >= 0 {
            numerator.safe_mul(pow(shift)?)?
        } else {
            numerator.safe_div(pow(-shift)?)?
        };
        Ok(Self(safe_cast(raw)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TICK: QuoteLotsPerBaseLotPerTick = QuoteLotsPerBaseLotPerTick::new(10);
    const QLOT: QuoteNativePerQuoteLot = QuoteNativePerQuoteLot::new(100);

    #[test]
    fn mid_rounds_down_and_never_overflows() {
        let p = Price::from_raw;
        assert_eq!(p(3).mid(p(6)), p(4));
        assert_eq!(p(3).mid(p(5)), p(4));
        assert_eq!(p(u64::MAX).mid(p(u64::MAX)), p(u64::MAX));
        assert_eq!(p(u64::MAX).mid(p(u64::MAX - 1)), p(u64::MAX - 1));
    }

    #[test]
    fn ticks_round_trip_through_price() {
        for t in [0u64, 1, 7, 1_000_000] {
            let p = Price::from_ticks(Ticks::new(t), TICK, QLOT).unwrap();
            assert_eq!(p.raw(), t * 10 * 100 * PRICE_SCALE);
            assert_eq!(p.to_ticks_floor(TICK, QLOT).unwrap(), Ticks::new(t));
            assert_eq!(p.to_ticks_ceil(TICK, QLOT).unwrap(), Ticks::new(t));
        }
        // A price strictly between two ticks rounds down and up respectively.
        let between = Price::from_raw(7 * 10 * 100 * PRICE_SCALE + 1);
        assert_eq!(between.to_ticks_floor(TICK, QLOT).unwrap(), Ticks::new(7));
        assert_eq!(between.to_ticks_ceil(TICK, QLOT).unwrap(), Ticks::new(8));
    }

    #[test]
    fn notional_rounds_in_the_requested_direction() {
        // 2.5 native per lot × 3 lots = 7.5 native.
        let p = Price::from_raw(5 * PRICE_SCALE / 2);
        assert_eq!(
            p.notional_floor(BaseLots::new(3)).unwrap(),
            QuoteNative::new(7)
        );
        assert_eq!(
            p.notional_ceil(BaseLots::new(3)).unwrap(),
            QuoteNative::new(8)
        );
        let exact = Price::from_raw(3 * PRICE_SCALE);
        assert_eq!(
            exact.notional_floor(BaseLots::new(4)).unwrap(),
            exact.notional_ceil(BaseLots::new(4)).unwrap()
        );
        assert!(
            Price::from_raw(u64::MAX)
                .notional_floor(BaseLots::new(u64::MAX))
                .is_err()
        );
    }

    #[test]
    fn decimal_prices_convert_with_lot_scale() {
        // SOL at $150.12345678 (mantissa 15_012_345_678, expo −8), quote USDC (6 decimals),
        // base lot = 0.001 SOL (base_lot_size 1_000_000 atoms of 9 decimals).
        // Per lot: 0.15012345678 USDC = 150_123.45678 native → raw = 150_123_456_780 (floored).
        let scale = LotScale {
            base_lot_size: 1_000_000,
            base_decimals: 9,
            quote_decimals: 6,
        };
        let p = Price::from_decimal(15_012_345_678, -8, scale).unwrap();
        assert_eq!(
            u128::from(p.raw()),
            15_012_345_678u128 * 1_000_000 * 10u128.pow(6) / 10u128.pow(8 + 9 - 6)
        );
        assert_eq!(
            p.notional_floor(BaseLots::new(1_000)).unwrap(),
            QuoteNative::new(150_123_456)
        ); // 1 SOL
        // A positive exponent multiplies: 3 × 10^2 per whole base, 1 atom lots, 0 decimals.
        let unit = LotScale {
            base_lot_size: 1,
            base_decimals: 0,
            quote_decimals: 0,
        };
        assert_eq!(
            Price::from_decimal(3, 2, unit).unwrap().raw(),
            300 * PRICE_SCALE
        );
        assert!(Price::from_decimal(0, 0, unit).is_err());
        assert!(Price::from_decimal(-5, 0, unit).is_err());
        assert!(Price::from_decimal(i128::from(i64::MAX), 30, unit).is_err());
        // Switchboard publishes 18-decimal i128 values: $150 SOL is 1.5 × 10^20, beyond i64.
        let sb = Price::from_decimal(150 * 10i128.pow(18), -18, scale).unwrap();
        assert_eq!(sb.raw(), 150 * 1_000_000 * PRICE_SCALE / 1_000);
    }
}
