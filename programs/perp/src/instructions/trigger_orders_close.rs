//! `trigger_orders_close`: closes a margin account's trigger-orders account for its owner (never
//! the delegate), removing whatever triggers remain; the rent goes back to whoever paid it. A
//! margin account cannot close while this account exists (`margin_account_close`), so no trigger
//! ever outlives the account it was placed for.

use crate::error::ErrorCode;
use crate::events::TriggerRemoved;
use crate::state::{MarginAccount, TriggerOrders};
use anchor_lang::prelude::*;
use perp_engine::trigger::Removal;

#[derive(Accounts)]
pub struct TriggerOrdersClose<'info> {
    pub owner: Signer<'info>,
    /// Writable: it records that it has no trigger orders any more.
    #[account(mut, has_one = owner @ ErrorCode::NotAccountOwner)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    #[account(mut, has_one = margin_account @ ErrorCode::WrongTriggerOrders, close = rent_receiver)]
    pub trigger_orders: AccountLoader<'info, TriggerOrders>,
    /// CHECK: only receives lamports; must be the account's rent payer.
    #[account(mut, address = trigger_orders.load()?.rent_payer @ ErrorCode::WrongRentReceiver)]
    pub rent_receiver: UncheckedAccount<'info>,
}

pub fn handler(ctx: Context<TriggerOrdersClose>) -> Result<()> {
    ctx.accounts.margin_account.load_mut()?.trigger_orders = 0;
    let mut orders = ctx.accounts.trigger_orders.load_mut()?;
    let (market, account) = (orders.market, orders.margin_account);
    orders
        .triggers
        .clear(|t| TriggerRemoved::log(market, account, t, Removal::Cancelled));
    Ok(())
}
