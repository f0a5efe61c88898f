//! The module's memory: the input block JS fills, the output words it reads back, the order
//! book buffer, and their conversion to and from the engine's types. Single-threaded: a wasm
//! instance runs one export at a time (host tests take a lock).

use crate::{Code, Failure};
use bytemuck::{Pod, Zeroable};
use core::cell::UnsafeCell;
use perp_engine::book::MarketBook;
use perp_engine::risk::account::{AccountState, MarketRules};
use perp_engine::risk::funding::{Funding, FundingParams, FundingSnapshot};
use perp_engine::risk::margin::MarginParams;
use perp_engine::risk::open_interest::OpenInterest;
use perp_engine::risk::state::MarketRisk;
use perp_engine::trader::{FeeRates, Trader};
use perp_engine::{BaseLots, Bps, QuoteLotsPerBaseLotPerTick, QuoteNative, QuoteNativePerQuoteLot};

/// The market parameters the rules read, in the order of `MarketIn::params`, by their names in
/// the app's generated `MarketParams` (the loader fills the words by these names, so the list
/// is written once, here).
pub const PARAM_NAMES: [&str; 16] = [
    "initialMarginBps",
    "maintenanceMarginBps",
    "sizePremiumBps",
    "sizeUnitLots",
    "referenceVolBps",
    "maxVolMultiplierBps",
    "volTimeConstantSecs",
    "oiSoftCapLots",
    "oiHardCapLots",
    "maintenanceRampBpsPerHour",
    "tickSize",
    "quoteLotSize",
    "makerFeeBps",
    "takerFeeBps",
    "fundingIntervalSecs",
    "fundingMaxRateBps",
];

/// A market as the rules read it: its stored engine state (byte-for-byte the program's
/// `Market.risk`, `.funding` and `.open_interest`) and its parameters as `i64` words.
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub struct MarketIn {
    /// `Market.risk`.
    pub risk: MarketRisk,
    /// `Market.funding`.
    pub funding: Funding,
    /// `Market.open_interest`.
    pub open_interest: OpenInterest,
    /// `PARAM_NAMES`, in order.
    pub params: [i64; PARAM_NAMES.len()],
}
static_assertions::const_assert_eq!(core::mem::size_of::<MarketIn>(), 40 + 56 + 16 + 8 * 16);

/// One margin account: byte-for-byte its `collateral`, `funding` and `trader` fields.
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub struct AccountIn {
    /// Collateral, native units.
    pub collateral: u64,
    /// The funding indices of its last settlement.
    pub funding: FundingSnapshot,
    /// Position, PnL and open orders.
    pub trader: Trader,
}
static_assertions::const_assert_eq!(core::mem::size_of::<AccountIn>(), 8 + 16 + 1_608);

/// Arguments per call.
pub const ARGS: usize = 12;

/// Everything an export reads.
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub struct Input {
    /// The market.
    pub market: MarketIn,
    /// The account (when the export reads one).
    pub account: AccountIn,
    /// The export's arguments (each export documents its own).
    pub args: [i64; ARGS],
}

/// Output words: enough for 340 slots, or 170 book levels a side.
pub const OUTPUT_WORDS: usize = 1_024;

/// Bytes before the book in the program's `OrderBookAccount`: Anchor's discriminator and the
/// `market` key (`programs/perp/src/state/book.rs`).
pub const BOOK_HEADER: usize = 8 + 32;
/// The whole order book account.
pub const BOOK_ACCOUNT_SIZE: usize = BOOK_HEADER + core::mem::size_of::<MarketBook>();

/// A static the exports share (one export runs at a time).
#[repr(C, align(8))]
pub struct Area<T>(UnsafeCell<T>);

// SAFETY: a wasm instance is single-threaded; host tests serialise on a lock.
unsafe impl<T> Sync for Area<T> {}

impl<T> Area<T> {
    /// The area's address, for the loader.
    pub fn ptr(&self) -> *mut T {
        self.0.get()
    }
}

/// The input block.
pub static INPUT: Area<[u64; core::mem::size_of::<Input>() / 8]> =
    Area(UnsafeCell::new([0; core::mem::size_of::<Input>() / 8]));
static_assertions::const_assert_eq!(core::mem::size_of::<Input>() % 8, 0);

/// The output words.
pub static OUTPUT: Area<[i64; OUTPUT_WORDS]> = Area(UnsafeCell::new([0; OUTPUT_WORDS]));

/// The order book account's bytes (8-aligned, so the book at `BOOK_HEADER` is too).
pub static BOOK: Area<[u64; BOOK_ACCOUNT_SIZE.div_ceil(8)]> =
    Area(UnsafeCell::new([0; BOOK_ACCOUNT_SIZE.div_ceil(8)]));
static_assertions::const_assert_eq!(BOOK_HEADER % 8, 0);

/// An oracle account as JS copies it: its owner (32 bytes), the feed id the market configures
/// (32 bytes, Pyth only), then the account's data.
pub const SOURCE_HEADER: usize = 64;
/// Room for the largest oracle account (a Switchboard pull feed, 3,208 bytes) and more.
pub const SOURCE_BYTES: usize = 4_096;
/// The oracle account area.
pub static SOURCE: Area<[u64; SOURCE_BYTES / 8]> = Area(UnsafeCell::new([0; SOURCE_BYTES / 8]));

