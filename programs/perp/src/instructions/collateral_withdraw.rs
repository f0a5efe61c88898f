//! `collateral_withdraw`: pays collateral out of the market's vault to any token account of the
//! quote mint. Only the owner signs (a delegate never can), and the market's rolling 24-hour
//! outflow limit bounds how fast any vault can be drained, whoever is withdrawing.

use crate::error::ErrorCode;
use crate::events::{CollateralWithdrawn, log_event};
use crate::state::{Exchange, Gate, MarginAccount, Market};
use crate::util::token::TokenMove;
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};
use perp_engine::{QuoteNative, QuoteNativePerQuoteLot, collateral};

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
}

pub fn handler(ctx: Context<CollateralWithdraw>, amount: u64) -> Result<()> {
    let amount = QuoteNative::new(amount);
    let now = Clock::get()?.unix_timestamp;
    let vault_before = ctx.accounts.collateral_vault.amount;
    let (collateral_after, index, bump) = {
        let mut market = ctx.accounts.market.load_mut()?;
        let mut account = ctx.accounts.margin_account.load_mut()?;
        let before = collateral::Balances {
            account: account.collateral(),
            market_total: market.collateral_total(),
        };
        let free = account
            .trader
            .withdrawable(
                account.collateral(),
                QuoteNativePerQuoteLot::new(market.params.quote_lot_size),
            )
            .map_err(ErrorCode::from)?;
        require!(amount <= free, ErrorCode::InsufficientCollateral);
        let after = collateral::withdraw(before, amount).map_err(ErrorCode::from)?;
        let mut window: collateral::OutflowWindow = market.withdraw_window.into();
        window
            .record_outflow(
                now,
                amount,
                QuoteNative::new(vault_before),
                market.params.withdraw_limit_bps,
            )
            .map_err(ErrorCode::from)?;
        market.withdraw_window = window.into();
        market.collateral_total = after.market_total.get();
        account.collateral = after.account.get();
        (after.account.get(), market.index, market.bump)
    };

    let vault_expected = vault_before
        .checked_sub(amount.get())
        .ok_or(ErrorCode::MathOverflow)?;
    let index_bytes = index.to_le_bytes();
    let market_seeds: &[&[u8]] = &[crate::constants::MARKET_SEED, &index_bytes, &[bump]];
    let a = &mut *ctx.accounts;
    TokenMove {
        token_program: &a.token_program.to_account_info(),
        mint: &a.quote_mint.to_account_info(),
        decimals: a.quote_mint.decimals,
        from: &a.collateral_vault.to_account_info(),
        to: &a.destination.to_account_info(),
        authority: &a.market.to_account_info(),
    }
    .transfer_verified(
        amount.get(),
        &[market_seeds],
        &mut a.collateral_vault,
        vault_expected,
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
