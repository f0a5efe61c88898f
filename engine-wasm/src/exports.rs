//! The exported functions. Each reads the input block (`abi::Input`: market, account, `args`),
//! calls one engine method and writes value slots; it returns `Code::Ok`, or the code of what
//! stopped it as a whole. Argument lists are documented per export as `args[i]`.

use crate::abi::{
    self, ARGS, BOOK, BOOK_ACCOUNT_SIZE, INPUT, Input, OUTPUT, OUTPUT_WORDS, Out, PARAM_NAMES,
    SOURCE, SOURCE_BYTES, SOURCE_HEADER, fit,
};
use crate::book::{self, LEVEL_WORDS};
use crate::{CODE_NAMES, Code, Failure, source_fault};
use perp_engine::oracle::accounts::{decode_pyth, decode_switchboard};
use perp_engine::oracle::{
    Action, Graded, MAX_SOURCES, Now, OracleError, PriceBand, PriceRules, Published, SourceLimits,
    agreed_price, order_band as engine_order_band, price_for,
};
use perp_engine::price::LotScale;
use perp_engine::price::Price;
use perp_engine::price::ScaledQuote;
use perp_engine::risk::account::OrderIntent;
use perp_engine::risk::health::Health;
use perp_engine::risk::liquidation::liquidation_price as engine_liquidation_price;
use perp_engine::side::Side;
use perp_engine::{BaseLots, Bps, QuoteLotsPerBaseLotPerTick, QuoteNativePerQuoteLot, Ticks};

/// Runs `f` on the input block and turns its failure into a status.
fn run(f: impl FnOnce(&Input, &mut Out) -> Result<(), Failure>) -> i32 {
    let input = abi::input();
    let mut out = Out::new();
    match f(&input, &mut out) {
        Ok(()) => Code::Ok as i32,
        Err(e) => {
            // The whole call's failure also fills the first slot (a math error's line).
            Out::new().slot::<i64>(Err(e));
            e.code() as i32
        }
    }
}

/// `args[i]` as a price.
fn price(args: &[i64; ARGS], i: usize) -> Result<Price, Failure> {
    Ok(Price::from_raw(fit(args[i])?))
}

/// `args[i]`, `args[i + 1]` as a band (low, high).
fn band(args: &[i64; ARGS], i: usize) -> Result<PriceBand, Failure> {
    Ok(PriceBand {
        low: price(args, i)?,
        high: price(args, i + 1)?,
    })
}

/// Where JS writes the input block.
#[unsafe(no_mangle)]
pub extern "C" fn input_ptr() -> *mut u8 {
    INPUT.ptr().cast()
}

/// Bytes of the input block, and of its market and account parts (the loader checks its
/// layout against these).
#[unsafe(no_mangle)]
pub extern "C" fn input_size(part: i32) -> i32 {
    (match part {
        0 => size_of::<Input>(),
        1 => size_of::<abi::MarketIn>(),
        2 => size_of::<abi::AccountIn>(),
        _ => ARGS,
    }) as i32
}

/// Where JS reads the output words.
#[unsafe(no_mangle)]
pub extern "C" fn output_ptr() -> *const i64 {
    OUTPUT.ptr().cast()
}

/// Output words.
#[unsafe(no_mangle)]
pub extern "C" fn output_words() -> i32 {
    OUTPUT_WORDS as i32
}

/// Writes `text` to the output as bytes; returns its length.
fn write_text(text: &str) -> i32 {
    // SAFETY: one export at a time; the output holds 8 KiB, more than any name.
    let out: &mut [u8] = bytemuck::cast_slice_mut(unsafe { &mut *OUTPUT.ptr() });
    let n = text.len().min(out.len());
    out[..n].copy_from_slice(&text.as_bytes()[..n]);
    n as i32
}

/// The name of code `code` (UTF-8 in the output; returns its length, 0 if unknown).
#[unsafe(no_mangle)]
pub extern "C" fn code_name(code: i32) -> i32 {
    usize::try_from(code)
        .ok()
        .and_then(|i| CODE_NAMES.get(i))
        .map_or(0, |n| write_text(n))
}

