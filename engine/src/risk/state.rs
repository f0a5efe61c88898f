//! A market's risk state, refreshed by the `market_update_risk` crank: the volatility estimator
//! and the ramped maintenance fraction that lags it. Initial margin reads the volatility at once;
//! maintenance only follows at the ramp rate. Both move only on the crank grid (the first crank
//! of each minute slot), so the state does not depend on how often anyone cranks.
//!
//! The ramp rule (docs/roles.md): the market's maintenance fraction only ever rises through
//! `update`, at most `maintenance_ramp_bps_per_hour`, whatever raised its target (volatility, or
//! a role raising the listed maintenance margin); it falls at once. A parameter change first
//! `rebase`s the stored value onto the old parameters, so time banked since the last crank cannot
//! be spent on the new, higher target in one step.

use super::margin::MarginParams;
use super::volatility::Volatility;
use crate::error::MathError;
use crate::math::SafeMath;
use crate::price::Price;
use crate::units::{BaseLots, Bps};
use bytemuck::{Pod, Zeroable};

/// Stored in the market. 40 bytes; zeroed = never updated.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Pod, Zeroable)]
pub struct MarketRisk {
    /// Realised volatility of the index price.
    pub vol: Volatility,
    /// The market's maintenance fraction before size premiums (ramped).
    pub maintenance_bps: Bps,
    /// Unix time of the last update (0: never).
    pub updated_at: i64,
}
static_assertions::const_assert_eq!(core::mem::size_of::<MarketRisk>(), 40);

impl MarketRisk {
    /// Folds in the index price `price` at `now` and moves maintenance toward what the new
    /// volatility calls for, no faster than the ramp allows. The first update starts from the
    /// listed maintenance margin. A crank that is not the first of its slot changes nothing (the
    /// ramp then moves at the slot's first crank, so a crank every second and one a minute ramp
    /// alike).
    pub fn update(&mut self, price: Price, now: i64, p: &MarginParams) -> Result<(), MathError> {
        let kept = self.vol.observe(price, now, p.vol_time_constant_secs)?;
        if !kept && self.updated_at != 0 {
            return Ok(());
        }
        let target = p.maintenance_target_bps(self.vol.vol_bps())?;
        if self.updated_at == 0 {
            self.maintenance_bps = p.maintenance_margin_bps;
            self.updated_at = now;
            return Ok(());
        }
        // The clock advances by the time the ramp used, so fractions of a bps carry over.
        let (next, used) =
            p.ramp_maintenance(self.maintenance_bps, target, now - self.updated_at)?;
        self.maintenance_bps = next;
        self.updated_at = self.updated_at.safe_add(used)?;
        Ok(())
    }

    /// Initial margin fraction for an exposure of `lots` at open interest `oi_lots` (reacts to
    /// volatility at once).
    pub fn initial_bps(
        &self,
        p: &MarginParams,
        lots: BaseLots,
        oi_lots: BaseLots,
    ) -> Result<Bps, MathError> {
        p.initial_bps(lots, self.vol.vol_bps(), oi_lots)
    }

    /// The market's maintenance fraction now, before size premiums: the listed one until the
    /// first update (a listing starts at its listed value), then the ramped value, but never above
    /// what `p` and the current volatility call for. So a lower target (volatility calming, or
    /// governance lowering the listed margin) applies at once, while a higher one waits for
    /// `update` to ramp toward it: it never applies just because `p` changed, even if nobody
    /// cranks. Never above the target also keeps it below initial margin, which is at least the
    /// target times the same multipliers.
    pub fn market_maintenance_bps(&self, p: &MarginParams) -> Result<Bps, MathError> {
        if self.updated_at == 0 {
            return Ok(p.maintenance_margin_bps);
        }
        let target = p.maintenance_target_bps(self.vol.vol_bps())?;
        Ok(self.maintenance_bps.min(target))
    }

    /// Maintenance fraction for a position of `lots`: the market fraction
    /// (`market_maintenance_bps`) times the size premium.
    pub fn maintenance_bps(&self, p: &MarginParams, lots: BaseLots) -> Result<Bps, MathError> {
        p.maintenance_bps(self.market_maintenance_bps(p)?, lots)
    }

