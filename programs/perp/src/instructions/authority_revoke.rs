//! `authority_revoke`: clears a role's pending key before it accepts — a mistyped, superseded or
//! stolen key. Whoever may cancel a queued transfer of that role may revoke it (governance or the
//! guardian; for the guardian's own slot, governance or the risk council). Clearing can only
//! keep the current holder, so it needs no timelock.

use crate::constants::EXCHANGE_SEED;
use crate::error::ErrorCode;
use crate::events::{AuthorityRevoked, log_event};
use crate::state::{Exchange, Role};
use anchor_lang::prelude::*;

#[derive(Accounts)]
pub struct AuthorityRevoke<'info> {
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.bump)]
    pub exchange: Account<'info, Exchange>,
    /// Governance or the guardian (for the guardian's slot: governance or the risk council).
    pub authority: Signer<'info>,
}

pub fn handler(ctx: Context<AuthorityRevoke>, role: Role) -> Result<()> {
    let who = ctx.accounts.authority.key();
    let exchange = &mut ctx.accounts.exchange;
    exchange.require_canceller(role == Role::Guardian, who)?;
    let slot = role as usize;
    let revoked = exchange.pending[slot];
    require_keys_neq!(revoked, Pubkey::default(), ErrorCode::NoPendingAuthority);
    exchange.pending[slot] = Pubkey::default();
    exchange.pending_expires_at[slot] = 0;
    log_event(&AuthorityRevoked {
        role,
        revoked,
        authority: who,
    });
    Ok(())
}
