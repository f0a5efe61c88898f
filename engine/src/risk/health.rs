//! An account's health at one price (DESIGN §7): equity against the margin of its worst-case
//! exposure. Exact: values are native quote units × `PRICE_SCALE` in `i128`, and a margin
//! comparison multiplies instead of dividing.
//!
//! - equity = balance (collateral less unsettled funding) + realised PnL + unrealised PnL;
//! - exposure = the larger of |position + all bids| and |position − all asks| (the position at
//!   the price, orders at their limits), so resting orders reserve margin for their worst case;
//! - initial health = equity − exposure × initial fraction; maintenance likewise;
//! - withdrawable = what initial health allows, counting unrealised profit as zero.

use crate::error::MathError;
use crate::math::{SafeMath, safe_cast};
use crate::price::{PRICE_SCALE, Price, ScaledQuote};
use crate::trader::Trader;
use crate::units::{BPS, BaseLots, Bps, QuoteNative, QuoteNativePerQuoteLot};

/// An account's numbers at one price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Health {
    /// Equity.
    pub equity: ScaledQuote,
    /// Unrealised PnL of the position at the price (part of `equity`).
    pub unrealised: ScaledQuote,
    /// Worst-case exposure notional (≥ 0).
    pub exposure: ScaledQuote,
    /// Its size in base lots (what the size premium is charged on).
    pub exposure_lots: BaseLots,
}

impl Health {
    /// `trader` valued at `price`, holding `balance` native units (collateral less unsettled
    /// funding; negative when funding owed exceeds it).
    pub fn of(
        trader: &Trader,
        balance: i64,
        quote_lot_size: QuoteNativePerQuoteLot,
        price: Price,
    ) -> Result<Self, MathError> {
        // This runs after every placement, so it avoids checked 128-bit products (helper calls):
        // with the quote-lot scale below 2^63, every product of it or the price with a 64-bit
        // field is below 2^127 and exact as a plain i128 product. Only the sums are checked.
        let qls: i64 = safe_cast(quote_lot_size.get().safe_mul(PRICE_SCALE)?)?;
        let lots = |x: i128| x.wrapping_mul(i128::from(qls));
        let position = i128::from(trader.base_position).wrapping_mul(i128::from(price.raw()));
        let unrealised = position.safe_sub(lots(i128::from(trader.quote_entry)))?;
        let equity = i128::from(balance)
            .wrapping_mul(i128::from(PRICE_SCALE))
            .safe_add(lots(i128::from(trader.realised_pnl)))?
            .safe_add(unrealised)?;
        let exposure = position
            .safe_add(lots(i128::from(trader.bids_quote_lots)))?
            .abs()
            .max(
                position
                    .safe_sub(lots(i128::from(trader.asks_quote_lots)))?
                    .abs(),
            );
        Ok(Health {
            equity: ScaledQuote::new(equity),
            unrealised: ScaledQuote::new(unrealised),
            exposure: ScaledQuote::new(exposure),
            exposure_lots: BaseLots::new(trader.worst_case_lots()?),
        })
    }

    /// Equity minus the margin at `fraction`, × 10,000 (exact: no rounding anywhere). Compares
    /// two accounts' margin health without dividing.
    pub fn surplus_e4(&self, fraction: Bps) -> Result<i128, MathError> {
        self.equity
            .get()
            .safe_mul(BPS as i128)?
            .safe_sub(self.exposure.get().safe_mul(i128::from(fraction.get()))?)
    }

    /// True when equity covers margin at `fraction` (exactly; a tie is covered).
    pub fn covers(&self, fraction: Bps) -> Result<bool, MathError> {
        // Unsigned products (exposure ≥ 0; negative equity never covers anything positive).
        let Ok(equity) = u128::try_from(self.equity.get()) else {
            return Ok(false);
        };
        let need = self
            .exposure
            .get()
            .unsigned_abs()
            .safe_mul(u128::from(fraction.get()))?;
        Ok(equity.safe_mul(u128::from(BPS))? >= need)
    }

    /// Equity minus margin at `fraction`, native units, rounded down (toward −∞).
    pub fn surplus(&self, fraction: Bps) -> Result<i128, MathError> {
        Ok(self
            .surplus_e4(fraction)?
            .div_euclid(BPS as i128 * i128::from(PRICE_SCALE)))
    }

