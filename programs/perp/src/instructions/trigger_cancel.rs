//! `trigger_cancel`: removes one trigger by id (a bracket's other leg stays), or every trigger
//! (`None`), for the margin account's owner or delegate. Never gated; removing nothing with
//! `None` is not an error (a panic button must be idempotent).

use crate::error::ErrorCode;
use crate::events::TriggerRemoved;
use crate::state::{MarginAccount, TriggerOrders};
use anchor_lang::prelude::*;
use perp_engine::trigger::Removal;

#[derive(Accounts)]
pub struct TriggerCancel<'info> {
    /// The margin account's owner or delegate.
    pub signer: Signer<'info>,
    #[account(constraint = margin_account.load()?.may_trade(signer.key) @ ErrorCode::NotOwnerOrDelegate)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    #[account(mut, has_one = margin_account @ ErrorCode::WrongTriggerOrders)]
    pub trigger_orders: AccountLoader<'info, TriggerOrders>,
}

pub fn handler(ctx: Context<TriggerCancel>, trigger_id: Option<u64>) -> Result<()> {
    let a = &ctx.accounts;
    let mut orders = a.trigger_orders.load_mut()?;
    let (market, account) = (orders.market, orders.margin_account);
    let log = |t: &_| TriggerRemoved::log(market, account, t, Removal::Cancelled);
    match trigger_id {
        Some(id) => log(&orders.triggers.remove(id).map_err(ErrorCode::from)?),
        None => orders.triggers.clear(log),
    }
    Ok(())
}
