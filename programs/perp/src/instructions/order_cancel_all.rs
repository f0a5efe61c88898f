//! `order_cancel_all`: removes all the account's orders, or those of one side. Cancelling
//! nothing is not an error (the call is idempotent, as bots and panic buttons need).

use crate::error::ErrorCode;
use crate::instructions::order_cancel::OrderCancel;
use crate::instructions::order_place::OrderSide;
use anchor_lang::prelude::*;

pub fn handler(ctx: Context<OrderCancel>, side: Option<OrderSide>) -> Result<()> {
    ctx.accounts.trading.cancel(|book, key, account, tick| {
        book.cancel_matching(key, &mut account.trader, side.map(Into::into), None, tick)
            .map_err(|e| ErrorCode::from(e).into())
    })
}
