//! A trader's state in one market: position, realised PnL, fees, and open-order slots with the
//! margin they reserve. It lives inside the program's zero-copy margin account; the book updates it
//! when the trader takes, and when fills or outs of its resting orders are settled (inline, or
//! later from the event queue).
//!
//! Accounting identity: `realised_pnl − quote_entry` is the trader's net quote cash flow from
//! trading (fills and fees). It is exact, so across all traders of a market it sums to minus the
//! fees the market kept: trading creates and destroys no value.

use crate::error::MathError;
use crate::events::{EVENT_FILL, EVENT_OUT, Event};
use crate::math::{SafeMath, safe_cast};
use crate::order::{BookError, OrderId};
use crate::side::Side;
use crate::units::{
    BPS, BaseLots, QuoteLots, QuoteLotsPerBaseLot, QuoteLotsPerBaseLotPerTick, QuoteNative,
    QuoteNativePerQuoteLot, SignedBaseLots, SignedQuoteLots, Ticks,
};
use bytemuck::{Pod, Zeroable};

/// Open-order slots per trader (per margin account). An order id carries its slot, so this
/// must fit in `order::SLOT_BITS` bits.
pub const MAX_OPEN_ORDERS: usize = 32;
static_assertions::const_assert!(MAX_OPEN_ORDERS <= 1 << crate::order::SLOT_BITS);
static_assertions::const_assert!(MAX_OPEN_ORDERS <= 32); // `slots_in_use` is a u32 bitmask

/// One open order as its owner sees it. `base_lots` is what is still on the book plus fills not yet
/// settled from the event queue, so the slot (and its margin) is held until the last event for
/// the order is settled. 48 bytes.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct OpenOrder {
    /// The order id (high, low).
    pub order_id: [u64; 2],
    /// The owner's id for it.
    pub client_order_id: u64,
    /// Limit price in ticks.
    pub price: u64,
    /// Size on the book plus unsettled fills.
    pub base_lots: u64,
    /// `Side` as a byte.
    pub side: u8,
    /// Explicit padding.
    pub padding: [u8; 3],
    /// The order's leaf in its side's tree while it rests (a handle for O(1) cancel; checked
    /// against the id before use, since the leaf is reused once the order leaves the book).
    pub book_leaf: u32,
}
static_assertions::const_assert_eq!(core::mem::size_of::<OpenOrder>(), 48);

/// Maker and taker fees in basis points of notional (maker may be negative: a rebate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeeRates {
    /// Maker fee, bps; negative is a rebate. |maker| ≤ taker keeps the market's take ≥ 0.
    pub maker_bps: i32,
    /// Taker fee, bps.
    pub taker_bps: i32,
}

impl FeeRates {
    /// The taker's fee on `notional`, rounded up (in the venue's favour).
    pub fn taker_fee(&self, notional: QuoteLots) -> Result<SignedQuoteLots, MathError> {
        fee(notional, self.taker_bps)
    }
    /// The maker's fee on `notional`, rounded in the venue's favour (a rebate rounds down).
    pub fn maker_fee(&self, notional: QuoteLots) -> Result<SignedQuoteLots, MathError> {
        fee(notional, self.maker_bps)
    }
}

fn fee(notional: QuoteLots, bps: i32) -> Result<SignedQuoteLots, MathError> {
    // u64 arithmetic (division by a constant, no 128-bit helper): a charge rounds up, a rebate
    // rounds toward zero.
    let raw = notional.get().safe_mul(u64::from(bps.unsigned_abs()))?;
    Ok(SignedQuoteLots::new(if bps >= 0 {
        safe_cast(raw.div_ceil(BPS))?
    } else {
        safe_cast::<u64, i64>(raw / BPS)?.safe_mul(-1)?
    }))
}

