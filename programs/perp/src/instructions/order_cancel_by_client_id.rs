//! `order_cancel_by_client_id`: removes every order of the account carrying a client order id.

use crate::error::ErrorCode;
use crate::instructions::order_cancel::OrderCancel;
use anchor_lang::prelude::*;

pub fn handler(ctx: Context<OrderCancel>, client_order_id: u64) -> Result<()> {
    ctx.accounts.trading.cancel(|book, key, account, tick| {
        let n = book
            .cancel_matching(key, &mut account.trader, None, Some(client_order_id), tick)
            .map_err(ErrorCode::from)?;
        require!(n > 0, ErrorCode::OrderNotFound);
        Ok(n)
    })
}