    /// Native units that may leave the account with initial margin at `initial` still
    /// covered, counting unrealised profit as zero (only realised PnL is withdrawable).
    /// Rounded down; zero when there is no room.
    pub fn withdrawable(&self, initial: Bps) -> Result<QuoteNative, MathError> {
        let realised_only = Health {
            equity: self
                .equity
                .checked_sub(self.unrealised.max(ScaledQuote::ZERO))?,
            ..*self
        };
        Ok(QuoteNative::new(safe_cast(
            realised_only.surplus(initial)?.max(0),
        )?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::risk::test_price as price;
    use crate::side::Side;
    use crate::units::QuoteLots;
    use crate::units::SignedQuoteLots;
    use crate::units::{BaseLots, QuoteLotsPerBaseLotPerTick, Ticks};

    const TICK: QuoteLotsPerBaseLotPerTick = QuoteLotsPerBaseLotPerTick::new(1);
    const QLS: QuoteNativePerQuoteLot = QuoteNativePerQuoteLot::new(1);
    const S: i128 = PRICE_SCALE as i128;

    fn b(raw: u64) -> Bps {
        Bps::new(raw)
    }
    fn q(raw: i128) -> ScaledQuote {
        ScaledQuote::new(raw)
    }

    /// A trader long `lots` bought at `at` ticks (one tick = one quote lot = one native unit).
    fn long(lots: u64, at: u64) -> Trader {
        let mut t = bytemuck::Zeroable::zeroed();
        Trader::apply_trade(
            &mut t,
            Side::Bid,
            Ticks::new(at),
            BaseLots::new(lots),
            SignedQuoteLots::ZERO,
            TICK,
        )
        .unwrap();
        t
    }

    #[test]
    fn equity_counts_balance_realised_and_unrealised_pnl() {
        // Long 10 @ 100 with 1,000 deposited.
        let t = long(10, 100);
        for (px, equity, unrealised) in [(100, 1_000, 0), (110, 1_100, 100), (80, 800, -200)] {
            let h = Health::of(&t, 1_000, QLS, price(px)).unwrap();
            assert_eq!(
                (h.equity, h.unrealised),
                (q(equity * S), q(unrealised * S)),
                "at {px}"
            );
            assert_eq!(
                (h.exposure, h.exposure_lots.get()),
                (q(10 * px as i128 * S), 10)
            );
        }
        // Funding owed beyond the collateral shows as a negative balance.
        let h = Health::of(&t, -50, QLS, price(100)).unwrap();
        assert_eq!(h.equity, q(-50 * S));
    }

    #[test]
    fn open_orders_reserve_their_worst_side() {
        let mut t = long(10, 100);
        // Bids for 5 @ 90 (450) and asks for 30 @ 120 (3,600).
        t.bids_base_lots = BaseLots::new(5);
        t.bids_quote_lots = QuoteLots::new(450);
        t.asks_base_lots = BaseLots::new(30);
        t.asks_quote_lots = QuoteLots::new(3_600);
        let h = Health::of(&t, 1_000, QLS, price(100)).unwrap();
        // |1,000 + 450| = 1,450 vs |1,000 − 3,600| = 2,600: the asks side is worse.
        assert_eq!((h.exposure, h.exposure_lots.get()), (q(2_600 * S), 20));
    }

    #[test]
    fn margin_surplus_is_exact_at_the_edge() {
        // Equity 1,000 against exposure 10,000: 10% is exactly covered, 10.01% is not.
        let t = long(100, 100);
        let h = Health::of(&t, 1_000, QLS, price(100)).unwrap();
        assert_eq!(h.covers(b(1_000)), Ok(true));
        assert_eq!(h.covers(b(1_001)), Ok(false));
        assert_eq!(h.surplus(b(1_000)), Ok(0));
        assert_eq!(h.surplus(b(1_001)), Ok(-1)); // −0.999… rounds down
        assert_eq!(h.surplus(b(500)), Ok(500));
        // Negative equity covers nothing, not even a zero fraction of no exposure.
        let flat = Health::of(&bytemuck::Zeroable::zeroed(), -1, QLS, price(100)).unwrap();
        assert_eq!(
            (flat.covers(b(0)), flat.covers(b(1))),
            (Ok(false), Ok(false))
        );
        assert_eq!(flat.covers(b(0)), Ok(flat.surplus(b(0)).unwrap() >= 0));
    }

    #[test]
    fn only_realised_pnl_is_withdrawable() {
        // Long 10 @ 100, 1,000 deposited, 20% initial margin.
        let t = long(10, 100);
        for (px, withdrawable) in [
            (100, 800), // 1,000 − 20% of 1,000
            (150, 700), // +500 unrealised does not count; margin grows to 300
            (80, 640),  // −200 unrealised counts; margin 160
            (10, 80),   // −900: equity 100, margin 20
        ] {
            let h = Health::of(&t, 1_000, QLS, price(px)).unwrap();
            assert_eq!(
                h.withdrawable(b(2_000)),
                Ok(QuoteNative::new(withdrawable)),
                "at {px}"
            );
        }
        // Underwater: nothing.
        let h = Health::of(&t, 500, QLS, price(10)).unwrap();
        assert_eq!(h.withdrawable(b(2_000)), Ok(QuoteNative::ZERO));
        // Realised profit counts once it is realised.
        let mut t = long(10, 100);
        Trader::apply_trade(
            &mut t,
            Side::Ask,
            Ticks::new(150),
            BaseLots::new(10),
            SignedQuoteLots::ZERO,
            TICK,
        )
        .unwrap();
        let h = Health::of(&t, 1_000, QLS, price(150)).unwrap();
        assert_eq!(h.withdrawable(b(2_000)), Ok(QuoteNative::new(1_500)));
    }
}