/// The name of market parameter word `i` (as `code_name`): what the loader writes there.
#[unsafe(no_mangle)]
pub extern "C" fn param_name(i: i32) -> i32 {
    usize::try_from(i)
        .ok()
        .and_then(|i| PARAM_NAMES.get(i))
        .map_or(0, |n| write_text(n))
}

/// Margin fractions of the market's parameters: `args` = [lots, volatility bps, open-interest
/// lots, market maintenance bps]. Slots: size multiplier, volatility multiplier, initial,
/// maintenance target, maintenance (bps).
#[unsafe(no_mangle)]
pub extern "C" fn margin_fractions() -> i32 {
    run(|input, out| {
        let p = input.market.margin()?;
        let a = &input.args;
        let (lots, oi) = (BaseLots::new(fit(a[0])?), BaseLots::new(fit(a[2])?));
        let (vol, market) = (Bps::new(fit(a[1])?), Bps::new(fit(a[3])?));
        out.value(p.size_multiplier_bps(lots).map_err(Failure::from));
        out.value(p.vol_multiplier_bps(vol).map_err(Failure::from));
        out.value(p.initial_bps(lots, vol, oi).map_err(Failure::from));
        out.value(p.maintenance_target_bps(vol).map_err(Failure::from));
        out.value(p.maintenance_bps(market, lots).map_err(Failure::from));
        Ok(())
    })
}

/// The market's fractions now for `args[0]` lots: initial, maintenance (bps).
#[unsafe(no_mangle)]
pub extern "C" fn margin_bps() -> i32 {
    run(|input, out| {
        let rules = input.market.rules()?;
        let lots = BaseLots::new(fit(input.args[0])?);
        out.value(rules.initial_margin_bps(lots).map_err(Failure::from));
        out.value(rules.maintenance_margin_bps(lots).map_err(Failure::from));
        Ok(())
    })
}

/// The account's trader valued at a price: `args` = [balance (native, may be negative),
/// quote lot size, price, initial bps, maintenance bps]. Slots: equity, unrealised, exposure
/// (native × `PRICE_SCALE`), exposure lots, covers initial (0/1), maintenance surplus,
/// withdrawable (native).
#[unsafe(no_mangle)]
pub extern "C" fn health() -> i32 {
    run(|input, out| {
        let a = &input.args;
        let qls = QuoteNativePerQuoteLot::new(fit(a[1])?);
        let h = Health::of(&input.account.trader, a[0], qls, price(a, 2)?)?;
        let (initial, maintenance) = (Bps::new(fit(a[3])?), Bps::new(fit(a[4])?));
        out.value(Ok(h.equity));
        out.value(Ok(h.unrealised));
        out.value(Ok(h.exposure));
        out.value(Ok(h.exposure_lots));
        out.value(h.covers(initial).map(u8::from).map_err(Failure::from));
        out.value(h.surplus(maintenance).map_err(Failure::from));
        out.value(h.withdrawable(initial).map_err(Failure::from));
        Ok(())
    })
}

/// The price at which a position reaches maintenance: `args` = [position, equity excluding
/// the position (low, high 64 bits), maintenance bps]. One slot (none: flat or never).
#[unsafe(no_mangle)]
pub extern "C" fn liquidation_price() -> i32 {
    run(|input, out| {
        let a = &input.args;
        let equity_ex = ScaledQuote::new(i128::from(a[1] as u64) | (i128::from(a[2]) << 64));
        let p = engine_liquidation_price(a[0], equity_ex, Bps::new(fit(a[3])?))?;
        out.slot(Ok(p.map(|p| p.raw())));
        Ok(())
    })
}

/// The account's risk at `args[0]` (a price), funding settled. Slots: equity, unrealised
/// (native), entry price, maintenance bps, maintenance surplus (native), margin ratio bps,
/// liquidation price, shortfall, withdrawable at that price (native), position (lots).
#[unsafe(no_mangle)]
pub extern "C" fn account_risk() -> i32 {
    run(|input, out| {
        let rules = input.market.rules()?;
        let account = input.account.state();
        let at = price(&input.args, 0)?;
        let r = rules.account_risk(&account, at)?;
        let here = PriceBand { low: at, high: at };
        out.value::<i128>(Ok(r.equity));
        out.value::<i128>(Ok(r.unrealised));
        out.slot(Ok(r.entry_price.map(|p| p.raw())));
        out.value(Ok(r.maintenance_bps));
        out.value::<i128>(Ok(r.maintenance_surplus));
        out.slot(Ok(r.margin_ratio_bps));
        out.slot(Ok(r.liquidation_price.map(|p| p.raw())));
        out.value::<u64>(Ok(r.shortfall));
        out.value(
            rules
                .withdrawable_now(&account, here)
                .map_err(Failure::from),
        );
        out.value(Ok(account.trader.base_position));
        Ok(())
    })
}

