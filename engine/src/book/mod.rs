//! The order book: price-time priority matching over two fixed-capacity sides, every order type
//! of DESIGN §5, self-trade prevention, eviction, lazy expiry, and the event queue.
//!
//! The book owns matching and its bookkeeping (positions, fees, open-order reservations of the
//! traders it touches); it never sees accounts, tokens or clocks (time is passed in). Margin is
//! checked by the caller after a placement, with `Trader::require_initial_margin`.
//!
//! Atomicity: user mistakes are refused before anything changes, but some refusals are only known
//! mid-match (`SelfTradeAborted`, `FillOrKillNotFilled`, `BookSideFull` after taking). On `Err`
//! the book, queue and traders must be discarded, which the program's transaction does.

pub mod critbit;
pub mod side;

// The book's vocabulary lives below it (`crate::order`, `crate::events`), where the trader can
// use it without depending on the matching engine; re-exported under their old paths.
pub use crate::{events, order};

use crate::error::MathError;
use crate::events::{EVENT_FILL, EVENT_OUT, Event, EventQueue};
use crate::math::SafeMath;
use crate::order::{
    BookError, OrderId, OrderKind, OrderRequest, RestingOrder, SelfTrade, TraderKey,
};
use crate::side::Side;
use crate::trader::{FeeRates, Fill, Trader};
use crate::units::{BaseLots, QuoteLots, QuoteLotsPerBaseLotPerTick, SignedQuoteLots, Ticks};
use bytemuck::{Pod, Zeroable};
use side::BookSide;

/// Orders per side of a market's book.
pub const BOOK_CAPACITY: usize = 4096;
/// Events a market's queue holds.
pub const EVENT_QUEUE_CAPACITY: usize = 512;
/// The largest price in ticks (keeps `!price` and price × size arithmetic away from the edges).
pub const MAX_PRICE_TICKS: u64 = (1 << 48) - 1;

/// Resting orders one placement may touch (fills and removals of stale orders), whatever its
/// `fill_limit` asks: every one is an event the program logs, and a transaction's logs must stay
/// under a validator's 10 KB limit for clients to see them all.
pub const MAX_ORDERS_TOUCHED: u8 = 32;

/// Queue slots (an eighth) that only reduce-only orders may fill, so a full queue never blocks
/// them.
#[inline]
pub const fn queue_reserve(capacity: usize) -> usize {
    capacity / 8
}

/// A market's book at production capacity.
pub type MarketBook = OrderBook<BOOK_CAPACITY, { 2 * BOOK_CAPACITY }>;
/// A market's event queue at production capacity.
pub type MarketEventQueue = EventQueue<EVENT_QUEUE_CAPACITY>;

/// Margin accounts the caller has at hand: their fills and outs settle at once instead of
/// going through the queue.
pub trait Makers {
    /// The trader `owner`, if present.
    fn get(&mut self, owner: &TraderKey) -> Option<&mut Trader>;
    /// Sees every fill and out a placement produces, once, when the book makes it (settled
    /// inline or queued), e.g. to log it. Settling a queued event later does not repeat it.
    fn record(&mut self, _event: &Event) {}
}

/// No makers at hand: everything goes through the queue.
pub struct NoMakers;

impl Makers for NoMakers {
    fn get(&mut self, _owner: &TraderKey) -> Option<&mut Trader> {
        None
    }
}

/// One trader as the only maker at hand: settles that trader's own queued events, wherever they
/// sit in the queue (`liquidate` does so before judging an account, and clients judge it so too).
pub struct OneMaker<'a> {
    pub key: TraderKey,
    pub trader: &'a mut Trader,
}

impl Makers for OneMaker<'_> {
    fn get(&mut self, owner: &TraderKey) -> Option<&mut Trader> {
        (self.key == *owner).then_some(&mut *self.trader)
    }
}

/// The market-side numbers a placement needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaceContext {
    /// Unix time now.
    pub now: i64,
    /// Quote lots per base lot per tick.
    pub tick_size: QuoteLotsPerBaseLotPerTick,
    /// Fee rates.
    pub fees: FeeRates,
    /// The allowed price range (`None` only for reduce-only orders, which need no oracle).
    pub band: Option<order::TickBand>,
}

