//! `funding_update` (permissionless crank): samples mark (the book's impact mid over one size unit,
//! the index when the book is thinner) against index (agreeing oracle sources), at most once per
//! minute slot; the previous sample is credited with the time until this one (capped), and when
//! the interval is over the funding indices move by the clamped rate (docs/cranks.md). When the
//! oracle rules forbid a funding price (sources stale, uncertain or disagreeing) the sample is
//! skipped, not faked. Positions pay lazily: each account settles against the indices when it is
//! next touched.

use crate::error::ErrorCode;
use crate::events::{FundingUpdated, log_event};
// Glob: the nested `OracleAccounts` derive needs its generated client modules in scope.
use crate::oracle::*;
use crate::state::{Market, OrderBookAccount};
use anchor_lang::prelude::*;
use perp_engine::Price;
use perp_engine::oracle::Action;
use perp_engine::risk::mark::funding_mark;

#[derive(Accounts)]
pub struct FundingUpdate<'info> {
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    #[account(address = market.load()?.book @ ErrorCode::WrongBook)]
    pub book: AccountLoader<'info, OrderBookAccount>,
    pub oracles: OracleAccounts<'info>,
}

/// The funding mark: the book's impact mid for one size unit (`size_unit_lots`, the size the
/// market's margin treats as ordinary), or `index` when a side is thinner than that.
fn mark_price(market: &Market, book: &OrderBookAccount, index: Price, now: i64) -> Result<Price> {
    funding_mark(
        &book.book,
        market.params.size_unit_lots,
        now,
        index,
        market.tick_size(),
        market.quote_lot_size(),
    )
    .map_err(|e| ErrorCode::from(e).into())
}

pub fn handler(ctx: Context<FundingUpdate>) -> Result<()> {
    let clock = Clock::get()?;
    let mut market = ctx.accounts.market.load_mut()?;
    let index = agreed_price(&mut market, &ctx.accounts.oracles, &clock, Action::Funding)?;
    let prices = match index {
        Some(index) => Some((
            mark_price(
                &market,
                &*ctx.accounts.book.load()?,
                index,
                clock.unix_timestamp,
            )?,
            index,
        )),
        None => None,
    };
    let params = market.params.funding();
    let oi = market.open_interest;
    let market = &mut *market;
    let sampled = prices.is_some() && market.funding.acts_at(clock.unix_timestamp);
    let payment = market
        .funding
        .update(
            &mut market.funding_sample,
            prices,
            clock.unix_timestamp,
            &params,
            &oi,
        )
        .map_err(ErrorCode::from)?;
    log_event(&FundingUpdated {
        market: ctx.accounts.market.key(),
        mark_price: prices.map_or(0, |(m, _)| m.raw()),
        index_price: prices.map_or(0, |(_, i)| i.raw()),
        sampled,
        payment_per_lot: payment,
        long_index: market.funding.long_index,
        short_index: market.funding.short_index,
    });
    Ok(())
}
