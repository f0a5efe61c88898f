//! What an account's margin allows, given its `Trader`: equity against initial and maintenance
//! margin at a price, what its resting orders could cost if they filled at their limits, the
//! rule for a risk-reducing trade, whether stale orders put it at risk, and what it may
//! withdraw. The trader's bookkeeping (`crate::trader`) knows nothing of margin; the rules that
//! judge it live here, beside `Health`.

use crate::error::MathError;
use crate::math::{SafeMath, safe_cast};
use crate::order::OrderId;
use crate::price::{PRICE_SCALE, Price, ScaledQuote};
use crate::risk::health::Health;
use crate::side::Side;
use crate::trader::{FeeRates, MAX_OPEN_ORDERS, Trader, notional};
use crate::units::{
    BaseLots, Bps, QuoteLots, QuoteLotsPerBaseLotPerTick, QuoteNative, QuoteNativePerQuoteLot,
};

/// The market numbers margin needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarginScale {
    /// Quote lots per base lot per tick.
    pub tick_size: QuoteLotsPerBaseLotPerTick,
    /// Native quote units per quote lot.
    pub quote_lot_size: QuoteNativePerQuoteLot,
    /// The initial margin fraction the account is held to (the market's dynamic fraction for
    /// its exposure).
    pub initial_margin_bps: Bps,
    /// The maker fee in bps (negative: a rebate), charged on a resting order's fill.
    pub maker_fee_bps: i32,
}

/// Why a margin rule refused a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarginError {
    /// Checked arithmetic failed.
    Math(MathError),
    /// Equity would not cover the initial margin of the position and open orders.
    InsufficientMargin,
    /// A risk-reducing trade would lower the account's maintenance health or leave its equity
    /// negative.
    WorsensHealth,
}

impl From<MathError> for MarginError {
    fn from(e: MathError) -> Self {
        MarginError::Math(e)
    }
}

impl Trader {
    /// Equity minus initial margin at `price`, in native quote units (rounded down, for
    /// display; `require_initial_margin` decides on the exact values).
    pub fn initial_margin_surplus(
        &self,
        collateral: QuoteNative,
        scale: &MarginScale,
        price: Price,
    ) -> Result<i128, MathError> {
        Health::of(
            self,
            safe_cast(collateral.get())?,
            scale.quote_lot_size,
            price,
        )?
        .surplus(scale.initial_margin_bps)
    }

    /// What this trader's open orders could cost it if they filled at their limits, valued at
    /// `price`: each order's loss against `price` (a bid above it, an ask below it) plus a
    /// positive maker fee and its per-fill rounding; gains are not counted. Any combination of
    /// fills, partial ones included, costs at most this much. A resting order's fill later needs
    /// nobody's consent (a queued maker is not even loaded), so this is what an account must be
    /// able to afford when an order rests (DESIGN §13: no manufactured bad debt).
    pub fn resting_fill_loss(
        &self,
        price: Price,
        scale: &MarginScale,
    ) -> Result<ScaledQuote, MathError> {
        let per_quote_lot =
            i128::from(scale.quote_lot_size.get()).safe_mul(i128::from(PRICE_SCALE))?;
        let fees = FeeRates {
            maker_bps: scale.maker_fee_bps,
            taker_bps: 0,
        };
        let mut loss = 0i128;
        for slot in 0..MAX_OPEN_ORDERS {
            if !self.slot_in_use(slot) {
                continue;
            }
            let open = &self.orders[slot];
            let side = Side::from_byte(open.side);
            let lots = BaseLots::new(open.base_lots);
            let at_limit = notional(
                OrderId::from_parts(open.order_id).price(side),
                lots,
                scale.tick_size,
            )?;
            let limit_value = i128::from(at_limit).safe_mul(per_quote_lot)?;
            let market_value = i128::from(lots.get()).safe_mul(i128::from(price.raw()))?;
            let against = match side {
                Side::Bid => limit_value.safe_sub(market_value)?,
                Side::Ask => market_value.safe_sub(limit_value)?,
            };
            // Each fill rounds its own fee up: a split order pays up to one quote lot per fill
            // (at most one fill per lot) more than the whole order's fee.
            let fee = match fees.maker_fee(QuoteLots::new(at_limit))?.get() {
                f if f > 0 => f.safe_add(safe_cast(lots.get())?)?,
                _ => 0,
            };
            let fee = i128::from(fee).safe_mul(per_quote_lot)?;
            loss = loss.safe_add(against.max(0))?.safe_add(fee)?;
        }
        Ok(ScaledQuote::new(loss))
    }