/// What became of the remainder of an order after matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remainder {
    /// Nothing was left.
    None,
    /// It rests on the book under this id.
    Rested(OrderId),
    /// It was cancelled (IOC/market, or it still crossed when the fill limit or queue stopped
    /// matching).
    Cancelled(BaseLots),
}

/// The result of a placement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaceOutcome {
    /// Size taken from the book.
    pub filled: BaseLots,
    /// Quote lots of the fills.
    pub filled_quote_lots: QuoteLots,
    /// Fee the taker paid.
    pub taker_fee: SignedQuoteLots,
    /// Resting orders traded against.
    pub fills: u32,
    /// Size removed by self-trade prevention (decrement-take) without trading.
    pub self_decremented: BaseLots,
    /// The order's final limit (a sliding post-only order may have moved).
    pub price: Ticks,
    /// The remainder's fate.
    pub remainder: Remainder,
}

/// Book header plus the two sides. A zeroed account is an empty book.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct OrderBook<const CAP: usize, const NODES: usize> {
    /// Next order sequence number (time priority).
    next_seq: u64,
    /// Fees the market has kept, in quote lots (taker fees plus maker fees, minus rebates).
    fees_accrued: i64,
    bids: BookSide<CAP, NODES>,
    asks: BookSide<CAP, NODES>,
}

// SAFETY: `repr(C)`: two 8-byte integers then two Pod sides whose sizes are multiples of 8; no
// padding and every bit pattern is valid.
unsafe impl<const C: usize, const N: usize> Zeroable for OrderBook<C, N> {}
unsafe impl<const C: usize, const N: usize> Pod for OrderBook<C, N> {}

/// Where a removed order's owner settles: the taker itself, a maker at hand, or the queue.
struct Settle<'a, M: Makers, const Q: usize> {
    taker_key: &'a TraderKey,
    taker: &'a mut Trader,
    makers: &'a mut M,
    queue: &'a mut EventQueue<Q>,
    tick_size: QuoteLotsPerBaseLotPerTick,
    /// Queue slots this action must leave free.
    reserve: usize,
}

impl<M: Makers, const Q: usize> Settle<'_, M, Q> {
    /// Settles `event` with its maker, or queues it. `Ok(false)`: no room, nothing done.
    fn deliver(&mut self, event: &Event) -> Result<bool, BookError> {
        if event.maker == *self.taker_key {
            self.taker.apply_maker_event(event, self.tick_size)?;
        } else if let Some(maker) = self.makers.get(&event.maker) {
            maker.apply_maker_event(event, self.tick_size)?;
        } else if self.queue.has_room(self.reserve) {
            self.queue.push(*event)?;
        } else {
            return Ok(false);
        }
        self.makers.record(event);
        Ok(true)
    }

    /// Settles `fill` of the resting order `id` on `side` (owned by `order.owner`, never the
    /// taker: the matching loop handles the taker's own orders first) with its maker, or queues
    /// it. `Ok(false)`: no room, nothing done. The event is built only where it is used (the
    /// queue and `Makers::record`): a maker at hand settles from the fill's numbers, and with
    /// the default `record` the compiler drops the event altogether.
    #[inline(always)]
    fn fill(
        &mut self,
        side: Side,
        id: OrderId,
        order: &RestingOrder,
        fill: &Fill,
        maker_fee: SignedQuoteLots,
        now: i64,
    ) -> Result<bool, BookError> {
        let taker = self.taker_key;
        let event = || Event {
            kind: EVENT_FILL,
            maker_side: side as u8,
            timestamp: now,
            maker: order.owner,
            taker: *taker,
            order_id: id.to_parts(),
            client_order_id: order.client_order_id,
            price: fill.price.get(),
            base_lots: fill.lots.get(),
            maker_fee: maker_fee.get(),
            ..Event::zeroed()
        };
        if let Some(maker) = self.makers.get(&order.owner) {
            maker.fill_order(id, side, fill, maker_fee)?;
            self.makers.record(&event());
        } else if self.queue.has_room(self.reserve) {
            let event = event();
            self.queue.push(event)?;
            self.makers.record(&event);
        } else {
            return Ok(false);
        }
        Ok(true)
    }
}

