//! Margin fractions (DESIGN §7): initial margin reacts at once to position size, realised
//! volatility and open interest; maintenance follows volatility too, but its increases are
//! rate-limited so a volatility spike tightens new risk immediately without liquidating existing
//! accounts in one step.
//!
//! All fractions are basis points of notional (10,000 = 100%), rounded up (in the venue's
//! favour) and capped at 100%.

use crate::error::MathError;
use crate::math::{SafeMath, safe_cast};
use crate::units::{BPS, BaseLots, Bps};

/// A market's margin parameters (chosen by governance within the program's bounds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarginParams {
    /// Initial margin fraction of a small position at reference volatility and low OI.
    pub initial_margin_bps: Bps,
    /// Maintenance fraction of a small position at reference volatility (the market's listed
    /// maintenance margin; below `initial_margin_bps`).
    pub maintenance_margin_bps: Bps,
    /// Added to the size multiplier per √(position / `size_unit_lots`): 1,000 makes a position of
    /// one unit need 10% more margin, of four units 20% more.
    pub size_premium_bps: Bps,
    /// The position size the premium is measured in (0 turns the premium off).
    pub size_unit_lots: BaseLots,
    /// Volatility (per √hour) at which margin is its base value.
    pub reference_vol_bps: Bps,
    /// Cap on the volatility multiplier (10,000 = never above base).
    pub max_vol_multiplier_bps: Bps,
    /// Time constant of the volatility EWMA, seconds (a sample `dt` old weighs `dt / (τ + dt)`).
    pub vol_time_constant_secs: u32,
    /// Open interest (base lots per side) above which initial margin starts rising toward 100%.
    pub oi_soft_cap_lots: BaseLots,
    /// Open interest at which initial margin reaches 100%: beyond it the market only reduces.
    pub oi_hard_cap_lots: BaseLots,
    /// The most the market's maintenance fraction may rise per hour (bps of notional per hour).
    pub maintenance_ramp_bps_per_hour: Bps,
}

impl MarginParams {
    /// The multiplier (≥ one whole) for a position of `lots`: 1 + premium × √(lots / unit).
    pub fn size_multiplier_bps(&self, lots: BaseLots) -> Result<Bps, MathError> {
        if self.size_unit_lots.is_zero() || self.size_premium_bps.is_zero() {
            return Ok(Bps::WHOLE);
        }
        // √(lots / unit) with four decimals: √(lots × 10^8 / unit).
        let root_e4: u64 = safe_cast(
            (u128::from(lots.get()).safe_mul(100_000_000)? / u128::from(self.size_unit_lots.get()))
                .isqrt(),
        )?;
        let premium = self
            .size_premium_bps
            .get()
            .safe_mul(root_e4)?
            .safe_div_ceil(BPS)?;
        Bps::WHOLE.checked_add(Bps::new(premium))
    }

    /// The multiplier for realised volatility `vol` (per √hour): vol / reference, clamped to
    /// [1, max]. Quiet markets never get margin below base.
    pub fn vol_multiplier_bps(&self, vol: Bps) -> Result<Bps, MathError> {
        let max = self.max_vol_multiplier_bps.max(Bps::WHOLE);
        if self.reference_vol_bps.is_zero() {
            return Ok(Bps::WHOLE);
        }
        let ratio = vol
            .get()
            .safe_mul(BPS)?
            .safe_div_ceil(self.reference_vol_bps.get())?;
        Ok(Bps::new(ratio).clamp(Bps::WHOLE, max))
    }

    /// Initial margin fraction for a position of `lots` while realised volatility is `vol` and
    /// open interest is `oi`: base × size × volatility, then raised toward 100% linearly between
    /// the soft and hard OI caps.
    pub fn initial_bps(&self, lots: BaseLots, vol: Bps, oi: BaseLots) -> Result<Bps, MathError> {
        let f = self
            .initial_margin_bps
            .scale_ceil(self.size_multiplier_bps(lots)?)?
            .scale_ceil(self.vol_multiplier_bps(vol)?)?
            .capped();
        let (soft, hard) = (self.oi_soft_cap_lots, self.oi_hard_cap_lots);
        // Caps not set (hard ≤ soft): no open-interest term.
        if oi <= soft || hard <= soft {
            return Ok(f);
        }
        if oi >= hard {
            return Ok(Bps::WHOLE);
        }
        let extra = u128::from(BPS - f.get())
            .safe_mul(u128::from(oi.get() - soft.get()))?
            .safe_div_ceil(u128::from(hard.get() - soft.get()))?;
        Ok(f.checked_add(Bps::new(safe_cast(extra)?))?.capped())
    }

