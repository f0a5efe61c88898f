//! `market_update_price`: permissionless crank that refreshes a market's own price state from its
//! oracles with the engine's `PriceTracker::refresh` (breaker judged against the stable price as
//! it was, then the stable price moved only by agreeing sources).

use crate::error::ErrorCode;
use crate::events::{BreakerChanged, PriceUpdated, log_event};
// Glob: the nested `OracleAccounts` derive needs its generated client modules in scope.
use crate::oracle::*;
use crate::state::Market;
use anchor_lang::prelude::*;
use perp_engine::oracle::BreakerTransition;

#[derive(Accounts)]
pub struct MarketUpdatePrice<'info> {
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    pub oracles: OracleAccounts<'info>,
}

pub fn handler(ctx: Context<MarketUpdatePrice>) -> Result<()> {
    let clock = Clock::get()?;
    let market_key = ctx.accounts.market.key();
    let mut market = ctx.accounts.market.load_mut()?;
    let sources = ctx.accounts.oracles.grade(&market, &clock)?;
    sources.record_used(&mut market)?;

    let mut tracker = market.price.tracker();
    let refresh = tracker
        .refresh(clock.unix_timestamp, sources.all(), market.oracle.tracker())
        .map_err(ErrorCode::from)?;
    market.price.set_tracker(tracker);
    if let Some(index) = refresh.index {
        market.price.index_price = index.raw();
        market.price.index_updated_at = clock.unix_timestamp;
    }

    log_event(&PriceUpdated {
        market: market_key,
        index_price: refresh.index.map_or(0, |p| p.raw()),
        stable_price: market.price.stable_price,
        valid_sources: refresh.valid_sources,
    });
    if refresh.transition != BreakerTransition::Unchanged {
        log_event(&BreakerChanged {
            market: market_key,
            engaged: tracker.breaker.engaged,
            cooldown_until: tracker.breaker.cooldown_until,
            stable_price: market.price.stable_price,
        });
    }
    Ok(())
}