/// Whether a resting order at `price` may no longer trade: it expired, or the band has moved
/// away from it. Such an order never fills; whoever reaches it removes it (an out event), as
/// with expiry. A fill outside today's band would move value at an off-market price, and the
/// maker's margin was judged at the prices of the day it was placed.
#[inline]
fn is_stale(order: &RestingOrder, price: Ticks, ctx: &PlaceContext) -> bool {
    order.is_expired(ctx.now) || ctx.band.is_some_and(|b| price < b.low || price > b.high)
}

fn out_event(side: Side, id: OrderId, order: &RestingOrder, now: i64) -> Event {
    Event {
        kind: EVENT_OUT,
        maker_side: side as u8,
        timestamp: now,
        maker: order.owner,
        order_id: id.to_parts(),
        client_order_id: order.client_order_id,
        price: id.price(side).get(),
        base_lots: order.base_lots,
        ..Event::zeroed()
    }
}

impl<const CAP: usize, const NODES: usize> OrderBook<CAP, NODES> {
    /// One side of the book.
    #[inline]
    pub fn side(&self, side: Side) -> &BookSide<CAP, NODES> {
        match side {
            Side::Bid => &self.bids,
            Side::Ask => &self.asks,
        }
    }

    #[inline]
    fn side_mut(&mut self, side: Side) -> &mut BookSide<CAP, NODES> {
        match side {
            Side::Bid => &mut self.bids,
            Side::Ask => &mut self.asks,
        }
    }

    /// Fees the market has kept, in quote lots.
    pub fn fees_accrued(&self) -> i64 {
        self.fees_accrued
    }

    /// The best price on `side`, expired orders included (they still block crossing until
    /// removed).
    pub fn best_price(&self, side: Side) -> Option<Ticks> {
        self.side(side).best().map(|(id, ..)| id.price(side))
    }

    /// The order's limit after order-type rules and the band.
    fn limit_price(req: &OrderRequest, ctx: &PlaceContext) -> Result<Ticks, BookError> {
        let price = if req.kind == OrderKind::Market {
            let band = ctx.band.ok_or(BookError::PriceBandRequired)?;
            let edge = match req.side {
                Side::Bid => band.high,
                Side::Ask => band.low,
            };
            // A given price can only tighten a market order.
            match (req.price.is_zero(), req.side) {
                (true, _) => edge,
                (false, Side::Bid) => edge.min(req.price),
                (false, Side::Ask) => edge.max(req.price),
            }
        } else {
            req.price
        };
        Self::check_price(price, ctx)
    }

    fn check_price(price: Ticks, ctx: &PlaceContext) -> Result<Ticks, BookError> {
        if price.is_zero() || price.get() > MAX_PRICE_TICKS {
            return Err(BookError::InvalidPrice);
        }
        if let Some(band) = ctx.band
            && (price < band.low || price > band.high)
        {
            return Err(BookError::PriceOutsideBand);
        }
        Ok(price)
    }

