//! `order_cancel_at_risk` (permissionless): cancels every resting order of an account whose orders,
//! filled at their limits, would put it below maintenance at the index (the middle of the
//! liquidation band, the aggregate of agreeing sources) and at both ends of that band
//! (`Trader::orders_breach_maintenance`). Orders are placed under initial margin, so they get
//! here only after the price moved against them; left alone, a stale order hit after a gap could
//! bankrupt a healthy (even a flat) account, and the insurance fund would pay. Cancelling only
//! removes risk; an account whose orders are still covered is refused with `OrdersNotAtRisk`
//! and nothing changes. The account's own queued fills are not needed: their orders still count
//! at their limits until consumed, which is exactly what they cost.

use crate::error::ErrorCode;
use crate::events::{OrdersCancelledAtRisk, log_event};
// Glob: the nested `OracleAccounts` derive needs its generated client modules in scope.
use crate::oracle::*;
use crate::state::{MarginAccount, Market, OrderBookAccount};
use anchor_lang::prelude::*;
use perp_engine::oracle::Action;

#[derive(Accounts)]
pub struct OrderCancelAtRisk<'info> {
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    #[account(mut, has_one = market @ ErrorCode::WrongMarket)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    #[account(mut, address = market.load()?.book @ ErrorCode::WrongBook)]
    pub book: AccountLoader<'info, OrderBookAccount>,
    pub oracles: OracleAccounts<'info>,
}

pub fn handler(ctx: Context<OrderCancelAtRisk>) -> Result<()> {
    let clock = Clock::get()?;
    let a = &ctx.accounts;
    let mut market = a.market.load_mut()?;
    let mut account = a.margin_account.load_mut()?;
    market.settle_funding_logged(a.margin_account.key(), &mut account, clock.unix_timestamp)?;
    // The prices a liquidation would use: this is its forerunner, and must work whenever it does.
    let band = price_band(&mut market, &a.oracles, &clock, Action::Liquidate)?;
    require!(
        market.orders_at_risk(&account, band)?,
        ErrorCode::OrdersNotAtRisk
    );
    let count = a.book.load_mut()?.cancel_every_order(
        &a.margin_account.key(),
        &mut account.trader,
        market.tick_size(),
    )?;
    log_event(&OrdersCancelledAtRisk {
        market: a.market.key(),
        margin_account: a.margin_account.key(),
        count,
    });
    Ok(())
}
