//! A market's order book and event queue accounts: the engine's zero-copy types behind the key
//! of the market they belong to. The client allocates them at their full size (too large for a
//! CPI-created account); `market_create` initialises and binds them, once.

use anchor_lang::prelude::*;
use perp_engine::book::{MarketBook, MarketEventQueue};

/// The order book of `market` (both sides, `BOOK_CAPACITY` orders each).
#[account(zero_copy)]
pub struct OrderBookAccount {
    /// The market this book belongs to.
    pub market: Pubkey,
    /// Bids, asks and the book header.
    pub book: MarketBook,
}

impl OrderBookAccount {
    /// Account size including Anchor's discriminator: what the client must allocate.
    pub const SPACE: usize = 8 + core::mem::size_of::<OrderBookAccount>();

    /// Cancels every order of `margin_account` (both sides, any client id), as a liquidation
    /// and a cancel-at-risk do: how many were cancelled.
    pub fn cancel_every_order(
        &mut self,
        margin_account: &Pubkey,
        trader: &mut perp_engine::trader::Trader,
        tick_size: perp_engine::QuoteLotsPerBaseLotPerTick,
    ) -> Result<u32> {
        self.book
            .cancel_matching(&margin_account.to_bytes(), trader, None, None, tick_size)
            .map_err(|e| crate::error::ErrorCode::from(e).into())
    }
}

/// The event queue of `market`: fills and outs awaiting their makers' accounts.
#[account(zero_copy)]
pub struct EventQueueAccount {
    /// The market this queue belongs to.
    pub market: Pubkey,
    /// The ring buffer.
    pub queue: MarketEventQueue,
}

impl EventQueueAccount {
    /// Account size including Anchor's discriminator: what the client must allocate.
    pub const SPACE: usize = 8 + core::mem::size_of::<EventQueueAccount>();
}

static_assertions::const_assert_eq!(core::mem::align_of::<OrderBookAccount>(), 8);
static_assertions::const_assert_eq!(core::mem::align_of::<EventQueueAccount>(), 8);