    /// Places an order for `taker` (identified by `taker_key`): matches what crosses, within
    /// `fill_limit` resting orders, then rests or cancels the remainder as its kind says.
    /// Fills and outs for makers in `makers` (and for the taker's own orders) settle at once;
    /// the rest are queued. Normal orders leave `queue_reserve(Q)` queue slots free for
    /// reduce-only orders; when the queue has no room, matching stops there.
    pub fn place<M: Makers, const Q: usize>(
        &mut self,
        taker_key: &TraderKey,
        taker: &mut Trader,
        req: &OrderRequest,
        ctx: &PlaceContext,
        makers: &mut M,
        queue: &mut EventQueue<Q>,
    ) -> Result<PlaceOutcome, BookError> {
        if req.base_lots.is_zero() {
            return Err(BookError::ZeroSize);
        }
        let req = &OrderRequest {
            fill_limit: req.fill_limit.min(MAX_ORDERS_TOUCHED),
            ..*req
        };
        if req.expires_at != 0 && req.expires_at <= ctx.now {
            return Err(BookError::AlreadyExpired);
        }
        let mut limit = Self::limit_price(req, ctx)?;
        let mut size = req.base_lots;
        if req.reduce_only {
            size = size.min(taker.reducible(req.side));
            if size.is_zero() {
                return Err(BookError::ReduceOnlyNothingToReduce);
            }
        }
        let slot = if req.kind.rests() {
            Some(taker.free_slot().ok_or(BookError::TooManyOpenOrders)?)
        } else {
            None
        };
        let reserve = if req.reduce_only { 0 } else { queue_reserve(Q) };
        let mut settle = Settle {
            taker_key,
            taker,
            makers,
            queue,
            tick_size: ctx.tick_size,
            reserve,
        };
        let mut outcome = PlaceOutcome {
            filled: BaseLots::ZERO,
            filled_quote_lots: QuoteLots::ZERO,
            taker_fee: SignedQuoteLots::ZERO,
            fills: 0,
            self_decremented: BaseLots::ZERO,
            price: limit,
            remainder: Remainder::None,
        };
        let mut remaining = size;
        match req.kind {
            OrderKind::PostOnly | OrderKind::PostOnlySlide => {
                if let Some(best) = self.prune_crossing_stale(req, limit, ctx, &mut settle)? {
                    if req.kind == OrderKind::PostOnly {
                        return Err(BookError::PostOnlyWouldCross);
                    }
                    limit = match req.side {
                        Side::Bid => Ticks::new(best.get().safe_sub(1)?),
                        Side::Ask => Ticks::new(best.get().safe_add(1)?),
                    };
                    limit = Self::check_price(limit, ctx)?;
                    outcome.price = limit;
                }
            }
            _ => {
                remaining = self.take(req, limit, remaining, ctx, &mut settle, &mut outcome)?;
                if req.kind == OrderKind::FillOrKill && !remaining.is_zero() {
                    return Err(BookError::FillOrKillNotFilled);
                }
            }
        }
        if remaining.is_zero() {
            return Ok(outcome);
        }
        let (Some(slot), false) = (slot, self.crosses(req.side, limit)) else {
            outcome.remainder = Remainder::Cancelled(remaining);
            return Ok(outcome);
        };
        let id = OrderId::new(req.side, limit, self.next_seq, slot);
        if self.side(req.side).is_full() {
            self.make_room(req.side, id, ctx.now, &mut settle)?;
        }
        self.next_seq = self.next_seq.safe_add(1)?;
        let leaf = self.side_mut(req.side).insert(
            id,
            RestingOrder {
                owner: *taker_key,
                base_lots: remaining.get(),
                client_order_id: req.client_order_id,
                expires_at: req.expires_at,
                reserved: [0; 8],
            },
        )?;
        settle.taker.open_order(
            slot,
            id,
            req.side,
            remaining,
            req.client_order_id,
            leaf,
            ctx.tick_size,
        )?;
        outcome.remainder = Remainder::Rested(id);
        Ok(outcome)
    }

    /// True when an order on `side` at `limit` would trade with the opposite best.
    #[inline]
    fn crosses(&self, side: Side, limit: Ticks) -> bool {
        self.best_price(side.opposite())
            .is_some_and(|best| side.crosses(limit, best))
    }

    /// For a post-only order: removes stale opposite orders it would cross (at most
    /// `fill_limit`) and returns the price of the first crossing order it must not take, if any.
    fn prune_crossing_stale<M: Makers, const Q: usize>(
        &mut self,
        req: &OrderRequest,
        limit: Ticks,
        ctx: &PlaceContext,
        settle: &mut Settle<'_, M, Q>,
    ) -> Result<Option<Ticks>, BookError> {
        let now = ctx.now;
        let opp = req.side.opposite();
        let mut budget = req.fill_limit;
        loop {
            let Some((id, pool, leaf)) = self.side(opp).best() else {
                return Ok(None);
            };
            let price = id.price(opp);
            if !req.side.crosses(limit, price) {
                return Ok(None);
            }
            let order = *self.side(opp).order(pool);
            if budget == 0
                || !is_stale(&order, price, ctx)
                || !self.remove_out(opp, id, leaf, &order, now, settle)?
            {
                return Ok(Some(price));
            }
            budget -= 1;
        }
    }

