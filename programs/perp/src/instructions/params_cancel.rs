//! `params_cancel`: governance or the guardian drops a queued change (pending or expired); it
//! can never execute. A change that replaces the guardian is the one exception: the guardian
//! could otherwise veto its own removal forever, so that change is cancelled by governance or
//! the risk council instead.

use crate::constants::EXCHANGE_SEED;
use crate::events::{ChangeCancelled, log_event};
use crate::governance::*;
use crate::state::{Change, Exchange, Market, Role};
use anchor_lang::prelude::*;

#[derive(Accounts)]
pub struct ParamsCancel<'info> {
    #[account(seeds = [EXCHANGE_SEED], bump = exchange.bump)]
    pub exchange: Account<'info, Exchange>,
    /// Governance or the guardian (the risk council for a guardian replacement).
    pub authority: Signer<'info>,
    /// The queued change; closes, refunding its rent.
    pub pending: PendingChange<'info>,
    /// The target market, for changes to an existing market (its values stay in force).
    pub market: Option<AccountLoader<'info, Market>>,
}

pub fn handler(ctx: Context<ParamsCancel>) -> Result<()> {
    let a = &ctx.accounts;
    let (ex, who) = (&a.exchange, a.authority.key());
    let change = a.pending.param_change.change;
    let replaces_guardian = matches!(
        change,
        Change::Authority {
            role: Role::Guardian,
            ..
        }
    );
    ex.require_canceller(replaces_guardian, who)?;
    // Bounds are not checked: a change that no longer fits them must still be cancellable.
    let market = a.market.as_ref().map(|m| m.load()).transpose()?;
    change.require_target(market.as_deref())?;
    log_event(&ChangeCancelled {
        id: a.pending.param_change.id,
        param_change: a.pending.param_change.key(),
        authority: who,
        change,
        current: change.current(ex, market.as_deref()),
    });
    Ok(())
}
