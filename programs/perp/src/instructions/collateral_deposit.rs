//! `collateral_deposit`: moves quote tokens into the market's collateral vault and credits a
//! margin account of that market. Anyone may deposit into any account (it can only add). A paused
//! market takes no deposits and the deposit cap bounds the market's total, except for a top-up of
//! an account that holds a position: liquidations go on in a paused market, so neither the
//! guardian's pause or `Deposit` gate nor a cap the council lowered may keep a trader from
//! adding margin.

use crate::error::ErrorCode;
use crate::events::{CollateralDeposited, log_event};
use crate::state::{Exchange, Gate, MarginAccount, Market, MarketStatus};
use crate::util::token::TokenMove;
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};
use perp_engine::{QuoteNative, collateral};

#[derive(Accounts)]
pub struct CollateralDeposit<'info> {
    /// Its `Deposit` gate stops deposits into flat accounts (checked in the handler: a top-up
    /// always passes).
    #[account(seeds = [crate::constants::EXCHANGE_SEED], bump = exchange.bump)]
    pub exchange: Account<'info, Exchange>,
    /// Authority of `source`.
    pub depositor: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    #[account(mut, has_one = market @ ErrorCode::WrongMarket)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    #[account(mut, address = market.load()?.collateral_vault @ ErrorCode::WrongVault)]
    pub collateral_vault: InterfaceAccount<'info, TokenAccount>,
    #[account(address = market.load()?.quote_mint @ ErrorCode::WrongMint)]
    pub quote_mint: InterfaceAccount<'info, Mint>,
    #[account(mut, constraint = source.mint == quote_mint.key() @ ErrorCode::WrongMint)]
    pub source: InterfaceAccount<'info, TokenAccount>,
    #[account(address = market.load()?.quote_token_program @ ErrorCode::WrongTokenProgram)]
    pub token_program: Interface<'info, TokenInterface>,
}

pub fn handler(ctx: Context<CollateralDeposit>, amount: u64) -> Result<()> {
    let amount = QuoteNative::new(amount);
    let now = Clock::get()?.unix_timestamp;
    let vault_before = ctx.accounts.collateral_vault.amount;
    let collateral_after = {
        let mut market = ctx.accounts.market.load_mut()?;
        let mut account = ctx.accounts.margin_account.load_mut()?;
        let top_up = !account.trader.base_position.is_zero();
        require!(
            top_up || ctx.accounts.exchange.is_open(Gate::Deposit),
            ErrorCode::GateClosed
        );
        require!(
            top_up || market.effective_status() != MarketStatus::Paused,
            ErrorCode::MarketPaused
        );
        let before = collateral::Balances {
            account: account.collateral(),
            market_total: market.collateral_total(),
        };
        let after = if top_up {
            collateral::top_up(before, amount)
        } else {
            collateral::deposit(before, amount, market.params.deposit_cap())
        }
        .map_err(ErrorCode::from)?;
        let mut window: collateral::OutflowWindow = market.withdraw_window.into();
        window.record_inflow(now, amount).map_err(ErrorCode::from)?;
        market.withdraw_window = window.into();
        market.collateral_total = after.market_total.get();
        account.collateral = after.account.get();
        after.account.get()
    };

    let vault_expected = vault_before
        .checked_add(amount.get())
        .ok_or(ErrorCode::MathOverflow)?;
    let a = &mut *ctx.accounts;
    TokenMove {
        token_program: &a.token_program.to_account_info(),
        mint: &a.quote_mint.to_account_info(),
        decimals: a.quote_mint.decimals,
        from: &a.source.to_account_info(),
        to: &a.collateral_vault.to_account_info(),
        authority: &a.depositor.to_account_info(),
    }
    .transfer_verified(amount.get(), &[], &mut a.collateral_vault, vault_expected)?;

    log_event(&CollateralDeposited {
        market: ctx.accounts.market.key(),
        margin_account: ctx.accounts.margin_account.key(),
        depositor: ctx.accounts.depositor.key(),
        amount: amount.get(),
        collateral_after,
    });
    Ok(())
}
