//! Liquidation sizing, the liquidation price, and the fee split (DESIGN §8).
//!
//! A liquidation moves `q` lots of the position to the keeper at the price (equity unchanged)
//! and charges the liquidated account a fee of `q × price × discount` (its only equity loss).
//! The size is the least that restores `equity ≥ (1 + buffer) × maintenance` on the remaining
//! position, solved exactly at the current maintenance fraction. The fraction only falls as the
//! position shrinks (size premium), so the target is met with room to spare, and as long as the
//! discount is below the maintenance fraction every liquidation strictly improves maintenance
//! health (the program's parameter bounds keep it so).

use super::health::Health;
use crate::error::{EngineError, MathError};
use crate::math::{SafeMath, safe_cast};
use crate::price::{PRICE_SCALE, Price, ScaledQuote};
use crate::side::Side;
use crate::trader::Trader;
use crate::units::{BPS, BaseLots, Bps, QuoteLots, QuoteNativePerQuoteLot, SignedQuoteLots};

/// A market's liquidation parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiquidationParams {
    /// The liquidation fee: the keeper takes the position this far below (long) or above
    /// (short) the price, in bps of notional.
    pub discount_bps: Bps,
    /// The insurance fund's share of the fee; the keeper keeps the rest.
    pub insurance_share_bps: Bps,
    /// Maintenance headroom a liquidation restores: equity ≥ (1 + buffer) × maintenance.
    pub buffer_bps: Bps,
    /// The smallest transfer, unless the position itself is smaller.
    pub min_lots: BaseLots,
}

impl LiquidationParams {
    /// Lots to transfer from a position of `lots` (absolute) valued at `price`, whose equity is
    /// `equity` and maintenance fraction `maintenance`. Zero when the buffer already holds; the
    /// whole position when the account cannot be restored.
    pub fn lots_to_liquidate(
        &self,
        lots: BaseLots,
        price: Price,
        equity: ScaledQuote,
        maintenance: Bps,
    ) -> Result<BaseLots, MathError> {
        if lots.is_zero() {
            return Ok(BaseLots::ZERO);
        }
        let equity = equity.get();
        // equity − q·P·d ≥ (1 + b)·f·P·(s − q), all × 10^8:
        //   q ≥ ((10⁴ + b)·f·P·s − equity·10⁸) / (P·((10⁴ + b)·f − d·10⁴)).
        let p = i128::from(price.raw());
        let bf = i128::from(BPS + self.buffer_bps.get()).safe_mul(i128::from(maintenance.get()))?;
        let need = bf
            .safe_mul(p)?
            .safe_mul(i128::from(lots.get()))?
            .safe_sub(equity.safe_mul(BPS as i128 * BPS as i128)?)?;
        if need <= 0 {
            return Ok(BaseLots::ZERO);
        }
        let per_lot = bf.safe_sub(i128::from(self.discount_bps.get()) * BPS as i128)?;
        if equity <= 0 || per_lot <= 0 || p == 0 {
            return Ok(lots);
        }
        let q = BaseLots::new(safe_cast(need.safe_div_ceil(p.safe_mul(per_lot)?)?)?);
        Ok(q.max(self.min_lots).min(lots))
    }

    /// The fee for liquidating `lots` at `price`, quote lots, split as (keeper, insurance
    /// fund). Rounded down, in the liquidated account's favour: its maintenance health then
    /// improves by at least the exact amount the sizing relies on. The insurance share of it
    /// rounds up.
    ///
    /// The fee never exceeds `equity_cap`, the account's positive equity in whole quote lots: a
    /// fee out of a bankrupt account's shortfall would be paid by the insurance fund (and the
    /// positions the loss is socialised over), so liquidating one's own bankrupt account with
    /// one's own keeper would be a way to drain them.
    pub fn fee(
        &self,
        lots: BaseLots,
        price: Price,
        quote_lot_size: QuoteNativePerQuoteLot,
        equity_cap: QuoteLots,
    ) -> Result<(QuoteLots, QuoteLots), MathError> {
        let full: u64 = safe_cast(
            u128::from(lots.get())
                .safe_mul(u128::from(price.raw()))?
                .safe_mul(u128::from(self.discount_bps.get()))?
                .safe_div(
                    u128::from(BPS)
                        .safe_mul(u128::from(PRICE_SCALE))?
                        .safe_mul(u128::from(quote_lot_size.get()))?,
                )?,
        )?;
        let fee = full.min(equity_cap.get());
        let insurance = fee
            .safe_mul(self.insurance_share_bps.get())?
            .safe_div_ceil(BPS)?
            .min(fee);
        Ok((QuoteLots::new(fee - insurance), QuoteLots::new(insurance)))
    }
}

