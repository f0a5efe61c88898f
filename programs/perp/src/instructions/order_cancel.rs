//! `order_cancel`: removes one of the account's orders from the book by order id, releasing the
//! margin it reserved. Never gated and needs no oracle: cancelling only ever reduces risk. The
//! same accounts serve `order_cancel_by_client_id` and `order_cancel_all`.

use crate::error::ErrorCode;
use crate::trading::*;
use anchor_lang::prelude::*;
use perp_engine::book::order::OrderId;

#[derive(Accounts)]
pub struct OrderCancel<'info> {
    pub trading: TradingAccounts<'info>,
}

pub fn handler(ctx: Context<OrderCancel>, order_id: u128) -> Result<()> {
    ctx.accounts.trading.cancel(|book, key, account, tick| {
        book.cancel(key, &mut account.trader, OrderId(order_id), tick)
            .map_err(ErrorCode::from)?;
        Ok(1)
    })
}