/// Whether `liquidate` accepts the account at the band `args` = [low, high]. Slots:
/// liquidatable (0/1), maintenance surplus at the favourable end (native).
#[unsafe(no_mangle)]
pub extern "C" fn liquidatable() -> i32 {
    run(|input, out| {
        let rules = input.market.rules()?;
        let account = input.account.state();
        let b = band(&input.args, 0)?;
        let verdict = rules.liquidatable(&account, b)?;
        out.value::<u8>(Ok(u8::from(verdict.is_some())));
        let at = rules.account_risk(&account, b.favourable_to(account.trader.base_position))?;
        out.value::<i128>(Ok(at.maintenance_surplus));
        Ok(())
    })
}

/// What the account may withdraw at the band `args` = [low, high] (funding and realised PnL
/// settled, as `collateral_withdraw`). One slot, native units.
#[unsafe(no_mangle)]
pub extern "C" fn withdrawable() -> i32 {
    run(|input, out| {
        let rules = input.market.rules()?;
        let b = band(&input.args, 0)?;
        out.value(
            rules
                .withdrawable_now(&input.account.state(), b)
                .map_err(Failure::from),
        );
        Ok(())
    })
}

/// What an order would cost and leave: `args` = [side (0 buy, 1 sell), lots, price ticks,
/// takes (0/1), valuation price]. Slots: quote lots, notional, fee (native, in whole quote
/// lots), initial margin, initial margin now, equity after, liquidation price after,
/// position after.
#[unsafe(no_mangle)]
pub extern "C" fn order_preview() -> i32 {
    run(|input, out| {
        let rules = input.market.rules()?;
        let a = &input.args;
        let order = OrderIntent {
            side: if a[0] == 0 { Side::Bid } else { Side::Ask },
            lots: BaseLots::new(fit(a[1])?),
            price: Ticks::new(fit(a[2])?),
            takes: a[3] != 0,
        };
        let p = rules.preview_order(&input.account.state(), &order, price(a, 4)?)?;
        out.value(Ok(p.quote_lots));
        out.value(Ok(p.notional));
        out.value::<i64>(Ok(p.fee));
        out.value(Ok(p.initial_margin));
        out.value(Ok(p.initial_margin_now));
        out.value::<i128>(Ok(p.equity_after));
        out.slot(Ok(p.liquidation_price.map(|p| p.raw())));
        out.value(Ok(p.position_after));
        Ok(())
    })
}

/// The funding rate the market's open interval points to, bps per interval (positive: longs
/// pay). One slot.
#[unsafe(no_mangle)]
pub extern "C" fn funding_rate() -> i32 {
    run(|input, out| {
        let rules = input.market.rules()?;
        out.value(rules.funding_rate_bps().map_err(Failure::from));
        Ok(())
    })
}

/// The band an order's price must lie in, as the program computes it (`oracle::order_band`):
/// `args` = [stable price, the market's last recorded reference low, high (0, 0: none recorded),
/// max deviation bps, band bps, then the sources as `graded_sources` reads them from `args[5]`
/// (0 sources: none valid right now)]. Slots: low, high (both none: no stable price yet, or the
/// band is empty).
#[unsafe(no_mangle)]
pub extern "C" fn order_band() -> i32 {
    run(|input, out| {
        let a = &input.args;
        let stable = price(a, 0)?;
        let reference = band(a, 1)?;
        let recorded = (reference.high.raw() != 0).then_some(reference);
        let stable = (stable.raw() != 0).then_some(stable);
        let (sources, n) = graded_sources(a, 5)?;
        match engine_order_band(&sources[..n], stable, recorded, fit(a[3])?, fit(a[4])?) {
            Ok(b) => {
                out.slot(Ok(Some(b.allowed.low.raw())));
                out.slot(Ok(Some(b.allowed.high.raw())));
            }
            Err(OracleError::Math(e)) => return Err(Failure::Math(e)),
            Err(_) => {
                out.slot::<u64>(Ok(None));
                out.slot::<u64>(Ok(None));
            }
        }
        Ok(())
    })
}