    /// The rule for a risk-reducing trade (DESIGN §13): refuses unless this account (the trader
    /// after the trade) has
    /// - maintenance health no lower than `before` had, judged at the end of `[low, high]` where
    ///   `before`'s position is weakest (a long's low, a short's high): where the market really
    ///   is inside the range is unknown, and a sale at the low source must not be refused
    ///   because the high source would have paid more;
    /// - and, at both ends, equity that stays non-negative whatever its resting orders fill at
    ///   (`resting_fill_loss`).
    ///
    /// `maintenance_bps(lots)` is the market's maintenance fraction for a worst-case exposure of
    /// `lots`. A fill inside a band no wider than maintenance less the fee passes.
    pub fn require_no_worse_than(
        &self,
        before: &Trader,
        balance: QuoteNative,
        scale: &MarginScale,
        low: Price,
        high: Price,
        maintenance_bps: impl Fn(BaseLots) -> Result<Bps, MathError>,
    ) -> Result<(), MarginError> {
        let balance: i64 = safe_cast(balance.get())?;
        let qls = scale.quote_lot_size;
        let surplus = |t: &Trader, price: Price| -> Result<i128, MathError> {
            let h = Health::of(t, balance, qls, price)?;
            h.surplus_e4(maintenance_bps(h.exposure_lots)?)
        };
        let weakest = if before.base_position.is_negative() {
            high
        } else {
            low
        };
        if surplus(self, weakest)? < surplus(before, weakest)? {
            return Err(MarginError::WorsensHealth);
        }
        for price in [low, high] {
            let equity = Health::of(self, balance, qls, price)?.equity;
            if equity
                .checked_sub(self.resting_fill_loss(price, scale)?)?
                .is_negative()
            {
                return Err(MarginError::WorsensHealth);
            }
        }
        Ok(())
    }

