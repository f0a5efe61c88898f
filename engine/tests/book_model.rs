//! The order book against a reference model: random sequences of every operation (all order
//! kinds, reduce-only, expiry, self-trade modes, fill limits, cancels, event consumption, time)
//! drive the engine's zero-copy book and a naive `BTreeMap` model side by side. After every step
//! both must agree (results, book contents, queue, trader positions and cash), and the
//! invariants must hold: no crossed book, sizes conserved between book, queue and traders,
//! positions and cash zero-sum across traders, pending events and the market's fees.
//!
//! The normal run checks 10,000 sequences. For millions:
//! `PROPTEST_CASES=1000000 cargo test -p perp-engine --release --test book_model`.

use bytemuck::Zeroable;
use perp_engine::book::events::{EVENT_FILL, EVENT_OUT, EVENT_SETTLED, Event, EventQueue};
use perp_engine::book::order::{
    BookError, OrderId, OrderKind, OrderRequest, SelfTrade, TickBand, TraderKey,
};
use perp_engine::book::{
    MAX_PRICE_TICKS, Makers, OrderBook, PlaceContext, PlaceOutcome, Remainder, consume_events,
    queue_reserve,
};
use perp_engine::side::Side;
use perp_engine::trader::{FeeRates, MAX_OPEN_ORDERS, Trader, notional};
use perp_engine::{BaseLots, QuoteLots, QuoteLotsPerBaseLotPerTick, SignedQuoteLots, Ticks};
use proptest::prelude::*;
use std::collections::{BTreeMap, VecDeque};

const CAP: usize = 8;
const Q: usize = 8;
const TRADERS: usize = 4;
type Book = OrderBook<CAP, { 2 * CAP }>;
type Queue = EventQueue<Q>;
const TICK: QuoteLotsPerBaseLotPerTick = QuoteLotsPerBaseLotPerTick::new(3);
const FEES: FeeRates = FeeRates {
    maker_bps: -10,
    taker_bps: 30,
};

fn key(t: usize) -> TraderKey {
    [t as u8 + 1; 32]
}

fn owner_of(k: &TraderKey) -> usize {
    k[0] as usize - 1
}

// ---------------------------------------------------------------------------------------------
// The reference model: the same rules written the obvious way.

#[derive(Clone, Debug, PartialEq)]
struct MOrder {
    id: OrderId,
    owner: usize,
    lots: u64,
    client: u64,
    expires: i64,
}

#[derive(Clone, Debug, Default)]
struct MTrader {
    pos: i64,
    cash: i64,
    fees: i64,
    /// Open orders by id: (side, price, lots on book + unsettled, client id).
    open: BTreeMap<OrderId, (Side, u64, u64, u64)>,
}

impl MTrader {
    fn side_lots(&self, side: Side) -> u64 {
        self.open
            .values()
            .filter(|o| o.0 == side)
            .map(|o| o.2)
            .sum()
    }
    fn free_slot(&self) -> Option<u8> {
        (0..MAX_OPEN_ORDERS as u8).find(|s| !self.open.keys().any(|id| id.slot() == *s as usize))
    }
    fn trade(&mut self, side: Side, price: u64, lots: u64, fee: i64) {
        let n = (price * TICK.get() * lots) as i64;
        match side {
            Side::Bid => {
                self.pos += lots as i64;
                self.cash -= n;
            }
            Side::Ask => {
                self.pos -= lots as i64;
                self.cash += n;
            }
        }
        self.cash -= fee;
        self.fees += fee;
    }
    fn release(&mut self, id: OrderId, lots: u64) {
        let o = self
            .open
            .get_mut(&id)
            .expect("model: release of unknown order");
        o.2 -= lots;
        if o.2 == 0 {
            self.open.remove(&id);
        }
    }
    fn apply(&mut self, e: &Event) {
        self.release(e.order_id(), e.base_lots);
        if e.kind == EVENT_FILL {
            self.trade(e.maker_side(), e.price, e.base_lots, e.maker_fee);
        }
    }
}