/// A trader's position, PnL and open orders in one market. 1,608 bytes.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct Trader {
    /// Position; positive is long.
    pub base_position: SignedBaseLots,
    /// Cost basis of the position, same sign as the position.
    pub quote_entry: SignedQuoteLots,
    /// Realised PnL, after fees.
    pub realised_pnl: SignedQuoteLots,
    /// Fees paid (negative: net rebates received).
    pub fees_paid: SignedQuoteLots,
    /// Base lots on the bid side of the open orders.
    pub bids_base_lots: BaseLots,
    /// Quote lots (price × size) of the bids.
    pub bids_quote_lots: QuoteLots,
    /// Base lots on the ask side of the open orders.
    pub asks_base_lots: BaseLots,
    /// Quote lots of the asks.
    pub asks_quote_lots: QuoteLots,
    /// Bit i set: `orders[i]` is in use.
    pub slots_in_use: u32,
    /// Explicit padding.
    pub padding: u32,
    /// Open-order slots.
    pub orders: [OpenOrder; MAX_OPEN_ORDERS],
}
static_assertions::const_assert_eq!(core::mem::size_of::<Trader>(), 8 * 8 + 8 + 32 * 48);

/// Quote lots of `lots` at `price` ticks.
#[inline]
pub fn notional(
    price: Ticks,
    lots: BaseLots,
    tick_size: QuoteLotsPerBaseLotPerTick,
) -> Result<u64, MathError> {
    Ok(price
        .checked_mul_tick_size(tick_size)?
        .checked_mul_lots(lots)?
        .get())
}

/// A trade of `lots` at `price` ticks, valued once: the book computes it per fill and both sides
/// (and the maker's freed reservation) use the same numbers, instead of each multiplying again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fill {
    /// The price in ticks.
    pub price: Ticks,
    /// The price of one lot (`price × tick size`), kept for valuing a partial close.
    pub per_lot: QuoteLotsPerBaseLot,
    /// The size.
    pub lots: BaseLots,
    /// Its notional: `per_lot × lots` (the same value as `notional`).
    pub quote: QuoteLots,
}

impl Fill {
    /// Values `lots` at `price`, with `notional`'s checked products.
    #[inline(always)]
    pub(crate) fn new(
        price: Ticks,
        lots: BaseLots,
        tick_size: QuoteLotsPerBaseLotPerTick,
    ) -> Result<Fill, MathError> {
        let per_lot = price.checked_mul_tick_size(tick_size)?;
        Ok(Fill {
            price,
            per_lot,
            lots,
            quote: per_lot.checked_mul_lots(lots)?,
        })
    }
}

impl Trader {
    /// True when slot `slot` holds an order.
    #[inline]
    pub fn slot_in_use(&self, slot: usize) -> bool {
        slot < MAX_OPEN_ORDERS && self.slots_in_use & (1 << slot) != 0
    }

    /// A free open-order slot.
    #[inline]
    pub fn free_slot(&self) -> Option<u8> {
        let i = (!self.slots_in_use).trailing_zeros();
        (i < MAX_OPEN_ORDERS as u32).then_some(i as u8)
    }

    /// Number of open orders (including fully filled ones whose fills await settlement).
    #[inline]
    pub fn open_order_count(&self) -> u32 {
        self.slots_in_use.count_ones()
    }

    /// True when nothing is open: no position, no orders, no unsettled fills.
    pub fn is_flat(&self) -> bool {
        self.base_position.is_zero() && self.slots_in_use == 0
    }

    /// The open order in `slot` if it has id `id`.
    #[inline]
    pub fn order_with_id(&self, id: OrderId) -> Option<&OpenOrder> {
        let slot = id.slot();
        (self.slot_in_use(slot) && OrderId::from_parts(self.orders[slot].order_id) == id)
            .then(|| &self.orders[slot])
    }

    /// Records a new resting order in `slot` and reserves for it.
    #[allow(clippy::too_many_arguments)]
    pub fn open_order(
        &mut self,
        slot: u8,
        id: OrderId,
        side: Side,
        lots: BaseLots,
        client_order_id: u64,
        book_leaf: u32,
        tick_size: QuoteLotsPerBaseLotPerTick,
    ) -> Result<(), MathError> {
        let price = id.price(side);
        let quote = QuoteLots::new(notional(price, lots, tick_size)?);
        let (base, quotes) = self.reserved_mut(side);
        *base = base.checked_add(lots)?;
        *quotes = quotes.checked_add(quote)?;
        self.orders[slot as usize] = OpenOrder {
            order_id: id.to_parts(),
            client_order_id,
            price: price.get(),
            base_lots: lots.get(),
            side: side as u8,
            padding: [0; 3],
            book_leaf,
        };
        self.slots_in_use |= 1 << slot;
        Ok(())
    }

