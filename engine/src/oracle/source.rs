//! One external price source: what it published, and whether it is usable right now.

use crate::price::{LotScale, Price};
use crate::units::BPS;

/// Most external sources a market can configure (Pyth and Switchboard). Every loop over sources
/// is bounded by this.
pub const MAX_SOURCES: usize = 2;

/// When a source says its value was produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Published {
    /// Unix time in seconds (Pyth's `publish_time`).
    UnixTime(i64),
    /// A Solana slot (Switchboard's result slot).
    Slot(u64),
}

/// A source's published value as a decimal: `mantissa × 10^expo` whole quote units per whole
/// base unit, with its confidence (Pyth's interval, Switchboard's standard deviation) in the same
/// scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceReading {
    /// The price's mantissa (i128: Switchboard publishes 18-decimal values).
    pub mantissa: i128,
    /// The confidence, in units of the mantissa.
    pub confidence: u128,
    /// Decimal exponent of mantissa and confidence.
    pub expo: i32,
    /// When the value was produced.
    pub published: Published,
}

/// The bank's clock, as the program reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    /// Unix time in seconds.
    pub unix_time: i64,
    /// Current slot.
    pub slot: u64,
}

/// Per-market limits a reading must meet to be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceLimits {
    /// Oldest acceptable time-stamped reading, in seconds.
    pub max_age_secs: u32,
    /// Oldest acceptable slot-stamped reading, in slots.
    pub max_age_slots: u32,
    /// Widest acceptable confidence, in bps of the price.
    pub max_confidence_bps: u32,
}

/// Why a source cannot be used. The first four are decided by the program when it decodes the
/// account; the rest by [`SourceReading::grade`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFault {
    /// The configured account is not owned by the oracle's program.
    WrongOwner,
    /// The account's bytes are not the expected account type (discriminator or length).
    WrongAccountType,
    /// The account carries another feed than the one configured.
    WrongFeed,
    /// The update was not fully verified (Pyth: fewer than 2/3 of the guardians' signatures).
    Unverified,
    /// The reading is older than the market's staleness limit.
    Stale,
    /// The confidence interval is wider than the market's limit.
    TooUncertain,
    /// The price is zero or negative.
    NonPositive,
    /// The price does not fit the market's fixed-point range (or rounds to zero).
    OutOfRange,
    /// The reading is older than one the market has already used from this source: a caller
    /// may not pick a favourable older print that is still inside the staleness window.
    Regressed,
}

/// A source after grading: its price in the market's fixed point, or why it is unusable.
pub type Graded = Result<Price, SourceFault>;

impl Published {
    /// Whether this stamp is older than `other` (stamps of different kinds never compare).
    pub fn is_older_than(self, other: Published) -> bool {
        match (self, other) {
            (Published::UnixTime(a), Published::UnixTime(b)) => a < b,
            (Published::Slot(a), Published::Slot(b)) => a < b,
            _ => false,
        }
    }
}

impl SourceReading {
    /// Refuses the reading (`Regressed`) when it is older than `newest_used`, the newest
    /// publication of this source the market has already used.
    pub fn not_older_than(self, newest_used: Option<Published>) -> Result<Self, SourceFault> {
        match newest_used {
            Some(used) if self.published.is_older_than(used) => Err(SourceFault::Regressed),
            _ => Ok(self),
        }
    }

