//! What an order is: the request a trader sends, the order resting on the book, its id, and every
//! reason the book can refuse one.

use crate::error::MathError;
use crate::math::{SafeMath, safe_cast};
use crate::price::Price;
use crate::side::Side;
use crate::units::{BaseLots, QuoteLotsPerBaseLotPerTick, QuoteNativePerQuoteLot, Ticks};
use bytemuck::{Pod, Zeroable};

/// The key that identifies a trader to the book: the margin account's address.
pub type TraderKey = [u8; 32];

/// How an order treats the book (DESIGN §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderKind {
    /// Takes what crosses, rests the remainder.
    Limit,
    /// Rests only; refused if it would take.
    PostOnly,
    /// Rests only; if it would take, it is repriced one tick behind the best opposite order.
    PostOnlySlide,
    /// Takes what crosses, cancels the remainder.
    ImmediateOrCancel,
    /// Takes its whole size or is refused.
    FillOrKill,
    /// Immediate-or-cancel whose limit is the edge of the oracle price band.
    Market,
}

impl OrderKind {
    /// Whether a remainder of this kind rests on the book.
    #[inline]
    pub fn rests(self) -> bool {
        matches!(
            self,
            OrderKind::Limit | OrderKind::PostOnly | OrderKind::PostOnlySlide
        )
    }
}

/// What happens when an order meets a resting order of the same trader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SelfTrade {
    /// Both shrink by the overlap; nothing trades.
    DecrementTake,
    /// The resting order is cancelled; matching continues.
    CancelProvide,
    /// The whole order is refused.
    Abort,
}

/// An order as a trader submits it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderRequest {
    /// Buy or sell.
    pub side: Side,
    /// Order type.
    pub kind: OrderKind,
    /// Limit price; for `Market`, an optional tighter limit (zero = the band edge).
    pub price: Ticks,
    /// Size.
    pub base_lots: BaseLots,
    /// Only reduce the position: clamped to what the position and other orders leave.
    pub reduce_only: bool,
    /// The trader's own id, echoed in events and usable to cancel.
    pub client_order_id: u64,
    /// Unix time after which the order no longer trades (0 = good till cancelled).
    pub expires_at: i64,
    /// Self-trade prevention.
    pub self_trade: SelfTrade,
    /// Most resting orders this order may touch (fills, self-trade steps, expired removals).
    pub fill_limit: u8,
}

/// The price range orders may use, in ticks (from the oracle band).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TickBand {
    /// Lowest allowed price.
    pub low: Ticks,
    /// Highest allowed price.
    pub high: Ticks,
}

impl TickBand {
    /// The ticks an order may use: the oracle range `[low, high]` widened by `width_bps` on each
    /// side, rounded inward to whole ticks.
    pub fn widened(
        low: Price,
        high: Price,
        width_bps: u32,
        tick_size: QuoteLotsPerBaseLotPerTick,
        quote_lot_size: QuoteNativePerQuoteLot,
    ) -> Result<TickBand, MathError> {
        let scale = |p: Price, bps: u128| -> Result<Price, MathError> {
            let raw = u128::from(p.raw()).safe_mul(bps)? / 10_000;
            Ok(Price::from_raw(safe_cast(raw)?))
        };
        let width = u128::from(width_bps);
        Ok(TickBand {
            low: scale(low, 10_000u128.saturating_sub(width))?
                .to_ticks_ceil(tick_size, quote_lot_size)?,
            high: scale(high, 10_000 + width)?.to_ticks_floor(tick_size, quote_lot_size)?,
        })
    }
}

/// An order id: the order's key in its side's tree. The high 64 bits order by price (best first),
/// the low 64 bits are `sequence << SLOT_BITS | owner slot`, so time priority follows the
/// sequence and the owner's open-order slot is recoverable from the id without a search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct OrderId(pub u128);

/// Bits of an order id's low half that hold the owner's open-order slot.
pub const SLOT_BITS: u32 = 5;