    /// What the open orders on `side` reserve: their base lots and their quote lots.
    #[inline(always)]
    fn reserved_mut(&mut self, side: Side) -> (&mut BaseLots, &mut QuoteLots) {
        match side {
            Side::Bid => (&mut self.bids_base_lots, &mut self.bids_quote_lots),
            Side::Ask => (&mut self.asks_base_lots, &mut self.asks_quote_lots),
        }
    }

    /// Releases `lots` of the order `id` (cancelled, filled or out); frees its slot at zero.
    pub fn release_order(
        &mut self,
        id: OrderId,
        lots: BaseLots,
        tick_size: QuoteLotsPerBaseLotPerTick,
    ) -> Result<(), BookError> {
        let order = self.order_with_id(id).ok_or(BookError::StateMismatch)?;
        let (side, held) = (Side::from_byte(order.side), order.base_lots);
        let quote = QuoteLots::new(notional(Ticks::new(order.price), lots, tick_size)?);
        self.release(id.slot(), side, held, lots, quote)
    }

    /// Releases `lots` worth `quote` quote lots of the order in `slot` (on `side`, `held` lots).
    #[inline(always)]
    fn release(
        &mut self,
        slot: usize,
        side: Side,
        held: u64,
        lots: BaseLots,
        quote: QuoteLots,
    ) -> Result<(), BookError> {
        let left = held
            .checked_sub(lots.get())
            .ok_or(BookError::StateMismatch)?;
        let (base, quotes) = self.reserved_mut(side);
        *base = base.checked_sub(lots)?;
        *quotes = quotes.checked_sub(quote)?;
        self.orders[slot].base_lots = left;
        if left == 0 {
            self.slots_in_use &= !(1 << slot);
        }
        Ok(())
    }

    /// Applies a trade of `lots` at `price` on `side` for this trader, and its `fee`.
    #[inline]
    pub fn apply_trade(
        &mut self,
        side: Side,
        price: Ticks,
        lots: BaseLots,
        fee: SignedQuoteLots,
        tick_size: QuoteLotsPerBaseLotPerTick,
    ) -> Result<(), MathError> {
        self.apply_fill(side, &Fill::new(price, lots, tick_size)?, fee)
    }

    /// `apply_trade` of a fill the book has already valued.
    #[inline(always)]
    pub(crate) fn apply_fill(
        &mut self,
        side: Side,
        fill: &Fill,
        fee: SignedQuoteLots,
    ) -> Result<(), MathError> {
        let per_lot = fill.per_lot;
        self.apply(side, fill.lots, fill.quote.get(), fee.get(), |closed| {
            Ok(per_lot.checked_mul_lots(BaseLots::new(closed))?.get())
        })
    }

    /// Applies a trade of `lots` on `side` for a total of `quote_lots` (a price between ticks:
    /// a liquidation's transfer at the oracle price). A partial close retires its share of the
    /// total rounded down; the opened rest takes the remainder, so the cash is exact.
    pub fn apply_transfer(
        &mut self,
        side: Side,
        lots: BaseLots,
        quote_lots: QuoteLots,
    ) -> Result<(), MathError> {
        let quote_lots = quote_lots.get();
        self.apply(side, lots, quote_lots, 0, |closed| {
            safe_cast(
                u128::from(quote_lots).safe_mul(u128::from(closed))?
                    / u128::from(lots.get().max(1)),
            )
        })
    }

