//! `margin_account_create`: opens a margin account for `owner` in one market, per sub-account id.
//! A paused market opens no new accounts.

use crate::constants::MARGIN_ACCOUNT_SEED;
use crate::error::ErrorCode;
use crate::events::{MarginAccountCreated, log_event};
use crate::state::{Exchange, Gate, MarginAccount, Market, MarketStatus};
use crate::util::pda::{create_pda_account, init_zero_copy};
use anchor_lang::prelude::*;

#[derive(Accounts)]
#[instruction(sub_account_id: u16)]
pub struct MarginAccountCreate<'info> {
    #[account(seeds = [crate::constants::EXCHANGE_SEED], bump = exchange.bump,
        constraint = exchange.is_open(Gate::MarginAccountCreate) @ ErrorCode::GateClosed)]
    pub exchange: Account<'info, Exchange>,
    pub owner: Signer<'info>,
    #[account(mut)]
    pub payer: Signer<'info>,
    #[account(constraint = market.load()?.effective_status() != MarketStatus::Paused @ ErrorCode::MarketPaused)]
    pub market: AccountLoader<'info, Market>,
    /// CHECK: created by the handler; address fixed by the seeds.
    #[account(mut, seeds = [MARGIN_ACCOUNT_SEED, market.key().as_ref(), owner.key().as_ref(),
        &sub_account_id.to_le_bytes()], bump)]
    pub margin_account: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<MarginAccountCreate>, sub_account_id: u16) -> Result<()> {
    let a = &ctx.accounts;
    let (market, owner) = (a.market.key(), a.owner.key());
    let bump = ctx.bumps.margin_account;
    create_pda_account(
        &a.payer,
        &a.margin_account,
        &a.system_program,
        &crate::ID,
        MarginAccount::SPACE,
        &[
            MARGIN_ACCOUNT_SEED,
            market.as_ref(),
            owner.as_ref(),
            &sub_account_id.to_le_bytes(),
            &[bump],
        ],
    )?;
    let mut account = init_zero_copy::<MarginAccount>(&a.margin_account)?;
    account.owner = owner;
    account.market = market;
    account.sub_account_id = sub_account_id;
    account.bump = bump;
    account.rent_payer = a.payer.key();
    drop(account);
    log_event(&MarginAccountCreated {
        margin_account: a.margin_account.key(),
        market,
        owner,
        sub_account_id,
    });
    Ok(())
}
