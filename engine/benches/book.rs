//! Order book cost: wall-clock medians and (under callgrind) instructions per operation.
//!
//! Workload per depth N (orders per side, resting at every other tick around a mid, 10 lots
//! each, owned by makers of up to 24 orders each):
//! - place: a non-crossing limit order at a random empty tick inside the resting range (a new
//!   price level), with its margin reservation; then cancelled (outside the measurement);
//! - margin check: the initial-margin check the program runs after each placement, on the
//!   placer (position and orders) at one price: static (the listed fraction) and dynamic (the
//!   risk engine's fraction for the exposure's size, volatility and open interest);
//! - cancel: a random resting order by id; then re-placed (outside);
//! - take k: an IOC sized to fill exactly the k best orders (position, fee and event per fill);
//!   fills of makers not at hand go to the event queue (`take`) or settle inline when the
//!   makers' accounts are passed (`take inline`); the book is refilled outside;
//! - consume: settling one queued fill into its maker's account.
//!
//! `cargo bench -p perp-engine --bench book` prints median ns/op (each call timed alone; the
//! timer's own overhead is printed too). `scripts/book-cost.sh` runs the same binary under
//! `valgrind --tool=callgrind` with `--callgrind N` and divides each `op_*` wrapper's inclusive
//! instruction count by its call count.

use bytemuck::Zeroable;
use perp_engine::Bps;
use perp_engine::book::events::EventQueue;
use perp_engine::book::order::{OrderId, OrderKind, OrderRequest, SelfTrade, TickBand, TraderKey};
use perp_engine::book::{
    EVENT_QUEUE_CAPACITY, Makers, MarketBook, NoMakers, PlaceContext, Remainder, consume_events,
};
use perp_engine::oracle::PriceBand;
use perp_engine::price::{PRICE_SCALE, Price};
use perp_engine::risk::health::Health;
use perp_engine::risk::margin::MarginParams;
use perp_engine::risk::trader_margin::MarginScale;
use perp_engine::side::Side;
use perp_engine::trader::{FeeRates, Trader};
use perp_engine::trigger::{Direction, TriggerKind, TriggerOrder, TriggerRequest, TriggerSlots};
use perp_engine::{
    BaseLots, QuoteLots, QuoteLotsPerBaseLotPerTick, QuoteNative, QuoteNativePerQuoteLot,
    SignedQuoteLots, Ticks,
};
use std::hint::black_box;
use std::time::Instant;

const M: usize = 1_000;
const MID: u64 = 1_000_000;
const LOTS: u64 = 10;
const ORDERS_PER_MAKER: usize = 24;
const TICK: QuoteLotsPerBaseLotPerTick = QuoteLotsPerBaseLotPerTick::new(1);
const SCALE: MarginScale = MarginScale {
    tick_size: TICK,
    quote_lot_size: QuoteNativePerQuoteLot::new(1),
    initial_margin_bps: Bps::new(1_000),
    maker_fee_bps: -1,
};
const COLLATERAL: QuoteNative = QuoteNative::new(1 << 50);
const TAKER: usize = 0;

/// Dynamic margin: 10% base, +10% per √(1,000 lots), reference volatility 1%/√h (the
/// bench runs at 1.5%), OI caps far above the bench's 500,000 lots (so the OI term is evaluated
/// but does not bind).
const RISK: MarginParams = MarginParams {
    initial_margin_bps: Bps::new(1_000),
    maintenance_margin_bps: Bps::new(500),
    size_premium_bps: Bps::new(1_000),
    size_unit_lots: BaseLots::new(1_000),
    reference_vol_bps: Bps::new(100),
    max_vol_multiplier_bps: Bps::new(30_000),
    vol_time_constant_secs: 600,
    oi_soft_cap_lots: BaseLots::new(1_000_000),
    oi_hard_cap_lots: BaseLots::new(2_000_000),
    maintenance_ramp_bps_per_hour: Bps::new(50),
};

type Queue = EventQueue<EVENT_QUEUE_CAPACITY>;

fn key(i: usize) -> TraderKey {
    let mut k = [0u8; 32];
    k[..8].copy_from_slice(&(i as u64).to_le_bytes());
    k
}