// `order_band` reads its sources from `args[5]`: they must fit the arguments.
const _: () = assert!(5 + 1 + 2 * MAX_SOURCES <= ARGS);

/// Graded sources from `args[at..]`: their count (at most `MAX_SOURCES`), then per source its
/// price (raw) and fault code (0: valid; else a code `source_grade` returned).
fn graded_sources(a: &[i64; ARGS], at: usize) -> Result<([Graded; MAX_SOURCES], usize), Failure> {
    let n: usize = fit(a[at])?;
    if n > MAX_SOURCES {
        return Err(Failure::Code(Code::InvalidInput));
    }
    let mut sources: [Graded; MAX_SOURCES] = [Ok(Price::ZERO); MAX_SOURCES];
    for (i, source) in sources.iter_mut().enumerate().take(n) {
        let (p, f) = (at + 1 + 2 * i, at + 2 + 2 * i);
        *source = match a[f] {
            0 => Ok(price(a, p)?),
            code => Err(source_fault(code).ok_or(Failure::Code(Code::InvalidInput))?),
        };
    }
    Ok((sources, n))
}

/// Where JS copies an order book account of `len` bytes (null unless `len` is the account's
/// size).
#[unsafe(no_mangle)]
pub extern "C" fn book_ptr(len: i32) -> *mut u8 {
    if usize::try_from(len) == Ok(BOOK_ACCOUNT_SIZE) {
        BOOK.ptr().cast()
    } else {
        core::ptr::null_mut()
    }
}

/// Up to `depth` price levels a side of the book copied to `book_ptr(len)`, best first,
/// orders expired at `now` left out. Output words: bid levels, ask levels, then each level as
/// [price ticks, base lots, orders], bids first.
#[unsafe(no_mangle)]
pub extern "C" fn book_levels(len: i32, now: i64, depth: i32) -> i32 {
    let max_depth = (OUTPUT_WORDS - 2) / (2 * LEVEL_WORDS);
    let depth = usize::try_from(depth).unwrap_or(0).min(max_depth);
    match book::levels(usize::try_from(len).unwrap_or(0), now, depth) {
        Ok(()) => Code::Ok as i32,
        Err(e) => e.code() as i32,
    }
}

/// Where JS copies an oracle account of `len` data bytes, after its owner and the configured
/// feed id (`SOURCE_HEADER` bytes); null when it does not fit.
#[unsafe(no_mangle)]
pub extern "C" fn source_ptr(len: i32) -> *mut u8 {
    match usize::try_from(len) {
        Ok(len) if len <= SOURCE_BYTES - SOURCE_HEADER => SOURCE.ptr().cast(),
        _ => core::ptr::null_mut(),
    }
}

