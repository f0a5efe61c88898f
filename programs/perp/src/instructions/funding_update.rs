//! `funding_update` (permissionless crank): samples mark (the book's mid) against index (agreeing
//! oracle sources) into the open interval's TWAPs, and when the interval is over moves the
//! funding indices by the clamped rate. When the oracle rules forbid a funding price (sources
//! stale, uncertain or disagreeing) the sample is skipped, not faked. Positions pay lazily: each
//! account settles against the indices when it is next touched.

use crate::error::ErrorCode;
use crate::events::{FundingUpdated, log_event};
// Glob: the nested `OracleAccounts` derive needs its generated client modules in scope.
use crate::oracle::*;
use crate::state::{Market, OrderBookAccount};
use anchor_lang::prelude::*;
use perp_engine::Price;
use perp_engine::book::order::Side;
use perp_engine::oracle::Action;

#[derive(Accounts)]
pub struct FundingUpdate<'info> {
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    #[account(address = market.load()?.book @ ErrorCode::WrongBook)]
    pub book: AccountLoader<'info, OrderBookAccount>,
    pub oracles: OracleAccounts<'info>,
}

/// The book's mid price, or `index` when a side is empty (no premium without a two-sided book).
fn mark_price(market: &Market, book: &OrderBookAccount, index: Price) -> Result<Price> {
    let (Some(bid), Some(ask)) = (
        book.book.best_price(Side::Bid),
        book.book.best_price(Side::Ask),
    ) else {
        return Ok(index);
    };
    let to_price = |t| {
        Price::from_ticks(t, market.tick_size(), market.quote_lot_size()).map_err(ErrorCode::from)
    };
    let (bid, ask) = (to_price(bid)?, to_price(ask)?);
    Ok(Price::from_raw(
        bid.raw() / 2 + ask.raw() / 2 + (bid.raw() % 2 + ask.raw() % 2) / 2,
    ))
}

pub fn handler(ctx: Context<FundingUpdate>) -> Result<()> {
    let clock = Clock::get()?;
    let mut market = ctx.accounts.market.load_mut()?;
    let index = agreed_price(&mut market, &ctx.accounts.oracles, &clock, Action::Funding)?;
    let prices = match index {
        Some(index) => Some((
            mark_price(&market, &*ctx.accounts.book.load()?, index)?,
            index,
        )),
        None => None,
    };
    let params = market.params.funding();
    let oi = market.open_interest;
    let payment = market
        .funding
        .update(prices, clock.unix_timestamp, &params, &oi)
        .map_err(ErrorCode::from)?;
    log_event(&FundingUpdated {
        market: ctx.accounts.market.key(),
        mark_price: prices.map_or(0, |(m, _)| m.raw()),
        index_price: prices.map_or(0, |(_, i)| i.raw()),
        sampled: prices.is_some(),
        payment_per_lot: payment,
        long_index: market.funding.long_index,
        short_index: market.funding.short_index,
    });
    Ok(())
}
