//! The one order path: every order — `order_place`, each order of `order_requote`, a fired
//! trigger (`trigger_execute`) — is validated, matched and margined here, so no instruction can
//! place an order by other rules. Load → validate (status, oracle band) → engine match → margin
//! check → events.
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
use crate::instructions::order_place::{OrderArgs, OrderSide};
use crate::oracle::*;
use crate::state::{
    EventQueueAccount, Exchange, Gate, MarginAccount, Market, MarketStatus, OrderBookAccount,
};
use crate::util::makers::MakerAccounts;
use anchor_lang::prelude::*;
use perp_engine::book::order::TickBand;
use perp_engine::book::{PlaceContext, PlaceOutcome, Remainder};
use perp_engine::risk::liquidation::is_liquidatable;
use perp_engine::risk::trader_margin::MarginError;
use perp_engine::trader::FeeRates;
use perp_engine::trader::Trader;
use perp_engine::{Price, QuoteNative, Ticks};

/// The accounts an order is placed with (validated by the calling instruction's `Accounts`).
pub struct Placement<'a, 'info> {
    pub exchange: &'a Exchange,
    pub market: &'a AccountLoader<'info, Market>,
    pub margin_account: &'a AccountLoader<'info, MarginAccount>,
    pub book: &'a AccountLoader<'info, OrderBookAccount>,
    pub event_queue: &'a AccountLoader<'info, EventQueueAccount>,
    pub oracles: &'a OracleAccounts<'info>,
    /// Maker margin accounts (`remaining_accounts`).
    pub makers: &'a [AccountInfo<'info>],
}

impl<'a, 'info> Placement<'a, 'info> {
    /// Places `args` for the margin account, signed by its owner or (`by_delegate`) its
    /// delegate, or for a trigger either of them stored; returns what the book did.
    pub fn place(
        &self,
        args: &OrderArgs,
        by_delegate: bool,
        clock: &Clock,
    ) -> Result<PlaceOutcome> {
        require!(
            args.reduce_only || self.exchange.is_open(Gate::OrderPlace),
            ErrorCode::GateClosed
        );
        let market_key = self.market.key();
        let mut market = self.market.load_mut()?;
        require!(
            args.reduce_only || market.effective_status() != MarketStatus::Paused,
            ErrorCode::MarketPaused
        );
        let prices = order_prices(&mut market, self.oracles, clock, args.reduce_only)?;
        let band = tick_band(&market, &prices)?;
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
        if by_delegate {
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

        let account_key = self.margin_account.key();
        let mut account = self.margin_account.load_mut()?;
        let account_ref = &mut *account;
        let opened = market
            .ledger()
            .open(&mut account_ref.trader, &mut account_ref.funding)
            .map_err(ErrorCode::from)?;
        let mut funding = FundingPayments::new(
            market_key,
            market.params.quote_lot_size,
            self.makers.len() + 1,
        );
        funding.opened(account_key, &opened);
        let before = account.trader;
        let mut book = self.book.load_mut()?;
        let mut queue = self.event_queue.load_mut()?;
        // Open interest as it will be once every queued fill settles (at most): the hard cap is
        // judged on that, not on the recorded sides a queued maker's fill has not reached yet.
        let oi_before = market.open_interest.with_queue(&queue.queue);
        let mut makers = MakerAccounts::load(
            self.makers,
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
        if prices.increase.is_some() {
            // Open interest as it will be once the queue settles stays at or under the hard cap;
            // above it only reduce-only orders trade.
            require!(
                market
                    .open_interest
                    .with_queue(&queue.queue)
                    .within_cap(&oi_before, market.params.oi_hard_cap_lots),
                ErrorCode::OpenInterestCapReached
            );
        }
        order_margin(
            &market,
            &prices,
            &before,
            &account.trader,
            account.collateral(),
        )?
        .map_err(ErrorCode::from)?;

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
        Ok(outcome)
    }
}

/// The ticks an order may trade at: the order band rounded inward to whole ticks.
pub fn tick_band(market: &Market, prices: &OrderPrices) -> Result<TickBand> {
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
    Ok(band)
}

/// The order's margin rule for an account that went from `before` to `after`: a risk-increasing
/// order must leave it covering initial margin at both ends of the increase-risk range; a
/// reduce-only one may never leave its maintenance health lower than before (judged where the
/// band was built) or its equity negative whatever what rests fills at. The outer `Result` is an
/// account fault, the inner one the rule's verdict (a trigger's precheck removes on it).
pub fn order_margin(
    market: &Market,
    prices: &OrderPrices,
    before: &Trader,
    after: &Trader,
    collateral: QuoteNative,
) -> Result<core::result::Result<(), MarginError>> {
    let scale = market.margin_scale(after)?;
    Ok(match prices.increase {
        Some(b) => after.require_initial_margin(collateral, &scale, b.low, b.high),
        None => {
            let reference = prices.band.reference;
            let margin = market.params.margin();
            after.require_no_worse_than(
                before,
                collateral,
                &scale,
                reference.low,
                reference.high,
                |lots| market.risk.maintenance_bps(&margin, lots),
            )
        }
    })
}
