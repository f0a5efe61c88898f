//! `exchange_set_gate`: closes an instruction exchange-wide (guardian or governance) or reopens
//! it (governance only) — the same one-way rule as `market_set_status`.

use crate::constants::EXCHANGE_SEED;
use crate::error::ErrorCode;
use crate::events::{GatesChanged, log_event};
use crate::state::{Exchange, Gate};
use anchor_lang::prelude::*;

#[derive(Accounts)]
pub struct ExchangeSetGate<'info> {
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.bump)]
    pub exchange: Account<'info, Exchange>,
    /// The guardian or governance; checked against the direction in the handler.
    pub authority: Signer<'info>,
}

pub fn handler(ctx: Context<ExchangeSetGate>, gate: Gate, open: bool) -> Result<()> {
    let who = ctx.accounts.authority.key();
    let exchange = &mut ctx.accounts.exchange;
    let old = exchange.closed_gates;
    if open {
        require_keys_eq!(who, exchange.governance, ErrorCode::NotGovernance);
        exchange.closed_gates &= !gate.bit();
    } else {
        require!(
            who == exchange.guardian || who == exchange.governance,
            ErrorCode::NotGuardian
        );
        exchange.closed_gates |= gate.bit();
    }
    log_event(&GatesChanged {
        authority: who,
        old_closed_gates: old,
        new_closed_gates: exchange.closed_gates,
    });
    Ok(())
}
