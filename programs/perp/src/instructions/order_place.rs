//! `order_place`: places an order on the market's book for a margin account, signed by its owner or
//! delegate, through the one order path (`util::placement`, whose documentation states the rules).

use crate::error::ErrorCode;
use crate::oracle::*;
use crate::state::{EventQueueAccount, Exchange};
use crate::trading::*;
use crate::util::placement::Placement;
use anchor_lang::prelude::*;
use perp_engine::book::order::{OrderKind, OrderRequest, SelfTrade};
use perp_engine::side::Side;
use perp_engine::{BaseLots, Ticks};

#[derive(Accounts)]
pub struct OrderPlace<'info> {
    /// Its `OrderPlace` gate stops orders that are not reduce-only (checked in the handler:
    /// exits are never gated).
    #[account(seeds = [crate::constants::EXCHANGE_SEED], bump = exchange.bump)]
    pub exchange: Account<'info, Exchange>,
    pub trading: TradingAccounts<'info>,
    #[account(mut, address = trading.market.load()?.event_queue @ ErrorCode::WrongEventQueue)]
    pub event_queue: AccountLoader<'info, EventQueueAccount>,
    pub oracles: OracleAccounts<'info>,
}

/// Buy or sell (the engine's `Side`).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderSide {
    Bid,
    Ask,
}

/// Order type (the engine's `OrderKind`, DESIGN §5).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderType {
    Limit,
    PostOnly,
    PostOnlySlide,
    ImmediateOrCancel,
    FillOrKill,
    Market,
}

/// Self-trade prevention (the engine's `SelfTrade`).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelfTradeBehavior {
    DecrementTake,
    CancelProvide,
    Abort,
}

/// An order as clients send it.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrderArgs {
    pub side: OrderSide,
    pub order_type: OrderType,
    /// Limit price in ticks (for `Market`: an optional tighter limit, 0 = the band edge).
    pub price_ticks: u64,
    pub base_lots: u64,
    pub reduce_only: bool,
    pub client_order_id: u64,
    /// Unix time after which the order no longer trades (0 = good till cancelled).
    pub expires_at: i64,
    pub self_trade: SelfTradeBehavior,
    /// Most resting orders this order may touch.
    pub fill_limit: u8,
}

impl From<OrderSide> for Side {
    fn from(s: OrderSide) -> Self {
        match s {
            OrderSide::Bid => Side::Bid,
            OrderSide::Ask => Side::Ask,
        }
    }
}

impl OrderArgs {
    /// The engine's request.
    pub fn request(&self) -> OrderRequest {
        OrderRequest {
            side: self.side.into(),
            kind: match self.order_type {
                OrderType::Limit => OrderKind::Limit,
                OrderType::PostOnly => OrderKind::PostOnly,
                OrderType::PostOnlySlide => OrderKind::PostOnlySlide,
                OrderType::ImmediateOrCancel => OrderKind::ImmediateOrCancel,
                OrderType::FillOrKill => OrderKind::FillOrKill,
                OrderType::Market => OrderKind::Market,
            },
            price: Ticks::new(self.price_ticks),
            base_lots: BaseLots::new(self.base_lots),
            reduce_only: self.reduce_only,
            client_order_id: self.client_order_id,
            expires_at: self.expires_at,
            self_trade: match self.self_trade {
                SelfTradeBehavior::DecrementTake => SelfTrade::DecrementTake,
                SelfTradeBehavior::CancelProvide => SelfTrade::CancelProvide,
                SelfTradeBehavior::Abort => SelfTrade::Abort,
            },
            fill_limit: self.fill_limit,
        }
    }
}

pub fn handler<'info>(ctx: Context<'info, OrderPlace<'info>>, args: OrderArgs) -> Result<()> {
    let a = &ctx.accounts;
    let by_delegate = a.trading.signer.key() != a.trading.margin_account.load()?.owner;
    Placement {
        exchange: &a.exchange,
        market: &a.trading.market,
        margin_account: &a.trading.margin_account,
        book: &a.trading.book,
        event_queue: &a.event_queue,
        oracles: &a.oracles,
        makers: ctx.remaining_accounts,
    }
    .place(&args, by_delegate, &Clock::get()?)?;
    Ok(())
}