    /// Whether this trader's resting orders put it below maintenance at the index — the middle
    /// of `[low, high]`, which is the aggregate of agreeing sources — and at both ends: equity
    /// less what they could cost if they filled at their limits (`resting_fill_loss`) against
    /// maintenance on the worst-case exposure, orders included (`maintenance_bps(lots)`).
    /// Orders placed under initial margin get here only when the price has moved against them;
    /// hit after a gap, such a stale order could bankrupt the account, so anyone may cancel
    /// them (`order_cancel_at_risk`). No orders, no risk. The ends alone would not do: a bid's
    /// loss grows toward the low end and an ask's toward the high end, so two-sided quotes can
    /// breach at both ends of a wide range and be covered at the price in between (audit 22b).
    pub fn orders_breach_maintenance(
        &self,
        collateral: QuoteNative,
        scale: &MarginScale,
        low: Price,
        high: Price,
        maintenance_bps: impl Fn(BaseLots) -> Result<Bps, MathError>,
    ) -> Result<bool, MathError> {
        if self.open_order_count() == 0 {
            return Ok(false);
        }
        let balance = safe_cast(collateral.get())?;
        let index = Price::from_raw(low.raw().safe_add(high.raw().safe_sub(low.raw())? / 2)?);
        for p in [low, index, high] {
            let health = Health::of(self, balance, scale.quote_lot_size, p)?;
            let worst = Health {
                equity: health
                    .equity
                    .checked_sub(self.resting_fill_loss(p, scale)?)?,
                ..health
            };
            if worst.covers(maintenance_bps(worst.exposure_lots)?)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// What may leave this trader's account (funding and realised PnL settled, `collateral` its
    /// balance), native units: what initial margin (`scale`) leaves at both `low` and `high`
    /// once what its resting orders could cost is set aside, counting unrealised profit as zero
    /// (`Health::withdrawable`); all of its equity when flat (the prices then do not matter).
    pub fn withdrawable(
        &self,
        collateral: QuoteNative,
        scale: &MarginScale,
        low: Price,
        high: Price,
    ) -> Result<QuoteNative, MathError> {
        let balance = safe_cast(collateral.get())?;
        let flat = self.is_flat();
        let prices = if flat { [Price::ZERO; 2] } else { [low, high] };
        let mut free = QuoteNative::MAX;
        for price in prices {
            let mut health = Health::of(self, balance, scale.quote_lot_size, price)?;
            // What its resting orders could still cost stays behind (their fills need nobody's
            // consent); a flat account has none.
            if !flat {
                health.equity = health
                    .equity
                    .checked_sub(self.resting_fill_loss(price, scale)?)?;
            }
            free = free.min(health.withdrawable(scale.initial_margin_bps)?);
        }
        Ok(free)
    }

    /// Refuses unless equity, less what its resting orders could cost (`resting_fill_loss`),
    /// covers initial margin at every price in `[low, high]` (checked at both ends: equity and
    /// exposure are piecewise linear in the price).
    pub fn require_initial_margin(
        &self,
        collateral: QuoteNative,
        scale: &MarginScale,
        low: Price,
        high: Price,
    ) -> Result<(), MarginError> {
        for p in [low, high]
            .into_iter()
            .take(if low == high { 1 } else { 2 })
        {
            let balance = safe_cast(collateral.get())?;
            let health = Health::of(self, balance, scale.quote_lot_size, p)?;
            // Margin is sized on the worst-case position; equity is what is left after the
            // worst its orders could cost when they fill at their limits.
            let worst = Health {
                equity: health
                    .equity
                    .checked_sub(self.resting_fill_loss(p, scale)?)?,
                ..health
            };
            if !worst.covers(scale.initial_margin_bps)? {
                return Err(MarginError::InsufficientMargin);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::SignedQuoteLots;
    use crate::units::Ticks;
    use bytemuck::Zeroable;

    const TICK: QuoteLotsPerBaseLotPerTick = QuoteLotsPerBaseLotPerTick::new(1);

    fn trade(t: &mut Trader, side: Side, price: u64, lots: u64) {
        t.apply_trade(
            side,
            Ticks::new(price),
            BaseLots::new(lots),
            SignedQuoteLots::ZERO,
            TICK,
        )
        .unwrap();
    }

    /// One tick = one quote lot = one native unit, 10% initial margin, no maker fee.
    fn scale_10pct() -> MarginScale {
        MarginScale {
            tick_size: TICK,
            quote_lot_size: QuoteNativePerQuoteLot::new(1),
            initial_margin_bps: Bps::new(1_000),
            maker_fee_bps: 0,
        }
    }

    #[test]
    fn initial_margin_covers_the_worse_side_of_position_plus_orders() {
        // Price 100 native per lot (one tick = one quote lot = one native unit), IM 10%.
        let scale = scale_10pct();
        let p = Price::from_raw(100 * PRICE_SCALE);
        let mut t = Trader::zeroed();
        trade(&mut t, Side::Bid, 100, 10); // long 1,000 of notional
        let bid = OrderId::new(Side::Bid, Ticks::new(90), 1, 0);
        t.open_order(0, bid, Side::Bid, BaseLots::new(5), 0, 0, TICK)
            .unwrap(); // +450
        let ask = OrderId::new(Side::Ask, Ticks::new(110), 2, 1);
        t.open_order(1, ask, Side::Ask, BaseLots::new(30), 0, 0, TICK)
            .unwrap(); // −3,300
        // Equity = 500 collateral + cash (−1,000) + position 1,000 = 500.
        // Worst = max(|1,000 + 450|, |1,000 − 3,300|) = 2,300 → 230 required.
        let surplus = t
            .initial_margin_surplus(QuoteNative::new(500), &scale, p)
            .unwrap();
        assert_eq!(surplus, 500 - 230);
        assert_eq!(
            t.require_initial_margin(QuoteNative::new(0), &scale, p, p),
            Err(MarginError::InsufficientMargin)
        );
        assert_eq!(
            t.require_initial_margin(QuoteNative::new(230), &scale, p, p),
            Ok(())
        );
    }

    #[test]
    fn a_reducing_trade_may_not_worsen_maintenance_health_or_equity() {
        // Long 10 lots at 100 on 100 collateral; maintenance 5% (flat in size); price 100.
        let scale = scale_10pct();
        let p = Price::from_raw(100 * PRICE_SCALE);
        let mm = |_| Ok(Bps::new(500));
        let mut before = Trader::zeroed();
        trade(&mut before, Side::Bid, 100, 10);
        let judged = |t: &Trader, low: Price, high: Price| {
            t.require_no_worse_than(&before, QuoteNative::new(100), &scale, low, high, mm)
        };
        let sold_at = |price: u64, lots: u64| {
            let mut t = before;
            trade(&mut t, Side::Ask, price, lots);
            judged(&t, p, p)
        };
        // At the price, or 5% below it (the maintenance margin): health does not fall.
        assert_eq!(sold_at(100, 10), Ok(()));
        assert_eq!(sold_at(95, 10), Ok(()));
        assert_eq!(sold_at(95, 4), Ok(()));
        // Further below, the sale costs more equity than the margin it frees.
        assert_eq!(sold_at(94, 10), Err(MarginError::WorsensHealth));
        // Far below: equity would be negative (100 + 10 × (1 − 100) < 0).
        assert_eq!(sold_at(1, 10), Err(MarginError::WorsensHealth));
        // Sources at 100 and 106: a long's health is judged at its weakest end (100), so
        // selling at 100 passes although 106 would have paid more.
        let mut t = before;
        trade(&mut t, Side::Ask, 100, 10);
        let high = Price::from_raw(106 * PRICE_SCALE);
        assert_eq!(judged(&t, p, high), Ok(()));
        // What rests must be affordable: an ask that would flip the long into a short of 10
        // at 90 could cost 10 × 10 + 10 × 10 = 200 > the 100 of equity.
        let mut resting = before;
        let ask = OrderId::new(Side::Ask, Ticks::new(90), 1, 0);
        resting
            .open_order(0, ask, Side::Ask, BaseLots::new(20), 0, 0, TICK)
            .unwrap();
        assert_eq!(
            resting.resting_fill_loss(p, &scale),
            Ok(ScaledQuote::new(200 * PRICE_SCALE as i128))
        );
        assert_eq!(judged(&resting, p, p), Err(MarginError::WorsensHealth));
    }

    #[test]
    fn initial_margin_counts_what_resting_orders_could_cost() {
        // Long 10 at 100 on 105 (IM 10% = 100 covered). An ask for 20 at 95 flips the long into
        // a short of 10; its exposure max(|1,000|, |1,000 − 1,900|) = 1,000 needs 100, but
        // filled at 95 it costs 20 × 5 = 100: equity 5 left. Refused; at 100 it costs nothing.
        let scale = scale_10pct();
        let p = Price::from_raw(100 * PRICE_SCALE);
        let with_ask = |limit: u64| {
            let mut t = Trader::zeroed();
            trade(&mut t, Side::Bid, 100, 10);
            let ask = OrderId::new(Side::Ask, Ticks::new(limit), 1, 0);
            t.open_order(0, ask, Side::Ask, BaseLots::new(20), 0, 0, TICK)
                .unwrap();
            t.require_initial_margin(QuoteNative::new(105), &scale, p, p)
        };
        assert_eq!(with_ask(95), Err(MarginError::InsufficientMargin));
        assert_eq!(with_ask(100), Ok(()));
        // A positive maker fee counts too (20 × 100 × 10% = 200 > 5 spare).
        let mut t = Trader::zeroed();
        trade(&mut t, Side::Bid, 100, 10);
        let ask = OrderId::new(Side::Ask, Ticks::new(100), 1, 0);
        t.open_order(0, ask, Side::Ask, BaseLots::new(20), 0, 0, TICK)
            .unwrap();
        let costly = MarginScale {
            maker_fee_bps: 1_000,
            ..scale
        };
        assert_eq!(
            t.require_initial_margin(QuoteNative::new(105), &costly, p, p),
            Err(MarginError::InsufficientMargin)
        );
    }

    #[test]
    fn a_stale_bid_far_above_the_price_breaches_maintenance() {
        // Flat, 100 collateral, a bid for 10 at 100; maintenance 5%. At 100 nothing is at risk
        // (the fill costs nothing, 5% of 1,000 = 50 covered). At 94 the fill would lose 60:
        // 40 left against 50 needed (exposure stays the bid's 1,000 at its limit). At 96: 60
        // left, covered. Both ends of the range must breach.
        let scale = scale_10pct();
        let at = |ticks: u64| Price::from_raw(ticks * PRICE_SCALE);
        let mm = |_: BaseLots| Ok(Bps::new(500));
        let mut t = Trader::zeroed();
        let c = QuoteNative::new(100);
        assert_eq!(
            t.orders_breach_maintenance(c, &scale, at(1), at(1), mm),
            Ok(false)
        );
        let bid = OrderId::new(Side::Bid, Ticks::new(100), 1, 0);
        t.open_order(0, bid, Side::Bid, BaseLots::new(10), 0, 0, TICK)
            .unwrap();
        assert_eq!(
            t.orders_breach_maintenance(c, &scale, at(100), at(100), mm),
            Ok(false)
        );
        assert_eq!(
            t.orders_breach_maintenance(c, &scale, at(94), at(94), mm),
            Ok(true)
        );
        assert_eq!(
            t.orders_breach_maintenance(c, &scale, at(94), at(96), mm),
            Ok(false)
        );
        assert_eq!(
            t.orders_breach_maintenance(c, &scale, at(90), at(94), mm),
            Ok(true)
        );
    }

    #[test]
    fn withdrawable_leaves_initial_margin_at_both_ends_and_counts_no_unrealised_profit() {
        let scale = scale_10pct();
        let at = |ticks: u64| Price::from_raw(ticks * PRICE_SCALE);
        let c = QuoteNative::new(500);
        // Flat: all of it, whatever the prices.
        let flat = Trader::zeroed();
        assert_eq!(
            flat.withdrawable(c, &scale, at(1), at(1_000)),
            Ok(QuoteNative::new(500))
        );
        // Long 10 at 100. At 90: equity 400, margin 90 → 310. At 110: the 100 of profit counts
        // as zero, 500 − margin 110 → 390. The lower decides.
        let mut long = Trader::zeroed();
        trade(&mut long, Side::Bid, 100, 10);
        assert_eq!(
            long.withdrawable(c, &scale, at(100), at(100)),
            Ok(QuoteNative::new(400))
        );
        assert_eq!(
            long.withdrawable(c, &scale, at(90), at(110)),
            Ok(QuoteNative::new(310))
        );
        // A resting bid for 5 at 100 that would lose 50 at 90 stays behind too: exposure
        // 900 + 500 at its limit = 1,400 → margin 140; equity 400 − 50 = 350 → 210.
        let bid = OrderId::new(Side::Bid, Ticks::new(100), 1, 0);
        long.open_order(0, bid, Side::Bid, BaseLots::new(5), 0, 0, TICK)
            .unwrap();
        assert_eq!(
            long.withdrawable(c, &scale, at(90), at(90)),
            Ok(QuoteNative::new(210))
        );
    }
}
