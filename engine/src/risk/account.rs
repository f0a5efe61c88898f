//! One market's rules applied to one account: the numbers every client shows and every check
//! reads — the margin fractions and scale an account is held to, its risk at a price with
//! funding settled (equity, maintenance surplus, liquidation price, shortfall, margin ratio),
//! whether `liquidate` or `order_cancel_at_risk` would accept it, what it may withdraw, what an
//! order would cost and leave, and the funding rate the open interval points to.
//!
//! The program's `Market` builds a [`MarketRules`] from its stored fields and delegates here; the
//! SDK (keeper, simulator) and the web app (through WebAssembly, `engine-wasm/`) call the same
//! methods, so each rule is written once. This module composes the rules of `margin`, `health`,
//! `liquidation`, `funding` and `Trader`; it must never restate one of them.

use super::funding::{Funding, FundingParams, FundingSnapshot, shortfall};
use super::health::Health;
use super::liquidation::liquidation_price;
use super::margin::MarginParams;
use super::open_interest::OpenInterest;
use super::state::MarketRisk;
use crate::error::MathError;
use crate::math::{SafeMath, safe_cast};
use crate::oracle::PriceBand;
use crate::price::{PRICE_SCALE, Price, ScaledQuote};
use crate::risk::trader_margin::MarginScale;
use crate::side::Side;
use crate::trader::{FeeRates, Trader, notional};
use crate::units::{
    BPS, BaseLots, Bps, QuoteLots, QuoteLotsPerBaseLotPerTick, QuoteNative, QuoteNativePerQuoteLot,
    SignedBaseLots, SignedQuoteLots, Ticks,
};

/// What a market's risk rules read: its parameters and the state its cranks keep, as plain
/// engine values (copied out of the program's `Market`, or decoded by a client).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarketRules {
    /// Margin parameters (listed fractions, premiums, open-interest caps).
    pub margin: MarginParams,
    /// Volatility and the ramped maintenance fraction.
    pub risk: MarketRisk,
    /// Funding indices and the open interval's sums.
    pub funding: Funding,
    /// Funding interval and rate cap.
    pub funding_params: FundingParams,
    /// Applied positions per side (the open-interest margin curve reads the larger).
    pub open_interest: OpenInterest,
    /// Quote lots per base lot per tick.
    pub tick_size: QuoteLotsPerBaseLotPerTick,
    /// Native quote units per quote lot.
    pub quote_lot_size: QuoteNativePerQuoteLot,
    /// Maker and taker fees.
    pub fees: FeeRates,
}

/// A margin account as the rules read it: its collateral, its trader state and the funding
/// indices it last settled against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountState {
    /// Collateral, native quote units.
    pub collateral: QuoteNative,
    /// Position, PnL and open orders.
    pub trader: Trader,
    /// The funding indices of its last settlement.
    pub funding: FundingSnapshot,
}

/// An account's risk at one price, funding settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountRisk {
    /// Equity, exposure and unrealised PnL, exact.
    pub health: Health,
    /// Equity, native units, rounded toward −∞.
    pub equity: i128,
    /// Unrealised PnL of the position, native units, rounded toward −∞.
    pub unrealised: i128,
    /// Average entry price of the position (`None` when flat).
    pub entry_price: Option<Price>,
    /// The maintenance fraction for its position now (ramped, with size premium).
    pub maintenance_bps: Bps,
    /// Equity minus maintenance margin, native units (negative: below maintenance).
    pub maintenance_surplus: i128,
    /// Maintenance margin on its exposure over equity (one whole: at liquidation; `None`:
    /// nothing at risk; `Bps::MAX`: no positive equity).
    pub margin_ratio_bps: Option<Bps>,
    /// The price at which its position reaches maintenance (`None`: flat or never).
    pub liquidation_price: Option<Price>,
    /// Native units the account owes beyond its collateral (a bankrupt account's debt).
    pub shortfall: u64,
}

/// An order a trader is about to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderIntent {
    /// Buy (`Bid`) or sell.
    pub side: Side,
    /// Size.
    pub lots: BaseLots,
    /// The price it would fill or rest at.
    pub price: Ticks,
    /// Whether it takes liquidity (taker fee) or rests (maker fee).
    pub takes: bool,
}