fn index(k: &TraderKey) -> usize {
    u64::from_le_bytes(k[..8].try_into().unwrap()) as usize
}

/// Every trader of the bench: index 0 is the taker/placer, the rest are makers.
struct Traders(Vec<Trader>);

impl Makers for Traders {
    #[inline]
    fn get(&mut self, owner: &TraderKey) -> Option<&mut Trader> {
        self.0.get_mut(index(owner))
    }
}

struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn ctx() -> PlaceContext {
    PlaceContext {
        now: 1_000,
        tick_size: TICK,
        fees: FeeRates {
            maker_bps: -1,
            taker_bps: 4,
        },
        band: Some(TickBand {
            low: Ticks::new(1),
            high: Ticks::new(2 * MID),
        }),
    }
}

fn limit(side: Side, price: u64, lots: u64, kind: OrderKind) -> OrderRequest {
    OrderRequest {
        side,
        kind,
        price: Ticks::new(price),
        base_lots: BaseLots::new(lots),
        reduce_only: false,
        client_order_id: 7,
        expires_at: 0,
        self_trade: SelfTrade::CancelProvide,
        fill_limit: 32,
    }
}

fn mark() -> Price {
    Price::from_raw(MID * PRICE_SCALE)
}

// The measured calls: each engine entry point in its own never-inlined wrapper, so callgrind
// attributes exactly one call's inclusive cost to it.

#[inline(never)]
fn op_place(
    book: &mut MarketBook,
    q: &mut Queue,
    taker: &mut Trader,
    req: &OrderRequest,
) -> OrderId {
    let out = book
        .place(&key(TAKER), taker, req, &ctx(), &mut NoMakers, q)
        .unwrap();
    match out.remainder {
        Remainder::Rested(id) => id,
        r => panic!("place did not rest: {r:?}"),
    }
}

#[inline(never)]
fn op_cancel(book: &mut MarketBook, owner: usize, trader: &mut Trader, id: OrderId) {
    book.cancel(&key(owner), trader, id, TICK).unwrap();
}

#[inline(never)]
fn op_margin(trader: &Trader) {
    trader
        .require_initial_margin(COLLATERAL, &SCALE, mark(), mark())
        .unwrap();
}

#[inline(never)]
fn op_margin_dynamic(trader: &Trader, risk: &MarginParams) {
    let h = Health::of(
        trader,
        COLLATERAL.get() as i64,
        SCALE.quote_lot_size,
        mark(),
    )
    .unwrap();
    let im = risk
        .initial_bps(h.exposure_lots, Bps::new(150), BaseLots::new(500_000))
        .unwrap();
    assert!(h.covers(im).unwrap());
}

/// One take: the IOC. Always inlined into its wrappers, which
/// differ in `K` (asserted), so the linker cannot fold them into one symbol.
#[inline(always)]
fn take<const K: u32>(
    book: &mut MarketBook,
    q: &mut Queue,
    taker: &mut Trader,
    makers: &mut impl Makers,
    req: &OrderRequest,
) {
    let out = book
        .place(&key(TAKER), taker, req, &ctx(), makers, q)
        .unwrap();
    assert_eq!(out.fills, K);
}

#[inline(never)]
fn op_take_1(b: &mut MarketBook, q: &mut Queue, t: &mut Trader, r: &OrderRequest) {
    take::<1>(b, q, t, &mut NoMakers, r)
}

#[inline(never)]
fn op_take_8(b: &mut MarketBook, q: &mut Queue, t: &mut Trader, r: &OrderRequest) {
    take::<8>(b, q, t, &mut NoMakers, r)
}

#[inline(never)]
fn op_take_8_inline(
    b: &mut MarketBook,
    q: &mut Queue,
    t: &mut Trader,
    m: &mut Traders,
    r: &OrderRequest,
) {
    take::<8>(b, q, t, m, r)
}

#[inline(never)]
fn op_consume(q: &mut Queue, makers: &mut Traders) -> usize {
    consume_events(q, makers, 1, TICK).unwrap()
}

