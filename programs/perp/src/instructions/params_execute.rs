//! `params_execute` (permissionless): applies a queued change to a market's parameters or
//! oracle, an authority or the timelock, inside `[eta, expires_at]`, after checking its bounds
//! again. Listings execute through `market_create` and insurance withdrawals through
//! `insurance_withdraw`, which need token accounts. The change's account closes, refunding rent.

use crate::constants::EXCHANGE_SEED;
use crate::error::ErrorCode;
use crate::events::{AuthorityProposed, ChangeExecuted, log_event};
use crate::governance::*;
use crate::state::{Change, Exchange, Market};
use anchor_lang::prelude::*;

#[derive(Accounts)]
pub struct ParamsExecute<'info> {
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.bump)]
    pub exchange: Account<'info, Exchange>,
    /// The queued change; closes, refunding its rent.
    pub pending: PendingChange<'info>,
    /// The target market, for changes to an existing market.
    #[account(mut)]
    pub market: Option<AccountLoader<'info, Market>>,
}

pub fn handler(ctx: Context<ParamsExecute>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = &mut *ctx.accounts;
    let pending = &a.pending.param_change;
    pending.require_executable(now)?;
    let change = pending.change;
    let mut market = a.market.as_ref().map(|m| m.load_mut()).transpose()?;
    change.validate(&a.exchange, market.as_deref())?;
    let previous = change.current(&a.exchange, market.as_deref());

    let exchange = &mut a.exchange;
    match change {
        Change::MarketParams { params, .. } => {
            // A higher maintenance margin ramps up from the one in force.
            market
                .as_mut()
                .ok_or(ErrorCode::WrongChangeTarget)?
                .set_params(params, now)?;
        }
        Change::MarketOracle { oracle, .. } => {
            market.as_mut().ok_or(ErrorCode::WrongChangeTarget)?.oracle = oracle;
        }
        Change::Authority { role, new } => {
            exchange.pending[role as usize] = new;
            exchange.pending_expires_at[role as usize] =
                now.saturating_add(i64::from(exchange.execution_window_secs));
            log_event(&AuthorityProposed {
                role,
                current: exchange.authority(role),
                pending: new,
            });
        }
        Change::Timelock {
            delay_secs,
            window_secs,
        } => {
            exchange.timelock_secs = delay_secs;
            exchange.execution_window_secs = window_secs;
        }
        Change::ListMarket { .. } | Change::InsuranceWithdraw { .. } => {
            return err!(ErrorCode::WrongChangeKind);
        }
    }
    if let Some(market) = market.as_deref() {
        market.require_consistent_now()?;
    }
    log_event(&ChangeExecuted {
        id: pending.id,
        param_change: pending.key(),
        change,
        previous,
    });
    Ok(())
}
