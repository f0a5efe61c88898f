//! `order_place`: places an order on the market's book for a margin account, signed by its owner or
//! delegate. Load → validate (status, oracle band) → engine match → margin check → events.
//!
//! Every order — reduce-only included, oracles down included — is priced inside the order band (the
//! engine's `order_band`: around the stable price and around the most trustworthy market price
//! still available), and resting orders the band has since left are removed rather than filled.
//! Risk-increasing orders also need the rule for increasing risk (fresh, agreeing sources inside
//! the breaker band; the market Active); after matching the account must cover initial margin at
//! both ends of the oracle range. Reduce-only orders stay possible when the oracles are down, the
//! breaker holds or the market is reduce-only, but may never leave the account's maintenance health
//! lower than before or its equity negative, and an account below maintenance cannot rest anything.
//! The exchange's `OrderPlace` gate and a paused market stop every order but reduce-only ones.
//! Makers whose margin accounts are passed in `remaining_accounts` settle at once; other fills go
//! to the event queue.

use crate::error::ErrorCode;
use crate::events::{FundingPayments, OrderPlaced, log_event};
use crate::oracle::*;
use crate::state::{EventQueueAccount, Exchange, Gate, MarketStatus};
use crate::trading::*;
use crate::util::makers::MakerAccounts;
use anchor_lang::prelude::*;
use perp_engine::book::order::{OrderKind, OrderRequest, SelfTrade, TickBand};
use perp_engine::book::{PlaceContext, Remainder};
use perp_engine::risk::liquidation::is_liquidatable;
use perp_engine::side::Side;
use perp_engine::trader::FeeRates;
use perp_engine::{BaseLots, Price, Ticks};

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
    let clock = Clock::get()?;
    require!(
        args.reduce_only || ctx.accounts.exchange.is_open(Gate::OrderPlace),
        ErrorCode::GateClosed
    );
    let trading = &ctx.accounts.trading;
    let market_key = trading.market.key();
    let mut market = trading.market.load_mut()?;
    require!(
        args.reduce_only || market.effective_status() != MarketStatus::Paused,
        ErrorCode::MarketPaused
    );
    let prices = order_prices(&mut market, &ctx.accounts.oracles, &clock, args.reduce_only)?;
    let allowed = prices.band.allowed;
    let band = TickBand::widened(
        allowed.low,
        allowed.high,
        0,
        market.tick_size(),
        market.quote_lot_size(),
    )
    .map_err(ErrorCode::from)?;
    // Rounding inward to whole ticks can leave no tick at all.
    require!(band.low <= band.high, ErrorCode::PriceBandEmpty);
    let place = PlaceContext {
        now: clock.unix_timestamp,
        tick_size: market.tick_size(),
        fees: FeeRates {
            maker_bps: market.params.maker_fee_bps,
            taker_bps: market.params.taker_fee_bps,
        },
        band: Some(band),
    };

    // A delegate trades only at prices at least as good for the owner as the reference: it may
    // run the account, never move its value out (a buy from its own ask at the band's top, a
    // sale into its own bid at the bottom). A market order needs an explicit limit.
    if trading.signer.key() != trading.margin_account.load()?.owner {
        require!(
            args.price_ticks != 0,
            ErrorCode::DelegatePriceWorseThanIndex
        );
        let limit = Price::from_ticks(
            Ticks::new(args.price_ticks),
            market.tick_size(),
            market.quote_lot_size(),
        )
        .map_err(ErrorCode::from)?;
        let buy = args.side == OrderSide::Bid;
        require!(
            prices.band.reference.no_worse_than(buy, limit),
            ErrorCode::DelegatePriceWorseThanIndex
        );
    }

    let account_key = trading.margin_account.key();
    let mut account = trading.margin_account.load_mut()?;
    let account_ref = &mut *account;
    let opened = market
        .ledger()
        .open(&mut account_ref.trader, &mut account_ref.funding)
        .map_err(ErrorCode::from)?;
    let mut funding = FundingPayments::new(
        market_key,
        market.params.quote_lot_size,
        ctx.remaining_accounts.len() + 1,
    );
    funding.opened(account_key, &opened);
    let before = account.trader;
    let mut book = trading.book.load_mut()?;
    let mut queue = ctx.accounts.event_queue.load_mut()?;
    // Open interest as it will be once every queued fill settles (at most): the hard cap is
    // judged on that, not on the recorded sides a queued maker's fill has not reached yet.
    let oi_before = market.open_interest.with_queue(&queue.queue);
    let mut makers = MakerAccounts::load(
        ctx.remaining_accounts,
        &market.ledger(),
        market_key,
        account_key,
        &mut funding,
    )?;
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
    let mut ledger = market.ledger();
    ledger
        .close(opened, &account.trader)
        .map_err(ErrorCode::from)?;
    makers.close(&mut ledger)?;
    match prices.increase {
        Some(b) => {
            // Open interest as it will be once the queue settles stays at or under the hard cap;
            // above it only reduce-only orders trade.
            require!(
                market
                    .open_interest
                    .with_queue(&queue.queue)
                    .within_cap(&oi_before, market.params.oi_hard_cap_lots),
                ErrorCode::OpenInterestCapReached
            );
            let scale = market.margin_scale(&account.trader)?;
            account
                .trader
                .require_initial_margin(account.collateral(), &scale, b.low, b.high)
                .map_err(ErrorCode::from)?;
        }
        None => {
            // Reduce-only: never worse than before, judged where the band was built, and
            // solvent whatever what rests fills at.
            let reference = prices.band.reference;
            let margin = market.params.margin();
            let scale = market.margin_scale(&account.trader)?;
            account
                .trader
                .require_no_worse_than(
                    &before,
                    account.collateral(),
                    &scale,
                    reference.low,
                    reference.high,
                    |lots| market.risk.maintenance_bps(&margin, lots),
                )
                .map_err(ErrorCode::from)?;
        }
    }

    if let Remainder::Rested(_) = outcome.remainder {
        // An account a keeper may liquidate cannot add resting orders: each could be filled
        // through the queue while the keeper works, and it has nothing to rest them on.
        let reference = prices.band.reference;
        let margin = market.params.margin();
        let balance = i64::try_from(account.collateral).map_err(|_| ErrorCode::MathOverflow)?;
        require!(
            !is_liquidatable(
                &account.trader,
                balance,
                reference.favourable_to(account.trader.base_position),
                |lots| market.risk.maintenance_bps(&margin, lots),
                market.quote_lot_size(),
            )
            .map_err(ErrorCode::from)?,
            ErrorCode::UnhealthyCannotRest
        );
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
        filled_quote_lots: outcome.filled_quote_lots.get(),
        taker_fee: outcome.taker_fee.get(),
        fills: outcome.fills,
        price_ticks: outcome.price.get(),
        resting_order_id,
        cancelled_base_lots: cancelled,
        side: args.side,
        order_type: args.order_type,
        base_lots: args.base_lots,
        limit_ticks: args.price_ticks,
        reduce_only: args.reduce_only,
        timestamp: clock.unix_timestamp,
    });
    // Last: in a transaction naming more makers than a legacy packet holds (lookup tables),
    // this is the line the validator's 10 KB log limit would cut, never a fill.
    funding.log(clock.unix_timestamp);
    Ok(())
}
