//! Which side of the book: a primitive the book, the trader and the risk rules all speak, so it
//! lives below them.

use crate::units::Ticks;

/// Which side of the book: a bid buys, an ask sells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Side {
    /// Buy.
    Bid = 0,
    /// Sell.
    Ask = 1,
}

impl Side {
    /// The side an order of this side trades against.
    #[inline]
    pub fn opposite(self) -> Side {
        match self {
            Side::Bid => Side::Ask,
            Side::Ask => Side::Bid,
        }
    }

    /// Decodes a stored byte; anything but 0 reads as `Ask`.
    #[inline]
    pub fn from_byte(b: u8) -> Side {
        if b == 0 { Side::Bid } else { Side::Ask }
    }

    /// True when an order of this side at `limit` trades with a resting order at `resting`.
    #[inline]
    pub fn crosses(self, limit: Ticks, resting: Ticks) -> bool {
        match self {
            Side::Bid => resting <= limit,
            Side::Ask => resting >= limit,
        }
    }
}