/// What a trigger adds to its order (`trigger_execute` before it places the order): due on the
/// sources, something to reduce, the whole order at its worst price judged by the reduce-only
/// margin rule, and the executor's fee share. Its order itself costs what `place` / `take` do.
#[inline(never)]
fn op_trigger(t: &TriggerOrder, trader: &Trader, sources: &PriceBand, band: &TickBand) {
    assert!(t.is_due(sources, mark()));
    assert!(!t.nothing_to_reduce(trader));
    let fees = ctx().fees;
    let worst = t
        .filled_at(trader, t.worst_price(band), &fees, TICK)
        .unwrap();
    worst
        .require_no_worse_than(trader, COLLATERAL, &SCALE, mark(), mark(), |_| {
            Ok(Bps::new(500))
        })
        .unwrap();
    black_box(
        t.fee_share(QuoteLots::new(50_000), t.remaining_lots())
            .unwrap(),
    );
}

/// An atomic requote of ten orders (`order_requote`'s book work): cancel all the account's
/// orders, then place ten resting ones.
#[inline(never)]
fn op_requote_10(b: &mut MarketBook, q: &mut Queue, t: &mut Trader, reqs: &[OrderRequest]) {
    b.cancel_matching(&key(TAKER), t, None, None, TICK).unwrap();
    for r in reqs {
        let out = b
            .place(&key(TAKER), t, r, &ctx(), &mut NoMakers, q)
            .unwrap();
        assert!(matches!(out.remainder, Remainder::Rested(_)));
    }
}

/// A book of `depth` orders per side and its traders.
struct Bench {
    book: Box<MarketBook>,
    queue: Box<Queue>,
    traders: Traders,
    /// Resting orders: (owner, id).
    resting: Vec<(usize, OrderId)>,
    rng: Rng,
    depth: u64,
}

impl Bench {
    fn new(depth: u64) -> Self {
        let makers = (2 * depth as usize).div_ceil(ORDERS_PER_MAKER);
        let mut b = Bench {
            book: bytemuck::zeroed_box(),
            queue: bytemuck::zeroed_box(),
            traders: Traders(vec![Trader::zeroed(); makers + 1]),
            resting: Vec::new(),
            rng: Rng(0x9e37_79b9_7f4a_7c15),
            depth,
        };
        let mut n = 0;
        for i in 1..=depth {
            for (side, price) in [(Side::Bid, MID - 2 * i), (Side::Ask, MID + 2 * i)] {
                let owner = 1 + n / ORDERS_PER_MAKER;
                let id = b.rest(owner, side, price);
                b.resting.push((owner, id));
                n += 1;
            }
        }
        b
    }

    /// Places a resting order for `owner` (not measured).
    fn rest(&mut self, owner: usize, side: Side, price: u64) -> OrderId {
        let req = limit(side, price, LOTS, OrderKind::PostOnly);
        let out = self
            .book
            .place(
                &key(owner),
                &mut self.traders.0[owner],
                &req,
                &ctx(),
                &mut NoMakers,
                &mut *self.queue,
            )
            .unwrap();
        let Remainder::Rested(id) = out.remainder else {
            panic!("setup order did not rest")
        };
        id
    }

    /// A non-crossing order at a random empty tick inside the resting range.
    fn place_request(&mut self) -> OrderRequest {
        let i = self.rng.below(self.depth - 1) + 1;
        if self.rng.below(2) == 0 {
            limit(Side::Bid, MID - 2 * i - 1, LOTS, OrderKind::Limit)
        } else {
            limit(Side::Ask, MID + 2 * i + 1, LOTS, OrderKind::Limit)
        }
    }

    fn undo_place(&mut self, id: OrderId) {
        let taker = &mut self.traders.0[TAKER];
        self.book.cancel(&key(TAKER), taker, id, TICK).unwrap();
    }

    fn pick_resting(&mut self) -> usize {
        self.rng.below(self.resting.len() as u64) as usize
    }

    fn replace(&mut self, at: usize, side: Side, price: Ticks) {
        let owner = self.resting[at].0;
        self.resting[at].1 = self.rest(owner, side, price.get());
    }

