//! The one way an account's position changes. Funding is owed on the position held, so it
//! settles before the position moves; the market's open interest is the sum of the positions,
//! so it follows the position after. A `Ledger` does both around whatever moves the position
//! (a placement's fills, a maker's fills settled inline or from the queue, a liquidation's
//! transfer): `open` settles funding and remembers the position, `close` records the move.
//! Handlers never settle funding or record open interest around a position change by hand.

use crate::error::MathError;
use crate::risk::funding::{Funding, FundingSnapshot};
use crate::risk::open_interest::OpenInterest;
use crate::trader::Trader;
use crate::units::{QuoteNativePerQuoteLot, SignedQuoteLots};

/// A market's totals that every position change must keep in step.
pub struct Ledger<'a> {
    funding: &'a Funding,
    open_interest: &'a mut OpenInterest,
    quote_lot_size: QuoteNativePerQuoteLot,
}

/// An account opened for a change of its position: funding settled, its position then kept
/// until `Ledger::close` records how it moved.
#[must_use = "close it with `Ledger::close`, or open interest drifts from the positions"]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opened {
    position: i64,
    funding_paid: SignedQuoteLots,
}

impl Opened {
    /// The position when the account was opened.
    pub fn position(&self) -> i64 {
        self.position
    }

    /// The funding the account paid when it was opened (negative: received), quote lots: what
    /// its position owed since it last settled.
    pub fn funding_paid(&self) -> SignedQuoteLots {
        self.funding_paid
    }
}

impl<'a> Ledger<'a> {
    pub fn new(
        funding: &'a Funding,
        open_interest: &'a mut OpenInterest,
        quote_lot_size: QuoteNativePerQuoteLot,
    ) -> Self {
        Ledger {
            funding,
            open_interest,
            quote_lot_size,
        }
    }

    /// Settles `trader`'s funding since `snapshot` and opens it for a change of position.
    pub fn open(
        &self,
        trader: &mut Trader,
        snapshot: &mut FundingSnapshot,
    ) -> Result<Opened, MathError> {
        let funding_paid = self.funding.settle(trader, snapshot, self.quote_lot_size)?;
        Ok(Opened {
            position: trader.base_position.get(),
            funding_paid,
        })
    }

    /// Records in open interest how `trader`'s position moved since it was `opened`.
    pub fn close(&mut self, opened: Opened, trader: &Trader) -> Result<(), MathError> {
        self.open_interest
            .record(opened.position, trader.base_position.get())
    }

    /// `open`, `change`, `close` in one call, for a change of one account.
    pub fn change<T, E: From<MathError>>(
        &mut self,
        trader: &mut Trader,
        snapshot: &mut FundingSnapshot,
        change: impl FnOnce(&mut Trader) -> Result<T, E>,
    ) -> Result<T, E> {
        let opened = self.open(trader, snapshot)?;
        let out = change(trader)?;
        self.close(opened, trader)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::BaseLots;
    use crate::units::QuoteLots;
    use crate::units::{SignedBaseLots, SignedQuoteLots};
    use bytemuck::Zeroable;

    fn long(lots: i64, entry: i64) -> Trader {
        Trader {
            base_position: SignedBaseLots::new(lots),
            quote_entry: SignedQuoteLots::new(entry),
            ..Trader::zeroed()
        }
    }

    #[test]
    fn funding_settles_on_the_old_position_and_open_interest_follows_the_new() {
        // Longs have paid 3 native per lot (raw 3 × 10⁶) since the account's snapshot.
        let funding = Funding {
            long_index: 3_000_000,
            short_index: 3_000_000,
            ..Funding::default()
        };
        let mut oi = OpenInterest {
            long_lots: 10,
            short_lots: 10,
        };
        let mut trader = long(10, 1_000);
        let mut snapshot = FundingSnapshot::default();
        let qls = QuoteNativePerQuoteLot::new(1);
        let mut ledger = Ledger::new(&funding, &mut oi, qls);
        ledger
            .change(&mut trader, &mut snapshot, |t| {
                // Funding was settled before the change: owed on the 10 lots held.
                assert_eq!(t.realised_pnl.get(), -30);
                t.apply_transfer(
                    crate::side::Side::Ask,
                    BaseLots::new(14),
                    QuoteLots::new(1_400),
                )
            })
            .unwrap();
        assert_eq!(trader.base_position.get(), -4);
        assert_eq!(snapshot.long_index, 3_000_000);
        assert_eq!((oi.long_lots, oi.short_lots), (0, 14));
    }

    #[test]
    fn an_opened_account_settles_funding_once() {
        let funding = Funding {
            long_index: 2_000_000,
            ..Funding::default()
        };
        let mut oi = OpenInterest {
            long_lots: 5,
            short_lots: 5,
        };
        let mut trader = long(5, 500);
        let mut snapshot = FundingSnapshot::default();
        let qls = QuoteNativePerQuoteLot::new(1);
        let mut ledger = Ledger::new(&funding, &mut oi, qls);
        let opened = ledger.open(&mut trader, &mut snapshot).unwrap();
        // Opening again (a maker named twice would be refused before this) charges nothing more.
        let again = ledger.open(&mut trader, &mut snapshot).unwrap();
        assert_eq!(trader.realised_pnl.get(), -10);
        assert_eq!(opened.position(), again.position());
        // Each says what it settled: the payment once, then nothing.
        assert_eq!(opened.funding_paid(), SignedQuoteLots::new(10));
        assert_eq!(again.funding_paid(), SignedQuoteLots::new(0));
        ledger.close(opened, &trader).unwrap();
        assert_eq!((oi.long_lots, oi.short_lots), (5, 5));
    }
}