    /// Grades the reading (stale, then non-positive, then too uncertain, then out of range) and
    /// converts a usable one into the market's `Price`.
    ///
    /// A reading stamped in the future (clocks of different chains disagree by a few seconds) has
    /// age zero rather than being refused.
    pub fn grade(&self, limits: SourceLimits, now: Now, scale: LotScale) -> Graded {
        let fresh = match self.published {
            Published::UnixTime(t) => {
                now.unix_time.saturating_sub(t) <= i64::from(limits.max_age_secs)
            }
            Published::Slot(s) => now.slot.saturating_sub(s) <= u64::from(limits.max_age_slots),
        };
        if !fresh {
            return Err(SourceFault::Stale);
        }
        if self.mantissa <= 0 {
            return Err(SourceFault::NonPositive);
        }
        // confidence / price > max_confidence_bps / 10⁴, cross-multiplied; an overflow can only
        // come from an absurd confidence, which is too uncertain by any measure.
        let mantissa = self.mantissa.unsigned_abs();
        let too_uncertain = match (
            self.confidence.checked_mul(u128::from(BPS)),
            mantissa.checked_mul(u128::from(limits.max_confidence_bps)),
        ) {
            (Some(lhs), Some(rhs)) => lhs > rhs,
            (None, _) => true,
            (Some(_), None) => false,
        };
        if too_uncertain {
            return Err(SourceFault::TooUncertain);
        }
        match Price::from_decimal(self.mantissa, self.expo, scale) {
            Ok(p) if p != Price::ZERO => Ok(p),
            _ => Err(SourceFault::OutOfRange),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::price::PRICE_SCALE;

    /// Quote with 6 decimals, base with 6 decimals, 1-atom lots: a price of 1.0 is
    /// 10^-6 whole quote per atom = 1 native quote per lot → raw PRICE_SCALE.
    const SCALE: LotScale = LotScale {
        base_lot_size: 1,
        base_decimals: 6,
        quote_decimals: 6,
    };
    const LIMITS: SourceLimits = SourceLimits {
        max_age_secs: 30,
        max_age_slots: 50,
        max_confidence_bps: 100,
    };
    const NOW: Now = Now {
        unix_time: 1_000_000,
        slot: 5_000,
    };

    fn reading(mantissa: i128, confidence: u128, published: Published) -> SourceReading {
        SourceReading {
            mantissa,
            confidence,
            expo: -2,
            published,
        }
    }

    #[test]
    fn grades_follow_the_limits() {
        let t = NOW.unix_time;
        let s = NOW.slot;
        let max_secs = i64::from(LIMITS.max_age_secs);
        let max_slots = u64::from(LIMITS.max_age_slots);
        // 100.00 with confidence at exactly the 1% limit.
        let cases: &[(SourceReading, Graded)] = &[
            (
                reading(10_000, 100, Published::UnixTime(t - max_secs)),
                Ok(Price::from_raw(100 * PRICE_SCALE)),
            ),
            (
                reading(10_000, 100, Published::UnixTime(t - max_secs - 1)),
                Err(SourceFault::Stale),
            ),
            (
                reading(10_000, 100, Published::UnixTime(t + 5)),
                Ok(Price::from_raw(100 * PRICE_SCALE)),
            ),
            (
                reading(10_000, 100, Published::Slot(s - max_slots)),
                Ok(Price::from_raw(100 * PRICE_SCALE)),
            ),
            (
                reading(10_000, 100, Published::Slot(s - max_slots - 1)),
                Err(SourceFault::Stale),
            ),
            (
                reading(10_000, 101, Published::Slot(s)),
                Err(SourceFault::TooUncertain),
            ),
            (
                reading(10_000, u128::MAX, Published::Slot(s)),
                Err(SourceFault::TooUncertain),
            ),
            (
                reading(0, 0, Published::Slot(s)),
                Err(SourceFault::NonPositive),
            ),
            (
                reading(-10_000, 0, Published::Slot(s)),
                Err(SourceFault::NonPositive),
            ),
            // Stale wins over every other fault: the value is not looked at.
            (
                reading(-1, u128::MAX, Published::Slot(s - max_slots - 1)),
                Err(SourceFault::Stale),
            ),
            // 0.001 rounds to zero native per lot at this scale.
            (
                SourceReading {
                    mantissa: 1,
                    confidence: 0,
                    expo: -9,
                    published: Published::Slot(s),
                },
                Err(SourceFault::OutOfRange),
            ),
            (
                SourceReading {
                    mantissa: i128::MAX,
                    confidence: 0,
                    expo: 0,
                    published: Published::Slot(s),
                },
                Err(SourceFault::OutOfRange),
            ),
        ];
        for (r, expected) in cases {
            assert_eq!(r.grade(LIMITS, NOW, SCALE), *expected, "{r:?}");
        }
    }
}