/// What an order would cost and leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderPreview {
    /// Notional.
    pub quote_lots: QuoteLots,
    /// Notional, native units.
    pub notional: QuoteNative,
    /// Fee, native units (negative: a rebate), charged as the book charges it: in whole quote
    /// lots, rounded in the venue's favour.
    pub fee: i64,
    /// Initial margin needed (rounded up): the larger of with the order resting and once it
    /// has filled.
    pub initial_margin: QuoteNative,
    /// Initial margin needed now, without the order.
    pub initial_margin_now: QuoteNative,
    /// Equity after the fee, native units (toward −∞).
    pub equity_after: i128,
    /// The liquidation price once the order has filled.
    pub liquidation_price: Option<Price>,
    /// The position once the order has filled.
    pub position_after: SignedBaseLots,
}

impl MarketRules {
    /// The initial margin fraction (bps) for a worst-case exposure of `lots` now: base × size ×
    /// volatility, raised toward 100% as open interest nears its hard cap.
    pub fn initial_margin_bps(&self, lots: BaseLots) -> Result<Bps, MathError> {
        self.risk
            .initial_bps(&self.margin, lots, BaseLots::new(self.open_interest.lots()))
    }

    /// The maintenance fraction (bps) for a position of `lots` now (ramped, with size premium).
    pub fn maintenance_margin_bps(&self, lots: BaseLots) -> Result<Bps, MathError> {
        self.risk.maintenance_bps(&self.margin, lots)
    }

    /// What initial margin is checked against for `trader` now: this market's sizes and the
    /// dynamic fraction for the trader's worst-case exposure.
    pub fn margin_scale(&self, trader: &Trader) -> Result<MarginScale, MathError> {
        let lots = BaseLots::new(trader.worst_case_lots()?);
        Ok(MarginScale {
            tick_size: self.tick_size,
            quote_lot_size: self.quote_lot_size,
            initial_margin_bps: self.initial_margin_bps(lots)?,
            maker_fee_bps: self.fees.maker_bps,
        })
    }

    /// What a keeper's account is checked against after a liquidation (`keeper_initial_bps`:
    /// neither open interest nor volatility beyond what maintenance already follows).
    pub fn keeper_margin_scale(&self, trader: &Trader) -> Result<MarginScale, MathError> {
        let lots = BaseLots::new(trader.worst_case_lots()?);
        let maintenance = self.maintenance_margin_bps(lots)?;
        Ok(MarginScale {
            initial_margin_bps: self.margin.keeper_initial_bps(lots, maintenance)?,
            ..self.margin_scale(trader)?
        })
    }

    /// `trader` holding `collateral`, valued at `price` (its funding already settled).
    pub fn health(
        &self,
        trader: &Trader,
        collateral: QuoteNative,
        price: Price,
    ) -> Result<Health, MathError> {
        Health::of(
            trader,
            safe_cast(collateral.get())?,
            self.quote_lot_size,
            price,
        )
    }

    /// Settles `account`'s funding since its snapshot into its realised PnL (before any change
    /// of its position, and before its health is judged). Returns the quote lots charged.
    pub fn settle_funding(&self, account: &mut AccountState) -> Result<SignedQuoteLots, MathError> {
        self.funding.settle(
            &mut account.trader,
            &mut account.funding,
            self.quote_lot_size,
        )
    }

    /// `account` as the program sees it once its funding is settled (every risk decision
    /// starts so).
    pub fn settled(&self, account: &AccountState) -> Result<AccountState, MathError> {
        let mut copy = *account;
        self.settle_funding(&mut copy)?;
        Ok(copy)
    }

    /// Whether anyone may cancel `trader`'s orders (funding settled): filled at their limits
    /// they would put it below maintenance at the index and at both ends of `band`, the
    /// liquidation prices (`Trader::orders_breach_maintenance`).
    pub fn orders_at_risk(
        &self,
        trader: &Trader,
        collateral: QuoteNative,
        band: PriceBand,
    ) -> Result<bool, MathError> {
        let scale = self.margin_scale(trader)?;
        trader.orders_breach_maintenance(collateral, &scale, band.low, band.high, |lots| {
            self.maintenance_margin_bps(lots)
        })
    }

    /// What `trader` (funding and realised PnL settled) may withdraw: what initial margin
    /// leaves at both `low` and `high` once what its resting orders could cost is set aside
    /// (`Trader::withdrawable`; all realised equity when flat, the prices then unused).
    pub fn withdrawable(
        &self,
        trader: &Trader,
        collateral: QuoteNative,
        low: Price,
        high: Price,
    ) -> Result<QuoteNative, MathError> {
        let scale = self.margin_scale(trader)?;
        trader.withdrawable(collateral, &scale, low, high)
    }

