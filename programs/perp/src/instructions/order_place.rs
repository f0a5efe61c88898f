//! `order_place`: places an order on the market's book for a margin account, signed by its owner
//! or delegate. Load → validate (status, oracle band) → engine match → margin check → events.
//!
//! Risk-increasing orders need the oracle rule for increasing risk (fresh, agreeing sources; the
//! market Active) and must be priced inside the band: the increase-risk price range widened by
//! the market's `breaker_band_bps` (the same band that trips the circuit breaker, so no order
//! can sit where the breaker would already have fired). After matching, the account must cover
//! initial margin for its position and the worse side of its open orders at both ends of the
//! oracle range. Reduce-only orders need no oracle (they stay possible when oracles are down or
//! the market is reduce-only) and can only shrink the position. Makers whose margin accounts are
//! passed in `remaining_accounts` settle at once; other fills go to the event queue.

use crate::error::ErrorCode;
use crate::events::{OrderPlaced, log_event};
use crate::oracle::*;
use crate::state::{EventQueueAccount, Exchange, Gate, MarketStatus};
use crate::trading::*;
use crate::util::makers::MakerAccounts;
use anchor_lang::prelude::*;
use perp_engine::book::order::{OrderKind, OrderRequest, SelfTrade, Side, TickBand};
use perp_engine::book::{PlaceContext, Remainder};
use perp_engine::oracle::Action;
use perp_engine::trader::FeeRates;
use perp_engine::{BaseLots, Ticks};

#[derive(Accounts)]
pub struct OrderPlace<'info> {
    #[account(seeds = [crate::constants::EXCHANGE_SEED], bump = exchange.bump,
        constraint = exchange.is_open(Gate::OrderPlace) @ ErrorCode::GateClosed)]
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
    let clock = Clock::get()?;
    let trading = &ctx.accounts.trading;
    let market_key = trading.market.key();
    let mut market = trading.market.load_mut()?;
    require!(
        market.effective_status() != MarketStatus::Paused,
        ErrorCode::MarketPaused
    );
    let oracle_band = if args.reduce_only {
        None
    } else {
        price_for_action(&market, &ctx.accounts.oracles, &clock, Action::IncreaseRisk)?
    };
    let band = oracle_band
        .as_ref()
        .map(|b| {
            TickBand::widened(
                b.low,
                b.high,
                market.oracle.breaker_band_bps,
                market.tick_size(),
                market.quote_lot_size(),
            )
        })
        .transpose()
        .map_err(ErrorCode::from)?;
    let place = PlaceContext {
        now: clock.unix_timestamp,
        tick_size: market.tick_size(),
        fees: FeeRates {
            maker_bps: market.params.maker_fee_bps,
            taker_bps: market.params.taker_fee_bps,
        },
        band,
    };

    let account_key = trading.margin_account.key();
    let mut account = trading.margin_account.load_mut()?;
    market.settle_funding(&mut account)?;
    let position_before = account.trader.base_position;
    let oi_before = market.open_interest.lots();
    let mut book = trading.book.load_mut()?;
    let mut queue = ctx.accounts.event_queue.load_mut()?;
    let mut makers = MakerAccounts::load(ctx.remaining_accounts, &market, market_key, account_key)?;
    let outcome = book
        .book
        .place(
            &account_key.to_bytes(),
            &mut account.trader,
            &args.request(),
            &place,
            &mut makers,
            &mut queue.queue,
        )
        .map_err(ErrorCode::from)?;
    market
        .open_interest
        .record(position_before, account.trader.base_position)
        .map_err(ErrorCode::from)?;
    makers.record_open_interest(&mut market.open_interest)?;
    if let Some(b) = oracle_band {
        // Above the hard cap the market only shrinks.
        let oi = market.open_interest.lots();
        require!(
            oi <= market.params.oi_hard_cap_lots || oi <= oi_before,
            ErrorCode::OpenInterestCapReached
        );
        let scale = market.margin_scale(&account.trader)?;
        account
            .trader
            .require_initial_margin(account.collateral(), &scale, b.low, b.high)
            .map_err(ErrorCode::from)?;
    }

    let (resting_order_id, cancelled) = match outcome.remainder {
        Remainder::Rested(id) => (Some(id.0), 0),
        Remainder::Cancelled(lots) => (None, lots.get()),
        Remainder::None => (None, 0),
    };
    log_event(&OrderPlaced {
        market: market_key,
        margin_account: account_key,
        client_order_id: args.client_order_id,
        filled_base_lots: outcome.filled.get(),
        filled_quote_lots: outcome.filled_quote_lots,
        taker_fee: outcome.taker_fee,
        fills: outcome.fills,
        price_ticks: outcome.price.get(),
        resting_order_id,
        cancelled_base_lots: cancelled,
    });
    Ok(())
}