    /// The IOC that fills exactly the `k` best orders of the side opposite `side`, and those
    /// orders' (owner, side, price) for refilling.
    fn take_request(&self, side: Side, k: usize) -> (OrderRequest, Vec<(usize, Side, Ticks)>) {
        let opp = side.opposite();
        let mut best = Vec::new();
        self.book.side(opp).for_each(|id, o| {
            best.push((index(&o.owner), opp, id.price(opp)));
            best.len() < k
        });
        let worst = best.last().unwrap().2.get();
        let req = limit(side, worst, LOTS * k as u64, OrderKind::ImmediateOrCancel);
        (req, best)
    }

    /// Takes the 8 best orders opposite `side` (not measured), their makers settled inline or
    /// through the queue; returns them for `refill`.
    fn take_8_unmeasured(&mut self, side: Side, inline: bool) -> Vec<(usize, Side, Ticks)> {
        let (req, taken) = self.take_request(side, 8);
        let mut taker = self.traders.0[TAKER];
        let (k, q) = (&key(TAKER), &mut *self.queue);
        if inline {
            self.book
                .place(k, &mut taker, &req, &ctx(), &mut self.traders, q)
        } else {
            self.book
                .place(k, &mut taker, &req, &ctx(), &mut NoMakers, q)
        }
        .unwrap();
        self.traders.0[TAKER] = taker;
        taken
    }

    /// Settles the queue and puts the taken orders back (not measured).
    fn refill(&mut self, taken: &[(usize, Side, Ticks)]) {
        consume_events(&mut *self.queue, &mut self.traders, usize::MAX, TICK).unwrap();
        for &(owner, side, price) in taken {
            self.rest(owner, side, price.get());
        }
    }
}