    /// What `account` may withdraw now at `band` (the increase-risk prices), exactly as
    /// `collateral_withdraw` computes it: funding settled, realised PnL folded into collateral
    /// (before the market's daily outflow limit, which applies on top).
    pub fn withdrawable_now(
        &self,
        account: &AccountState,
        band: PriceBand,
    ) -> Result<QuoteNative, MathError> {
        let mut account = self.settled(account)?;
        let collateral = account
            .trader
            .fold_realised(account.collateral, self.quote_lot_size)?;
        self.withdrawable(&account.trader, collateral, band.low, band.high)
    }

    /// `account` valued at `price`, funding settled first.
    pub fn account_risk(
        &self,
        account: &AccountState,
        price: Price,
    ) -> Result<AccountRisk, MathError> {
        let account = self.settled(account)?;
        let trader = &account.trader;
        let position = trader.base_position;
        let health = self.health(trader, account.collateral, price)?;
        let maintenance_bps = self.maintenance_margin_bps(position.unsigned_abs())?;
        let position_value =
            ScaledQuote::new(i128::from(position).safe_mul(i128::from(price.raw()))?);
        let margin_ratio_bps = match health.exposure {
            ScaledQuote::ZERO => None,
            _ if health.equity <= ScaledQuote::ZERO => Some(Bps::MAX),
            exposure => Some(Bps::new(safe_cast(
                exposure.get().safe_mul(i128::from(maintenance_bps.get()))? / health.equity.get(),
            )?)),
        };
        let entry_price = match position {
            SignedBaseLots::ZERO => None,
            _ => Some(Price::from_raw(safe_cast(
                i128::from(trader.quote_entry.unsigned_abs())
                    .safe_mul(i128::from(self.quote_lot_size.get()))?
                    .safe_mul(i128::from(PRICE_SCALE))?
                    / i128::from(position.unsigned_abs()),
            )?)),
        };
        Ok(AccountRisk {
            health,
            equity: health.equity.floor_native(),
            unrealised: health.unrealised.floor_native(),
            entry_price,
            maintenance_bps,
            maintenance_surplus: health.surplus(maintenance_bps)?,
            margin_ratio_bps,
            liquidation_price: liquidation_price(
                position.get(),
                health.equity.checked_sub(position_value)?,
                maintenance_bps,
            )?,
            shortfall: shortfall(trader, account.collateral.get(), self.quote_lot_size)?,
        })
    }

    /// Whether `liquidate` accepts `account` at `band` (its liquidation prices): a position
    /// below maintenance at the price most favourable to it, or a flat account with debt.
    /// Returns its risk there when it does.
    pub fn liquidatable(
        &self,
        account: &AccountState,
        band: PriceBand,
    ) -> Result<Option<AccountRisk>, MathError> {
        let position = account.trader.base_position;
        let risk = self.account_risk(account, band.favourable_to(position))?;
        let below = if !position.is_zero() {
            !risk.health.covers(risk.maintenance_bps)?
        } else {
            account.trader.is_flat() && risk.shortfall > 0
        };
        Ok(below.then_some(risk))
    }

    /// The fee on `quote_lots` of notional, in quote lots, as the book charges it: the taker
    /// rate rounded up, or the maker rate rounded in the venue's favour (a rebate down).
    pub fn fee_quote_lots(
        &self,
        quote_lots: QuoteLots,
        takes: bool,
    ) -> Result<SignedQuoteLots, MathError> {
        if takes {
            self.fees.taker_fee(quote_lots)
        } else {
            self.fees.maker_fee(quote_lots)
        }
    }

    /// Initial margin `trader` needs at `price`, native units rounded up: its worst-case
    /// exposure at the dynamic fraction for it.
    fn initial_margin(&self, trader: &Trader, price: Price) -> Result<QuoteNative, MathError> {
        let health = Health::of(trader, 0, self.quote_lot_size, price)?;
        let bps = self.initial_margin_bps(health.exposure_lots)?;
        Ok(QuoteNative::new(safe_cast(
            health
                .exposure
                .get()
                .safe_mul(i128::from(bps.get()))?
                .safe_div_ceil(i128::from(BPS) * i128::from(PRICE_SCALE))?,
        )?))
    }

