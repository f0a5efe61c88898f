//! `order_requote`: a market maker's atomic requote. Cancels the account's orders (all of them,
//! or those carrying the given client ids: an id with no order left, filled meanwhile, is not an
//! error) and then places up to `MAX_REQUOTE_ORDERS` new ones, each through the one order path
//! (`util::placement`) with exactly `order_place`'s rules. All or nothing: one refused order
//! undoes the whole instruction, so the book never shows the account's quotes half replaced.
//! Same accounts as `order_place`, signed by the owner or delegate.

use crate::error::ErrorCode;
use crate::instructions::order_place::{OrderArgs, OrderPlace};
use crate::util::placement::Placement;
use anchor_lang::prelude::*;

/// Most orders one requote places: 12 orders of 37 bytes with `order_place`'s 8 accounts (two
/// oracle sources, no makers) and a compute-unit limit and price fit a 1,232-byte legacy
/// transaction (measured by `a_requote_replaces_quotes_atomically`).
pub const MAX_REQUOTE_ORDERS: usize = 12;
/// Most client ids one requote cancels by.
pub const MAX_REQUOTE_CANCELS: usize = 16;

pub fn handler<'info>(
    ctx: Context<'info, OrderPlace<'info>>,
    cancel_all: bool,
    cancel_client_ids: Vec<u64>,
    orders: Vec<OrderArgs>,
) -> Result<()> {
    require!(
        orders.len() <= MAX_REQUOTE_ORDERS && cancel_client_ids.len() <= MAX_REQUOTE_CANCELS,
        ErrorCode::TooManyRequoteOrders
    );
    let a = &ctx.accounts;
    a.trading.cancel(|book, key, account, tick| {
        let mut count = 0;
        if cancel_all {
            count = book
                .cancel_matching(key, &mut account.trader, None, None, tick)
                .map_err(ErrorCode::from)?;
        }
        for id in &cancel_client_ids {
            count += book
                .cancel_matching(key, &mut account.trader, None, Some(*id), tick)
                .map_err(ErrorCode::from)?;
        }
        Ok(count)
    })?;
    let by_delegate = a.trading.signer.key() != a.trading.margin_account.load()?.owner;
    let placement = Placement {
        exchange: &a.exchange,
        market: &a.trading.market,
        margin_account: &a.trading.margin_account,
        book: &a.trading.book,
        event_queue: &a.event_queue,
        oracles: &a.oracles,
        makers: ctx.remaining_accounts,
    };
    let clock = Clock::get()?;
    for args in &orders {
        placement.place(args, by_delegate, &clock)?;
    }
    Ok(())
}