/// Priority key: best first.
fn prio(side: Side, price: u64, seq: u64) -> (u64, u64) {
    match side {
        Side::Bid => (u64::MAX - price, seq),
        Side::Ask => (price, seq),
    }
}

#[derive(Clone, Debug, Default)]
struct Model {
    sides: [BTreeMap<(u64, u64), MOrder>; 2],
    traders: [MTrader; TRADERS],
    queue: VecDeque<Event>,
    next_event: u64,
    seq: u64,
    fees: i64,
}

fn fee(n: u64, bps: i32) -> i64 {
    let raw = n as i128 * bps as i128;
    (if raw >= 0 {
        (raw + 9_999) / 10_000
    } else {
        raw / 10_000
    }) as i64
}

impl Model {
    fn best(&self, side: Side) -> Option<((u64, u64), MOrder)> {
        self.sides[side as usize]
            .iter()
            .next()
            .map(|(k, o)| (*k, o.clone()))
    }
    fn price_of(side: Side, k: (u64, u64)) -> u64 {
        match side {
            Side::Bid => u64::MAX - k.0,
            Side::Ask => k.0,
        }
    }
    /// Delivers an event: to the taker or an inline maker at once, else the queue if it has
    /// room beyond `reserve`.
    fn deliver(&mut self, e: Event, taker: usize, inline: u8, reserve: usize) -> bool {
        let m = owner_of(&e.maker);
        if m == taker || inline & (1 << m) != 0 {
            self.traders[m].apply(&e);
        } else if Q - self.queue.len() > reserve {
            let mut e = e;
            e.seq = self.next_event;
            self.next_event += 1;
            self.queue.push_back(e);
        } else {
            return false;
        }
        true
    }
    fn out(
        &mut self,
        side: Side,
        k: (u64, u64),
        now: i64,
        taker: usize,
        inline: u8,
        reserve: usize,
    ) -> bool {
        let o = self.sides[side as usize][&k].clone();
        let e = Event {
            kind: EVENT_OUT,
            maker_side: side as u8,
            timestamp: now,
            maker: key(o.owner),
            order_id: o.id.to_parts(),
            client_order_id: o.client,
            price: Self::price_of(side, k),
            base_lots: o.lots,
            ..Event::zeroed()
        };
        if !self.deliver(e, taker, inline, reserve) {
            return false;
        }
        self.sides[side as usize].remove(&k);
        true
    }

