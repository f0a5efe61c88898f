//! `events_consume` (permissionless, for keepers): settles up to `limit` queued fills and outs,
//! oldest first, into the maker margin accounts passed in `remaining_accounts`. Stops at the
//! first event whose maker is not passed: events of one maker must settle in order. The
//! makers' funding settles first and the market's open interest follows their fills.

use crate::error::ErrorCode;
use crate::events::{EventsConsumed, log_event};
use crate::state::{EventQueueAccount, Exchange, Gate, Market};
use crate::util::makers::MakerAccounts;
use anchor_lang::prelude::*;
use perp_engine::book::consume_events;

#[derive(Accounts)]
pub struct EventsConsume<'info> {
    #[account(seeds = [crate::constants::EXCHANGE_SEED], bump = exchange.bump,
        constraint = exchange.is_open(Gate::EventsConsume) @ ErrorCode::GateClosed)]
    pub exchange: Account<'info, Exchange>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    #[account(mut, address = market.load()?.event_queue @ ErrorCode::WrongEventQueue)]
    pub event_queue: AccountLoader<'info, EventQueueAccount>,
}

pub fn handler<'info>(ctx: Context<'info, EventsConsume<'info>>, limit: u16) -> Result<()> {
    let market_key = ctx.accounts.market.key();
    let mut market = ctx.accounts.market.load_mut()?;
    let mut queue = ctx.accounts.event_queue.load_mut()?;
    let mut makers = MakerAccounts::load(
        ctx.remaining_accounts,
        &market,
        market_key,
        Pubkey::default(),
    )?;
    let count = consume_events(
        &mut queue.queue,
        &mut makers,
        usize::from(limit),
        market.tick_size(),
    )
    .map_err(ErrorCode::from)?;
    makers.record_open_interest(&mut market.open_interest)?;
    log_event(&EventsConsumed {
        market: market_key,
        count: count as u32,
        remaining: queue.queue.len() as u32,
    });
    Ok(())
}