/// One oracle source as the program reads and grades it: the account copied to
/// `source_ptr(len)` decoded as Pyth (`kind` 0) or Switchboard (1), then graded against the
/// market's limits. `args` = [unix time, slot, max age secs, max age slots, max confidence bps,
/// base lot size, base decimals + 256 × quote decimals, the newest publication of this source the
/// market has used (0: none)]. Slots: the price (raw), or the source's fault; when the account
/// decodes, its publication (unix time or slot), else none.
#[unsafe(no_mangle)]
pub extern "C" fn source_grade(kind: i32, len: i32) -> i32 {
    run(|input, out| {
        let len = usize::try_from(len).map_err(|_| Failure::Code(Code::InvalidInput))?;
        if len > SOURCE_BYTES - SOURCE_HEADER {
            return Err(Failure::Code(Code::InvalidInput));
        }
        // SAFETY: one export at a time; the area holds SOURCE_BYTES bytes.
        let bytes: &[u8] = bytemuck::cast_slice(unsafe { &*SOURCE.ptr() });
        let owner: &[u8; 32] = bytes[..32]
            .try_into()
            .map_err(|_| Failure::Code(Code::InvalidInput))?;
        let feed: &[u8; 32] = bytes[32..64]
            .try_into()
            .map_err(|_| Failure::Code(Code::InvalidInput))?;
        let data = &bytes[SOURCE_HEADER..SOURCE_HEADER + len];
        let reading = match kind {
            0 => decode_pyth(owner, data, feed),
            1 => decode_switchboard(owner, data),
            _ => return Err(Failure::Code(Code::InvalidInput)),
        };
        let a = &input.args;
        let now = Now {
            unix_time: a[0],
            slot: fit(a[1])?,
        };
        let limits = SourceLimits {
            max_age_secs: fit(a[2])?,
            max_age_slots: fit(a[3])?,
            max_confidence_bps: fit(a[4])?,
        };
        let decimals: u16 = fit(a[6])?;
        let scale = LotScale {
            base_lot_size: fit(a[5])?,
            base_decimals: (decimals & 0xff) as u8,
            quote_decimals: (decimals >> 8) as u8,
        };
        let used = match (kind, a[7]) {
            (_, 0) => None,
            (0, t) => Some(Published::UnixTime(t)),
            (_, s) => Some(Published::Slot(fit(s)?)),
        };
        // As the program: graded first (a stale print reads as stale), then refused if the
        // market has already used a newer one.
        let graded = reading.and_then(|r| {
            let price = r.grade(limits, now, scale)?;
            r.not_older_than(used)?;
            Ok(price)
        });
        out.value(graded.map(|p| p.raw()).map_err(|f| Failure::Code(f.into())));
        out.slot(Ok(reading.ok().map(|r| match r.published {
            Published::UnixTime(t) => i128::from(t),
            Published::Slot(s) => i128::from(s),
        })));
        Ok(())
    })
}

/// The index price and whether new risk may be taken at it, from graded sources: `args` =
/// [max deviation bps, band bps, stable price (0: none), then the sources as `graded_sources`
/// reads them from `args[3]`]. Slots: the aggregate (`agreed_price`), or why there is none; 1
/// when the program would let risk increase at these prices, else why not (e.g.
/// `BreakerTripped`, `SourcesDiverge`).
#[unsafe(no_mangle)]
pub extern "C" fn index_price() -> i32 {
    run(|input, out| {
        let a = &input.args;
        let rules = PriceRules {
            max_deviation_bps: fit(a[0])?,
            band_bps: fit(a[1])?,
        };
        let stable = price(a, 2)?;
        let stable = (stable.raw() != 0).then_some(stable);
        let (sources, n) = graded_sources(a, 3)?;
        let sources = &sources[..n];
        out.value(
            agreed_price(sources, rules.max_deviation_bps)
                .map(|p| p.raw())
                .map_err(Failure::from),
        );
        out.value(
            price_for(Action::IncreaseRisk, sources, stable, rules)
                .map(|_| 1u8)
                .map_err(Failure::from),
        );
        Ok(())
    })
}

/// How much a reduce-only order on `args[0]` (0 buy, 1 sell) may take now
/// (`Trader::reducible`): the position the other way, less what the account's resting orders on
/// that side could already close. A fired stop is held to it like any reduce-only order. One
/// slot: base lots.
#[unsafe(no_mangle)]
pub extern "C" fn reducible() -> i32 {
    run(|input, out| {
        let side = match input.args[0] {
            0 => Side::Bid,
            1 => Side::Ask,
            _ => return Err(Failure::Code(Code::InvalidInput)),
        };
        out.value(Ok::<_, Failure>(input.account.trader.reducible(side).get()));
        Ok(())
    })
}

/// The worst price a closing market order accepts (`order::worst_price_ticks`): `args` =
/// [reference price (raw), side (0 buy, 1 sell), slippage bps, tick size, quote lot size]. One
/// slot: ticks.
#[unsafe(no_mangle)]
pub extern "C" fn worst_price() -> i32 {
    run(|input, out| {
        let a = &input.args;
        let side = match a[1] {
            0 => Side::Bid,
            1 => Side::Ask,
            _ => return Err(Failure::Code(Code::InvalidInput)),
        };
        out.value(
            perp_engine::order::worst_price_ticks(
                price(a, 0)?,
                side,
                fit(a[2])?,
                QuoteLotsPerBaseLotPerTick::new(fit(a[3])?),
                QuoteNativePerQuoteLot::new(fit(a[4])?),
            )
            .map(|t| t.get())
            .map_err(Failure::from),
        );
        Ok(())
    })
}
