//! The exports called as the loader calls them: inputs written to the input block, slots read
//! back, an order book placed by the engine and walked from its bytes.

extern crate std;

use crate::Code;
use crate::abi::{self, BOOK, BOOK_HEADER, INPUT, Input, OUTPUT, PARAM_NAMES};
use crate::exports::*;
use bytemuck::Zeroable;
use perp_engine::book::events::EventQueue;
use perp_engine::book::order::{OrderKind, OrderRequest, SelfTrade, TickBand};
use perp_engine::book::{MarketBook, NoMakers, PlaceContext};
use perp_engine::oracle::{PriceBand, SourceFault};
use perp_engine::price::{PRICE_SCALE, Price};
use perp_engine::side::Side;
use perp_engine::trader::{FeeRates, Trader};
use perp_engine::{BaseLots, SignedBaseLots, Ticks};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::Mutex;
use std::vec;

/// One export at a time, as in a wasm instance.
static LOCK: Mutex<()> = Mutex::new(());

fn write(input: &Input) {
    // SAFETY: under LOCK.
    unsafe { *INPUT.ptr() = bytemuck::cast(*input) };
}

fn slot(i: usize) -> (i64, i128) {
    // SAFETY: under LOCK.
    let out = unsafe { &*OUTPUT.ptr() };
    let v = i128::from(out[3 * i + 1] as u64) | (i128::from(out[3 * i + 2]) << 64);
    (out[3 * i], v)
}

/// The SOL-like market of the engine's tests, with `quote_lot_size`.
fn market(quote_lot_size: i64) -> Input {
    let mut input = Input::zeroed();
    for (name, v) in [
        ("initialMarginBps", 1_000),
        ("maintenanceMarginBps", 500),
        ("maxVolMultiplierBps", 10_000),
        ("volTimeConstantSecs", 600),
        ("tickSize", 1),
        ("quoteLotSize", quote_lot_size),
        ("makerFeeBps", 2),
        ("takerFeeBps", 5),
        ("fundingIntervalSecs", 3_600),
        ("fundingMaxRateBps", 50),
    ] {
        let i = PARAM_NAMES.iter().position(|n| *n == name).unwrap();
        input.market.params[i] = v;
    }
    input
}

#[test]
fn the_preview_charges_the_fee_in_quote_lots() {
    let _l = LOCK.lock().unwrap();
    let mut input = market(100);
    input.account.collateral = 10_000_000;
    // Buy one lot at 10,001 ticks (10,001 quote lots of 100), taking, valued there.
    input.args[..5].copy_from_slice(&[0, 1, 10_001, 1, 1_000_100 * PRICE_SCALE as i64]);
    write(&input);
    assert_eq!(order_preview(), Code::Ok as i32);
    assert_eq!(slot(0), (0, 10_001));
    assert_eq!(slot(1), (0, 1_000_100));
    assert_eq!(slot(2), (0, 600));
    assert_eq!(slot(7), (0, 1), "position after");
}

#[test]
fn account_risk_and_funding_rate_come_back_as_slots() {
    let _l = LOCK.lock().unwrap();
    let mut input = market(1);
    input.account.collateral = 1_000;
    write(&input);
    assert_eq!(account_risk(), Code::Ok as i32);
    assert_eq!(slot(0), (0, 1_000), "equity");
    assert_eq!(slot(2).0, Code::None as i64, "no entry price when flat");
    assert_eq!(
        slot(6).0,
        Code::None as i64,
        "no liquidation price when flat"
    );
    assert_eq!(slot(8), (0, 1_000), "withdrawable");
    input.market.funding.premium_sum = 3 * PRICE_SCALE as i64 * 60;
    input.market.funding.index_sum = 1_000 * PRICE_SCALE * 60;
    input.market.funding.sampled_secs = 60;
    write(&input);
    assert_eq!(funding_rate(), Code::Ok as i32);
    assert_eq!(slot(0), (0, 30));
}