    /// The bookkeeping of a trade: `n` quote lots for `lots`, of which closing `c` lots costs
    /// `closed_notional(c)`.
    #[inline(always)]
    fn apply(
        &mut self,
        side: Side,
        lots: BaseLots,
        n: u64,
        fee: i64,
        closed_notional: impl FnOnce(u64) -> Result<u64, MathError>,
    ) -> Result<(), MathError> {
        let q: i64 = safe_cast(lots.get())?;
        let n: i64 = safe_cast(n)?;
        // Signed by direction: buying adds base and cost basis, selling removes them (q and n
        // are not negative, so their negations cannot overflow).
        let (dq, dn) = match side {
            Side::Bid => (q, n),
            Side::Ask => (q.safe_mul(-1)?, n.safe_mul(-1)?),
        };
        let pos = self.base_position.get();
        let quote_entry = self.quote_entry.get();
        // Opening, adding, closing or flipping: the position always moves by `dq` (a flip closes
        // all of it and opens the rest the other way), so it is one addition on every path.
        let new_pos = pos.safe_add(dq)?;
        let mut realised = self.realised_pnl.get();
        if pos == 0 || (pos > 0) == (dq > 0) {
            self.quote_entry = SignedQuoteLots::new(quote_entry.safe_add(dn)?);
        } else {
            // Closes `closed` lots (and opens the rest the other way).
            let size: i64 = safe_cast(pos.unsigned_abs())?;
            let closed = q.min(size);
            let entry_removed: i64 = if closed == size {
                quote_entry
            } else {
                // Truncating toward zero; i64 when the product fits (the common case, and one
                // division instruction instead of a 128-bit helper call).
                match quote_entry.checked_mul(closed) {
                    Some(product) => product / size,
                    None => safe_cast(
                        i128::from(quote_entry)
                            .safe_mul(i128::from(closed))?
                            .safe_div(i128::from(size))?,
                    )?,
                }
            };
            let closed_n: i64 = safe_cast(closed_notional(closed as u64)?)?;
            // Cash of the closing part minus the cost basis it retires.
            let cash = match side {
                Side::Bid => closed_n.safe_mul(-1)?,
                Side::Ask => closed_n,
            };
            realised = realised.safe_add(cash.safe_sub(entry_removed)?)?;
            let mut entry = quote_entry.safe_sub(entry_removed)?;
            if closed < q {
                // The opened rest's cost basis is the rest of the notional, signed like `dq`.
                let opened_n = n.safe_sub(closed_n)?;
                entry = entry.safe_add(if dq > 0 {
                    opened_n
                } else {
                    opened_n.safe_mul(-1)?
                })?;
            }
            self.quote_entry = SignedQuoteLots::new(entry);
        }
        self.base_position = SignedBaseLots::new(new_pos);
        self.realised_pnl = SignedQuoteLots::new(realised.safe_sub(fee)?);
        self.fees_paid = SignedQuoteLots::new(self.fees_paid.get().safe_add(fee)?);
        Ok(())
    }

    /// Settles an event addressed to this trader as maker.
    pub fn apply_maker_event(
        &mut self,
        event: &Event,
        tick_size: QuoteLotsPerBaseLotPerTick,
    ) -> Result<(), BookError> {
        let id = event.order_id();
        let lots = event.base_lots();
        match event.kind {
            EVENT_FILL => {
                let fill = Fill::new(event.price(), lots, tick_size)?;
                let fee = SignedQuoteLots::new(event.maker_fee);
                self.fill_order(id, event.maker_side(), &fill, fee)?;
            }
            EVENT_OUT => self.release_order(id, lots, tick_size)?,
            _ => return Err(BookError::StateMismatch),
        }
        Ok(())
    }

    /// Settles `fill` of this trader's resting order `id` on `side`, and its maker `fee`: frees
    /// that much of the order's reservation and moves the position. The fill was valued at the
    /// id's price, which `open_order` stored with the order, so the reservation it frees is the
    /// fill's notional; an order held on another side or at another price is a `StateMismatch`
    /// (as is one the trader does not hold, or a fill larger than what the order has left).
    #[inline]
    pub(crate) fn fill_order(
        &mut self,
        id: OrderId,
        side: Side,
        fill: &Fill,
        fee: SignedQuoteLots,
    ) -> Result<(), BookError> {
        let order = self.order_with_id(id).ok_or(BookError::StateMismatch)?;
        if order.side != side as u8 || order.price != fill.price.get() {
            return Err(BookError::StateMismatch);
        }
        let held = order.base_lots;
        self.release(id.slot(), side, held, fill.lots, fill.quote)?;
        self.apply_fill(side, fill, fee)?;
        Ok(())
    }

