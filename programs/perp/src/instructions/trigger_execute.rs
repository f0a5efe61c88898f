//! `trigger_execute` (anyone): fires a due trigger order. Its condition is judged on every valid
//! oracle source (the liquidation rule's sources, lowest to highest): a stop "at or below" fires
//! only when the highest valid source is at or below it. Its order then goes through the one
//! order path (`util::placement`), with the same band, gate and margin rules as `order_place`;
//! a delegate's trigger is held to the delegate's price rule. The executor's account earns the
//! market's `trigger_fee_quote_lots` from the account pro rata to what executed (a delegate's
//! trigger earns nothing: a delegate must not pay itself from the account it runs).
//!
//! A market order that fills part stays for the rest: whoever executes it chooses neither how
//! much fills (a wall of one-lot orders, a full queue) nor that the rest is lost; one that fills
//! nothing fails (`TriggerNotFilled`); a reduce-only one that leaves nothing to reduce is done
//! (it would otherwise stay armed for a position opened later). A limit order is executed whole (what does not fill
//! rests). A bracket's other leg is removed at the first execution.
//!
//! A trigger that can no longer execute is removed with `TriggerRemoved` and its executor is not
//! paid: expired or placed by a delegate the account no longer has (due or not), reduce-only with
//! no position left to reduce, or whose order — the rest of it, filled at the worst price it can
//! trade at (its limit, or the order band's edge) — would fail the order's margin rule, judged as
//! the order will be (from the account with the fee paid). Any other refusal (oracles refusing,
//! the gate, a delegate's price, resting orders that leave a reduce-only order nothing) fails
//! the transaction and leaves the trigger for a later attempt.

use crate::error::ErrorCode;
use crate::events::{TriggerExecuted, TriggerRemoved, log_event};
use crate::instructions::order_place::{OrderArgs, OrderType, SelfTradeBehavior};
use crate::oracle::*;
use crate::state::{
    EventQueueAccount, Exchange, MarginAccount, Market, OrderBookAccount, TriggerOrders,
};
use crate::util::placement::{Placement, order_margin, tick_band};
use anchor_lang::prelude::*;
use bytemuck::Zeroable;
use perp_engine::oracle::Action;
use perp_engine::risk::trader_margin::MarginError;
use perp_engine::side::Side;
use perp_engine::trader::FeeRates;
use perp_engine::trader::Trader;
use perp_engine::trigger::{Removal, TriggerKind, TriggerOrder, pay_executor};
use perp_engine::{Price, QuoteLots, Ticks};

#[derive(Accounts)]
pub struct TriggerExecute<'info> {
    /// Its `OrderPlace` gate stops triggers that are not reduce-only (checked by the order path).
    #[account(seeds = [crate::constants::EXCHANGE_SEED], bump = exchange.bump)]
    pub exchange: Account<'info, Exchange>,
    /// Anyone: the owner of `executor_account`.
    pub executor: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    /// The account whose trigger fires.
    #[account(mut, has_one = market @ ErrorCode::WrongMarket)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The executor's own margin account in this market: it earns the fee.
    #[account(mut, has_one = market @ ErrorCode::WrongMarket,
        constraint = executor_account.key() != margin_account.key() @ ErrorCode::ExecutorIsTriggerAccount,
        constraint = executor_account.load()?.owner == executor.key() @ ErrorCode::NotAccountOwner)]
    pub executor_account: AccountLoader<'info, MarginAccount>,
    #[account(mut, has_one = margin_account @ ErrorCode::WrongTriggerOrders)]
    pub trigger_orders: AccountLoader<'info, TriggerOrders>,
    #[account(mut, address = market.load()?.book @ ErrorCode::WrongBook)]
    pub book: AccountLoader<'info, OrderBookAccount>,
    #[account(mut, address = market.load()?.event_queue @ ErrorCode::WrongEventQueue)]
    pub event_queue: AccountLoader<'info, EventQueueAccount>,
    pub oracles: OracleAccounts<'info>,
}