    /// What `order` would cost `account` and leave it with, valued at `price` (funding settled
    /// first). The filled account is the engine's own `Trader::apply_trade` of the order with
    /// its fee, so position, entry and realised PnL move exactly as a fill moves them.
    pub fn preview_order(
        &self,
        account: &AccountState,
        order: &OrderIntent,
        price: Price,
    ) -> Result<OrderPreview, MathError> {
        let account = self.settled(account)?;
        let now = &account.trader;
        let quote_lots = QuoteLots::new(notional(order.price, order.lots, self.tick_size)?);
        let fee_lots = self.fee_quote_lots(quote_lots, order.takes)?;
        let qls: i64 = safe_cast(self.quote_lot_size.get())?;
        // With the order resting, its worst case counts toward exposure (as placement checks).
        let mut resting = *now;
        let (base, quote) = match order.side {
            Side::Bid => (&mut resting.bids_base_lots, &mut resting.bids_quote_lots),
            Side::Ask => (&mut resting.asks_base_lots, &mut resting.asks_quote_lots),
        };
        *base = base.checked_add(order.lots)?;
        *quote = quote.checked_add(quote_lots)?;
        let mut filled = *now;
        filled.apply_trade(
            order.side,
            order.price,
            order.lots,
            fee_lots,
            self.tick_size,
        )?;
        let health = self.health(now, account.collateral, price)?;
        let after = self.health(&filled, account.collateral, price)?;
        let position_after = filled.base_position;
        let position_value =
            ScaledQuote::new(i128::from(position_after).safe_mul(i128::from(price.raw()))?);
        Ok(OrderPreview {
            quote_lots,
            notional: quote_lots.checked_to_native(self.quote_lot_size)?,
            fee: fee_lots.get().safe_mul(qls)?,
            initial_margin: self
                .initial_margin(&resting, price)?
                .max(self.initial_margin(&filled, price)?),
            initial_margin_now: self.initial_margin(now, price)?,
            equity_after: health
                .equity
                .floor_native()
                .safe_sub(i128::from(fee_lots.get().safe_mul(qls)?))?,
            liquidation_price: liquidation_price(
                position_after.get(),
                after.equity.checked_sub(position_value)?,
                self.maintenance_margin_bps(position_after.unsigned_abs())?,
            )?,
            position_after,
        })
    }