impl OrderId {
    /// The id of an order of `side` at `price`, with sequence number `seq`, in slot `slot`.
    #[inline]
    pub fn new(side: Side, price: Ticks, seq: u64, slot: u8) -> OrderId {
        let price_bits = match side {
            Side::Bid => !price.get(),
            Side::Ask => price.get(),
        };
        let low = (seq << SLOT_BITS) | u64::from(slot);
        OrderId((u128::from(price_bits) << 64) | u128::from(low))
    }

    /// The price of an order with this id on `side`.
    #[inline]
    pub fn price(self, side: Side) -> Ticks {
        let bits = (self.0 >> 64) as u64;
        Ticks::new(match side {
            Side::Bid => !bits,
            Side::Ask => bits,
        })
    }

    /// The price half of the id (the price, inverted on the bid side): smaller is better on
    /// either side, so an order on `side` is at or better than a price `p` exactly when its
    /// `price_key` is at most that of `OrderId::new(side, p, ..)`: one comparison for both sides.
    #[inline]
    pub fn price_key(self) -> u64 {
        (self.0 >> 64) as u64
    }

    /// The owner's open-order slot.
    #[inline]
    pub fn slot(self) -> usize {
        (self.0 as u64 & ((1 << SLOT_BITS) - 1)) as usize
    }

    /// The id as two u64 halves (high, low), for 8-aligned storage.
    #[inline]
    pub fn to_parts(self) -> [u64; 2] {
        [(self.0 >> 64) as u64, self.0 as u64]
    }

    /// Rebuilds an id from `to_parts`.
    #[inline]
    pub fn from_parts(parts: [u64; 2]) -> OrderId {
        OrderId((u128::from(parts[0]) << 64) | u128::from(parts[1]))
    }
}

/// An order resting on the book. Its price and sequence live in its id (the tree key). 64 bytes.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct RestingOrder {
    /// The margin account that placed it.
    pub owner: TraderKey,
    /// Size still on the book. In a free pool slot: the next free slot.
    pub base_lots: u64,
    /// The owner's id for it.
    pub client_order_id: u64,
    /// Unix time after which it no longer trades (0 = never).
    pub expires_at: i64,
    /// Room for later fields.
    pub reserved: [u8; 8],
}
static_assertions::const_assert_eq!(core::mem::size_of::<RestingOrder>(), 64);

impl RestingOrder {
    /// True when the order may no longer trade at `now`.
    #[inline]
    pub fn is_expired(&self, now: i64) -> bool {
        self.expires_at != 0 && self.expires_at <= now
    }
}

/// Why the book refused an action. One variant per reason, mapped one-to-one to program errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookError {
    /// Checked arithmetic failed.
    Math(MathError),
    /// The order's size is zero.
    ZeroSize,
    /// The price is zero or too large to represent.
    InvalidPrice,
    /// The price lies outside the oracle price band.
    PriceOutsideBand,
    /// A market order needs a price band (or its own limit) and has neither.
    PriceBandRequired,
    /// The order's expiry is already in the past.
    AlreadyExpired,
    /// A post-only order would have taken liquidity.
    PostOnlyWouldCross,
    /// A fill-or-kill order could not be filled completely.
    FillOrKillNotFilled,
    /// The order met a resting order of the same trader under `SelfTrade::Abort`.
    SelfTradeAborted,
    /// The side is full and the order is not better than its worst order.
    BookSideFull,
    /// The trader's open-order slots are all in use.
    TooManyOpenOrders,
    /// A reduce-only order has no position (left) to reduce in its direction.
    ReduceOnlyNothingToReduce,
    /// The event queue has no room for an event this action must record.
    EventQueueFull,
    /// No open order of this trader has that id (or it is no longer on the book).
    OrderNotFound,
    /// An event or order does not match the bookkeeping it names (an invariant broke; never expected).
    StateMismatch,
}