    fn place(
        &mut self,
        t: usize,
        req: &OrderRequest,
        ctx: &PlaceContext,
        inline: u8,
    ) -> Result<PlaceOutcome, BookError> {
        if req.base_lots.is_zero() {
            return Err(BookError::ZeroSize);
        }
        if req.expires_at != 0 && req.expires_at <= ctx.now {
            return Err(BookError::AlreadyExpired);
        }
        let check = |p: u64| {
            if p == 0 || p > MAX_PRICE_TICKS {
                return Err(BookError::InvalidPrice);
            }
            if let Some(b) = ctx.band
                && (p < b.low.get() || p > b.high.get())
            {
                return Err(BookError::PriceOutsideBand);
            }
            Ok(p)
        };
        let mut limit = if req.kind == OrderKind::Market {
            let b = ctx.band.ok_or(BookError::PriceBandRequired)?;
            let p = req.price.get();
            match req.side {
                Side::Bid if p == 0 => b.high.get(),
                Side::Bid => b.high.get().min(p),
                Side::Ask if p == 0 => b.low.get(),
                Side::Ask => b.low.get().max(p),
            }
        } else {
            req.price.get()
        };
        limit = check(limit)?;
        let tr = &self.traders[t];
        let mut size = req.base_lots.get();
        if req.reduce_only {
            let reducible = match req.side {
                Side::Ask => (tr.pos.max(0) as u64).saturating_sub(tr.side_lots(Side::Ask)),
                Side::Bid => ((-tr.pos).max(0) as u64).saturating_sub(tr.side_lots(Side::Bid)),
            };
            size = size.min(reducible);
            if size == 0 {
                return Err(BookError::ReduceOnlyNothingToReduce);
            }
        }
        let slot = if req.kind.rests() {
            Some(tr.free_slot().ok_or(BookError::TooManyOpenOrders)?)
        } else {
            None
        };
        let reserve = if req.reduce_only { 0 } else { queue_reserve(Q) };
        let (side, opp) = (req.side, req.side.opposite());
        let crosses = |limit: u64, p: u64| match side {
            Side::Bid => p <= limit,
            Side::Ask => p >= limit,
        };
        let mut out = PlaceOutcome {
            filled: BaseLots::ZERO,
            filled_quote_lots: QuoteLots::ZERO,
            taker_fee: SignedQuoteLots::ZERO,
            fills: 0,
            self_decremented: BaseLots::ZERO,
            price: Ticks::new(limit),
            remainder: Remainder::None,
        };
        let mut remaining = size;
        // Expired, or outside today's band: removed as an out, never filled.
        let stale = |o: &MOrder, p: u64| {
            (o.expires != 0 && o.expires <= ctx.now)
                || ctx
                    .band
                    .is_some_and(|b| p < b.low.get() || p > b.high.get())
        };
        if matches!(req.kind, OrderKind::PostOnly | OrderKind::PostOnlySlide) {
            let mut budget = req.fill_limit;
            while let Some((k, o)) = self.best(opp) {
                let p = Self::price_of(opp, k);
                if !crosses(limit, p) {
                    break;
                }
                if budget > 0 && stale(&o, p) && self.out(opp, k, ctx.now, t, inline, reserve) {
                    budget -= 1;
                    continue;
                }
                if req.kind == OrderKind::PostOnly {
                    return Err(BookError::PostOnlyWouldCross);
                }
                limit = check(match side {
                    Side::Bid => p - 1,
                    Side::Ask => p + 1,
                })?;
                out.price = Ticks::new(limit);
                break;
            }
        } else {
            let mut touched = 0;
            while remaining > 0 && touched < req.fill_limit {
                let Some((k, o)) = self.best(opp) else { break };
                let p = Self::price_of(opp, k);
                if !crosses(limit, p) {
                    break;
                }
                touched += 1;
                if stale(&o, p) {
                    if !self.out(opp, k, ctx.now, t, inline, reserve) {
                        break;
                    }
                    continue;
                }
                if o.owner == t {
                    match req.self_trade {
                        SelfTrade::Abort => return Err(BookError::SelfTradeAborted),
                        SelfTrade::CancelProvide => {
                            self.sides[opp as usize].remove(&k);
                            self.traders[t].release(o.id, o.lots);
                        }
                        SelfTrade::DecrementTake => {
                            let d = remaining.min(o.lots);
                            self.take_from(opp, k, d);
                            self.traders[t].release(o.id, d);
                            remaining -= d;
                            out.self_decremented = BaseLots::new(out.self_decremented.get() + d);
                        }
                    }
                    continue;
                }
                let q = remaining.min(o.lots);
                let n = p * TICK.get() * q;
                let e = Event {
                    kind: EVENT_FILL,
                    maker_side: opp as u8,
                    timestamp: ctx.now,
                    maker: key(o.owner),
                    taker: key(t),
                    order_id: o.id.to_parts(),
                    client_order_id: o.client,
                    price: p,
                    base_lots: q,
                    maker_fee: fee(n, FEES.maker_bps),
                    ..Event::zeroed()
                };
                if !self.deliver(e, t, inline, reserve) {
                    break;
                }
                self.take_from(opp, k, q);
                let tf = fee(n, FEES.taker_bps);
                self.traders[t].trade(side, p, q, tf);
                self.fees += tf + e.maker_fee;
                remaining -= q;
                out.filled = BaseLots::new(out.filled.get() + q);
                out.filled_quote_lots = QuoteLots::new(out.filled_quote_lots.get() + n);
                out.taker_fee = SignedQuoteLots::new(out.taker_fee.get() + tf);
                out.fills += 1;
            }
            if req.kind == OrderKind::FillOrKill && remaining > 0 {
                return Err(BookError::FillOrKillNotFilled);
            }
        }
        if remaining == 0 {
            return Ok(out);
        }
        let still_crosses = self
            .best(opp)
            .is_some_and(|(k, _)| crosses(limit, Self::price_of(opp, k)));
        let (Some(slot), false) = (slot, still_crosses) else {
            out.remainder = Remainder::Cancelled(BaseLots::new(remaining));
            return Ok(out);
        };
        let id = OrderId::new(side, Ticks::new(limit), self.seq, slot);
        let mine = prio(side, limit, self.seq);
        if self.sides[side as usize].len() == CAP {
            let (&wk, _) = self.sides[side as usize].iter().next_back().unwrap();
            if mine >= wk {
                return Err(BookError::BookSideFull);
            }
            if !self.out(side, wk, ctx.now, t, inline, reserve) {
                return Err(BookError::EventQueueFull);
            }
        }
        self.seq += 1;
        self.sides[side as usize].insert(
            mine,
            MOrder {
                id,
                owner: t,
                lots: remaining,
                client: req.client_order_id,
                expires: req.expires_at,
            },
        );
        self.traders[t]
            .open
            .insert(id, (side, limit, remaining, req.client_order_id));
        out.remainder = Remainder::Rested(id);
        Ok(out)
    }

