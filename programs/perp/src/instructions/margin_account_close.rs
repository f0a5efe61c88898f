//! `margin_account_close`: closes a flat margin account (no position, orders or queued fills).
//! Whatever collateral is left (after funding and realised PnL settle) is paid to the owner's
//! `destination` first, like a withdrawal and under the same outflow limit and gate, so a dust
//! deposit by anyone cannot keep an account open. The rent goes back to whoever paid it.

use crate::constants::TRIGGER_ORDERS_SEED;
use crate::error::ErrorCode;
use crate::events::{CollateralWithdrawn, MarginAccountClosed, log_event};
use crate::state::{Exchange, Gate, MarginAccount, Market};
use crate::util::token::pay_from_vault;
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};
use perp_engine::QuoteNative;

#[derive(Accounts)]
pub struct MarginAccountClose<'info> {
    #[account(seeds = [crate::constants::EXCHANGE_SEED], bump = exchange.bump)]
    pub exchange: Account<'info, Exchange>,
    /// Only the owner (never the delegate) may close.
    pub owner: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    #[account(mut, has_one = market @ ErrorCode::WrongMarket,
        has_one = owner @ ErrorCode::NotAccountOwner, close = rent_receiver)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// CHECK: only receives lamports; must be the account's rent payer.
    #[account(mut, address = margin_account.load()?.rent_receiver() @ ErrorCode::WrongRentReceiver)]
    pub rent_receiver: UncheckedAccount<'info>,
    #[account(mut, address = market.load()?.collateral_vault @ ErrorCode::WrongVault)]
    pub collateral_vault: InterfaceAccount<'info, TokenAccount>,
    #[account(address = market.load()?.quote_mint @ ErrorCode::WrongMint)]
    pub quote_mint: InterfaceAccount<'info, Mint>,
    /// Where any collateral left goes: any token account of the quote mint but the market's own.
    #[account(mut,
        constraint = destination.mint == quote_mint.key() @ ErrorCode::WrongMint,
        constraint = destination.owner != market.key() @ ErrorCode::InvalidDestination)]
    pub destination: InterfaceAccount<'info, TokenAccount>,
    #[account(address = market.load()?.quote_token_program @ ErrorCode::WrongTokenProgram)]
    pub token_program: Interface<'info, TokenInterface>,
    /// CHECK: the account's trigger-orders address, which must hold no account: a trigger must
    /// never outlive the account it was placed for (a new account at the same address would
    /// inherit it). Close it first (`trigger_orders_close`).
    #[account(seeds = [TRIGGER_ORDERS_SEED, margin_account.key().as_ref()], bump,
        constraint = trigger_orders.data_is_empty() @ ErrorCode::TriggerOrdersOpen)]
    pub trigger_orders: UncheckedAccount<'info>,
}

pub fn handler(ctx: Context<MarginAccountClose>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let vault_before = ctx.accounts.collateral_vault.amount;
    let (amount, signer, market_key) = {
        let mut market = ctx.accounts.market.load_mut()?;
        let mut account = ctx.accounts.margin_account.load_mut()?;
        market.settle_funding_logged(ctx.accounts.margin_account.key(), &mut account, now)?;
        market.settle_realised(&mut account)?;
        require!(
            account.trader.is_flat() && account.trader.realised_pnl.is_zero(),
            ErrorCode::AccountNotEmpty
        );
        let amount = account.collateral;
        if amount > 0 {
            require!(
                ctx.accounts.exchange.is_open(Gate::Withdraw),
                ErrorCode::GateClosed
            );
            // Flat: all of it is free.
            market.pay_out(
                &mut account,
                QuoteNative::new(amount),
                QuoteNative::new(amount),
                vault_before,
                now,
            )?;
        }
        (amount, market.signer(), ctx.accounts.market.key())
    };
    let a = &mut *ctx.accounts;
    if amount > 0 {
        pay_from_vault(
            &a.token_program,
            &a.quote_mint,
            &mut a.collateral_vault,
            &a.destination,
            &a.market.to_account_info(),
            &signer,
            amount,
            vault_before,
        )?;
        log_event(&CollateralWithdrawn {
            market: market_key,
            margin_account: a.margin_account.key(),
            destination: a.destination.key(),
            amount,
            collateral_after: 0,
        });
    }
    let account = a.margin_account.load()?;
    log_event(&MarginAccountClosed {
        margin_account: a.margin_account.key(),
        market: account.market,
        owner: account.owner,
    });
    Ok(())
}