/// What one liquidation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Liquidation {
    /// Base lots moved to the keeper.
    pub lots: BaseLots,
    /// What the keeper paid (or was paid) for them at the price.
    pub quote_lots: QuoteLots,
    /// The keeper's part of the fee.
    pub keeper_fee: QuoteLots,
    /// The insurance fund's part of the fee (the program moves it to the fund).
    pub insurance_fee: QuoteLots,
}

/// Whether `liquidate` at `price` would act on `account` once its orders are cancelled: it holds
/// a position whose maintenance margin its equity does not cover. `balance` and
/// `maintenance_bps` as for `liquidate`. Resting orders are left out of the exposure (a
/// liquidation cancels them first), so an account cannot shelter behind its own orders.
pub fn is_liquidatable(
    account: &Trader,
    balance: i64,
    price: Price,
    maintenance_bps: impl Fn(BaseLots) -> Result<Bps, MathError>,
    quote_lot_size: QuoteNativePerQuoteLot,
) -> Result<bool, MathError> {
    let position = account.base_position.get();
    if position == 0 {
        return Ok(false);
    }
    let lots = BaseLots::new(position.unsigned_abs());
    let health = Health {
        exposure: ScaledQuote::new(
            i128::from(position)
                .safe_mul(i128::from(price.raw()))?
                .abs(),
        ),
        exposure_lots: lots,
        ..Health::of(account, balance, quote_lot_size, price)?
    };
    Ok(!health.covers(maintenance_bps(lots)?)?)
}

/// Liquidates part of `account`'s position into `keeper` at `price` (the price most favourable
/// to the account), charging the fee. `account` must have no open orders (the program cancels
/// them first) and its funding settled; `balance` is its collateral in native units and
/// `maintenance_bps(lots)` the market's maintenance fraction for a position of `lots`.
/// Refuses an account that covers maintenance (`NotLiquidatable`).
pub fn liquidate(
    account: &mut Trader,
    balance: i64,
    keeper: &mut Trader,
    price: Price,
    maintenance_bps: impl Fn(BaseLots) -> Result<Bps, MathError>,
    params: &LiquidationParams,
    quote_lot_size: QuoteNativePerQuoteLot,
) -> Result<Liquidation, EngineError> {
    if account.slots_in_use != 0 {
        return Err(EngineError::OrdersOpen);
    }
    let position = account.base_position.get();
    let health = Health::of(account, balance, quote_lot_size, price)?;
    let position_lots = BaseLots::new(position.unsigned_abs());
    let mm = maintenance_bps(position_lots)?;
    if !is_liquidatable(account, balance, price, &maintenance_bps, quote_lot_size)? {
        return Err(EngineError::NotLiquidatable);
    }
    let lots = params.lots_to_liquidate(position_lots, price, health.equity, mm)?;
    // The transfer's value, rounded in the account's favour (a long sells up, a short buys
    // down); the keeper pays or receives the same number, so nothing is created.
    let value = u128::from(lots.get()).safe_mul(u128::from(price.raw()))?;
    let per_quote_lot = u128::from(quote_lot_size.get()).safe_mul(u128::from(PRICE_SCALE))?;
    let (side, quote_lots) = if position > 0 {
        (Side::Ask, value.safe_div_ceil(per_quote_lot)?)
    } else {
        (Side::Bid, value.safe_div(per_quote_lot)?)
    };
    let quote_lots = QuoteLots::new(safe_cast(quote_lots)?);
    account.apply_transfer(side, lots, quote_lots)?;
    keeper.apply_transfer(side.opposite(), lots, quote_lots)?;
    // Equity is unchanged by the transfer (made at the price); whole quote lots of it, floored.
    let quote_lot_e = i128::from(quote_lot_size.get()).safe_mul(i128::from(PRICE_SCALE))?;
    let equity_cap = QuoteLots::new(safe_cast(
        health.equity.get().max(0).safe_div(quote_lot_e)?,
    )?);
    let (keeper_fee, insurance_fee) = params.fee(lots, price, quote_lot_size, equity_cap)?;
    let fee: i64 = safe_cast(keeper_fee.checked_add(insurance_fee)?.get())?;
    account.realised_pnl = account
        .realised_pnl
        .checked_sub(SignedQuoteLots::new(fee))?;
    keeper.realised_pnl = keeper
        .realised_pnl
        .checked_add(SignedQuoteLots::new(safe_cast(keeper_fee.get())?))?;
    Ok(Liquidation {
        lots,
        quote_lots,
        keeper_fee,
        insurance_fee,
    })
}