    fn take_from(&mut self, side: Side, k: (u64, u64), q: u64) {
        let o = self.sides[side as usize].get_mut(&k).unwrap();
        o.lots -= q;
        if o.lots == 0 {
            self.sides[side as usize].remove(&k);
        }
    }

    fn cancel(&mut self, t: usize, id: OrderId) -> Result<BaseLots, BookError> {
        let Some(&(side, ..)) = self.traders[t].open.get(&id) else {
            return Err(BookError::OrderNotFound);
        };
        let Some((&k, o)) = self.sides[side as usize].iter().find(|(_, o)| o.id == id) else {
            return Err(BookError::OrderNotFound);
        };
        let lots = o.lots;
        self.sides[side as usize].remove(&k);
        self.traders[t].release(id, lots);
        Ok(BaseLots::new(lots))
    }

    fn cancel_matching(&mut self, t: usize, side: Option<Side>, client: Option<u64>) -> u32 {
        let ids: Vec<OrderId> = self.traders[t]
            .open
            .iter()
            .filter(|(_, o)| side.is_none_or(|s| s == o.0) && client.is_none_or(|c| c == o.3))
            .map(|(id, _)| *id)
            .collect();
        ids.into_iter()
            .filter(|id| self.cancel(t, *id).is_ok())
            .count() as u32
    }

    /// Settles the events of inline makers in queue order, skipping the others; a settled
    /// event keeps its slot until everything older has settled.
    fn consume(&mut self, inline: u8, limit: usize) -> usize {
        let mut done = 0;
        for e in self.queue.iter_mut() {
            if done == limit {
                break;
            }
            if e.kind != EVENT_SETTLED && inline & (1 << owner_of(&e.maker)) != 0 {
                let settled = *e;
                e.kind = EVENT_SETTLED;
                self.traders[owner_of(&settled.maker)].apply(&settled);
                done += 1;
            }
        }
        while self.queue.front().is_some_and(|e| e.kind == EVENT_SETTLED) {
            self.queue.pop_front();
        }
        done
    }
}

// ---------------------------------------------------------------------------------------------
// The engine side.

#[derive(Clone)]
struct Engine {
    book: Box<Book>,
    queue: Box<Queue>,
    traders: [Trader; TRADERS],
}

struct Inline<'a> {
    traders: &'a mut [Trader; TRADERS],
    mask: u8,
}

impl Makers for Inline<'_> {
    fn get(&mut self, owner: &TraderKey) -> Option<&mut Trader> {
        let i = owner_of(owner);
        (self.mask & (1 << i) != 0).then(|| &mut self.traders[i])
    }
}

