//! `order_cancel`: removes one of the account's orders from the book by order id, releasing the
//! margin it reserved. Never gated and needs no oracle: cancelling only ever reduces risk. The
//! same accounts serve `order_cancel_by_client_id` and `order_cancel_all`.

use crate::error::ErrorCode;
use crate::events::{OrdersCancelled, log_event};
use crate::state::{MarginAccount, Market, OrderBookAccount};
use anchor_lang::prelude::*;
use perp_engine::QuoteLotsPerBaseLotPerTick;
use perp_engine::book::order::OrderId;

#[derive(Accounts)]
pub struct OrderCancel<'info> {
    /// The account's owner or delegate.
    pub signer: Signer<'info>,
    pub market: AccountLoader<'info, Market>,
    #[account(mut, has_one = market @ ErrorCode::WrongMarket,
        constraint = margin_account.load()?.may_trade(signer.key) @ ErrorCode::NotOwnerOrDelegate)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    #[account(mut, address = market.load()?.book @ ErrorCode::WrongBook)]
    pub book: AccountLoader<'info, OrderBookAccount>,
}

impl OrderCancel<'_> {
    /// Runs `cancel` over the book and the account, then logs how many orders left.
    pub fn with_book(
        &self,
        cancel: impl FnOnce(
            &mut perp_engine::book::MarketBook,
            &[u8; 32],
            &mut MarginAccount,
            QuoteLotsPerBaseLotPerTick,
        ) -> Result<u32>,
    ) -> Result<()> {
        let tick = QuoteLotsPerBaseLotPerTick::new(self.market.load()?.params.tick_size);
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

pub fn handler(ctx: Context<OrderCancel>, order_id: u128) -> Result<()> {
    ctx.accounts.with_book(|book, key, account, tick| {
        book.cancel(key, &mut account.trader, OrderId(order_id), tick)
            .map_err(ErrorCode::from)?;
        Ok(1)
    })
}
