//! `insurance_deposit`: anyone adds quote tokens to a market's insurance fund (the first loss
//! absorber behind bankrupt accounts of that market only). It can only add, so no gate or status
//! stops it: a paused or reduce-only market is exactly when a backstop may be topped up.

use crate::error::ErrorCode;
use crate::events::{InsuranceDeposited, log_event};
use crate::state::Market;
use crate::util::token::TokenMove;
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

#[derive(Accounts)]
pub struct InsuranceDeposit<'info> {
    /// Authority of `source`.
    pub depositor: Signer<'info>,
    pub market: AccountLoader<'info, Market>,
    #[account(mut, address = market.load()?.insurance_vault @ ErrorCode::WrongVault)]
    pub insurance_vault: InterfaceAccount<'info, TokenAccount>,
    #[account(address = market.load()?.quote_mint @ ErrorCode::WrongMint)]
    pub quote_mint: InterfaceAccount<'info, Mint>,
    #[account(mut, constraint = source.mint == quote_mint.key() @ ErrorCode::WrongMint)]
    pub source: InterfaceAccount<'info, TokenAccount>,
    #[account(address = market.load()?.quote_token_program @ ErrorCode::WrongTokenProgram)]
    pub token_program: Interface<'info, TokenInterface>,
}

pub fn handler(ctx: Context<InsuranceDeposit>, amount: u64) -> Result<()> {
    require!(amount > 0, ErrorCode::ZeroAmount);
    let a = &mut *ctx.accounts;
    let vault_expected = a
        .insurance_vault
        .amount
        .checked_add(amount)
        .ok_or(ErrorCode::MathOverflow)?;
    TokenMove {
        token_program: &a.token_program.to_account_info(),
        mint: &a.quote_mint.to_account_info(),
        decimals: a.quote_mint.decimals,
        from: &a.source.to_account_info(),
        to: &a.insurance_vault.to_account_info(),
        authority: &a.depositor.to_account_info(),
    }
    .transfer_verified(amount, &[], &mut a.insurance_vault, vault_expected)?;
    log_event(&InsuranceDeposited {
        market: a.market.key(),
        depositor: a.depositor.key(),
        amount,
        insurance_after: vault_expected,
    });
    Ok(())
}