    /// The funding rate the open interval points to, bps per interval (positive: longs pay),
    /// clamped as the closing crank clamps it (`Funding::projected_rate_bps`).
    pub fn funding_rate_bps(&self) -> Result<i64, MathError> {
        self.funding.projected_rate_bps(&self.funding_params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::SignedQuoteLots;
    use bytemuck::Zeroable;

    const S: u64 = PRICE_SCALE;

    /// A SOL-like market: ticks of 100 quote lots per lot, 10% initial and 5% maintenance, no
    /// size, volatility or open-interest premium, fees 2 / 5 bps.
    fn rules(quote_lot_size: u64) -> MarketRules {
        MarketRules {
            margin: MarginParams {
                initial_margin_bps: Bps::new(1_000),
                maintenance_margin_bps: Bps::new(500),
                size_premium_bps: Bps::new(0),
                size_unit_lots: BaseLots::new(0),
                reference_vol_bps: Bps::new(0),
                max_vol_multiplier_bps: Bps::new(10_000),
                vol_time_constant_secs: 600,
                oi_soft_cap_lots: BaseLots::new(0),
                oi_hard_cap_lots: BaseLots::new(0),
                maintenance_ramp_bps_per_hour: Bps::new(100),
            },
            risk: MarketRisk::default(),
            funding: Funding::default(),
            funding_params: FundingParams {
                interval_secs: 3_600,
                max_rate_bps: Bps::new(50),
                max_backfill_intervals: 0,
            },
            open_interest: OpenInterest::default(),
            tick_size: QuoteLotsPerBaseLotPerTick::new(100),
            quote_lot_size: QuoteNativePerQuoteLot::new(quote_lot_size),
            fees: FeeRates {
                maker_bps: 2,
                taker_bps: 5,
            },
        }
    }

    fn account(collateral: u64, position: i64, entry_ticks: i64) -> AccountState {
        let mut trader = Trader::zeroed();
        trader.base_position = SignedBaseLots::new(position);
        trader.quote_entry = SignedQuoteLots::new(position * entry_ticks * 100);
        AccountState {
            collateral: QuoteNative::new(collateral),
            trader,
            funding: FundingSnapshot::default(),
        }
    }

    /// Raw price of `ticks` with 100 quote lots per tick of one native each.
    fn px(ticks: u64) -> Price {
        Price::from_raw(ticks * 100 * S)
    }

    fn buy(lots: u64, ticks: u64, takes: bool) -> OrderIntent {
        OrderIntent {
            side: Side::Bid,
            lots: BaseLots::new(lots),
            price: Ticks::new(ticks),
            takes,
        }
    }

    #[test]
    fn the_fee_is_charged_in_whole_quote_lots_rounded_up() {
        // One lot at 10,001 ticks of one quote lot of 100 native: 10,001 quote lots.
        let mut r = rules(100);
        r.tick_size = QuoteLotsPerBaseLotPerTick::new(1);
        let fee = |r: &MarketRules, takes| {
            let order = buy(1, 10_001, takes);
            let p = r.preview_order(
                &account(10_000_000, 0, 0),
                &order,
                Price::from_raw(1_000_100 * S),
            );
            p.map(|p| (p.quote_lots.get(), p.notional.get(), p.fee))
        };
        // At 5 bps: 5.0005 lots, charged 6 = 600 native (a native-unit fee would be
        // ⌈1,000,100 × 5 / 10⁴⌉ = 501).
        assert_eq!(fee(&r, true), Ok((10_001, 1_000_100, 600)));
        // Resting, the 2 bps maker fee: ⌈2.0002⌉ = 3 lots.
        assert_eq!(fee(&r, false), Ok((10_001, 1_000_100, 300)));
        // A rebate rounds toward zero: −2.0002 lots pays back 2.
        r.fees.maker_bps = -2;
        assert_eq!(fee(&r, false), Ok((10_001, 1_000_100, -200)));
    }

    #[test]
    fn the_preview_needs_initial_margin_on_the_order_and_leaves_the_fills_liquidation_price() {
        // Buy 1,000 lots at 15,000 ticks: 1.5 × 10⁹ notional, 10% initial margin, fee 5 bps.
        let r = rules(1);
        let a = account(1_000_000_000, 0, 0);
        let p = r
            .preview_order(&a, &buy(1_000, 15_000, true), px(15_000))
            .unwrap();
        assert_eq!(p.notional.get(), 1_500_000_000);
        assert_eq!(p.fee, 1_500_000_000 * 5 / 10_000);
        assert_eq!(p.initial_margin.get(), 1_500_000_000 / 10);
        assert_eq!(p.initial_margin_now, QuoteNative::ZERO);
        assert_eq!(p.equity_after, 1_000_000_000 - 750_000);
        assert_eq!(p.position_after.get(), 1_000);
        // The filled account's own risk: the same liquidation price.
        let mut filled = account(1_000_000_000, 1_000, 15_000);
        filled.trader.realised_pnl = SignedQuoteLots::new(-750_000);
        let risk = r.account_risk(&filled, px(15_000)).unwrap();
        assert_eq!(p.liquidation_price, risk.liquidation_price);
        let liq = p.liquidation_price.unwrap();
        let covers = |price| {
            r.health(&filled.trader, filled.collateral, price)
                .unwrap()
                .covers(Bps::new(500))
                .unwrap()
        };
        assert!(covers(liq) && !covers(Price::from_raw(liq.raw() - 1)));
    }

    #[test]
    fn account_risk_values_the_position_and_its_margin() {
        // Long 1,000 lots bought at 14,000 ticks, now 15,000: +10⁸ unrealised.
        let r = rules(1);
        let risk = r
            .account_risk(&account(1_000_000_000, 1_000, 14_000), px(15_000))
            .unwrap();
        assert_eq!(risk.unrealised, 100_000_000);
        assert_eq!(risk.equity, 1_100_000_000);
        assert_eq!(risk.entry_price, Some(px(14_000)));
        assert_eq!(risk.maintenance_bps, Bps::new(500));
        // Maintenance 5% of 1.5 × 10⁹ against equity 1.1 × 10⁹.
        assert_eq!(risk.maintenance_surplus, 1_100_000_000 - 75_000_000);
        assert_eq!(
            risk.margin_ratio_bps,
            Some(Bps::new(75_000_000 * 10_000 / 1_100_000_000))
        );
        assert_eq!(risk.shortfall, 0);
        // Unrealised profit is not withdrawable: 10⁹ − 10% of 1.5 × 10⁹.
        let band = PriceBand {
            low: px(15_000),
            high: px(15_000),
        };
        assert_eq!(
            r.withdrawable_now(&account(1_000_000_000, 1_000, 14_000), band),
            Ok(QuoteNative::new(850_000_000))
        );
        // Flat: nothing at risk, no liquidation price, all of it withdrawable.
        let flat = r.account_risk(&account(5, 0, 0), px(15_000)).unwrap();
        assert_eq!(
            (flat.margin_ratio_bps, flat.liquidation_price),
            (None, None)
        );
        assert_eq!(
            r.withdrawable_now(&account(5, 0, 0), band),
            Ok(QuoteNative::new(5))
        );
    }

    #[test]
    fn account_risk_settles_funding_first() {
        // The long index rose by 3 native per lot since the account's snapshot: a 1,000-lot
        // long owes 3,000 native, which the risk subtracts (and the liquidation price follows).
        let mut r = rules(1);
        r.funding.long_index = 3 * S as i64;
        let a = account(1_000_000_000, 1_000, 15_000);
        let risk = r.account_risk(&a, px(15_000)).unwrap();
        assert_eq!(risk.equity, 1_000_000_000 - 3_000);
        let unsettled = rules(1).account_risk(&a, px(15_000)).unwrap();
        assert!(risk.liquidation_price.unwrap() > unsettled.liquidation_price.unwrap());
        // The settled copy is what the program would store.
        assert_eq!(r.settled(&a).unwrap().trader.realised_pnl.get(), -3_000);
        assert_eq!(r.settled(&a).unwrap().funding.long_index, 3 * S as i64);
    }

    #[test]
    fn liquidatable_below_maintenance_at_the_favourable_end() {
        let r = rules(1);
        // Long 1,000 at 15,000 ticks with 80 × 10⁶ collateral: maintenance 5% of exposure.
        let a = account(80_000_000, 1_000, 15_000);
        let band = |lo: u64, hi: u64| PriceBand {
            low: px(lo),
            high: px(hi),
        };
        let liq = r
            .account_risk(&a, px(15_000))
            .unwrap()
            .liquidation_price
            .unwrap();
        let ticks = liq.raw() / (100 * S);
        // Judged at the band's high end (most favourable to a long).
        assert!(
            r.liquidatable(&a, band(ticks - 10, ticks + 10))
                .unwrap()
                .is_none()
        );
        assert!(
            r.liquidatable(&a, band(ticks - 20, ticks - 1))
                .unwrap()
                .is_some()
        );
        // A flat account with debt is liquidatable (bankruptcy), one without is not.
        let mut debt = account(10, 0, 0);
        debt.trader.realised_pnl = SignedQuoteLots::new(-25);
        let risk = r.liquidatable(&debt, band(1, 1)).unwrap().unwrap();
        assert_eq!(risk.shortfall, 15);
        assert!(
            r.liquidatable(&account(10, 0, 0), band(1, 1))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn the_funding_rate_is_the_engines_projection() {
        let mut r = rules(1);
        // 1,800 s sampled at a premium of 3 per lot on an index of 1,000 per lot: 30 bps.
        r.funding.premium_sum = 3 * S as i64 * 1_800;
        r.funding.index_sum = 1_000 * S * 1_800;
        r.funding.sampled_secs = 1_800;
        assert_eq!(r.funding_rate_bps(), Ok(30));
        // 80 bps is clamped to the 50 bps cap.
        r.funding.premium_sum = -8 * S as i64 * 1_800;
        assert_eq!(r.funding_rate_bps(), Ok(-50));
    }

    #[test]
    fn margin_fractions_and_scales_follow_the_market_state() {
        let mut r = rules(1);
        r.open_interest = OpenInterest {
            long_lots: 10,
            short_lots: 10,
        };
        let mut t = Trader::zeroed();
        t.base_position = SignedBaseLots::new(10);
        let ten = BaseLots::new(10);
        assert_eq!(r.initial_margin_bps(ten), Ok(Bps::new(1_000)));
        assert_eq!(r.maintenance_margin_bps(ten), Ok(Bps::new(500)));
        let scale = r.margin_scale(&t).unwrap();
        assert_eq!(
            (scale.initial_margin_bps, scale.maker_fee_bps),
            (Bps::new(1_000), 2)
        );
        let keeper = r.keeper_margin_scale(&t).unwrap();
        assert_eq!(
            keeper.initial_margin_bps,
            r.margin.keeper_initial_bps(ten, Bps::new(500)).unwrap()
        );
        // Open interest past the soft cap raises initial margin toward 100%.
        r.margin.oi_soft_cap_lots = BaseLots::new(5);
        r.margin.oi_hard_cap_lots = BaseLots::new(15);
        assert_eq!(r.initial_margin_bps(ten), Ok(Bps::new(1_000 + 9_000 / 2)));
    }
}