    /// Removes `order` from the book and delivers its out event. `Ok(false)`: no queue room,
    /// nothing changed.
    #[allow(clippy::too_many_arguments)]
    fn remove_out<M: Makers, const Q: usize>(
        &mut self,
        side: Side,
        id: OrderId,
        leaf: u32,
        order: &RestingOrder,
        now: i64,
        settle: &mut Settle<'_, M, Q>,
    ) -> Result<bool, BookError> {
        if !settle.deliver(&out_event(side, id, order, now))? {
            return Ok(false);
        }
        self.side_mut(side)
            .remove_at(leaf, id)
            .ok_or(BookError::StateMismatch)?;
        Ok(true)
    }

    /// The matching loop. Returns the size left.
    fn take<M: Makers, const Q: usize>(
        &mut self,
        req: &OrderRequest,
        limit: Ticks,
        mut remaining: BaseLots,
        ctx: &PlaceContext,
        settle: &mut Settle<'_, M, Q>,
        outcome: &mut PlaceOutcome,
    ) -> Result<BaseLots, BookError> {
        let opp = req.side.opposite();
        // An opposite order crosses when its price is at or better than the limit: compared in
        // key space, one comparison instead of a branch on the side per fill.
        let limit_key = OrderId::new(opp, limit, 0, 0).price_key();
        let mut touched = 0u8;
        while !remaining.is_zero() && touched < req.fill_limit {
            let Some((id, pool, leaf)) = self.side(opp).best() else {
                break;
            };
            if id.price_key() > limit_key {
                break;
            }
            let price = id.price(opp);
            touched += 1;
            let order = self.side(opp).order(pool);
            if is_stale(order, price, ctx) {
                let order = *order;
                if !self.remove_out(opp, id, leaf, &order, ctx.now, settle)? {
                    break;
                }
                continue;
            }
            let resting = BaseLots::new(order.base_lots);
            if order.owner == *settle.taker_key {
                match req.self_trade {
                    SelfTrade::Abort => return Err(BookError::SelfTradeAborted),
                    SelfTrade::CancelProvide => {
                        self.side_mut(opp).remove_at(leaf, id);
                        settle.taker.release_order(id, resting, ctx.tick_size)?;
                    }
                    SelfTrade::DecrementTake => {
                        let d = remaining.min(resting);
                        self.reduce_best(opp, pool, resting, d)?;
                        settle.taker.release_order(id, d, ctx.tick_size)?;
                        remaining = remaining.checked_sub(d)?;
                        outcome.self_decremented = outcome.self_decremented.checked_add(d)?;
                    }
                }
                continue;
            }
            let q = remaining.min(resting);
            let fill = Fill::new(price, q, ctx.tick_size)?;
            let quote = fill.quote;
            let maker_fee = ctx.fees.maker_fee(quote)?;
            if !settle.fill(opp, id, order, &fill, maker_fee, ctx.now)? {
                break;
            }
            self.reduce_best(opp, pool, resting, q)?;
            let taker_fee = ctx.fees.taker_fee(quote)?;
            settle.taker.apply_fill(req.side, &fill, taker_fee)?;
            self.fees_accrued = self
                .fees_accrued
                .safe_add(taker_fee.get())?
                .safe_add(maker_fee.get())?;
            remaining = remaining.checked_sub(q)?;
            outcome.filled = outcome.filled.checked_add(q)?;
            outcome.filled_quote_lots = outcome.filled_quote_lots.checked_add(quote)?;
            outcome.taker_fee = outcome.taker_fee.checked_add(taker_fee)?;
            outcome.fills += 1;
        }
        Ok(remaining)
    }

    /// Takes `q` of the `resting` lots of the best order on `side` (in pool slot `pool`, just
    /// read by the matching loop): removes it when nothing is left.
    #[inline(always)]
    fn reduce_best(
        &mut self,
        side: Side,
        pool: u32,
        resting: BaseLots,
        q: BaseLots,
    ) -> Result<(), MathError> {
        let left = resting.checked_sub(q)?;
        if left.is_zero() {
            self.side_mut(side).discard_best();
        } else {
            self.side_mut(side).order_mut(pool).base_lots = left.get();
        }
        Ok(())
    }