/// The price at which a position of `position` lots becomes liquidatable, its other equity being
/// `equity_ex_position` (balance, realised PnL, minus the cost basis), at maintenance fraction
/// `maintenance`. Solves `equity_ex + pos·P = |pos|·P·f`; `None`
/// when flat or when no positive price does it (e.g. a fully funded long). Rounded toward the
/// current side (a long's up, a short's down), so it is never shown later than it happens.
pub fn liquidation_price(
    position: i64,
    equity_ex_position: ScaledQuote,
    maintenance: Bps,
) -> Result<Option<Price>, MathError> {
    if position == 0 {
        return Ok(None);
    }
    let pos = i128::from(position);
    // |pos|·f − pos·10⁴: negative for a long (f < 100%), positive for a short.
    let den = pos
        .abs()
        .safe_mul(i128::from(maintenance.get()))?
        .safe_sub(pos.safe_mul(BPS as i128)?)?;
    if den == 0 {
        return Ok(None);
    }
    let num = equity_ex_position.get().safe_mul(BPS as i128)?;
    let p = if position > 0 {
        num.safe_div_ceil(den)?
    } else {
        num.div_euclid(den)
    };
    if p <= 0 {
        return Ok(None);
    }
    Ok(Some(Price::from_raw(safe_cast(p)?)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::risk::test_price as price;

    const S: i128 = PRICE_SCALE as i128;
    const QLS: QuoteNativePerQuoteLot = QuoteNativePerQuoteLot::new(1);

    fn b(raw: u64) -> Bps {
        Bps::new(raw)
    }
    fn l(raw: u64) -> BaseLots {
        BaseLots::new(raw)
    }
    fn q(raw: u64) -> QuoteLots {
        QuoteLots::new(raw)
    }
    fn e(raw: i128) -> ScaledQuote {
        ScaledQuote::new(raw)
    }

    fn params() -> LiquidationParams {
        LiquidationParams {
            discount_bps: b(100),
            insurance_share_bps: b(5_000),
            buffer_bps: b(1_000),
            min_lots: l(1),
        }
    }

    /// Maintenance health after moving `q` of `lots` with a 1% fee, ×10⁴ scaled, at 5%.
    fn buffered_health(lots: u64, q: u64, px: u64, equity: i128) -> i128 {
        let fee = i128::from(q * px) * S / 100;
        let left = i128::from((lots - q) * px) * S;
        (equity - fee) * 10_000 - left * 500 * 11_000 / 10_000
    }

    #[test]
    fn liquidates_just_enough_to_restore_the_buffer() {
        // Long 100 @ 100 on 1,000 at 10×, now at 94: equity 400 < 5% of 9,400 = 470.
        let p = params();
        let q = p
            .lots_to_liquidate(l(100), price(94), e(400 * S), b(500))
            .unwrap()
            .get();
        assert_eq!(q, 28);
        assert!(buffered_health(100, q, 94, 400 * S) >= 0, "restored");
        assert!(
            buffered_health(100, q - 1, 94, 400 * S) < 0,
            "and no less would do"
        );
    }

    #[test]
    fn sizes_at_the_edges() {
        let p = params();
        // Healthy beyond the buffer: nothing.
        assert_eq!(
            p.lots_to_liquidate(l(100), price(94), e(600 * S), b(500)),
            Ok(l(0))
        );
        // No equity left: everything.
        assert_eq!(
            p.lots_to_liquidate(l(100), price(94), e(0), b(500)),
            Ok(l(100))
        );
        assert_eq!(
            p.lots_to_liquidate(l(100), price(94), e(-5 * S), b(500)),
            Ok(l(100))
        );
        // A discount not below the buffered maintenance cannot restore anything: everything.
        let steep = LiquidationParams {
            discount_bps: b(600),
            ..p
        };
        assert_eq!(
            steep.lots_to_liquidate(l(100), price(94), e(400 * S), b(500)),
            Ok(l(100))
        );
        // The minimum lot, but never more than the position.
        let chunky = LiquidationParams {
            min_lots: l(40),
            ..p
        };
        assert_eq!(
            chunky.lots_to_liquidate(l(100), price(94), e(400 * S), b(500)),
            Ok(l(40))
        );
        assert_eq!(
            chunky.lots_to_liquidate(l(30), price(94), e(100 * S), b(500)),
            Ok(l(30))
        );
        assert_eq!(
            p.lots_to_liquidate(l(0), price(94), e(-5 * S), b(500)),
            Ok(l(0))
        );
    }

    #[test]
    fn fee_splits_between_keeper_and_insurance() {
        let p = params();
        // 28 lots × 94 × 1% = 26.32 → 26; insurance half of 27 would round up, of 26 is 13.
        assert_eq!(
            p.fee(l(28), price(94), QLS, QuoteLots::MAX),
            Ok((q(13), q(13)))
        );
        assert_eq!(
            p.fee(l(29), price(94), QLS, QuoteLots::MAX),
            Ok((q(13), q(14)))
        ); // 27.26 → 27: 13.5 → 14 to insurance
        let keeper_only = LiquidationParams {
            insurance_share_bps: b(0),
            ..p
        };
        assert_eq!(
            keeper_only.fee(l(28), price(94), QLS, QuoteLots::MAX),
            Ok((q(26), q(0)))
        );
    }

    /// A trader long 100 lots bought at 100 (one tick = one quote lot = one native unit).
    fn long_100_at_100() -> Trader {
        let mut t: Trader = bytemuck::Zeroable::zeroed();
        let tick = crate::units::QuoteLotsPerBaseLotPerTick::new(1);
        t.apply_trade(
            Side::Bid,
            crate::units::Ticks::new(100),
            BaseLots::new(100),
            SignedQuoteLots::ZERO,
            tick,
        )
        .unwrap();
        t
    }

    #[test]
    fn liquidate_moves_the_position_charges_the_fee_and_refuses_healthy_accounts() {
        // Long 100 @ 100 with 700 collateral, 5% maintenance. At 98 equity 500 covers 490:
        // refused.
        let mut account = long_100_at_100();
        let mut keeper: Trader = bytemuck::Zeroable::zeroed();
        let mm = |_| Ok(b(500));
        let before = account;
        assert_eq!(
            liquidate(
                &mut account,
                700,
                &mut keeper,
                price(98),
                mm,
                &params(),
                QLS
            ),
            Err(EngineError::NotLiquidatable)
        );
        assert_eq!(account, before, "a refusal changes nothing");
        // At 97.5 (equity 450 < 487.5): sized to the 10% buffer, at the price, fee 1% split.
        let px = Price::from_raw(97_500_000);
        let out = liquidate(&mut account, 700, &mut keeper, px, mm, &params(), QLS).unwrap();
        let q = params()
            .lots_to_liquidate(l(100), px, e(450 * S), b(500))
            .unwrap()
            .get();
        assert_eq!(out.lots, l(q));
        assert_eq!(
            out.quote_lots.get(),
            (q * 97_500).div_ceil(1_000),
            "a long sells rounded up"
        );
        assert_eq!(
            (out.keeper_fee, out.insurance_fee),
            params().fee(l(q), px, QLS, QuoteLots::MAX).unwrap()
        );
        assert_eq!(account.base_position.get(), 100 - q as i64);
        assert_eq!(keeper.base_position.get(), q as i64);
        // Zero-sum between the two, less the insurance share.
        let cash = account.cash_flow().unwrap().get() + keeper.cash_flow().unwrap().get();
        assert_eq!(cash, -10_000 - out.insurance_fee.get() as i64);
        // Maintenance health strictly improved.
        let h = |t: &Trader| {
            let h = Health::of(t, 700, QLS, px).unwrap();
            h.equity.get() * 10_000 - h.exposure.get() * 500
        };
        assert!(h(&account) > h(&before));
        // Orders must be cancelled first.
        account.slots_in_use = 1;
        assert_eq!(
            liquidate(&mut account, 0, &mut keeper, px, mm, &params(), QLS),
            Err(EngineError::OrdersOpen)
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2_000))]
        /// For any unhealthy account and parameters with the discount below maintenance: the size
        /// is positive, maintenance health strictly improves (with the fee actually charged and
        /// the size premium re-evaluated on the smaller position), and unless everything had to
        /// go, the buffer is restored.
        #[test]
        fn every_liquidation_strictly_improves_maintenance_health(
            lots in 1u64..1_000_000,
            px in 1u64..1_000_000,
            equity_pct in -50i64..100,
            market_mm in 50u64..2_000,
            premium in 0u64..2_000,
            unit in 1u64..10_000,
            discount_gap in 1u64..2_000,
            buffer in 0u64..5_000,
            min_lots in 1u64..100,
        ) {
            let margin = crate::risk::margin::MarginParams {
                initial_margin_bps: b(10_000),
                maintenance_margin_bps: b(market_mm),
                size_premium_bps: b(premium),
                size_unit_lots: l(unit),
                reference_vol_bps: b(0),
                max_vol_multiplier_bps: b(10_000),
                vol_time_constant_secs: 600,
                oi_soft_cap_lots: l(0),
                oi_hard_cap_lots: l(0),
                maintenance_ramp_bps_per_hour: b(0),
            };
            let p = LiquidationParams {
                discount_bps: b(market_mm.saturating_sub(discount_gap)),
                insurance_share_bps: b(5_000),
                buffer_bps: b(buffer),
                min_lots: l(min_lots),
            };
            let price = price(px);
            let notional = i128::from(lots) * i128::from(price.raw());
            let f0 = margin.maintenance_bps(b(market_mm), l(lots)).unwrap().get();
            // Equity below the maintenance requirement: a percentage of it (negative: bankrupt).
            let requirement = notional * i128::from(f0) / 10_000;
            let equity = requirement * i128::from(equity_pct) / 100 - 1;
            let health = |e: i128, s: u64| {
                let f = margin.maintenance_bps(b(market_mm), l(s)).unwrap().get();
                e * 10_000 - i128::from(s) * i128::from(price.raw()) * i128::from(f)
            };
            let before = health(equity, lots);
            proptest::prop_assume!(before < 0);
            let q = p.lots_to_liquidate(l(lots), price, e(equity), b(f0)).unwrap().get();
            proptest::prop_assert!(q > 0 && q <= lots);
            let (keeper, insurance) = p.fee(l(q), price, QLS, QuoteLots::MAX).unwrap();
            let fee = i128::from(keeper.get() + insurance.get()) * S;
            let after = health(equity - fee, lots - q);
            proptest::prop_assert!(after > before, "q {q}: {before} → {after}");
            if q < lots {
                let f = margin.maintenance_bps(b(market_mm), l(lots - q)).unwrap().get();
                let need = i128::from(lots - q) * i128::from(price.raw()) * i128::from(f)
                    * (10_000 + i128::from(buffer));
                proptest::prop_assert!((equity - fee) * 100_000_000 >= need, "buffer restored");
            }
        }
    }

    #[test]
    fn a_bankrupt_account_pays_no_fee() {
        // Long 100 @ 100 with 500 collateral, now at 94: equity 500 − 600 = −100.
        let mut account = long_100_at_100();
        let mut keeper: Trader = bytemuck::Zeroable::zeroed();
        let out = liquidate(
            &mut account,
            500,
            &mut keeper,
            price(94),
            |_| Ok(b(500)),
            &params(),
            QLS,
        )
        .unwrap();
        assert_eq!(out.lots, l(100), "all of it");
        assert_eq!((out.keeper_fee, out.insurance_fee), (q(0), q(0)));
        // With 3 native units of equity left the fee is capped at 3.
        assert_eq!(params().fee(l(100), price(94), QLS, q(3)), Ok((q(1), q(2))));
    }

    #[test]
    fn liquidation_price_of_longs_and_shorts() {
        // Long 100 @ 100 on 1,000: equity ex position = 1,000 − 10,000 = −9,000.
        // −9,000 + 100·P = 5%·100·P → P = 9,000 / 95 = 94.7368… → rounded up.
        let long = liquidation_price(100, e(-9_000 * S), b(500))
            .unwrap()
            .unwrap();
        assert_eq!(long.raw(), 94_736_843);
        // Short 100 @ 100 on 1,000: 11,000 − 100·P = 5 P → P = 11,000 / 105 = 104.7619… down.
        let short = liquidation_price(-100, e(11_000 * S), b(500))
            .unwrap()
            .unwrap();
        assert_eq!(short.raw(), 104_761_904);
        // A long with no debt is never liquidated; neither is a flat account.
        assert_eq!(liquidation_price(100, e(0), b(500)), Ok(None));
        assert_eq!(liquidation_price(0, e(-9_000 * S), b(500)), Ok(None));
    }
}
