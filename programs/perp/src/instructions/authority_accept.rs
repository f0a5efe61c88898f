//! `authority_accept`: the second step of an authority transfer. After a timelocked change has
//! named a key for a role, only that key's signature moves the role, so a typo or an
//! unreachable key can never strand it. The key must accept within the execution window that
//! started when the transfer executed; after that it cannot (`PendingAuthorityExpired`).

use crate::constants::EXCHANGE_SEED;
use crate::error::ErrorCode;
use crate::events::{AuthorityAccepted, log_event};
use crate::state::{Exchange, Role};
use anchor_lang::prelude::*;

#[derive(Accounts)]
pub struct AuthorityAccept<'info> {
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.bump)]
    pub exchange: Account<'info, Exchange>,
    /// The pending key for the role.
    pub new_authority: Signer<'info>,
}

pub fn handler(ctx: Context<AuthorityAccept>, role: Role) -> Result<()> {
    let new = ctx.accounts.new_authority.key();
    let exchange = &mut ctx.accounts.exchange;
    let slot = role as usize;
    require_keys_eq!(exchange.pending[slot], new, ErrorCode::NotPendingAuthority);
    require!(
        Clock::get()?.unix_timestamp <= exchange.pending_expires_at[slot],
        ErrorCode::PendingAuthorityExpired
    );
    exchange.pending[slot] = Pubkey::default();
    exchange.pending_expires_at[slot] = 0;
    // The other roles may have changed since the transfer was queued.
    exchange.require_assignable(role, new)?;
    let old = exchange.authority(role);
    exchange.set_authority(role, new);
    log_event(&AuthorityAccepted { role, old, new });
    Ok(())
}
