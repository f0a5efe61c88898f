//! `insurance_withdraw` (permissionless): executes a queued `InsuranceWithdraw` change, paying
//! out of the target market's insurance vault to the destination the change names. Nobody can
//! withdraw insurance directly; a stolen governance key still has to wait out the timelock in
//! plain sight, and the guardian can cancel.

use crate::error::ErrorCode;
use crate::events::{ChangeExecuted, InsuranceWithdrawn, log_event};
use crate::governance::*;
use crate::state::{Change, Exchange, Market};
use crate::util::token::TokenMove;
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

#[derive(Accounts)]
pub struct InsuranceWithdraw<'info> {
    #[account(seeds = [crate::constants::EXCHANGE_SEED], bump = exchange.bump)]
    pub exchange: Account<'info, Exchange>,
    /// The queued change; closes, refunding its rent.
    pub pending: PendingChange<'info>,
    pub market: AccountLoader<'info, Market>,
    #[account(mut, address = market.load()?.insurance_vault @ ErrorCode::WrongVault)]
    pub insurance_vault: InterfaceAccount<'info, TokenAccount>,
    #[account(address = market.load()?.quote_mint @ ErrorCode::WrongMint)]
    pub quote_mint: InterfaceAccount<'info, Mint>,
    /// The token account the change names (checked in the handler); never one of the market's own.
    #[account(mut,
        constraint = destination.mint == quote_mint.key() @ ErrorCode::WrongMint,
        constraint = destination.owner != market.key() @ ErrorCode::InvalidDestination)]
    pub destination: InterfaceAccount<'info, TokenAccount>,
    #[account(address = market.load()?.quote_token_program @ ErrorCode::WrongTokenProgram)]
    pub token_program: Interface<'info, TokenInterface>,
}

pub fn handler(ctx: Context<InsuranceWithdraw>) -> Result<()> {
    let a = &mut *ctx.accounts;
    let pending = &a.pending.param_change;
    pending.require_executable(Clock::get()?.unix_timestamp)?;
    let change = pending.change;
    let Change::InsuranceWithdraw {
        destination,
        amount,
        ..
    } = change
    else {
        return err!(ErrorCode::WrongChangeKind);
    };
    let signer = {
        let market = a.market.load()?;
        change.validate(&a.exchange, Some(&market))?;
        market.signer()
    };
    require_keys_eq!(
        a.destination.key(),
        destination,
        ErrorCode::InvalidDestination
    );
    let vault_before = a.insurance_vault.amount;
    let vault_expected = vault_before
        .checked_sub(amount)
        .ok_or(ErrorCode::InsufficientInsurance)?;

    TokenMove {
        token_program: &a.token_program.to_account_info(),
        mint: &a.quote_mint.to_account_info(),
        decimals: a.quote_mint.decimals,
        from: &a.insurance_vault.to_account_info(),
        to: &a.destination.to_account_info(),
        authority: &a.market.to_account_info(),
    }
    .transfer_verified(
        amount,
        &[&signer.seeds()],
        &mut a.insurance_vault,
        vault_expected,
    )?;

    log_event(&ChangeExecuted {
        id: a.pending.param_change.id,
        param_change: a.pending.param_change.key(),
        change,
        previous: None,
    });
    log_event(&InsuranceWithdrawn {
        market: a.market.key(),
        destination,
        amount,
        insurance_after: vault_expected,
    });
    Ok(())
}
