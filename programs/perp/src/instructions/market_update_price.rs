//! `market_update_price`: permissionless crank that refreshes a market's own price state from its
//! oracles — the circuit breaker first (judged against the stable price as it was), then the
//! stable price (only from agreeing sources, so one bad feed cannot drag it).

use crate::error::ErrorCode;
use crate::events::{BreakerChanged, PriceUpdated};
// Glob: the nested `OracleAccounts` derive needs its generated client modules in scope.
use crate::oracle::*;
use crate::state::Market;
use anchor_lang::prelude::*;
use perp_engine::oracle::{BreakerTransition, OracleError, agreed_price};

#[derive(Accounts)]
pub struct MarketUpdatePrice<'info> {
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    pub oracles: OracleAccounts<'info>,
}

pub fn handler(ctx: Context<MarketUpdatePrice>) -> Result<()> {
    let clock = Clock::get()?;
    let now = clock.unix_timestamp;
    let market_key = ctx.accounts.market.key();
    let mut market = ctx.accounts.market.load_mut()?;
    let cfg = market.oracle;
    let sources = ctx.accounts.oracles.grade(&market, &clock)?;
    let (valid, valid_count) = sources.valid();
    // Nothing can change without a valid source; say so rather than succeed silently.
    require!(valid_count > 0, ErrorCode::OracleNoValidSource);

    let mut stable = market.price.stable();
    let mut breaker = market.price.breaker();
    let transition = breaker
        .observe(now, &valid[..valid_count], stable.get(), cfg.breaker())
        .map_err(ErrorCode::from)?;
    let index = match agreed_price(sources.all(), cfg.max_deviation_bps) {
        Ok(index) => Some(index),
        Err(OracleError::Math(at)) => return Err(ErrorCode::from(at).into()),
        // Diverging or partly down: the stable price holds still.
        Err(_) => None,
    };
    if let Some(index) = index {
        stable
            .update(index, now, cfg.stable_price())
            .map_err(ErrorCode::from)?;
        market.price.index_price = index.raw();
        market.price.index_updated_at = now;
    }
    market.price.set_stable(stable);
    market.price.set_breaker(breaker);

    emit!(PriceUpdated {
        market: market_key,
        index_price: index.map_or(0, |p| p.raw()),
        stable_price: stable.price.raw(),
        valid_sources: valid_count as u8,
    });
    if transition != BreakerTransition::Unchanged {
        emit!(BreakerChanged {
            market: market_key,
            engaged: breaker.engaged,
            cooldown_until: breaker.cooldown_until,
            stable_price: market.price.stable_price,
        });
    }
    Ok(())
}