#[derive(Clone, Debug)]
enum Op {
    Place {
        t: usize,
        req: OrderRequest,
        banded: bool,
        inline: u8,
    },
    Cancel {
        t: usize,
        pick: usize,
    },
    CancelByClient {
        t: usize,
        client: u64,
    },
    CancelAll {
        t: usize,
        side: Option<Side>,
    },
    Consume {
        inline: u8,
        limit: usize,
    },
    Wait {
        secs: i64,
    },
}

fn side_strategy() -> impl Strategy<Value = Side> {
    prop_oneof![Just(Side::Bid), Just(Side::Ask)]
}

fn op_strategy() -> impl Strategy<Value = Op> {
    let kind = prop_oneof![
        4 => Just(OrderKind::Limit),
        2 => Just(OrderKind::PostOnly),
        2 => Just(OrderKind::PostOnlySlide),
        2 => Just(OrderKind::ImmediateOrCancel),
        1 => Just(OrderKind::FillOrKill),
        1 => Just(OrderKind::Market),
    ];
    let stp = prop_oneof![
        Just(SelfTrade::DecrementTake),
        Just(SelfTrade::CancelProvide),
        Just(SelfTrade::Abort)
    ];
    let place = (
        0..TRADERS,
        side_strategy(),
        kind,
        prop_oneof![20 => 92u64..=108, 1 => Just(0u64), 1 => 80u64..=120],
        prop_oneof![20 => 1u64..=12, 1 => Just(0u64)],
        prop::bool::weighted(0.15),
        0u64..3,
        prop_oneof![3 => Just(0i64), 1 => 1i64..=6],
        stp,
        prop_oneof![Just(0u8), 1u8..=4, Just(255u8)],
        prop::bool::weighted(0.9),
        0u8..16,
    )
        .prop_map(
            |(
                t,
                side,
                kind,
                price,
                lots,
                reduce_only,
                client,
                exp,
                self_trade,
                fill_limit,
                banded,
                inline,
            )| {
                Op::Place {
                    t,
                    req: OrderRequest {
                        side,
                        kind,
                        price: Ticks::new(price),
                        base_lots: BaseLots::new(lots),
                        reduce_only,
                        client_order_id: client,
                        // Relative to now; made absolute when applied.
                        expires_at: exp,
                        self_trade,
                        fill_limit,
                    },
                    banded,
                    inline,
                }
            },
        );
    prop_oneof![
        10 => place,
        2 => (0..TRADERS, 0usize..40).prop_map(|(t, pick)| Op::Cancel { t, pick }),
        1 => (0..TRADERS, 0u64..3).prop_map(|(t, client)| Op::CancelByClient { t, client }),
        1 => (0..TRADERS, prop::option::of(side_strategy())).prop_map(|(t, side)| Op::CancelAll { t, side }),
        2 => (0u8..16, 0usize..8).prop_map(|(inline, limit)| Op::Consume { inline, limit }),
        1 => (0i64..3).prop_map(|secs| Op::Wait { secs }),
    ]
}

struct World {
    engine: Engine,
    model: Model,
    now: i64,
}

impl World {
    fn new() -> Self {
        World {
            engine: Engine {
                book: bytemuck::zeroed_box(),
                queue: bytemuck::zeroed_box(),
                traders: [Trader::zeroed(); TRADERS],
            },
            model: Model::default(),
            now: 1_000,
        }
    }

