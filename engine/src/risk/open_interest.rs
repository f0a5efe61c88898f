//! A market's open interest, per side: the sum of the long positions and of the short positions
//! that have been applied to margin accounts. A maker's side of a queued fill is not applied
//! until the event is consumed, so the two sides can differ for a while; funding and socialised
//! losses divide over exactly these sums, which is what keeps them zero-sum at every moment.

use crate::error::MathError;
use crate::events::EventQueue;
use crate::math::SafeMath;
use crate::side::Side;
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

    /// An upper bound on each side once the fills waiting in the queue settle: a maker's side
    /// of a queued fill is not recorded until it settles, and settled it moves the maker's
    /// side by at most its lots (a bid maker's long side, an ask maker's short side; or it
    /// reduces the other side instead). What the hard cap is judged on: judged on the recorded
    /// sides alone, queued fills would leave room that settling them then fills.
    pub fn with_queued(&self, bid_maker_lots: u64, ask_maker_lots: u64) -> OpenInterest {
        OpenInterest {
            long_lots: self.long_lots.saturating_add(bid_maker_lots),
            short_lots: self.short_lots.saturating_add(ask_maker_lots),
        }
    }

    /// `with_queued` for the fills waiting in `queue`.
    pub fn with_queue<const N: usize>(&self, queue: &EventQueue<N>) -> OpenInterest {
        self.with_queued(
            queue.queued_fill_lots(Side::Bid),
            queue.queued_fill_lots(Side::Ask),
        )
    }

    /// The hard cap's rule for an order that may add risk, from `before` to `self` (both
    /// `with_queue` bounds): both at or under the cap. Above the cap the market is reduce-only:
    /// only reduce-only orders trade there, and they cannot raise open interest (a reduce-only
    /// taker's true exposure only shrinks, whatever its makers do). A rule that only kept the
    /// bounds from growing would let an order turn the slack of a queued reduction (counted in
    /// the bound as if it added) into new positions above a lowered cap (`review2.rs`). Below
    /// the cap no change takes the bound, and so open interest, past it.
    pub fn within_cap(&self, before: &OpenInterest, hard_cap_lots: u64) -> bool {
        before.lots() <= hard_cap_lots && self.lots() <= hard_cap_lots
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

    #[test]
    fn the_hard_cap_counts_queued_makers_and_admits_no_new_risk_above_it() {
        let cap = 100;
        // Recorded (100, 0) with the ask maker's 100 queued: really (100, 100).
        let before = OpenInterest {
            long_lots: 100,
            short_lots: 0,
        }
        .with_queued(0, 100);
        assert_eq!((before.long_lots, before.short_lots), (100, 100));
        // A sale into a resting bid whose fill queues: both sides would settle at 200.
        let after = OpenInterest {
            long_lots: 100,
            short_lots: 100,
        }
        .with_queued(100, 100);
        assert!(!after.within_cap(&before, cap));
        // Above the cap (the council lowered it) no order that may add risk trades, even one
        // that leaves the bounds lower: only reduce-only orders do.
        let high = OpenInterest {
            long_lots: 300,
            short_lots: 300,
        };
        let reduced = OpenInterest {
            long_lots: 250,
            short_lots: 250,
        };
        assert!(!reduced.within_cap(&high, cap));
        // Up to the cap, exactly.
        let at_cap = OpenInterest {
            long_lots: 60,
            short_lots: 60,
        }
        .with_queued(40, 40);
        assert!(at_cap.within_cap(&before, cap));
        assert!(!after.within_cap(&at_cap, cap));
    }
}