    /// How much a reduce-only order on `side` may still take: the position in the other
    /// direction, less what the trader's resting orders on `side` could already close.
    pub fn reducible(&self, side: Side) -> BaseLots {
        let position = self.base_position.get();
        let (exposure, resting) = match side {
            Side::Ask => (position, self.asks_base_lots),
            Side::Bid => (position.saturating_neg(), self.bids_base_lots),
        };
        BaseLots::new(exposure.max(0) as u64).saturating_sub(resting)
    }

    /// The larger of |position + all bids| and |position − all asks|, base lots: the position
    /// the account could end up with if one side of its orders filled (what margin is sized on).
    pub fn worst_case_lots(&self) -> Result<u64, MathError> {
        // i64 ± u64 always fits i128.
        let pos = i128::from(self.base_position);
        safe_cast(
            (pos + i128::from(self.bids_base_lots))
                .abs()
                .max((pos - i128::from(self.asks_base_lots)).abs()),
        )
    }

    /// Moves realised PnL into `collateral` (native units) and returns the new collateral: all of
    /// a profit; of a loss, as many whole quote lots as the collateral holds (what it cannot pay
    /// stays as negative realised PnL, a debt). Exact: `collateral + realised × lot size` is
    /// unchanged.
    pub fn fold_realised(
        &mut self,
        collateral: QuoteNative,
        quote_lot_size: QuoteNativePerQuoteLot,
    ) -> Result<QuoteNative, MathError> {
        let qls = quote_lot_size.get();
        let realised = self.realised_pnl.get();
        let lots = if realised >= 0 {
            realised
        } else {
            let payable = collateral.get() / qls.max(1);
            -safe_cast::<u64, i64>(realised.unsigned_abs().min(payable))?
        };
        self.realised_pnl = SignedQuoteLots::new(realised.safe_sub(lots)?);
        let moved = lots.unsigned_abs().safe_mul(qls)?;
        Ok(QuoteNative::new(if lots >= 0 {
            collateral.get().safe_add(moved)?
        } else {
            collateral.get().safe_sub(moved)?
        }))
    }