    /// What a keeper's account must cover after a liquidation moved a position into it, for an
    /// exposure of `lots` whose maintenance fraction is `maintenance`: the base initial
    /// margin times the size premium, and never less than that maintenance. A liquidation only
    /// moves an existing position (open interest never grows) at a moment volatility is often
    /// high, so the open-interest and volatility terms of `initial_bps`, which price *new* risk,
    /// would refuse exactly the liquidations a market needs; an attacker who trades open
    /// interest up to the hard cap could otherwise stop them all. Maintenance (which follows
    /// volatility through the ramp) still bounds it, so the keeper is never left liquidatable.
    pub fn keeper_initial_bps(&self, lots: BaseLots, maintenance: Bps) -> Result<Bps, MathError> {
        let base = self
            .initial_margin_bps
            .scale_ceil(self.size_multiplier_bps(lots)?)?;
        Ok(base.max(maintenance).capped())
    }

    /// The market-wide maintenance fraction (before the size premium) that volatility `vol`
    /// calls for: base maintenance × volatility multiplier. (Open interest raises only initial
    /// margin: it prices new risk, and must not liquidate positions already open.)
    pub fn maintenance_target_bps(&self, vol: Bps) -> Result<Bps, MathError> {
        Ok(self
            .maintenance_margin_bps
            .scale_ceil(self.vol_multiplier_bps(vol)?)?
            .capped())
    }

    /// A position's maintenance fraction: the market's (ramped) maintenance fraction times the
    /// position's size multiplier.
    pub fn maintenance_bps(&self, market: Bps, lots: BaseLots) -> Result<Bps, MathError> {
        Ok(market.scale_ceil(self.size_multiplier_bps(lots)?)?.capped())
    }