    fn step(&mut self, op: &Op) {
        let snapshot = (self.engine.clone(), self.model.clone());
        let failed = match op {
            Op::Place {
                t,
                req,
                banded,
                inline,
            } => {
                let mut req = *req;
                if req.expires_at != 0 {
                    req.expires_at += self.now - 2;
                }
                let ctx = PlaceContext {
                    now: self.now,
                    tick_size: TICK,
                    fees: FEES,
                    band: banded.then_some(TickBand {
                        low: Ticks::new(90),
                        high: Ticks::new(110),
                    }),
                };
                let mask = inline & !(1 << t);
                let e = &mut self.engine;
                let mut taker = e.traders[*t];
                let got = e.book.place(
                    &key(*t),
                    &mut taker,
                    &req,
                    &ctx,
                    &mut Inline {
                        traders: &mut e.traders,
                        mask,
                    },
                    &mut *e.queue,
                );
                e.traders[*t] = taker;
                let want = self.model.place(*t, &req, &ctx, mask);
                assert_eq!(got, want, "place {req:?}");
                got.is_err()
            }
            Op::Cancel { t, pick } => {
                // Mostly an order the trader has, sometimes one it does not.
                let ids: Vec<OrderId> = self.model.traders[*t].open.keys().copied().collect();
                let id = ids.get(*pick).copied().unwrap_or(OrderId(*pick as u128));
                let e = &mut self.engine;
                let got = e.book.cancel(&key(*t), &mut e.traders[*t], id, TICK);
                assert_eq!(got, self.model.cancel(*t, id));
                got.is_err()
            }
            Op::CancelByClient { t, client } => {
                let e = &mut self.engine;
                let got =
                    e.book
                        .cancel_matching(&key(*t), &mut e.traders[*t], None, Some(*client), TICK);
                assert_eq!(got, Ok(self.model.cancel_matching(*t, None, Some(*client))));
                false
            }
            Op::CancelAll { t, side } => {
                let e = &mut self.engine;
                let got = e
                    .book
                    .cancel_matching(&key(*t), &mut e.traders[*t], *side, None, TICK);
                assert_eq!(got, Ok(self.model.cancel_matching(*t, *side, None)));
                false
            }
            Op::Consume { inline, limit } => {
                let e = &mut self.engine;
                let got = consume_events(
                    &mut *e.queue,
                    &mut Inline {
                        traders: &mut e.traders,
                        mask: *inline,
                    },
                    *limit,
                    TICK,
                );
                assert_eq!(got, Ok(self.model.consume(*inline, *limit)));
                false
            }
            Op::Wait { secs } => {
                self.now += secs;
                false
            }
        };
        if failed {
            // A refused action leaves nothing behind (the program's transaction reverts).
            (self.engine, self.model) = snapshot;
        }
        self.check();
    }

