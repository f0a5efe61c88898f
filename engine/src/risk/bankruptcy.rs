//! Bankruptcy (DESIGN §8): an account a liquidation left flat with negative equity owes its
//! shortfall. The market's insurance fund pays what it can; the rest is socialised over the
//! positions on the side opposite the account's last position (their funding index moves
//! against them, so they pay it as they settle); only what nobody can be charged (no open
//! interest at all) stays owed by the account. Nothing outside the market is touched.

use super::funding::{Funding, PositionSide, Socialised, shortfall};
use super::open_interest::OpenInterest;
use crate::error::MathError;
use crate::math::safe_cast;
use crate::trader::Trader;
use crate::units::{QuoteNative, QuoteNativePerQuoteLot, SignedQuoteLots};

/// What settling a bankruptcy did (native units).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bankrupt {
    /// What the account owed beyond its collateral.
    pub loss: u64,
    /// Paid from the insurance fund.
    pub insurance_paid: u64,
    /// Charged to the opposite side's positions, and how (`unresolved`: charged to nobody).
    pub socialised: Socialised,
    /// The collateral the account held, all of it spent (the program removes it from the
    /// market's total).
    pub collateral_spent: u64,
}

/// Settles `account`'s bankruptcy if it has one: `account` is flat with its realised PnL
/// already folded into `collateral`; `last_position` is the position it was liquidated from;
/// `fund` what the insurance fund can pay. Leaves the account with no collateral and, as
/// realised PnL, only the unresolved remainder (rounded up to whole quote lots: the account
/// keeps owing it). `None` (nothing changes) when its equity is not negative.
pub fn settle_bankruptcy(
    account: &mut Trader,
    collateral: QuoteNative,
    last_position: i64,
    fund: u64,
    funding: &mut Funding,
    oi: &OpenInterest,
    quote_lot_size: QuoteNativePerQuoteLot,
) -> Result<Option<Bankrupt>, MathError> {
    let loss = shortfall(account, collateral.get(), quote_lot_size)?;
    if loss == 0 {
        return Ok(None);
    }
    let insurance_paid = loss.min(fund);
    let side = match last_position {
        p if p > 0 => Some(PositionSide::Short),
        p if p < 0 => Some(PositionSide::Long),
        _ => None,
    };
    let socialised = funding.socialise_over(side, loss - insurance_paid, oi)?;
    // Made whole: what it owed is now paid by the fund and the positions charged; only what
    // nobody could be charged stays owed.
    account.realised_pnl = SignedQuoteLots::new(-safe_cast::<u64, i64>(
        socialised.unresolved.div_ceil(quote_lot_size.get()),
    )?);
    Ok(Some(Bankrupt {
        loss,
        insurance_paid,
        socialised,
        collateral_spent: collateral.get(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytemuck::Zeroable;

    /// A flat account with `collateral` and realised PnL `realised` (quote lots of 10 native).
    fn run(
        collateral: u64,
        realised: i64,
        last_position: i64,
        fund: u64,
        oi: (u64, u64),
    ) -> (Option<Bankrupt>, Trader, Funding) {
        let mut t = Trader::zeroed();
        t.realised_pnl = SignedQuoteLots::new(realised);
        let mut funding = Funding::default();
        let oi = OpenInterest {
            long_lots: oi.0,
            short_lots: oi.1,
        };
        let out = settle_bankruptcy(
            &mut t,
            QuoteNative::new(collateral),
            last_position,
            fund,
            &mut funding,
            &oi,
            QuoteNativePerQuoteLot::new(10),
        )
        .unwrap();
        (out, t, funding)
    }

    #[test]
    fn table() {
        // (collateral, realised lots, last position, fund, OI (long, short)) →
        // (loss, paid by the fund, unresolved, realised lots left)
        let cases: [(
            (u64, i64, i64, u64, (u64, u64)),
            Option<(u64, u64, u64, i64)>,
        ); 6] = [
            // Equity 100 − 50 = 50 ≥ 0: no bankruptcy, nothing changes.
            ((100, -5, 7, 1_000, (10, 10)), None),
            // Equity exactly zero: none either.
            ((50, -5, 7, 1_000, (10, 10)), None),
            // Owes 150; the fund pays all of it.
            ((50, -20, 7, 1_000, (10, 10)), Some((150, 150, 0, 0))),
            // Owes 150; the fund pays 100, the shorts are charged 50.
            ((50, -20, 7, 100, (10, 10)), Some((150, 100, 0, 0))),
            // Owes 150, empty fund, nobody holds a position: all of it stays owed (15 lots).
            ((50, -20, 7, 0, (0, 0)), Some((150, 0, 150, -15))),
            // An unresolved 155 rounds up to 16 lots owed (the venue never rounds a debt down).
            ((45, -20, -3, 0, (0, 0)), Some((155, 0, 155, -16))),
        ];
        for ((collateral, realised, last, fund, oi), want) in cases {
            let (out, t, funding) = run(collateral, realised, last, fund, oi);
            match want {
                None => {
                    assert_eq!(out, None);
                    assert_eq!(t.realised_pnl.get(), realised);
                    assert_eq!(funding, Funding::default());
                }
                Some((loss, paid, unresolved, left)) => {
                    let b = out.expect("bankrupt");
                    assert_eq!((b.loss, b.insurance_paid), (loss, paid));
                    assert_eq!(b.socialised.unresolved, unresolved);
                    assert_eq!(b.collateral_spent, collateral);
                    assert_eq!(t.realised_pnl.get(), left);
                }
            }
        }
    }

    #[test]
    fn the_rest_goes_to_the_side_opposite_the_last_position() {
        // A long's loss is charged to shorts (their index moves as a long's would fall).
        let (long, _, f_long) = run(0, -10, 5, 0, (10, 10));
        let s = long.unwrap().socialised;
        assert_eq!((s.long_per_lot, s.unresolved), (0, 0));
        assert_ne!(s.short_per_lot, 0);
        assert_ne!(f_long.short_index, 0);
        // A short's loss is charged to longs.
        let (short, _, f_short) = run(0, -10, -5, 0, (10, 10));
        let s = short.unwrap().socialised;
        assert_eq!((s.short_per_lot, s.unresolved), (0, 0));
        assert_ne!(s.long_per_lot, 0);
        assert_ne!(f_short.long_index, 0);
    }
}
