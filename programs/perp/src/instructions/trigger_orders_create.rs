//! `trigger_orders_create`: opens a margin account's trigger-orders account (its eight stop-loss,
//! take-profit and bracket slots), for its owner or delegate; `payer` pays the rent and gets it
//! back when the owner closes it (`trigger_orders_close`).

use crate::constants::TRIGGER_ORDERS_SEED;
use crate::error::ErrorCode;
use crate::state::{MarginAccount, TriggerOrders};
use crate::util::pda::{create_pda_account, init_zero_copy};
use anchor_lang::prelude::*;

#[derive(Accounts)]
pub struct TriggerOrdersCreate<'info> {
    /// The margin account's owner or delegate.
    pub signer: Signer<'info>,
    #[account(mut)]
    pub payer: Signer<'info>,
    /// Writable: it records that it has trigger orders.
    #[account(mut,
        constraint = margin_account.load()?.may_trade(signer.key) @ ErrorCode::NotOwnerOrDelegate)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// CHECK: created by the handler; address fixed by the seeds.
    #[account(mut, seeds = [TRIGGER_ORDERS_SEED, margin_account.key().as_ref()], bump)]
    pub trigger_orders: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<TriggerOrdersCreate>) -> Result<()> {
    let a = &ctx.accounts;
    let margin_account = a.margin_account.key();
    let bump = ctx.bumps.trigger_orders;
    create_pda_account(
        &a.payer,
        &a.trigger_orders,
        &a.system_program,
        &crate::ID,
        TriggerOrders::SPACE,
        &[TRIGGER_ORDERS_SEED, margin_account.as_ref(), &[bump]],
    )?;
    let mut account = a.margin_account.load_mut()?;
    account.trigger_orders = 1;
    let mut triggers = init_zero_copy::<TriggerOrders>(&a.trigger_orders)?;
    triggers.margin_account = margin_account;
    triggers.market = account.market;
    triggers.rent_payer = a.payer.key();
    triggers.bump = bump;
    triggers.triggers.next_id = 1;
    Ok(())
}
