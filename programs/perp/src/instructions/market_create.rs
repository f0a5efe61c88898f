//! `market_create` (permissionless): executes a queued `ListMarket` change, creating the market
//! with its **own** collateral and insurance vaults.
//!
//! Nobody can list directly: governance queues the listing (`params_queue`) and anyone executes
//! it inside its window. Parameters and the oracle configuration are checked against the hard
//! bounds again, and the quote mint against the extension allowlist, before anything is
//! created. The oracle accounts themselves are not read here: a source that is down at listing
//! simply grades invalid until it recovers. The order book and event queue accounts, which the
//! client allocates at full size, are bound to the new market here.

use crate::constants::{COLLATERAL_VAULT_SEED, INSURANCE_VAULT_SEED, MARKET_SEED};
use crate::error::ErrorCode;
use crate::events::{ChangeExecuted, MarketCreated, log_event};
use crate::governance::*;
use crate::state::{Change, EventQueueAccount, Exchange, Market, MarketStatus, OrderBookAccount};
use crate::util::pda::{create_pda_account, init_zero_copy};
use crate::util::token::{VaultFactory, vault_account_len};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenInterface};

#[derive(Accounts)]
pub struct MarketCreate<'info> {
    #[account(mut, seeds = [crate::constants::EXCHANGE_SEED], bump = exchange.bump)]
    pub exchange: Account<'info, Exchange>,
    /// The queued change; closes, refunding its rent.
    pub pending: PendingChange<'info>,
    /// Pays the market's and vaults' rent.
    #[account(mut)]
    pub payer: Signer<'info>,
    /// CHECK: created by the handler at the PDA of the next market index.
    #[account(mut, seeds = [MARKET_SEED, &exchange.market_count.to_le_bytes()], bump)]
    pub market: UncheckedAccount<'info>,
    #[account(constraint = quote_mint.to_account_info().owner == token_program.key @ ErrorCode::WrongTokenProgram)]
    pub quote_mint: InterfaceAccount<'info, Mint>,
    /// CHECK: created by the handler as a token account of `quote_mint`, authority `market`.
    #[account(mut, seeds = [COLLATERAL_VAULT_SEED, market.key().as_ref()], bump)]
    pub collateral_vault: UncheckedAccount<'info>,
    /// CHECK: created by the handler as a token account of `quote_mint`, authority `market`.
    #[account(mut, seeds = [INSURANCE_VAULT_SEED, market.key().as_ref()], bump)]
    pub insurance_vault: UncheckedAccount<'info>,
    /// The market's order book: allocated by the client at `OrderBookAccount::SPACE`, owned by
    /// this program and never initialised (`zero`: an account bound to another market is
    /// refused, so a book can never serve two markets).
    #[account(zero, constraint = book.as_ref().data_len() == OrderBookAccount::SPACE @ ErrorCode::WrongAccountSize)]
    pub book: AccountLoader<'info, OrderBookAccount>,
    /// The market's event queue, allocated likewise at `EventQueueAccount::SPACE`.
    #[account(zero, constraint = event_queue.as_ref().data_len() == EventQueueAccount::SPACE @ ErrorCode::WrongAccountSize)]
    pub event_queue: AccountLoader<'info, EventQueueAccount>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<MarketCreate>) -> Result<()> {
    let a = &ctx.accounts;
    let listing = &a.pending.param_change;
    listing.require_executable(Clock::get()?.unix_timestamp)?;
    let Change::ListMarket {
        market_index,
        quote_mint,
        params,
        oracle,
    } = listing.change
    else {
        return err!(ErrorCode::WrongChangeKind);
    };
    listing.change.validate(&a.exchange, None)?;
    require_eq!(
        market_index,
        a.exchange.market_count,
        ErrorCode::ListingOutOfOrder
    );
    require_keys_eq!(a.quote_mint.key(), quote_mint, ErrorCode::WrongMint);
    let mint_info = a.quote_mint.to_account_info();
    let vault_len = vault_account_len(&mint_info)?;
    let index = a.exchange.market_count;
    let next_count = index.checked_add(1).ok_or(ErrorCode::TooManyMarkets)?;

    let market_key = a.market.key();
    let index_bytes = index.to_le_bytes();
    create_pda_account(
        &a.payer,
        &a.market,
        &a.system_program,
        &crate::ID,
        Market::SPACE,
        &[MARKET_SEED, &index_bytes, &[ctx.bumps.market]],
    )?;
    let vaults = VaultFactory {
        payer: &a.payer,
        mint: &mint_info,
        market: &a.market,
        token_program: &a.token_program.to_account_info(),
        system_program: &a.system_program.to_account_info(),
        space: vault_len,
    };
    let collateral_bump = [ctx.bumps.collateral_vault];
    vaults.create(
        &a.collateral_vault,
        &[COLLATERAL_VAULT_SEED, market_key.as_ref(), &collateral_bump],
    )?;
    let insurance_bump = [ctx.bumps.insurance_vault];
    vaults.create(
        &a.insurance_vault,
        &[INSURANCE_VAULT_SEED, market_key.as_ref(), &insurance_bump],
    )?;

    let mut market = init_zero_copy::<Market>(&a.market)?;
    market.quote_mint = a.quote_mint.key();
    market.quote_token_program = a.token_program.key();
    market.collateral_vault = a.collateral_vault.key();
    market.insurance_vault = a.insurance_vault.key();
    market.params = params;
    market.oracle = oracle;
    market.index = index;
    market.bump = ctx.bumps.market;
    market.status = MarketStatus::Active as u8;
    market.quote_decimals = a.quote_mint.decimals;
    market.book = a.book.key();
    market.event_queue = a.event_queue.key();
    drop(market);
    // Zeroed engine types are empty: binding is all the initialisation they need.
    a.book.load_init()?.market = market_key;
    a.event_queue.load_init()?.market = market_key;

    ctx.accounts.exchange.market_count = next_count;
    let listing = &ctx.accounts.pending.param_change;
    log_event(&ChangeExecuted {
        id: listing.id,
        param_change: listing.key(),
        change: listing.change,
        previous: None,
    });
    log_event(&MarketCreated {
        market: market_key,
        index,
        quote_mint: ctx.accounts.quote_mint.key(),
        collateral_vault: ctx.accounts.collateral_vault.key(),
        insurance_vault: ctx.accounts.insurance_vault.key(),
        params,
        oracle,
    });
    Ok(())
}
