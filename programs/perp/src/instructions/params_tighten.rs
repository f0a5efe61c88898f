//! `params_tighten`: the risk council applies a market's complete new parameter and oracle
//! sets at once, provided every changed field moves in its risk-reducing direction (the first
//! that does not is named by its own error) and the result is inside the hard bounds. Anything
//! that loosens goes through governance's timelock instead. A higher maintenance margin is not a
//! liquidation switch: it ramps from the maintenance in force (`Market::set_params`), and the
//! oracle limits have floors no tightening passes (`oracle_bounds`), so the council can never
//! halt or accelerate liquidations (docs/roles.md).

use crate::constants::EXCHANGE_SEED;
use crate::error::ErrorCode;
use crate::events::{MarketTightened, log_event};
use crate::state::{Exchange, Market, MarketParams, OracleConfig, require_consistent};
use anchor_lang::prelude::*;

#[derive(Accounts)]
pub struct ParamsTighten<'info> {
    #[account(seeds = [EXCHANGE_SEED], bump = exchange.bump,
        has_one = risk_council @ ErrorCode::NotRiskCouncil)]
    pub exchange: Account<'info, Exchange>,
    pub risk_council: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
}

pub fn handler(
    ctx: Context<ParamsTighten>,
    params: MarketParams,
    oracle: OracleConfig,
) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let mut market = ctx.accounts.market.load_mut()?;
    let (old_params, old_oracle) = (market.params, market.oracle);
    require!(
        params != old_params || oracle != old_oracle,
        ErrorCode::NoChange
    );
    old_params.require_tightening(&params)?;
    old_oracle.require_tightening(&oracle)?;
    params.validate()?;
    oracle.validate()?;
    require_consistent(&params, &oracle)?;
    market.set_params(params, now)?;
    market.oracle = oracle;
    market.require_consistent_now()?;
    log_event(&MarketTightened {
        market: ctx.accounts.market.key(),
        old_params,
        new_params: params,
        old_oracle,
        new_oracle: oracle,
    });
    Ok(())
}
