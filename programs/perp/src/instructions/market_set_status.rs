//! `market_set_status`: the emergency brake. The guardian (or governance) may only make a market
//! stricter (Active → ReduceOnly → Paused); only governance may loosen it again. The circuit
//! breaker is separate state and is not touched here.

use crate::constants::EXCHANGE_SEED;
use crate::error::ErrorCode;
use crate::events::{MarketStatusChanged, log_event};
use crate::state::{Exchange, Market, MarketStatus};
use anchor_lang::prelude::*;

#[derive(Accounts)]
pub struct MarketSetStatus<'info> {
    #[account(seeds = [EXCHANGE_SEED], bump = exchange.bump)]
    pub exchange: Account<'info, Exchange>,
    /// The guardian or governance; checked against the transition in the handler.
    pub authority: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
}

pub fn handler(ctx: Context<MarketSetStatus>, status: MarketStatus) -> Result<()> {
    let authority = ctx.accounts.authority.key();
    let exchange = &ctx.accounts.exchange;
    let mut market = ctx.accounts.market.load_mut()?;
    let old = MarketStatus::from_byte(market.status);
    if old.is_tightening_to(status) {
        require!(
            authority == exchange.guardian || authority == exchange.governance,
            ErrorCode::NotGuardian
        );
    } else {
        require_keys_eq!(authority, exchange.governance, ErrorCode::NotGovernance);
    }
    market.status = status as u8;
    log_event(&MarketStatusChanged {
        market: ctx.accounts.market.key(),
        authority,
        old_status: old as u8,
        new_status: status as u8,
    });
    Ok(())
}