    /// Called at `now` just before the market's parameters change from `old` (a council
    /// tightening or an executed governance change): stores the maintenance fraction in force
    /// under `old` and restarts the ramp clock, so the new parameters ramp up from the old
    /// effective value. Ramp time accrued since the last crank is forfeited rather than spent on
    /// the new target: a role's change never raises maintenance at once. A market never updated
    /// starts from `old`'s listed maintenance.
    pub fn rebase(&mut self, now: i64, old: &MarginParams) -> Result<(), MathError> {
        self.maintenance_bps = self.market_maintenance_bps(old)?;
        self.updated_at = self.updated_at.max(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::risk::health::Health;
    use crate::risk::test_price as price;
    use crate::side::Side;
    use crate::trader::Trader;
    use crate::units::SignedQuoteLots;
    use crate::units::{QuoteLotsPerBaseLotPerTick, QuoteNativePerQuoteLot, Ticks};

    fn b(raw: u64) -> Bps {
        Bps::new(raw)
    }
    fn l(raw: u64) -> BaseLots {
        BaseLots::new(raw)
    }

    /// 10% initial, 5% maintenance, reference 0.5%/√h up to 4×, τ = 10 min, +50 bps/h ramp.
    fn params() -> MarginParams {
        MarginParams {
            initial_margin_bps: b(1_000),
            maintenance_margin_bps: b(500),
            size_premium_bps: b(0),
            size_unit_lots: l(0),
            reference_vol_bps: b(50),
            max_vol_multiplier_bps: b(40_000),
            vol_time_constant_secs: 600,
            oi_soft_cap_lots: l(0),
            oi_hard_cap_lots: l(0),
            maintenance_ramp_bps_per_hour: b(50),
        }
    }

    #[test]
    fn a_volatility_spike_tightens_initial_margin_at_once_and_maintenance_slowly() {
        let p = params();
        let mut risk = MarketRisk::default();
        let t0: i64 = 1_700_000_000;
        // A quiet hour: one tick of 0.01% a minute.
        for i in 0..=60 {
            risk.update(price(10_000 + (i % 2) as u64), t0 + 60 * i, &p)
                .unwrap();
        }
        assert_eq!(risk.initial_bps(&p, l(0), l(0)), Ok(b(1_000)));
        assert_eq!(risk.maintenance_bps(&p, l(0)), Ok(b(500)));

        // A long at 19× (equity just above 5% maintenance) on a flat-priced market.
        let mut t = Trader::zeroed();
        let tick = QuoteLotsPerBaseLotPerTick::new(1);
        t.apply_trade(
            Side::Bid,
            Ticks::new(10_000),
            BaseLots::new(100),
            SignedQuoteLots::ZERO,
            tick,
        )
        .unwrap();
        let qls = QuoteNativePerQuoteLot::new(1);
        let health = |r: &MarketRisk| {
            let h = Health::of(&t, 52_631, qls, price(10_000)).unwrap();
            (
                h.covers(r.initial_bps(&p, l(100), l(0)).unwrap()).unwrap(),
                h.covers(r.maintenance_bps(&p, l(100)).unwrap()).unwrap(),
            )
        };
        assert_eq!(health(&risk), (false, true));

        // A volatility spike with a flat price: ±5% swings, a minute apart, back to 10,000.
        let now = t0 + 3_600;
        risk.update(price(10_500), now + 60, &p).unwrap();
        risk.update(price(10_000), now + 120, &p).unwrap();
        let im = risk.initial_bps(&p, l(0), l(0)).unwrap();
        assert_eq!(im, b(4_000), "initial margin at its 4× cap at once");
        // Maintenance rose by at most 50 bps/h × 2 min (1 bps), so the account is still safe.
        let mm = risk.maintenance_bps(&p, l(0)).unwrap();
        assert!((b(500)..=b(500 + 1)).contains(&mm), "{mm:?}");
        assert_eq!(
            health(&risk),
            (false, true),
            "not liquidatable from the spike alone"
        );
        // Hours later, with volatility still high, maintenance has caught up.
        for h in 1..=12 {
            let px = if h % 2 == 0 { 10_000 } else { 10_500 };
            risk.update(price(px), now + 120 + 3_600 * h, &p).unwrap();
        }
        assert!(risk.maintenance_bps(&p, l(0)).unwrap() > b(500 + 5 * 50));
    }

    #[test]
    fn frequent_cranks_ramp_at_the_configured_rate() {
        // Volatility pinned high by ±5% swings every minute, cranked every 10 s; at 50 bps/h
        // each slot's allowance is under a bps, but over an hour the fractions add up to the
        // full 50.
        let p = params();
        let mut risk = MarketRisk::default();
        let t0: i64 = 1_700_000_040; // a slot start
        risk.update(price(10_000), t0, &p).unwrap();
        for i in 1..=360 {
            let px = if (i / 6) % 2 == 0 { 10_000 } else { 10_500 };
            risk.update(price(px), t0 + 10 * i, &p).unwrap();
        }
        assert_eq!(risk.maintenance_bps, b(500 + 50));
    }

    /// `params` with the listed margins replaced.
    fn listed(initial: u64, maintenance: u64) -> MarginParams {
        MarginParams {
            initial_margin_bps: b(initial),
            maintenance_margin_bps: b(maintenance),
            ..params()
        }
    }

    #[test]
    fn a_raised_listed_maintenance_ramps_from_the_old_effective_value() {
        let t0: i64 = 1_700_000_000;
        let old = params();
        let new = listed(3_000, 2_500);
        // (cranked before the change?, seconds since that crank) — in every case the change
        // itself moves nothing, and then maintenance climbs 50 bps per cranked hour.
        for (cranked, idle) in [(true, 0), (true, 36_000), (false, 0)] {
            let mut risk = MarketRisk::default();
            let change_at = t0 + idle;
            if cranked {
                risk.update(price(10_000), t0, &old).unwrap();
            }
            risk.rebase(change_at, &old).unwrap();
            assert_eq!(
                risk.maintenance_bps(&new, l(0)),
                Ok(b(500)),
                "{cranked} {idle}"
            );
            // Nobody cranks for a day: still the old value (the ramp holds without a crank).
            assert_eq!(risk.maintenance_bps(&new, l(0)), Ok(b(500)));
            // Hourly cranks at a flat price: +50 bps each, from the change, not the old crank.
            for h in 1..=3 {
                risk.update(price(10_000), change_at + 3_600 * h, &new)
                    .unwrap();
                assert_eq!(
                    risk.maintenance_bps(&new, l(0)),
                    Ok(b(500 + 50 * h as u64)),
                    "{cranked} {idle} hour {h}"
                );
            }
            // Initial margin took the new listed value at once and stays above maintenance.
            assert_eq!(risk.initial_bps(&new, l(0), l(0)), Ok(b(3_000)));
        }
    }

    #[test]
    fn a_lowered_listed_maintenance_applies_at_once_and_stays_below_initial() {
        let t0: i64 = 1_700_000_000;
        let high = listed(3_000, 2_500);
        let mut risk = MarketRisk::default();
        risk.update(price(10_000), t0, &high).unwrap();
        assert_eq!(risk.maintenance_bps(&high, l(0)), Ok(b(2_500)));
        // Governance lowers both margins: the new maintenance applies before any crank and is
        // below the new initial margin (the old rule, max(ramped, listed), kept 2,500 > 1,000).
        let low = params();
        risk.rebase(t0 + 60, &high).unwrap();
        assert_eq!(risk.maintenance_bps(&low, l(0)), Ok(b(500)));
        assert!(
            risk.initial_bps(&low, l(0), l(0)).unwrap()
                >= risk.maintenance_bps(&low, l(0)).unwrap()
        );
        risk.update(price(10_000), t0 + 120, &low).unwrap();
        assert_eq!(risk.maintenance_bps, b(500));
    }

    #[test]
    fn the_first_update_starts_from_the_listed_maintenance() {
        let p = params();
        let mut risk = MarketRisk::default();
        risk.update(price(10_000), 1_700_000_000, &p).unwrap();
        assert_eq!(
            (risk.maintenance_bps, risk.updated_at),
            (b(500), 1_700_000_000)
        );
        // A clock that goes backwards changes nothing.
        let before = risk;
        risk.update(price(11_000), 1_699_999_000, &p).unwrap();
        assert_eq!(risk, before);
    }
}