    /// Net quote cash flow from trading, in quote lots (see the module doc).
    pub fn cash_flow(&self) -> Result<SignedQuoteLots, MathError> {
        self.realised_pnl.checked_sub(self.quote_entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn position_entry_and_realised_pnl_follow_the_cash() {
        let mut t = Trader::zeroed();
        trade(&mut t, Side::Bid, 100, 10); // long 10 @ 100
        assert_eq!(
            (
                t.base_position.get(),
                t.quote_entry.get(),
                t.realised_pnl.get()
            ),
            (10, 1_000, 0)
        );
        trade(&mut t, Side::Ask, 110, 4); // close 4: +4 × 10
        assert_eq!(
            (
                t.base_position.get(),
                t.quote_entry.get(),
                t.realised_pnl.get()
            ),
            (6, 600, 40)
        );
        trade(&mut t, Side::Ask, 90, 10); // close 6 at −10 each, open short 4 @ 90
        assert_eq!(
            (
                t.base_position.get(),
                t.quote_entry.get(),
                t.realised_pnl.get()
            ),
            (-4, -360, 40 - 60)
        );
        trade(&mut t, Side::Bid, 80, 4); // short closed: +4 × 10
        assert_eq!(
            (
                t.base_position.get(),
                t.quote_entry.get(),
                t.realised_pnl.get()
            ),
            (0, 0, -20 + 40)
        );
        // Cash flow: −1000 + 440 + 900 − 320 = 20.
        assert_eq!(t.cash_flow().unwrap().get(), 20);
    }

    #[test]
    fn partial_close_rounds_into_realised_keeping_cash_exact() {
        let mut t = Trader::zeroed();
        trade(&mut t, Side::Bid, 100, 3);
        trade(&mut t, Side::Bid, 101, 0);
        trade(&mut t, Side::Bid, 101, 1); // long 4, entry 401
        trade(&mut t, Side::Ask, 100, 1); // entry removed = 401 / 4 = 100 (truncated)
        assert_eq!((t.quote_entry.get(), t.realised_pnl.get()), (301, 0));
        assert_eq!(t.cash_flow().unwrap().get(), -401 + 100);
    }

    #[test]
    fn a_transfer_between_ticks_keeps_cash_exact() {
        // Long 3 @ 100; 2 transferred out for 201 quote lots (100.5 each).
        let mut t = Trader::zeroed();
        trade(&mut t, Side::Bid, 100, 3);
        t.apply_transfer(Side::Ask, BaseLots::new(2), QuoteLots::new(201))
            .unwrap();
        assert_eq!(
            (
                t.base_position.get(),
                t.quote_entry.get(),
                t.realised_pnl.get()
            ),
            (1, 100, 1)
        );
        // Through zero: sell 3 for 299 closes 1 (99 of it, rounded down) and opens short 2 (200).
        t.apply_transfer(Side::Ask, BaseLots::new(3), QuoteLots::new(299))
            .unwrap();
        assert_eq!(
            (
                t.base_position.get(),
                t.quote_entry.get(),
                t.realised_pnl.get()
            ),
            (-2, -200, 0)
        );
        assert_eq!(t.cash_flow().unwrap().get(), -300 + 201 + 299);
    }

    #[test]
    fn folding_moves_realised_pnl_into_collateral_exactly() {
        let qls = QuoteNativePerQuoteLot::new(100);
        let mut t = Trader::zeroed();
        t.realised_pnl = SignedQuoteLots::new(7);
        assert_eq!(
            t.fold_realised(QuoteNative::new(50), qls),
            Ok(QuoteNative::new(750))
        );
        assert_eq!(t.realised_pnl.get(), 0);
        // A loss of 5 lots against 250 native: 2 whole lots are paid, 3 remain owed.
        t.realised_pnl = SignedQuoteLots::new(-5);
        assert_eq!(
            t.fold_realised(QuoteNative::new(250), qls),
            Ok(QuoteNative::new(50))
        );
        assert_eq!(t.realised_pnl.get(), -3);
        t.realised_pnl = SignedQuoteLots::new(-1);
        assert_eq!(
            t.fold_realised(QuoteNative::new(300), qls),
            Ok(QuoteNative::new(200))
        );
        assert_eq!(t.realised_pnl.get(), 0);
    }

    #[test]
    fn fees_round_in_the_venues_favour() {
        let f = FeeRates {
            maker_bps: -2,
            taker_bps: 5,
        };
        assert_eq!(f.taker_fee(QuoteLots::new(10_000)).unwrap().get(), 5);
        assert_eq!(f.taker_fee(QuoteLots::new(10_001)).unwrap().get(), 6);
        assert_eq!(f.maker_fee(QuoteLots::new(10_001)).unwrap().get(), -2);
        assert_eq!(f.maker_fee(QuoteLots::new(4_999)).unwrap().get(), 0);
        let mut t = Trader::zeroed();
        t.apply_trade(
            Side::Bid,
            Ticks::new(100),
            BaseLots::new(1),
            SignedQuoteLots::new(7),
            TICK,
        )
        .unwrap();
        assert_eq!((t.realised_pnl.get(), t.fees_paid.get()), (-7, 7));
    }

    #[test]
    fn reducible_nets_resting_orders_on_the_closing_side() {
        let mut t = Trader::zeroed();
        trade(&mut t, Side::Bid, 100, 10);
        assert_eq!(t.reducible(Side::Ask), BaseLots::new(10));
        assert_eq!(t.reducible(Side::Bid), BaseLots::ZERO);
        let id = OrderId::new(Side::Ask, Ticks::new(120), 1, 0);
        t.open_order(0, id, Side::Ask, BaseLots::new(7), 0, 0, TICK)
            .unwrap();
        assert_eq!(t.reducible(Side::Ask), BaseLots::new(3));
    }

    #[test]
    fn open_and_release_keep_side_totals_and_free_the_slot_at_zero() {
        let mut t = Trader::zeroed();
        let id = OrderId::new(Side::Bid, Ticks::new(50), 9, 3);
        assert_eq!(id.slot(), 3);
        assert_eq!(id.price(Side::Bid), Ticks::new(50));
        t.open_order(3, id, Side::Bid, BaseLots::new(4), 77, 0, TICK)
            .unwrap();
        assert_eq!((t.bids_base_lots.get(), t.bids_quote_lots.get()), (4, 200));
        assert_eq!(t.free_slot(), Some(0));
        t.release_order(id, BaseLots::new(1), TICK).unwrap();
        assert!(t.slot_in_use(3));
        assert_eq!(
            t.release_order(id, BaseLots::new(4), TICK),
            Err(BookError::StateMismatch)
        );
        t.release_order(id, BaseLots::new(3), TICK).unwrap();
        assert!(!t.slot_in_use(3));
        assert_eq!((t.bids_base_lots.get(), t.bids_quote_lots.get()), (0, 0));
        assert!(t.order_with_id(id).is_none());
    }

    #[test]
    fn a_maker_fill_settles_only_into_the_order_it_names() {
        // An ask for 5 at 100 in slot 2; fills of it as the queue and the book deliver them.
        let id = OrderId::new(Side::Ask, Ticks::new(100), 4, 2);
        let event = |side: Side, price: u64, lots: u64| Event {
            kind: EVENT_FILL,
            maker_side: side as u8,
            order_id: id.to_parts(),
            price,
            base_lots: lots,
            maker_fee: -1,
            ..Event::zeroed()
        };
        let mut t = Trader::zeroed();
        t.open_order(2, id, Side::Ask, BaseLots::new(5), 0, 0, TICK)
            .unwrap();
        let before = t;
        // Another side, another price, more than is left, or another order: refused, untouched.
        for bad in [
            event(Side::Bid, 100, 2),
            event(Side::Ask, 101, 2),
            event(Side::Ask, 100, 6),
        ] {
            assert_eq!(
                t.apply_maker_event(&bad, TICK),
                Err(BookError::StateMismatch)
            );
            assert_eq!(t, before);
        }
        let other = OrderId::new(Side::Ask, Ticks::new(100), 5, 2);
        let fill = Fill::new(Ticks::new(100), BaseLots::new(2), TICK).unwrap();
        assert_eq!(
            t.fill_order(other, Side::Ask, &fill, SignedQuoteLots::ZERO),
            Err(BookError::StateMismatch)
        );
        // The fill frees its notional from the reservation and moves the position, as a release
        // plus a trade at the same price does.
        t.apply_maker_event(&event(Side::Ask, 100, 2), TICK)
            .unwrap();
        let mut expected = before;
        expected.release_order(id, BaseLots::new(2), TICK).unwrap();
        expected
            .apply_trade(
                Side::Ask,
                Ticks::new(100),
                BaseLots::new(2),
                SignedQuoteLots::new(-1),
                TICK,
            )
            .unwrap();
        assert_eq!(t, expected);
        assert_eq!((t.asks_base_lots.get(), t.asks_quote_lots.get()), (3, 300));
        assert_eq!(
            (
                t.base_position.get(),
                t.quote_entry.get(),
                t.fees_paid.get()
            ),
            (-2, -200, -1)
        );
        t.fill_order(
            id,
            Side::Ask,
            &Fill::new(Ticks::new(100), BaseLots::new(3), TICK).unwrap(),
            SignedQuoteLots::ZERO,
        )
        .unwrap();
        assert!(!t.slot_in_use(2));
        assert_eq!((t.asks_base_lots.get(), t.asks_quote_lots.get()), (0, 0));
    }
}