#[test]
fn the_order_band_is_the_engines() {
    let _l = LOCK.lock().unwrap();
    let p = |native: i64| native * PRICE_SCALE as i64;
    let mut input = market(1);
    // Stable 100, the last reference 104–106, a 5% band: [max(95, 98.8), min(105, 111.3)].
    input.args[..5].copy_from_slice(&[p(100), p(104), p(106), 100, 500]);
    write(&input);
    assert_eq!(order_band(), Code::Ok as i32);
    assert_eq!(
        (slot(0), slot(1)),
        ((0, i128::from(p(104) / 100 * 95)), (0, i128::from(p(105))))
    );
    // No reference recorded: around the stable price alone.
    input.args[..5].copy_from_slice(&[p(100), 0, 0, 100, 500]);
    write(&input);
    order_band();
    assert_eq!(
        (slot(0).1, slot(1).1),
        (i128::from(p(95)), i128::from(p(105)))
    );
    // The reference too far from the stable price: no band (orders are refused).
    input.args[..5].copy_from_slice(&[p(100), p(120), p(120), 100, 500]);
    write(&input);
    order_band();
    assert_eq!(
        (slot(0).0, slot(1).0),
        (Code::None as i64, Code::None as i64)
    );
    // Sources valid now take the recorded reference's place, as in the program.
    let live = [Ok(Price::from_raw(p(103) as u64)), Err(SourceFault::Stale)];
    let want = perp_engine::oracle::order_band(
        &live,
        Some(Price::from_raw(p(100) as u64)),
        Some(PriceBand {
            low: Price::from_raw(p(120) as u64),
            high: Price::from_raw(p(120) as u64),
        }),
        100,
        500,
    )
    .unwrap()
    .allowed;
    input.args[5..10].copy_from_slice(&[2, p(103), 0, 0, Code::Stale as i64]);
    write(&input);
    assert_eq!(order_band(), Code::Ok as i32);
    assert_eq!(
        (slot(0).1, slot(1).1),
        (i128::from(want.low.raw()), i128::from(want.high.raw()))
    );
}

/// Copies an oracle account (owner, feed, data) into the module as the loader does.
fn source(owner: &[u8; 32], feed: &[u8; 32], data: &[u8]) -> i32 {
    let ptr = source_ptr(data.len() as i32);
    assert!(!ptr.is_null());
    // SAFETY: under LOCK; `source_ptr` vouched for the room.
    let area = unsafe { std::slice::from_raw_parts_mut(ptr, abi::SOURCE_HEADER + data.len()) };
    area[..32].copy_from_slice(owner);
    area[32..64].copy_from_slice(feed);
    area[64..].copy_from_slice(data);
    data.len() as i32
}

#[test]
fn oracle_accounts_are_read_and_graded_as_the_program_does() {
    use perp_engine::oracle::accounts::{PYTH_RECEIVER_PROGRAM, pyth};
    let _l = LOCK.lock().unwrap();
    let feed = [5u8; 32];
    // A full Pyth update: 150.00000000 ± 0.075 published at t = 1,000.
    let mut data = [0u8; pyth::ACCOUNT_LEN];
    data[..8].copy_from_slice(&pyth::DISCRIMINATOR);
    data[pyth::LEVEL] = pyth::FULL;
    let m = pyth::LEVEL + 1;
    data[m..m + 32].copy_from_slice(&feed);
    data[m + 32..m + 40].copy_from_slice(&15_000_000_000i64.to_le_bytes());
    data[m + 40..m + 48].copy_from_slice(&7_500_000u64.to_le_bytes());
    data[m + 48..m + 52].copy_from_slice(&(-8i32).to_le_bytes());
    data[m + 52..m + 60].copy_from_slice(&1_000i64.to_le_bytes());
    let mut input = market(1);
    // At t = 1,010, 30 s and 10 bps allowed; lots of 10⁷ atoms of a 9-decimal base, 6-decimal quote.
    input.args[..8].copy_from_slice(&[1_010, 50, 30, 60, 10, 10_000_000, 9 + 256 * 6, 0]);
    write(&input);
    let len = source(&PYTH_RECEIVER_PROGRAM, &feed, &data);
    assert_eq!(source_grade(0, len), Code::Ok as i32);
    // 150 quote per base = 1.5 quote units (1,500,000 native) per lot of 0.01 base.
    assert_eq!(slot(0), (0, 1_500_000 * i128::from(PRICE_SCALE)));
    assert_eq!(slot(1), (0, 1_000));
    // Stale at t = 1,031; regressed behind a newer print the market used; wrong owner.
    for (now, used, owner, code) in [
        (1_031, 0, PYTH_RECEIVER_PROGRAM, Code::Stale),
        (1_010, 1_001, PYTH_RECEIVER_PROGRAM, Code::Regressed),
        (1_010, 0, [0; 32], Code::WrongOwner),
    ] {
        input.args[0] = now;
        input.args[7] = used;
        write(&input);
        let len = source(&owner, &feed, &data);
        assert_eq!(source_grade(0, len), Code::Ok as i32);
        assert_eq!(slot(0).0, code as i64);
    }
    assert!(source_ptr(5_000).is_null());
    assert_eq!(source_grade(2, 0), Code::InvalidInput as i32);
}

