//! `collateral_withdraw`: pays collateral out of the market's vault to any token account of the
//! quote mint. Only the owner signs (a delegate never can), and the market's rolling 24-hour
//! outflow limit bounds how fast any vault can be drained, whoever is withdrawing.
//!
//! Funding and realised PnL settle into the collateral first. An account with a position or
//! orders withdraws like it increases risk (fresh, agreeing oracles; the market Active): what is
//! left must cover the dynamic initial margin at both ends of the oracle range, counting
//! unrealised profit as zero.

use crate::error::ErrorCode;
use crate::events::{CollateralWithdrawn, log_event};
// Glob: the nested `OracleAccounts` derive needs its generated client modules in scope.
use crate::oracle::*;
use crate::state::{Exchange, Gate, MarginAccount, Market};
use crate::util::token::pay_from_vault;
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};
use perp_engine::QuoteNative;
use perp_engine::oracle::Action;

#[derive(Accounts)]
pub struct CollateralWithdraw<'info> {
    #[account(seeds = [crate::constants::EXCHANGE_SEED], bump = exchange.bump,
        constraint = exchange.is_open(Gate::Withdraw) @ ErrorCode::GateClosed)]
    pub exchange: Account<'info, Exchange>,
    pub owner: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    #[account(mut, has_one = market @ ErrorCode::WrongMarket, has_one = owner @ ErrorCode::NotAccountOwner)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    #[account(mut, address = market.load()?.collateral_vault @ ErrorCode::WrongVault)]
    pub collateral_vault: InterfaceAccount<'info, TokenAccount>,
    #[account(address = market.load()?.quote_mint @ ErrorCode::WrongMint)]
    pub quote_mint: InterfaceAccount<'info, Mint>,
    /// Any token account of the quote mint, except one the market itself owns (its vaults):
    /// paying a vault from a vault would debit collateral without tokens leaving.
    #[account(mut,
        constraint = destination.mint == quote_mint.key() @ ErrorCode::WrongMint,
        constraint = destination.owner != market.key() @ ErrorCode::InvalidDestination)]
    pub destination: InterfaceAccount<'info, TokenAccount>,
    #[account(address = market.load()?.quote_token_program @ ErrorCode::WrongTokenProgram)]
    pub token_program: Interface<'info, TokenInterface>,
    /// Needed only while the account has a position or orders.
    pub oracles: OracleAccounts<'info>,
}

/// What `account` may withdraw now: all realised equity when flat, otherwise what initial
/// margin leaves at the worse end of the increase-risk price range.
fn withdrawable(
    market: &mut Market,
    account: &MarginAccount,
    oracles: &OracleAccounts,
    clock: &Clock,
) -> Result<QuoteNative> {
    let band = if account.trader.is_flat() {
        None
    } else {
        Some(price_band(market, oracles, clock, Action::IncreaseRisk)?)
    };
    market.withdrawable(account, band)
}

pub fn handler(ctx: Context<CollateralWithdraw>, amount: u64) -> Result<()> {
    let amount = QuoteNative::new(amount);
    let clock = Clock::get()?;
    let now = clock.unix_timestamp;
    let vault_before = ctx.accounts.collateral_vault.amount;
    let (collateral_after, signer) = {
        let mut market = ctx.accounts.market.load_mut()?;
        let mut account = ctx.accounts.margin_account.load_mut()?;
        market.settle_funding_logged(ctx.accounts.margin_account.key(), &mut account, now)?;
        market.settle_realised(&mut account)?;
        let free = withdrawable(&mut market, &account, &ctx.accounts.oracles, &clock)?;
        let after = market.pay_out(&mut account, amount, free, vault_before, now)?;
        (after, market.signer())
    };

    let a = &mut *ctx.accounts;
    pay_from_vault(
        &a.token_program,
        &a.quote_mint,
        &mut a.collateral_vault,
        &a.destination,
        &a.market.to_account_info(),
        &signer,
        amount.get(),
        vault_before,
    )?;

    log_event(&CollateralWithdrawn {
        market: ctx.accounts.market.key(),
        margin_account: ctx.accounts.margin_account.key(),
        destination: ctx.accounts.destination.key(),
        amount: amount.get(),
        collateral_after,
    });
    Ok(())
}