/// The input block, as written by JS.
pub fn input() -> Input {
    // SAFETY: one export at a time; `Input` is Pod and the area has its size and alignment.
    let words = unsafe { &*INPUT.ptr() };
    bytemuck::cast(*words)
}

/// A fraction stored as a `u32` (as the program stores it), or `InvalidInput`.
fn bps(w: i64) -> Result<Bps, Failure> {
    fit::<u32>(w).map(Bps::from_u32)
}

/// `w` as the engine type `T`, or `InvalidInput`.
pub fn fit<T: TryFrom<i64>>(w: i64) -> Result<T, Failure> {
    T::try_from(w).map_err(|_| Failure::Code(Code::InvalidInput))
}

impl MarketIn {
    /// Parameter `name` (one of `PARAM_NAMES`).
    fn param(&self, name: &str) -> i64 {
        let i = PARAM_NAMES.iter().position(|n| *n == name);
        i.map_or(0, |i| self.params[i])
    }

    /// The margin parameters.
    pub fn margin(&self) -> Result<MarginParams, Failure> {
        Ok(MarginParams {
            initial_margin_bps: bps(self.param("initialMarginBps"))?,
            maintenance_margin_bps: bps(self.param("maintenanceMarginBps"))?,
            size_premium_bps: bps(self.param("sizePremiumBps"))?,
            size_unit_lots: BaseLots::new(fit(self.param("sizeUnitLots"))?),
            reference_vol_bps: bps(self.param("referenceVolBps"))?,
            max_vol_multiplier_bps: bps(self.param("maxVolMultiplierBps"))?,
            vol_time_constant_secs: fit(self.param("volTimeConstantSecs"))?,
            oi_soft_cap_lots: BaseLots::new(fit(self.param("oiSoftCapLots"))?),
            oi_hard_cap_lots: BaseLots::new(fit(self.param("oiHardCapLots"))?),
            maintenance_ramp_bps_per_hour: bps(self.param("maintenanceRampBpsPerHour"))?,
        })
    }

    /// The market's rules, as the program's `Market::rules` builds them.
    pub fn rules(&self) -> Result<MarketRules, Failure> {
        Ok(MarketRules {
            margin: self.margin()?,
            risk: self.risk,
            funding: self.funding,
            funding_params: FundingParams {
                // As `MarketParams::funding`: the interval's bound keeps it within u32.
                interval_secs: fit::<u32>(self.param("fundingIntervalSecs")).unwrap_or(u32::MAX),
                max_rate_bps: bps(self.param("fundingMaxRateBps"))?,
                max_backfill_intervals: 0,
            },
            open_interest: self.open_interest,
            tick_size: QuoteLotsPerBaseLotPerTick::new(fit(self.param("tickSize"))?),
            quote_lot_size: QuoteNativePerQuoteLot::new(fit(self.param("quoteLotSize"))?),
            fees: FeeRates {
                maker_bps: fit(self.param("makerFeeBps"))?,
                taker_bps: fit(self.param("takerFeeBps"))?,
            },
        })
    }
}

impl AccountIn {
    /// The account as the rules read it.
    pub fn state(&self) -> AccountState {
        AccountState {
            collateral: QuoteNative::new(self.collateral),
            trader: self.trader,
            funding: self.funding,
        }
    }
}

/// Writes value slots to the output words.
pub struct Out {
    at: usize,
}

impl Out {
    /// Writing from the first word.
    pub fn new() -> Self {
        Out { at: 0 }
    }

    /// Writes raw words (the book's levels); false when the output is full.
    pub fn words(&mut self, words: &[i64]) -> bool {
        if self.at + words.len() > OUTPUT_WORDS {
            return false;
        }
        // SAFETY: one export at a time; bounds checked above.
        let out = unsafe { &mut *OUTPUT.ptr() };
        out[self.at..self.at + words.len()].copy_from_slice(words);
        self.at += words.len();
        true
    }

    /// Overwrites word `i` (a count written after its items).
    pub fn set(&mut self, i: usize, word: i64) {
        // SAFETY: one export at a time.
        let out = unsafe { &mut *OUTPUT.ptr() };
        if i < OUTPUT_WORDS {
            out[i] = word;
        }
    }

    /// The next word written.
    pub fn at(&self) -> usize {
        self.at
    }

    /// One slot: a value, none, or the error it ran into.
    pub fn slot<T: Into<i128>>(&mut self, value: Result<Option<T>, Failure>) {
        let (code, v): (Code, i128) = match value {
            Ok(Some(v)) => (Code::Ok, v.into()),
            Ok(None) => (Code::None, 0),
            Err(Failure::Math(e)) => (Code::Math, i128::from(e.line)),
            Err(Failure::Code(c)) => (c, 0),
        };
        self.words(&[code as i64, v as i64, (v >> 64) as i64]);
    }

    /// A slot holding `value`.
    pub fn value<T: Into<i128>>(&mut self, value: Result<T, Failure>) {
        self.slot(value.map(Some));
    }
}

impl Default for Out {
    fn default() -> Self {
        Self::new()
    }
}
