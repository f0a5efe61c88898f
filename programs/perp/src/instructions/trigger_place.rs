//! `trigger_place`: stores a trigger order (or, with `bracket`, two linked ones: when either
//! executes the other is removed) in the margin account's trigger slots, for its owner or
//! delegate. It trades nothing and reserves no margin: its order is judged by the ordinary order
//! rules when it fires (`trigger_execute`). Prices are checked to be representable now, so a
//! stored trigger cannot fail for that later.

use crate::error::ErrorCode;
use crate::events::{TriggerPlaced, log_event};
use crate::instructions::order_place::OrderSide;
use crate::state::{MarginAccount, Market, TriggerOrders};
use anchor_lang::prelude::*;
use perp_engine::trigger::{Direction, TriggerKind, TriggerRequest};
use perp_engine::{Price, Ticks};

#[derive(Accounts)]
pub struct TriggerPlace<'info> {
    /// The margin account's owner or delegate.
    pub signer: Signer<'info>,
    pub market: AccountLoader<'info, Market>,
    #[account(has_one = market @ ErrorCode::WrongMarket,
        constraint = margin_account.load()?.may_trade(signer.key) @ ErrorCode::NotOwnerOrDelegate)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    #[account(mut, has_one = margin_account @ ErrorCode::WrongTriggerOrders)]
    pub trigger_orders: AccountLoader<'info, TriggerOrders>,
}

/// Which way the index must cross (the engine's `Direction`).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriggerDirection {
    AtOrAbove,
    AtOrBelow,
}

/// What a fired trigger sends (the engine's `TriggerKind`): a market order down to its limit
/// (what does not fill is dropped), or a limit order (what does not fill rests).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriggerOrderKind {
    Market,
    Limit,
}

/// A trigger as clients send it.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct TriggerArgs {
    pub side: OrderSide,
    pub kind: TriggerOrderKind,
    pub direction: TriggerDirection,
    /// Index price in ticks at which it fires.
    pub trigger_price_ticks: u64,
    /// A market order's worst price, or a limit order's price, in ticks.
    pub limit_price_ticks: u64,
    pub base_lots: u64,
    pub reduce_only: bool,
    pub client_order_id: u64,
    /// Unix time after which it no longer fires (0 = never).
    pub expires_at: i64,
}

impl TriggerArgs {
    /// The engine's request.
    pub fn request(&self) -> TriggerRequest {
        TriggerRequest {
            side: self.side.into(),
            kind: match self.kind {
                TriggerOrderKind::Market => TriggerKind::Market,
                TriggerOrderKind::Limit => TriggerKind::Limit,
            },
            direction: match self.direction {
                TriggerDirection::AtOrAbove => Direction::AtOrAbove,
                TriggerDirection::AtOrBelow => Direction::AtOrBelow,
            },
            trigger_price_ticks: self.trigger_price_ticks,
            limit_price_ticks: self.limit_price_ticks,
            base_lots: self.base_lots,
            reduce_only: self.reduce_only,
            client_order_id: self.client_order_id,
            expires_at: self.expires_at,
        }
    }
}

pub fn handler(
    ctx: Context<TriggerPlace>,
    trigger: TriggerArgs,
    bracket: Option<TriggerArgs>,
) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = &ctx.accounts;
    let market = a.market.load()?;
    for t in core::iter::once(&trigger).chain(bracket.as_ref()) {
        for ticks in [t.trigger_price_ticks, t.limit_price_ticks] {
            Price::from_ticks(
                Ticks::new(ticks),
                market.tick_size(),
                market.quote_lot_size(),
            )
            .map_err(|_| ErrorCode::InvalidTrigger)?;
        }
    }
    let account = a.margin_account.load()?;
    let delegate =
        (a.signer.key() != account.owner).then(|| (a.signer.key().to_bytes(), account.delegations));
    drop(account);
    let mut orders = a.trigger_orders.load_mut()?;
    let (id, leg) = orders
        .triggers
        .place(
            &trigger.request(),
            bracket.map(|b| b.request()).as_ref(),
            delegate,
            now,
        )
        .map_err(ErrorCode::from)?;
    for (args, id, linked_id) in core::iter::once((trigger, id, leg.unwrap_or(0)))
        .chain(bracket.zip(leg).map(|(b, leg)| (b, leg, id)))
    {
        log_event(&TriggerPlaced {
            market: a.market.key(),
            margin_account: a.margin_account.key(),
            trigger_id: id,
            linked_id,
            args,
        });
    }
    Ok(())
}