    /// Engine equals model, and the invariants hold.
    fn check(&self) {
        let (e, m) = (&self.engine, &self.model);
        for side in [Side::Bid, Side::Ask] {
            let mut got = Vec::new();
            e.book.side(side).for_each(|id, o| {
                got.push(MOrder {
                    id,
                    owner: owner_of(&o.owner),
                    lots: o.base_lots,
                    client: o.client_order_id,
                    expires: o.expires_at,
                });
                true
            });
            let want: Vec<MOrder> = m.sides[side as usize].values().cloned().collect();
            assert_eq!(got, want, "{side:?} side");
            assert_eq!(e.book.side(side).len() as usize, want.len());
            assert!(got.iter().all(|o| o.lots > 0));
        }
        // Never crossed (expired orders included: they still count until removed).
        if let (Some(b), Some(a)) = (e.book.best_price(Side::Bid), e.book.best_price(Side::Ask)) {
            assert!(b < a, "crossed book: bid {b:?} ask {a:?}");
        }
        let queued: Vec<Event> = (0..e.queue.len())
            .map(|i| *e.queue.get(i).unwrap())
            .collect();
        assert_eq!(queued, m.queue.iter().copied().collect::<Vec<_>>(), "queue");
        // Review of 9a91e23: the queue's per-side totals of waiting fills (what the hard cap
        // counts) never drift from the fills actually waiting, whatever path added or removed
        // events (outs, stale and expired removals, eviction, self-trade, partial fills,
        // consumption skipping absent makers, the reduce-only reserve).
        for side in [Side::Bid, Side::Ask] {
            let waiting: u64 = queued
                .iter()
                .filter(|ev| ev.kind == EVENT_FILL && ev.maker_side == side as u8)
                .map(|ev| ev.base_lots)
                .sum();
            assert_eq!(
                e.queue.queued_fill_lots(side),
                waiting,
                "{side:?} queued fill lots"
            );
        }
        assert_eq!(e.book.fees_accrued(), m.fees);
        // The converse of "a slot holds what is on the book plus what the queue owes" (below):
        // every resting order and every waiting event names an order its owner still holds, so
        // an account holding no slot has nothing in either (`liquidate` then reads neither).
        for side in [Side::Bid, Side::Ask] {
            e.book.side(side).for_each(|id, o| {
                let owner = &e.traders[owner_of(&o.owner)];
                assert!(owner.order_with_id(id).is_some(), "resting {id:?} not held");
                true
            });
        }
        for ev in queued.iter().filter(|ev| ev.kind != EVENT_SETTLED) {
            let maker = &e.traders[owner_of(&ev.maker)];
            assert!(
                maker.order_with_id(ev.order_id()).is_some(),
                "queued event for {:?} not held by its maker",
                ev.order_id()
            );
        }

        let (mut pos_sum, mut cash_sum) = (0i64, 0i64);
        for (t, (et, mt)) in e.traders.iter().zip(&m.traders).enumerate() {
            assert_eq!(et.base_position.get(), mt.pos, "trader {t} position");
            assert_eq!(et.cash_flow().unwrap().get(), mt.cash, "trader {t} cash");
            assert_eq!(et.fees_paid.get(), mt.fees, "trader {t} fees");
            // Entry has the position's sign and vanishes with it.
            assert_eq!(
                et.quote_entry.get().signum(),
                et.base_position.get().signum(),
                "trader {t} entry"
            );
            let mut slots = BTreeMap::new();
            let (mut sides_lots, mut sides_quote) = ([0u64; 2], [0u64; 2]);
            for s in 0..MAX_OPEN_ORDERS {
                if et.slot_in_use(s) {
                    let o = et.orders[s];
                    assert!(o.base_lots > 0);
                    let id = OrderId::from_parts(o.order_id);
                    assert_eq!(id.slot(), s);
                    slots.insert(
                        id,
                        (
                            Side::from_byte(o.side),
                            o.price,
                            o.base_lots,
                            o.client_order_id,
                        ),
                    );
                    sides_lots[o.side as usize] += o.base_lots;
                    sides_quote[o.side as usize] +=
                        notional(Ticks::new(o.price), BaseLots::new(o.base_lots), TICK).unwrap();
                }
            }
            assert_eq!(slots, mt.open, "trader {t} open orders");
            assert_eq!(
                [et.bids_base_lots.get(), et.asks_base_lots.get()],
                sides_lots
            );
            assert_eq!(
                [et.bids_quote_lots.get(), et.asks_quote_lots.get()],
                sides_quote
            );
            // Sizes conserved: a slot holds what is on the book plus what the queue still owes.
            for (id, &(side, _, lots, _)) in &mt.open {
                let on_book = e.book.side(side).get(*id).map_or(0, |o| o.base_lots);
                let pending: u64 = m
                    .queue
                    .iter()
                    .filter(|ev| ev.kind != EVENT_SETTLED && ev.order_id() == *id)
                    .map(|ev| ev.base_lots)
                    .sum();
                assert_eq!(lots, on_book + pending, "trader {t} order {id:?} size");
            }
            pos_sum += et.base_position.get();
            cash_sum += et.cash_flow().unwrap().get();
        }
        // Zero-sum once the queue's pending maker legs are counted.
        for ev in m.queue.iter().filter(|ev| ev.kind == EVENT_FILL) {
            let n = (ev.price * TICK.get() * ev.base_lots) as i64;
            match ev.maker_side() {
                Side::Bid => {
                    pos_sum += ev.base_lots as i64;
                    cash_sum -= n;
                }
                Side::Ask => {
                    pos_sum -= ev.base_lots as i64;
                    cash_sum += n;
                }
            }
            cash_sum -= ev.maker_fee;
        }
        assert_eq!(pos_sum, 0, "positions are zero-sum");
        assert_eq!(
            cash_sum + e.book.fees_accrued(),
            0,
            "cash and fees are zero-sum"
        );
        assert!(e.book.fees_accrued() >= 0);
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 10_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn book_agrees_with_reference_model(ops in prop::collection::vec(op_strategy(), 100..300)) {
        let mut w = World::new();
        for op in &ops {
            w.step(op);
        }
    }
}
