//! `margin_account_set_delegate`: the owner names (or clears, with the default key) a delegate
//! that may trade for the account but can never withdraw or close it.

use crate::error::ErrorCode;
use crate::events::{DelegateSet, log_event};
use crate::state::MarginAccount;
use anchor_lang::prelude::*;

#[derive(Accounts)]
pub struct MarginAccountSetDelegate<'info> {
    pub owner: Signer<'info>,
    #[account(mut, has_one = owner @ ErrorCode::NotAccountOwner)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
}

pub fn handler(ctx: Context<MarginAccountSetDelegate>, delegate: Pubkey) -> Result<()> {
    let mut account = ctx.accounts.margin_account.load_mut()?;
    let old_delegate = account.delegate;
    account.delegate = delegate;
    // Every appointment is a new one: the triggers an earlier one placed stop here.
    account.delegations = account
        .delegations
        .checked_add(1)
        .ok_or(ErrorCode::MathOverflow)?;
    log_event(&DelegateSet {
        margin_account: ctx.accounts.margin_account.key(),
        old_delegate,
        new_delegate: delegate,
    });
    Ok(())
}