#[test]
fn the_index_and_the_breaker_are_the_engines() {
    let _l = LOCK.lock().unwrap();
    let stale = Code::Stale as i64;
    let mut input = market(1);
    let cases = [
        // Two agreeing sources: their mean; new risk allowed.
        ([300, 1_000, 101, 2, 100, 0, 102, 0], (0, 101), (0, 1)),
        // Too far apart: no index, no new risk.
        (
            [300, 1_000, 101, 2, 100, 0, 110, 0],
            (Code::SourcesDiverge as i64, 0),
            (Code::SourcesDiverge as i64, 0),
        ),
        // Agreeing but outside the breaker band around the stable price.
        (
            [300, 1_000, 200, 2, 100, 0, 101, 0],
            (0, 100),
            (Code::BreakerTripped as i64, 0),
        ),
        // One stale: its fault, for both.
        (
            [300, 1_000, 101, 2, 100, 0, 0, stale],
            (stale, 0),
            (stale, 0),
        ),
        // No stable price yet.
        (
            [300, 1_000, 0, 1, 100, 0, 0, 0],
            (0, 100),
            (Code::StablePriceUnset as i64, 0),
        ),
    ];
    for (args, index, risk) in cases {
        input.args[..8].copy_from_slice(&args);
        write(&input);
        assert_eq!(index_price(), Code::Ok as i32, "{args:?}");
        assert_eq!((slot(0), slot(1)), (index, risk), "{args:?}");
    }
    // A fault code that is not a source's.
    input.args[..8].copy_from_slice(&[300, 1_000, 0, 1, 0, Code::Math as i64, 0, 0]);
    write(&input);
    assert_eq!(index_price(), Code::InvalidInput as i32);
}

#[test]
fn what_a_reduce_only_order_may_take_is_the_engines() {
    let _l = LOCK.lock().unwrap();
    let mut input = market(1);
    // A long of 10 lots with 7 resting to sell: a reduce-only sell may take 3, a buy nothing.
    input.account.trader.base_position = SignedBaseLots::new(10);
    input.account.trader.asks_base_lots = BaseLots::new(7);
    for (side, want) in [(1, 3), (0, 0)] {
        input.args[0] = side;
        write(&input);
        assert_eq!(reducible(), Code::Ok as i32);
        assert_eq!(slot(0), (0, want));
    }
    input.args[0] = 2;
    write(&input);
    assert_eq!(reducible(), Code::InvalidInput as i32);
}

#[test]
fn the_worst_price_of_a_close_is_the_engines() {
    let _l = LOCK.lock().unwrap();
    let mut input = market(1);
    let raw = 15_000 * 100 * PRICE_SCALE as i64;
    for (side, want) in [(0, 15_450), (1, 14_550)] {
        input.args[..5].copy_from_slice(&[raw, side, 300, 1, 100]);
        write(&input);
        assert_eq!(worst_price(), Code::Ok as i32);
        assert_eq!(slot(0), (0, want));
    }
    input.args[1] = 2;
    write(&input);
    assert_eq!(worst_price(), Code::InvalidInput as i32);
}

#[test]
fn hostile_inputs_come_back_as_codes_never_traps() {
    let _l = LOCK.lock().unwrap();
    // Arguments at every edge, fault codes that are and are not a source's, lengths past the
    // area, kinds that do not exist, and random bytes behind real owners and discriminators.
    let words = [
        i64::MIN,
        -1,
        0,
        1,
        2,
        3,
        6,
        14,
        15,
        20,
        255,
        i64::from(i32::MAX),
        i64::MAX,
    ];
    let lens = [
        i32::MIN,
        -1,
        0,
        8,
        41,
        133,
        134,
        3_208,
        4_032,
        4_033,
        i32::MAX,
    ];
    let mut rng = ChaCha8Rng::seed_from_u64(0x2545_f491_4f6c_dd1d);
    let mut next = move || rng.next_u64();
    for _ in 0..2_000 {
        let mut input = market(1);
        input
            .args
            .iter_mut()
            .for_each(|a| *a = words[next() as usize % words.len()]);
        write(&input);
        let _ = (index_price(), order_band(), worst_price());
        // SAFETY: under LOCK; the area is SOURCE_BYTES long.
        let area: &mut [u8] = bytemuck::cast_slice_mut(unsafe { &mut *abi::SOURCE.ptr() });
        area.iter_mut().for_each(|b| *b = next() as u8);
        if next() % 2 == 0 {
            use perp_engine::oracle::accounts::{PYTH_RECEIVER_PROGRAM, pyth};
            area[..32].copy_from_slice(&PYTH_RECEIVER_PROGRAM);
            area[64..72].copy_from_slice(&pyth::DISCRIMINATOR);
            area[64 + pyth::LEVEL] = (next() % 3) as u8;
        }
        for kind in [i32::MIN, -1, 0, 1, 2] {
            let len = lens[next() as usize % lens.len()];
            let _ = (source_ptr(len), source_grade(kind, len));
        }
    }
}

