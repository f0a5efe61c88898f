//! `margin_account_close`: closes an empty margin account; the rent goes back to its owner.

use crate::error::ErrorCode;
use crate::events::{MarginAccountClosed, log_event};
use crate::state::MarginAccount;
use anchor_lang::prelude::*;

#[derive(Accounts)]
pub struct MarginAccountClose<'info> {
    /// Only the owner (never the delegate) may close; receives the rent.
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut, has_one = owner @ ErrorCode::NotAccountOwner, close = owner)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
}

pub fn handler(ctx: Context<MarginAccountClose>) -> Result<()> {
    let account = ctx.accounts.margin_account.load()?;
    require!(account.is_empty(), ErrorCode::AccountNotEmpty);
    log_event(&MarginAccountClosed {
        margin_account: ctx.accounts.margin_account.key(),
        market: account.market,
        owner: account.owner,
    });
    Ok(())
}
