//! Accounts every order instruction shares: a margin account traded by its owner or delegate,
//! in its own market, against that market's book. One definition, so placing and cancelling can
//! never validate them differently.

use crate::error::ErrorCode;
use crate::events::{OrdersCancelled, log_event};
use crate::state::{MarginAccount, Market, OrderBookAccount};
use anchor_lang::prelude::*;
use perp_engine::QuoteLotsPerBaseLotPerTick;
use perp_engine::book::MarketBook;

#[derive(Accounts)]
pub struct TradingAccounts<'info> {
    /// The account's owner or delegate.
    pub signer: Signer<'info>,
    /// Writable: placing settles funding and moves open interest.
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    #[account(mut, has_one = market @ ErrorCode::WrongMarket,
        constraint = margin_account.load()?.may_trade(signer.key) @ ErrorCode::NotOwnerOrDelegate)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    #[account(mut, address = market.load()?.book @ ErrorCode::WrongBook)]
    pub book: AccountLoader<'info, OrderBookAccount>,
}

impl TradingAccounts<'_> {
    /// Runs `cancel` over the book and the margin account, then logs how many orders left.
    pub fn cancel(
        &self,
        cancel: impl FnOnce(
            &mut MarketBook,
            &[u8; 32],
            &mut MarginAccount,
            QuoteLotsPerBaseLotPerTick,
        ) -> Result<u32>,
    ) -> Result<()> {
        let tick = self.market.load()?.tick_size();
        let key = self.margin_account.key();
        let count = cancel(
            &mut self.book.load_mut()?.book,
            &key.to_bytes(),
            &mut *self.margin_account.load_mut()?,
            tick,
        )?;
        log_event(&OrdersCancelled {
            market: self.market.key(),
            margin_account: key,
            count,
        });
        Ok(())
    }
}