#[test]
fn codes_and_their_names_line_up() {
    let mut faults = 0;
    for (i, name) in crate::CODE_NAMES.iter().enumerate() {
        if let Some(fault) = crate::source_fault(i as i64) {
            assert_eq!(Code::from(fault) as usize, i);
            assert_eq!(std::format!("{fault:?}"), *name);
            faults += 1;
        }
    }
    assert_eq!(faults, 9);
    assert_eq!(Code::BandEmpty as usize, crate::CODE_NAMES.len() - 1);
}

#[test]
fn bad_inputs_and_overflow_are_named_codes() {
    let _l = LOCK.lock().unwrap();
    let mut input = market(1);
    input.args[0] = -1; // a negative size
    write(&input);
    assert_eq!(margin_bps(), Code::InvalidInput as i32);
    // A fraction the program stores as a u32 must fit one.
    let mut wide = market(1);
    let i = PARAM_NAMES
        .iter()
        .position(|n| *n == "initialMarginBps")
        .unwrap();
    wide.market.params[i] = 1 << 32;
    wide.args[0] = 10;
    write(&wide);
    assert_eq!(margin_bps(), Code::InvalidInput as i32);
    // A product beyond 128 bits: the engine's math error, its line in the slot.
    input.args[..4].copy_from_slice(&[1, i64::MAX, i64::MAX, 5_000]);
    write(&input);
    assert_eq!(liquidation_price(), Code::Math as i32);
    assert!(slot(0).1 > 0);
    let n = code_name(Code::BookCorrupt as i32) as usize;
    let out: &[u8] = bytemuck::cast_slice(unsafe { &*OUTPUT.ptr() });
    assert_eq!(&out[..n], b"BookCorrupt");
    assert_eq!(code_name(99), 0);
}

#[test]
fn the_book_is_walked_best_first_from_its_account_bytes() {
    let _l = LOCK.lock().unwrap();
    let mut account = vec![0u64; abi::BOOK_ACCOUNT_SIZE / 8];
    let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut account);
    let book: &mut MarketBook =
        bytemuck::from_bytes_mut(&mut bytes[BOOK_HEADER..BOOK_HEADER + size_of::<MarketBook>()]);
    let mut queue = std::boxed::Box::new(EventQueue::<16>::zeroed());
    let ctx = PlaceContext {
        now: 1,
        tick_size: perp_engine::QuoteLotsPerBaseLotPerTick::new(1),
        fees: FeeRates {
            maker_bps: 0,
            taker_bps: 0,
        },
        band: Some(TickBand {
            low: Ticks::new(1),
            high: Ticks::new(1_000),
        }),
    };
    let orders = [
        (Side::Bid, 100, 3, 0),
        (Side::Bid, 101, 7, 0),
        (Side::Bid, 100, 4, 0),
        (Side::Ask, 103, 9, 50),
        (Side::Ask, 102, 1, 0),
    ];
    for (i, (side, price, lots, expires_at)) in orders.into_iter().enumerate() {
        let req = OrderRequest {
            side,
            kind: OrderKind::PostOnly,
            price: Ticks::new(price),
            base_lots: BaseLots::new(lots),
            reduce_only: false,
            client_order_id: 0,
            expires_at,
            self_trade: SelfTrade::DecrementTake,
            fill_limit: 8,
        };
        let mut trader = Trader::zeroed();
        book.place(
            &[i as u8; 32],
            &mut trader,
            &req,
            &ctx,
            &mut NoMakers,
            &mut queue,
        )
        .unwrap();
    }
    unsafe {
        bytemuck::cast_slice_mut::<u64, u8>(&mut *BOOK.ptr()).copy_from_slice(bytes);
    }
    let len = abi::BOOK_ACCOUNT_SIZE as i32;
    assert!(!book_ptr(len).is_null() && book_ptr(len - 1).is_null());
    let words = |n: usize| unsafe { (&*OUTPUT.ptr())[..n].to_vec() };
    assert_eq!(book_levels(len, 10, 10), Code::Ok as i32);
    assert_eq!(
        words(14),
        [2, 2, 101, 7, 1, 100, 7, 2, 102, 1, 1, 103, 9, 1]
    );
    // The ask at 103 has expired at 50; one level a side.
    assert_eq!(book_levels(len, 50, 1), Code::Ok as i32);
    assert_eq!(words(8), [1, 1, 101, 7, 1, 102, 1, 1]);
    assert_eq!(book_levels(len - 8, 50, 1), Code::BookAccountSize as i32);
}