    /// Makes room for `id` on a full side by evicting the worst order, if `id` is better.
    #[cold]
    fn make_room<M: Makers, const Q: usize>(
        &mut self,
        side: Side,
        id: OrderId,
        now: i64,
        settle: &mut Settle<'_, M, Q>,
    ) -> Result<(), BookError> {
        let (worst, pool, leaf) = self.side(side).worst().ok_or(BookError::StateMismatch)?;
        if id >= worst {
            return Err(BookError::BookSideFull);
        }
        let order = *self.side(side).order(pool);
        if !self.remove_out(side, worst, leaf, &order, now, settle)? {
            return Err(BookError::EventQueueFull);
        }
        Ok(())
    }

    /// Cancels the trader's order `id`; returns the size that left the book.
    pub fn cancel(
        &mut self,
        key: &TraderKey,
        trader: &mut Trader,
        id: OrderId,
        tick_size: QuoteLotsPerBaseLotPerTick,
    ) -> Result<BaseLots, BookError> {
        let open = trader.order_with_id(id).ok_or(BookError::OrderNotFound)?;
        let side = Side::from_byte(open.side);
        let order = self
            .side_mut(side)
            .remove_at(open.book_leaf, id)
            .ok_or(BookError::OrderNotFound)?;
        if order.owner != *key {
            return Err(BookError::StateMismatch);
        }
        let lots = BaseLots::new(order.base_lots);
        trader.release_order(id, lots, tick_size)?;
        Ok(lots)
    }

    /// Cancels every order of the trader (on `side`, or both) still on the book whose client id
    /// matches `client_order_id` (any id when `None`). Returns how many left the book.
    pub fn cancel_matching(
        &mut self,
        key: &TraderKey,
        trader: &mut Trader,
        side: Option<Side>,
        client_order_id: Option<u64>,
        tick_size: QuoteLotsPerBaseLotPerTick,
    ) -> Result<u32, BookError> {
        let mut cancelled = 0;
        for slot in 0..crate::trader::MAX_OPEN_ORDERS {
            if !trader.slot_in_use(slot) {
                continue;
            }
            let open = trader.orders[slot];
            let wanted = side.is_none_or(|s| s as u8 == open.side)
                && client_order_id.is_none_or(|c| c == open.client_order_id);
            if !wanted {
                continue;
            }
            match self.cancel(key, trader, OrderId::from_parts(open.order_id), tick_size) {
                Ok(_) => cancelled += 1,
                // Fully traded or out, with events still queued: nothing left to cancel.
                Err(BookError::OrderNotFound) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(cancelled)
    }
}

/// Settles up to `limit` queued events whose makers are in `makers`, oldest first, skipping
/// (not stopping at) events of makers not at hand: nobody can hold back another account's
/// settlement by queueing events ahead of it. Each maker's own events still settle in queue
/// order (every event of a present maker is taken as the scan reaches it). Returns how many
/// were settled. The scan is bounded by the queue's capacity. Inlined: the queue's per-side
/// totals of waiting fills made it just large enough for the compiler to stop inlining it into
/// the consume crank, which cost 19 instructions an event.
#[inline]
pub fn consume_events<M: Makers, const Q: usize>(
    queue: &mut EventQueue<Q>,
    makers: &mut M,
    limit: usize,
    tick_size: QuoteLotsPerBaseLotPerTick,
) -> Result<usize, BookError> {
    let mut done = 0;
    let mut i = 0;
    while done < limit && i < queue.len() {
        // Read in place: the event is not copied out of the queue.
        let event = queue.get(i).ok_or(BookError::StateMismatch)?;
        let before = queue.len();
        if !event.is_settled()
            && let Some(maker) = makers.get(&event.maker)
        {
            maker.apply_maker_event(event, tick_size)?;
            queue.settle(i);
            done += 1;
        }
        // Settling the front frees it (and the settled run behind it): the scan position
        // moves back by what was freed.
        i = (i + 1).saturating_sub(before - queue.len());
    }
    Ok(done)
}