impl From<MathError> for BookError {
    fn from(e: MathError) -> Self {
        BookError::Math(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::price::PRICE_SCALE;

    #[test]
    fn band_widens_by_bps_and_rounds_inward_to_ticks() {
        // One tick = 100 native per lot; oracle range 150,000..=151,000 native per lot; ±10%.
        let p = |native: u64| Price::from_raw(native * PRICE_SCALE);
        let tick = QuoteLotsPerBaseLotPerTick::new(100);
        let qls = QuoteNativePerQuoteLot::new(1);
        let band = TickBand::widened(p(150_000), p(151_000), 1_000, tick, qls).unwrap();
        // 135,000 → 1,350 ticks; 166,100 → 1,661 ticks.
        assert_eq!(
            (band.low, band.high),
            (Ticks::new(1_350), Ticks::new(1_661))
        );
        // 135,049.5 rounds up to 1,351 and 166,149.5 down to 1,661: inward.
        let band = TickBand::widened(p(150_055), p(151_045), 1_000, tick, qls).unwrap();
        assert_eq!(
            (band.low, band.high),
            (Ticks::new(1_351), Ticks::new(1_661))
        );
        // A band wider than 100% cannot go below zero.
        let band = TickBand::widened(p(150_000), p(150_000), 20_000, tick, qls).unwrap();
        assert_eq!((band.low, band.high), (Ticks::new(0), Ticks::new(4_500)));
    }
}

/// The worst price a closing market order accepts: `reference` moved by `slippage_bps` against
/// the trader (a buy pays up to `reference × (1 + s)`, a sell takes down to `reference × (1 −
/// s)`, `s` capped at the whole price), rounded to whole ticks further against the trader so it
/// is never tighter than asked, and at least one tick. The app's Close and the keeper's unwind
/// both price their orders with it; the program then takes the tighter of it and its band edge.
pub fn worst_price_ticks(
    reference: Price,
    side: Side,
    slippage_bps: u32,
    tick_size: QuoteLotsPerBaseLotPerTick,
    quote_lot_size: QuoteNativePerQuoteLot,
) -> Result<Ticks, MathError> {
    const BPS: u128 = crate::units::BPS as u128;
    let step = u128::from(tick_size.get())
        .safe_mul(u128::from(quote_lot_size.get()))?
        .safe_mul(u128::from(crate::price::PRICE_SCALE))?;
    let slip = u128::from(slippage_bps).min(BPS);
    let per = BPS.safe_mul(step)?;
    let ticks = match side {
        Side::Bid => u128::from(reference.raw())
            .safe_mul(BPS.safe_add(slip)?)?
            .safe_div_ceil(per)?,
        Side::Ask => u128::from(reference.raw())
            .safe_mul(BPS - slip)?
            .safe_div(per)?,
    };
    Ok(Ticks::new(safe_cast::<u128, u64>(ticks)?.max(1)))
}

#[cfg(test)]
mod worst_price_tests {
    use super::*;

    #[test]
    fn the_worst_price_is_rounded_against_the_trader_and_never_below_a_tick() {
        let (tick, qls) = (
            QuoteLotsPerBaseLotPerTick::new(1),
            QuoteNativePerQuoteLot::new(100),
        );
        // A tick is 100 native per lot: raw 100 × 10⁶. The reference at 15,000 ticks.
        let raw = |ticks: u64| Price::from_raw(ticks * 100 * crate::price::PRICE_SCALE);
        let w = |r, side, s| worst_price_ticks(r, side, s, tick, qls).unwrap().get();
        assert_eq!(w(raw(15_000), Side::Ask, 300), 14_550);
        assert_eq!(w(raw(15_000), Side::Bid, 300), 15_450);
        // 100.005 ticks: 1% under is 99.00495 → 99 (down); 1% over is 101.00505 → 102 (up).
        let odd = Price::from_raw(raw(100).raw() + 100 * crate::price::PRICE_SCALE / 200);
        assert_eq!((w(odd, Side::Ask, 100), w(odd, Side::Bid, 100)), (99, 102));
        // All of the price as slippage still leaves a positive limit.
        assert_eq!(w(raw(15_000), Side::Ask, 10_000), 1);
        assert_eq!(w(raw(15_000), Side::Ask, 60_000), 1);
    }
}
