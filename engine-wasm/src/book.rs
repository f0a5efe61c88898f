//! The order book account's bytes as price levels, best first, walked by the engine's own
//! types (`OrderBook::side`, `BookSide::for_each`: the crit-bit key layout stays in the
//! engine). Orders expired at `now` are left out, as the program no longer matches them.

use crate::abi::{BOOK, BOOK_ACCOUNT_SIZE, BOOK_HEADER, Out};
use crate::{Code, Failure};
use perp_engine::book::{MAX_PRICE_TICKS, MarketBook};
use perp_engine::side::Side;

/// Words per level: price (ticks), base lots, orders.
pub const LEVEL_WORDS: usize = 3;

/// Writes up to `depth` levels of each side of the book in `BOOK` (`len` bytes): the bid count,
/// the ask count, then the bids' and the asks' levels.
pub fn levels(len: usize, now: i64, depth: usize) -> Result<(), Failure> {
    if len != BOOK_ACCOUNT_SIZE {
        return Err(Failure::Code(Code::BookAccountSize));
    }
    // SAFETY: one export at a time; the area holds `BOOK_ACCOUNT_SIZE` bytes, 8-aligned.
    let bytes: &[u8] = bytemuck::cast_slice(unsafe { &*BOOK.ptr() });
    let book: &MarketBook =
        bytemuck::from_bytes(&bytes[BOOK_HEADER..BOOK_HEADER + size_of::<MarketBook>()]);
    let mut out = Out::new();
    out.words(&[0, 0]);
    for (i, side) in [Side::Bid, Side::Ask].into_iter().enumerate() {
        let count = side_levels(book, side, now, depth, &mut out)?;
        out.set(i, count as i64);
    }
    Ok(())
}

/// One side's levels; returns how many were written.
fn side_levels(
    book: &MarketBook,
    side: Side,
    now: i64,
    depth: usize,
    out: &mut Out,
) -> Result<usize, Failure> {
    let mut written = 0usize;
    if depth == 0 {
        return Ok(0);
    }
    // The level being summed: price, lots, orders.
    let mut level: Option<[i64; LEVEL_WORDS]> = None;
    let mut last_key: Option<u128> = None;
    let mut corrupt = false;
    book.side(side).for_each(|id, order| {
        // A well-formed tree yields strictly increasing keys of valid prices; anything else
        // (a link into unused nodes, a cycle's repeat) is refused instead of shown.
        let price = id.price(side).get();
        if last_key.is_some_and(|k| k >= id.0) || price == 0 || price > MAX_PRICE_TICKS {
            corrupt = true;
            return false;
        }
        last_key = Some(id.0);
        if order.is_expired(now) {
            return true;
        }
        let lots = i64::try_from(order.base_lots).unwrap_or(i64::MAX);
        if let Some(l) = &mut level
            && l[0] == price as i64
        {
            l[1] = l[1].saturating_add(lots);
            l[2] += 1;
            return true;
        }
        if let Some(done) = level.take() {
            written += 1;
            if !out.words(&done) || written == depth {
                return false;
            }
        }
        level = Some([price as i64, lots, 1]);
        true
    });
    if corrupt {
        return Err(Failure::Code(Code::BookCorrupt));
    }
    if let Some(l) = level
        && written < depth
        && out.words(&l)
    {
        written += 1;
    }
    Ok(written)
}
