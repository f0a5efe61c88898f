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
use perp_engine::price::PRICE_SCALE;
use perp_engine::side::Side;
use perp_engine::trader::{FeeRates, Trader};
use perp_engine::{BaseLots, Ticks};
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
    input.args = [0, 1, 10_001, 1, 1_000_100 * PRICE_SCALE as i64, 0, 0, 0];
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
    input.args = [p(100), p(104), p(106), 100, 500, 0, 0, 0];
    write(&input);
    assert_eq!(order_band(), Code::Ok as i32);
    assert_eq!(
        (slot(0), slot(1)),
        ((0, i128::from(p(104) / 100 * 95)), (0, i128::from(p(105))))
    );
    // No reference recorded: around the stable price alone.
    input.args = [p(100), 0, 0, 100, 500, 0, 0, 0];
    write(&input);
    order_band();
    assert_eq!(
        (slot(0).1, slot(1).1),
        (i128::from(p(95)), i128::from(p(105)))
    );
    // The reference too far from the stable price: no band (orders are refused).
    input.args = [p(100), p(120), p(120), 100, 500, 0, 0, 0];
    write(&input);
    order_band();
    assert_eq!(
        (slot(0).0, slot(1).0),
        (Code::None as i64, Code::None as i64)
    );
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
    input.args = [1, i64::MAX, i64::MAX, 5_000, 0, 0, 0, 0];
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
