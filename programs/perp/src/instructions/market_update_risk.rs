//! `market_update_risk` (permissionless crank): folds the index price (agreeing sources, the
//! funding rule) into the market's volatility estimate and moves its maintenance fraction toward
//! what that volatility calls for, no faster than the ramp. Initial margin reads the new
//! volatility at once; open interest is kept current by every fill, so it needs no crank.

use crate::error::ErrorCode;
use crate::events::{RiskUpdated, log_event};
// Glob: the nested `OracleAccounts` derive needs its generated client modules in scope.
use crate::oracle::*;
use crate::state::Market;
use anchor_lang::prelude::*;
use perp_engine::BaseLots;
use perp_engine::oracle::Action;

#[derive(Accounts)]
pub struct MarketUpdateRisk<'info> {
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    pub oracles: OracleAccounts<'info>,
}

pub fn handler(ctx: Context<MarketUpdateRisk>) -> Result<()> {
    let clock = Clock::get()?;
    let mut market = ctx.accounts.market.load_mut()?;
    let index = price_band(&mut market, &ctx.accounts.oracles, &clock, Action::Funding)?.low;
    let params = market.params.margin();
    market
        .risk
        .update(index, clock.unix_timestamp, &params)
        .map_err(ErrorCode::from)?;
    log_event(&RiskUpdated {
        market: ctx.accounts.market.key(),
        index_price: index.raw(),
        volatility_bps: market.risk.vol.vol_bps().get(),
        initial_margin_bps: market.initial_margin_bps(BaseLots::ZERO)?.get(),
        maintenance_margin_bps: market.maintenance_margin_bps(BaseLots::ZERO)?.get(),
        open_interest_long: market.open_interest.long_lots,
        open_interest_short: market.open_interest.short_lots,
    });
    Ok(())
}