pub fn handler<'info>(ctx: Context<'info, TriggerExecute<'info>>, trigger_id: u64) -> Result<()> {
    let clock = Clock::get()?;
    let a = &ctx.accounts;
    let (market_key, account_key) = (a.market.key(), a.margin_account.key());
    // Funding settled first: the judgement below and the order's own see the same account.
    a.market.load()?.settle_funding_logged(
        account_key,
        &mut *a.margin_account.load_mut()?,
        clock.unix_timestamp,
    )?;
    let trigger = *a
        .trigger_orders
        .load()?
        .triggers
        .get(trigger_id)
        .map_err(ErrorCode::from)?;
    // A delegate's trigger earns its executor nothing: a delegate may run the account, never
    // pay itself from it (placing and firing its own triggers, over and over).
    let fee = if trigger.by_delegate == 1 {
        QuoteLots::ZERO
    } else {
        QuoteLots::new(a.market.load()?.params.trigger_fee_quote_lots)
    };
    let remaining = trigger.remaining_lots();
    let charged = trigger.fee_share(fee, remaining).map_err(ErrorCode::from)?;
    if let Some(reason) = removal(a, &trigger, charged, &clock)? {
        a.trigger_orders
            .load_mut()?
            .triggers
            .remove(trigger_id)
            .map_err(ErrorCode::from)?;
        TriggerRemoved::log(market_key, account_key, &trigger, reason);
        return Ok(());
    }

    // The fee for all that remains is paid before the order, so the order's own margin rule
    // judges the account with it paid; what does not fill is refunded after. Any failure
    // undoes both.
    pay_executor(
        &mut a.margin_account.load_mut()?.trader,
        &mut a.executor_account.load_mut()?.trader,
        charged,
    )
    .map_err(ErrorCode::from)?;
    let outcome = Placement {
        exchange: &a.exchange,
        market: &a.market,
        margin_account: &a.margin_account,
        book: &a.book,
        event_queue: &a.event_queue,
        oracles: &a.oracles,
        makers: ctx.remaining_accounts,
    }
    .place(
        &order(&trigger, remaining),
        trigger.by_delegate == 1,
        &clock,
    )?;
    // A market order executed what filled, and stays for the rest — unless, reduce-only, it left
    // nothing to reduce (the book trims it to the position): then it is done, and earns all
    // that was charged. A limit order executed all of it.
    let (lots, done) = match trigger.kind() {
        TriggerKind::Market => {
            require!(!outcome.filled.is_zero(), ErrorCode::TriggerNotFilled);
            let closed = trigger.nothing_to_reduce(&a.margin_account.load()?.trader);
            (outcome.filled.get(), closed)
        }
        TriggerKind::Limit => (remaining, true),
    };
    let earned = if done {
        charged
    } else {
        trigger.fee_share(fee, lots).map_err(ErrorCode::from)?
    };
    let refund = QuoteLots::new(charged.get().saturating_sub(earned.get()));
    pay_executor(
        &mut a.executor_account.load_mut()?.trader,
        &mut a.margin_account.load_mut()?.trader,
        refund,
    )
    .map_err(ErrorCode::from)?;

    let (done, leg) = a
        .trigger_orders
        .load_mut()?
        .triggers
        .fired(trigger_id, lots, done)
        .map_err(ErrorCode::from)?;
    if let Some(leg) = leg {
        TriggerRemoved::log(market_key, account_key, &leg, Removal::BracketFilled);
    }
    log_event(&TriggerExecuted {
        market: market_key,
        margin_account: account_key,
        trigger_id,
        client_order_id: trigger.client_order_id,
        executor_account: a.executor_account.key(),
        base_lots: lots,
        done,
        fee_quote_lots: earned.get(),
    });
    Ok(())
}

/// Why a trigger must be removed instead of executed, `None` to execute it; refuses one that is
/// not due. `charged`: the executor's fee the order is judged with.
fn removal(
    a: &TriggerExecute,
    trigger: &TriggerOrder,
    charged: QuoteLots,
    clock: &Clock,
) -> Result<Option<Removal>> {
    if trigger.is_expired(clock.unix_timestamp) {
        return Ok(Some(Removal::Expired));
    }
    let account = a.margin_account.load()?;
    if trigger.delegate_gone(account.delegate.to_bytes(), account.delegations) {
        return Ok(Some(Removal::DelegateChanged));
    }
    let mut market = a.market.load_mut()?;
    let sources = price_band(&mut market, &a.oracles, clock, Action::Liquidate)?;
    let at = Price::from_ticks(
        Ticks::new(trigger.trigger_price_ticks),
        market.tick_size(),
        market.quote_lot_size(),
    )
    .map_err(ErrorCode::from)?;
    require!(trigger.is_due(&sources, at), ErrorCode::TriggerNotDue);
    if trigger.nothing_to_reduce(&account.trader) {
        return Ok(Some(Removal::NothingToReduce));
    }
    let prices = order_prices(&mut market, &a.oracles, clock, trigger.reduce_only == 1)?;
    let fees = FeeRates {
        maker_bps: market.params.maker_fee_bps,
        taker_bps: market.params.taker_fee_bps,
    };
    // Judged as the order will be: from the account with the fee paid, to it after the whole
    // remaining order at its worst price.
    let mut before = account.trader;
    pay_executor(&mut before, &mut Trader::zeroed(), charged).map_err(ErrorCode::from)?;
    let worst = trigger.worst_price(&tick_band(&market, &prices)?);
    let worst = trigger
        .filled_at(&before, worst, &fees, market.tick_size())
        .map_err(ErrorCode::from)?;
    Ok(
        match order_margin(&market, &prices, &before, &worst, account.collateral())? {
            Ok(()) => None,
            Err(MarginError::Math(at)) => return Err(ErrorCode::from(at).into()),
            Err(_) => Some(Removal::MarginRefused),
        },
    )
}

/// The order a fired trigger sends: a market order down to its limit or a limit order, never
/// expiring, cancelling the account's own resting orders it would trade with.
fn order(t: &TriggerOrder, lots: u64) -> OrderArgs {
    OrderArgs {
        side: match t.side() {
            Side::Bid => crate::instructions::order_place::OrderSide::Bid,
            Side::Ask => crate::instructions::order_place::OrderSide::Ask,
        },
        order_type: match t.kind() {
            TriggerKind::Market => OrderType::Market,
            TriggerKind::Limit => OrderType::Limit,
        },
        price_ticks: t.limit_price_ticks,
        base_lots: lots,
        reduce_only: t.reduce_only == 1,
        client_order_id: t.client_order_id,
        expires_at: 0,
        self_trade: SelfTradeBehavior::CancelProvide,
        fill_limit: u8::MAX,
    }
}