/// Runs every operation `M` times at `depth`, feeding each measured call's duration to `time`.
fn run(depth: u64, mut time: impl FnMut(&'static str, u64, &mut dyn FnMut())) {
    let mut b = Bench::new(depth);
    for _ in 0..M {
        let req = b.place_request();
        let mut id = OrderId::default();
        let taker = &mut b.traders.0[TAKER];
        time("place", 1, &mut || {
            id = op_place(&mut b.book, &mut b.queue, taker, &req)
        });
        let taker = &b.traders.0[TAKER];
        time("margin check", 1, &mut || op_margin(taker));
        time("dynamic margin", 1, &mut || op_margin_dynamic(taker, &RISK));
        b.undo_place(id);
    }
    for _ in 0..M {
        let at = b.pick_resting();
        let (owner, id) = b.resting[at];
        let side = Side::from_byte(b.traders.0[owner].order_with_id(id).unwrap().side);
        let trader = &mut b.traders.0[owner];
        time("cancel", 1, &mut || {
            op_cancel(&mut b.book, owner, trader, id)
        });
        b.replace(at, side, id.price(side));
    }
    for (name, k) in [("take 1", 1usize), ("take 8", 8)] {
        for i in 0..M {
            let side = if i % 2 == 0 { Side::Bid } else { Side::Ask };
            let (req, taken) = b.take_request(side, k);
            let mut taker = b.traders.0[TAKER];
            time(name, k as u64, &mut || {
                if k == 1 {
                    op_take_1(&mut b.book, &mut b.queue, &mut taker, &req)
                } else {
                    op_take_8(&mut b.book, &mut b.queue, &mut taker, &req)
                }
            });
            b.traders.0[TAKER] = taker;
            b.refill(&taken);
        }
    }
    for i in 0..M {
        let side = if i % 2 == 0 { Side::Bid } else { Side::Ask };
        let (req, taken) = b.take_request(side, 8);
        let mut taker = b.traders.0[TAKER];
        time("take 8 inline", 8, &mut || {
            op_take_8_inline(&mut b.book, &mut b.queue, &mut taker, &mut b.traders, &req)
        });
        b.traders.0[TAKER] = taker;
        b.refill(&taken);
    }
    // A long of 100 lots at the mid, stopped out at the mid.
    let mut long = Trader::zeroed();
    long.apply_trade(
        Side::Bid,
        Ticks::new(MID),
        BaseLots::new(100),
        SignedQuoteLots::ZERO,
        TICK,
    )
    .unwrap();
    let mut slots = TriggerSlots::zeroed();
    let stop = TriggerRequest {
        side: Side::Ask,
        kind: TriggerKind::Market,
        direction: Direction::AtOrBelow,
        trigger_price_ticks: MID,
        limit_price_ticks: MID - 100,
        base_lots: 100,
        reduce_only: true,
        client_order_id: 1,
        expires_at: 0,
    };
    let (id, _) = slots.place(&stop, None, None, 0).unwrap();
    let stop = *slots.get(id).unwrap();
    let sources = PriceBand {
        low: mark(),
        high: mark(),
    };
    let band = ctx().band.unwrap();
    for _ in 0..M {
        time("trigger check", 1, &mut || {
            op_trigger(&stop, &long, &sources, &band)
        });
    }
    // Ten quotes on empty ticks inside the resting range, five a side.
    let quotes: Vec<OrderRequest> = (1..=5)
        .flat_map(|i| {
            [
                limit(Side::Bid, MID - 2 * i - 1, LOTS, OrderKind::PostOnly),
                limit(Side::Ask, MID + 2 * i + 1, LOTS, OrderKind::PostOnly),
            ]
        })
        .collect();
    let mut taker = b.traders.0[TAKER];
    for r in &quotes {
        b.book
            .place(
                &key(TAKER),
                &mut taker,
                r,
                &ctx(),
                &mut NoMakers,
                &mut *b.queue,
            )
            .unwrap();
    }
    for _ in 0..M {
        time("requote 10", 1, &mut || {
            op_requote_10(&mut b.book, &mut b.queue, &mut taker, &quotes)
        });
    }
    b.book
        .cancel_matching(&key(TAKER), &mut taker, None, None, TICK)
        .unwrap();
    b.traders.0[TAKER] = taker;
    let mut consumed = 0;
    while consumed < M {
        let taken = b.take_8_unmeasured(Side::Bid, false);
        while !b.queue.is_empty() && consumed < M {
            time("consume", 1, &mut || {
                assert_eq!(op_consume(&mut b.queue, &mut b.traders), 1)
            });
            consumed += 1;
        }
        b.refill(&taken);
        // Flatten the taker so it never builds a large position.
        let taken = b.take_8_unmeasured(Side::Ask, true);
        b.refill(&taken);
    }
}

const DEPTHS: [u64; 3] = [64, 1_024, 4_096];
const OPS: [&str; 10] = [
    "place",
    "margin check",
    "dynamic margin",
    "cancel",
    "take 1",
    "take 8",
    "take 8 inline",
    "consume",
    "trigger check",
    "requote 10",
];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--callgrind") {
        // One depth per process: callgrind attributes the `op_*` wrappers' costs.
        let depth: u64 = args[i + 1].parse().expect("--callgrind <depth>");
        run(depth, |_, _, f| f());
        println!("ran {M} calls of each op at depth {depth}");
        return;
    }
    let overhead = {
        let mut s: Vec<u64> = (0..M)
            .map(|_| {
                let t = Instant::now();
                black_box(());
                t.elapsed().as_nanos() as u64
            })
            .collect();
        s.sort_unstable();
        s[M / 2]
    };
    println!(
        "order book, median ns per op over {M} calls (per fill for take k); timer overhead {overhead} ns included"
    );
    print!("{:<16}", "op \\ depth");
    for d in DEPTHS {
        print!("{d:>10}");
    }
    println!();
    let mut table = vec![vec![0f64; DEPTHS.len()]; OPS.len()];
    for (col, depth) in DEPTHS.iter().enumerate() {
        let mut samples: Vec<(&str, f64)> = Vec::new();
        run(*depth, |name, per, f| {
            let t = Instant::now();
            f();
            samples.push((name, t.elapsed().as_nanos() as f64 / per as f64));
        });
        for (row, op) in OPS.iter().enumerate() {
            let mut v: Vec<f64> = samples.iter().filter(|s| s.0 == *op).map(|s| s.1).collect();
            v.sort_by(f64::total_cmp);
            table[row][col] = v[v.len() / 2];
        }
    }
    for (row, op) in OPS.iter().enumerate() {
        print!("{op:<16}");
        for v in &table[row] {
            print!("{v:>10.0}");
        }
        println!();
    }
}