    /// The market's maintenance fraction after `elapsed` seconds at `current`, moving toward
    /// `target`, and the seconds that move used. Decreases apply at once; increases are at most
    /// `maintenance_ramp_bps_per_hour` pro rata, rounded down, so a spike cannot raise it faster
    /// than configured. A rise held back by the ramp uses only the time it needed (rounded up),
    /// so a caller that advances its clock by the time used carries the rest of a fraction of a
    /// bps forward: frequent updates ramp at the configured rate instead of each rounding to
    /// nothing.
    pub fn ramp_maintenance(
        &self,
        current: Bps,
        target: Bps,
        elapsed_secs: i64,
    ) -> Result<(Bps, i64), MathError> {
        let elapsed = elapsed_secs.max(0);
        if target <= current {
            return Ok((target, elapsed));
        }
        let rate = self.maintenance_ramp_bps_per_hour.get();
        let allowed = rate.safe_mul(elapsed as u64)? / 3_600;
        let next = target.min(Bps::new(current.get().saturating_add(allowed)));
        if next == target {
            return Ok((next, elapsed));
        }
        // Held back (rate > 0 whenever anything was allowed).
        let used = match next.get() - current.get() {
            0 => 0,
            rise => safe_cast(rise.safe_mul(3_600)?.safe_div_ceil(rate)?)?,
        };
        Ok((next, used))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(raw: u64) -> Bps {
        Bps::new(raw)
    }
    fn l(raw: u64) -> BaseLots {
        BaseLots::new(raw)
    }

    /// 10% initial (10×), 5% maintenance, +10% per √(100 lots), reference 1%/√h
    /// volatility capped at 3×, OI caps 1,000 / 2,000 lots, maintenance +50 bps per hour.
    pub(crate) fn params() -> MarginParams {
        MarginParams {
            initial_margin_bps: b(1_000),
            maintenance_margin_bps: b(500),
            size_premium_bps: b(1_000),
            size_unit_lots: l(100),
            reference_vol_bps: b(100),
            max_vol_multiplier_bps: b(30_000),
            vol_time_constant_secs: 600,
            oi_soft_cap_lots: l(1_000),
            oi_hard_cap_lots: l(2_000),
            maintenance_ramp_bps_per_hour: b(50),
        }
    }

    #[test]
    fn a_keeper_is_judged_without_the_open_interest_and_volatility_terms() {
        let p = params();
        // Open interest at the hard cap and volatility at its 3× cap: new risk needs 100%.
        assert_eq!(p.initial_bps(l(100), b(1_000), l(2_000)), Ok(b(10_000)));
        // A keeper taking 100 lots needs the base 10% × the size premium (+10%): 11%.
        assert_eq!(p.keeper_initial_bps(l(100), b(500)), Ok(b(1_100)));
        // Never less than the maintenance in force (which follows volatility via the ramp).
        assert_eq!(p.keeper_initial_bps(l(100), b(1_500)), Ok(b(1_500)));
        assert_eq!(p.keeper_initial_bps(l(100), b(20_000)), Ok(b(10_000)));
    }

    #[test]
    fn size_premium_grows_with_the_square_root_of_size() {
        let p = params();
        for (lots, mult) in [
            (0, 10_000),
            (1, 10_100),     // √0.01 = 0.1 → +1%
            (100, 11_000),   // one unit → +10%
            (400, 12_000),   // four units → +20%
            (2_500, 15_000), // 25 units → +50%
            (150, 11_225),   // √1.5 = 1.22474… → 1,224.74 bps, rounded up
        ] {
            assert_eq!(p.size_multiplier_bps(l(lots)), Ok(b(mult)), "{lots} lots");
        }
        let off = MarginParams {
            size_unit_lots: l(0),
            ..p
        };
        assert_eq!(off.size_multiplier_bps(l(1 << 40)), Ok(Bps::WHOLE));
    }

    #[test]
    fn volatility_multiplier_is_clamped_between_one_and_max() {
        let p = params();
        for (vol, mult) in [
            (0, 10_000),
            (50, 10_000),  // quieter than reference: still base
            (100, 10_000), // at reference
            (150, 15_000),
            (250, 25_000),
            (1_000, 30_000), // capped at 3×
            (101, 10_100),
        ] {
            assert_eq!(p.vol_multiplier_bps(b(vol)), Ok(b(mult)), "vol {vol}");
        }
    }

    #[test]
    fn initial_margin_combines_size_volatility_and_open_interest() {
        let p = params();
        // (lots, vol, oi) → initial bps
        for (lots, vol, oi, im) in [
            (0, 100, 0, 1_000),      // base
            (100, 100, 0, 1_100),    // size ×1.1
            (100, 200, 0, 2_200),    // and volatility ×2
            (0, 100, 1_000, 1_000),  // OI at the soft cap: no change yet
            (0, 100, 1_500, 5_500),  // halfway to hard: halfway to 100%
            (0, 100, 1_250, 3_250),  // a quarter of the way
            (0, 100, 2_000, 10_000), // hard cap: fully collateralised
            (0, 100, 5_000, 10_000),
            (2_500, 1_000, 0, 4_500),    // ×1.5 × 3
            (1 << 40, 1_000, 0, 10_000), // never above 100%
        ] {
            assert_eq!(
                p.initial_bps(l(lots), b(vol), l(oi)),
                Ok(b(im)),
                "{lots} {vol} {oi}"
            );
        }
    }

    #[test]
    fn maintenance_follows_volatility_but_rises_at_the_ramp_rate() {
        let p = params();
        assert_eq!(p.maintenance_target_bps(b(100)), Ok(b(500)));
        assert_eq!(p.maintenance_target_bps(b(300)), Ok(b(1_500)));
        assert_eq!(p.maintenance_bps(b(500), l(400)), Ok(b(600)));
        // (current, target, seconds) → (new, seconds used)
        for (cur, target, secs, new, used) in [
            (500, 1_500, 0, 500, 0),
            (500, 1_500, 3_600, 550, 3_600),     // one hour: +50
            (500, 1_500, 1_800, 525, 1_800),     // half an hour: +25
            (500, 1_500, 72_000, 1_500, 72_000), // twenty hours: +1,000, the full way
            (500, 510, 3_600, 510, 3_600),       // never past the target
            (1_500, 500, 1, 500, 1),             // decreases at once
            (500, 1_500, 71, 500, 0), // 71 s at 50/h is 0.98 bps: nothing, and no time used
            (500, 1_500, 100, 501, 72), // 1.39 bps → 1, which needed 72 s
            (500, 1_500, -5, 500, 0), // a clock going backwards allows nothing
        ] {
            assert_eq!(
                p.ramp_maintenance(b(cur), b(target), secs),
                Ok((b(new), used)),
                "{cur} {target} {secs}"
            );
        }
    }
}
