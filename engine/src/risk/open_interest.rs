//! A market's open interest, per side: the sum of the long positions and of the short positions
//! that have been applied to margin accounts. A maker's side of a queued fill is not applied
//! until the event is consumed, so the two sides can differ for a while; funding and socialised
//! losses divide over exactly these sums, which is what keeps them zero-sum at every moment.

use crate::error::MathError;
use crate::math::SafeMath;
use bytemuck::{Pod, Zeroable};

/// Stored in the market. 16 bytes.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Pod, Zeroable)]
pub struct OpenInterest {
    /// Σ of positive positions, base lots.
    pub long_lots: u64,
    /// Σ of |negative positions|, base lots.
    pub short_lots: u64,
}
static_assertions::const_assert_eq!(core::mem::size_of::<OpenInterest>(), 16);

impl OpenInterest {
    /// Records one account's position moving from `before` to `after` lots.
    pub fn record(&mut self, before: i64, after: i64) -> Result<(), MathError> {
        let (long_before, short_before) = split(before);
        let (long_after, short_after) = split(after);
        self.long_lots = self.long_lots.safe_sub(long_before)?.safe_add(long_after)?;
        self.short_lots = self
            .short_lots
            .safe_sub(short_before)?
            .safe_add(short_after)?;
        Ok(())
    }

    /// The larger side: what the open-interest caps apply to.
    pub fn lots(&self) -> u64 {
        self.long_lots.max(self.short_lots)
    }
}

/// (long lots, short lots) of one position.
fn split(position: i64) -> (u64, u64) {
    if position >= 0 {
        (position as u64, 0)
    } else {
        (0, position.unsigned_abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_follow_positions_across_a_flip() {
        let mut oi = OpenInterest::default();
        oi.record(0, 10).unwrap(); // taker long 10
        assert_eq!((oi.long_lots, oi.short_lots, oi.lots()), (10, 0, 10));
        oi.record(0, -10).unwrap(); // its maker, once consumed
        oi.record(10, -4).unwrap(); // the long flips short
        assert_eq!((oi.long_lots, oi.short_lots), (0, 14));
        // A position that was never recorded cannot be removed.
        assert!(oi.record(5, 0).is_err());
    }
}
