//! `events_consume` (permissionless, for keepers): settles up to `limit` queued fills and outs,
//! oldest first, into the maker margin accounts passed in `remaining_accounts`, skipping events
//! whose maker is not passed (each maker's own events still settle in order), so nobody can
//! hold back another account's settlement by queueing ahead of it. The makers go through the
//! market's ledger: funding settled first, open interest following their fills. Never gated:
//! the fills that exits and liquidations need settle here.

use crate::error::ErrorCode;
use crate::events::{EventsConsumed, FundingPayments, log_event};
use crate::state::{EventQueueAccount, Market};
use crate::util::makers::MakerAccounts;
use anchor_lang::prelude::*;
use perp_engine::book::consume_events;

#[derive(Accounts)]
pub struct EventsConsume<'info> {
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    #[account(mut, address = market.load()?.event_queue @ ErrorCode::WrongEventQueue)]
    pub event_queue: AccountLoader<'info, EventQueueAccount>,
}

pub fn handler<'info>(ctx: Context<'info, EventsConsume<'info>>, limit: u16) -> Result<()> {
    let market_key = ctx.accounts.market.key();
    let mut market = ctx.accounts.market.load_mut()?;
    let mut queue = ctx.accounts.event_queue.load_mut()?;
    let mut funding = FundingPayments::new(
        market_key,
        market.params.quote_lot_size,
        ctx.remaining_accounts.len(),
    );
    let mut makers = MakerAccounts::load(
        ctx.remaining_accounts,
        &market.ledger(),
        market_key,
        Pubkey::default(),
        &mut funding,
    )?;
    let count = consume_events(
        &mut queue.queue,
        &mut makers,
        usize::from(limit),
        market.tick_size(),
    )
    .map_err(ErrorCode::from)?;
    makers.close(&mut market.ledger())?;
    log_event(&EventsConsumed {
        market: market_key,
        count: count as u32,
        remaining: queue.queue.pending() as u32,
    });
    funding.log(Clock::get()?.unix_timestamp);
    Ok(())
}
