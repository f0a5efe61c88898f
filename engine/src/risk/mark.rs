//! The funding mark: the book's impact mid, the price a position of meaningful size would trade
//! at, not the best quotes a single small order can set.
//!
//! Walking each side best first, the impact price is the price of the order at which the resting
//! size (expired orders left out: they cannot trade) reaches the impact depth. The mark is the
//! mid of the two impact prices; when either side lacks the depth (within
//! [`IMPACT_MAX_ORDERS`] orders) the mark is the index, so a thin book pays no premium. This
//! module reads the book through its public API only and never changes it.
//!
//! Why impact and not the mid: one post-only order of one lot inside the spread moved the mid
//! wherever it was quoted. It must now rest the whole depth (and carry its margin), and even
//! then a quote cancelled in the same transaction only ever weighs one funding sample.

use crate::book::OrderBook;
use crate::book::side::BookSide;
use crate::error::MathError;
use crate::price::Price;
use crate::side::Side;
use crate::units::{QuoteLotsPerBaseLotPerTick, QuoteNativePerQuoteLot, Ticks};

/// The most resting orders one side's walk visits, bounding the crank's compute however the book
/// is filled. A side whose best 128 orders do not add up to the depth counts as thin.
pub const IMPACT_MAX_ORDERS: usize = 128;

/// The price on `which` (`side` is that side of the book) at which the resting size, best first,
/// reaches `depth_lots` (at least one lot), if it does within `IMPACT_MAX_ORDERS` orders.
pub fn impact_price<const CAP: usize, const NODES: usize>(
    side: &BookSide<CAP, NODES>,
    which: Side,
    depth_lots: u64,
    now: i64,
) -> Option<Ticks> {
    let depth = depth_lots.max(1);
    let (mut seen, mut visited, mut price) = (0u64, 0usize, None);
    side.for_each(|id, order| {
        visited += 1;
        if !order.is_expired(now) {
            seen = seen.saturating_add(order.base_lots);
            if seen >= depth {
                price = Some(id.price(which));
                return false;
            }
        }
        visited < IMPACT_MAX_ORDERS
    });
    price
}

/// The funding mark of `book` at `now`: the mid of the impact prices for `depth_lots`, or
/// `index` when a side is thin.
pub fn funding_mark<const CAP: usize, const NODES: usize>(
    book: &OrderBook<CAP, NODES>,
    depth_lots: u64,
    now: i64,
    index: Price,
    tick_size: QuoteLotsPerBaseLotPerTick,
    quote_lot_size: QuoteNativePerQuoteLot,
) -> Result<Price, MathError> {
    let impact = |s| impact_price(book.side(s), s, depth_lots, now);
    let (Some(bid), Some(ask)) = (impact(Side::Bid), impact(Side::Ask)) else {
        return Ok(index);
    };
    let bid = Price::from_ticks(bid, tick_size, quote_lot_size)?.raw();
    let ask = Price::from_ticks(ask, tick_size, quote_lot_size)?.raw();
    Ok(Price::from_raw(bid / 2 + ask / 2 + (bid % 2 + ask % 2) / 2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::{OrderId, RestingOrder};
    use bytemuck::Zeroable;

    type Side8 = BookSide<8, 16>;

    /// A side holding `(price, lots, expires_at)` orders, in that time order.
    fn side(which: Side, orders: &[(u64, u64, i64)]) -> Side8 {
        let mut s = Side8::zeroed();
        for (seq, &(price, lots, expires_at)) in orders.iter().enumerate() {
            let id = OrderId::new(which, Ticks::new(price), seq as u64, 0);
            let order = RestingOrder {
                base_lots: lots,
                expires_at,
                ..RestingOrder::zeroed()
            };
            s.insert(id, order).unwrap();
        }
        s
    }

    #[test]
    fn the_impact_price_walks_best_first_to_the_depth() {
        let bids = side(
            Side::Bid,
            &[(99, 1, 0), (98, 5, 0), (97, 10, 0), (100, 2, 50)],
        );
        // (depth, now, expected): the expired order at 100 counts only before it expires.
        for (depth, now, expected) in [
            (0, 0, Some(100)),
            (2, 0, Some(100)),
            (3, 0, Some(99)),
            (3, 50, Some(98)),
            (6, 50, Some(98)),
            (7, 50, Some(97)),
            (16, 50, Some(97)),
            (17, 50, None),
        ] {
            assert_eq!(
                impact_price(&bids, Side::Bid, depth, now),
                expected.map(Ticks::new),
                "depth {depth} at {now}"
            );
        }
        let asks = side(Side::Ask, &[(103, 1, 0), (101, 1, 0), (102, 1, 0)]);
        assert_eq!(impact_price(&asks, Side::Ask, 2, 0), Some(Ticks::new(102)));
    }
}
