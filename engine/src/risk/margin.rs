//! Margin fractions (DESIGN §7): initial margin reacts at once to position size, realised
//! volatility and open interest; maintenance follows volatility too, but its increases are
//! rate-limited so a volatility spike tightens new risk immediately without liquidating existing
//! accounts in one step.
//!
//! All fractions are basis points of notional (10,000 = 100%), rounded up (in the venue's
//! favour) and capped at 100%.

use super::BPS;
use crate::error::MathError;
use crate::math::{SafeMath, safe_cast};

/// A market's margin parameters (chosen by governance within the program's bounds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarginParams {
    /// Initial margin fraction of a small position at reference volatility and low OI.
    pub initial_margin_bps: u32,
    /// Maintenance fraction of a small position at reference volatility (the market's listed
    /// maintenance margin; below `initial_margin_bps`).
    pub maintenance_margin_bps: u32,
    /// Added to the size multiplier per √(position / `size_unit_lots`): 1,000 makes a position of
    /// one unit need 10% more margin, of four units 20% more.
    pub size_premium_bps: u32,
    /// The position size the premium is measured in (0 turns the premium off).
    pub size_unit_lots: u64,
    /// Volatility (per √hour) at which margin is its base value.
    pub reference_vol_bps: u32,
    /// Cap on the volatility multiplier (10,000 = never above base).
    pub max_vol_multiplier_bps: u32,
    /// Time constant of the volatility EWMA, seconds (a sample `dt` old weighs `dt / (τ + dt)`).
    pub vol_time_constant_secs: u32,
    /// Open interest (base lots per side) above which initial margin starts rising toward 100%.
    pub oi_soft_cap_lots: u64,
    /// Open interest at which initial margin reaches 100%: beyond it the market only reduces.
    pub oi_hard_cap_lots: u64,
    /// The most the market's maintenance fraction may rise per hour, in bps of notional.
    pub maintenance_ramp_bps_per_hour: u32,
}

impl MarginParams {
    /// The multiplier (bps, ≥ 10,000) for a position of `lots`: 1 + premium × √(lots / unit).
    pub fn size_multiplier_bps(&self, lots: u64) -> Result<u64, MathError> {
        if self.size_unit_lots == 0 || self.size_premium_bps == 0 {
            return Ok(BPS);
        }
        // √(lots / unit) with four decimals: √(lots × 10^8 / unit).
        let root_e4: u64 = safe_cast(
            (u128::from(lots).safe_mul(100_000_000)? / u128::from(self.size_unit_lots)).isqrt(),
        )?;
        let premium = u64::from(self.size_premium_bps)
            .safe_mul(root_e4)?
            .safe_div_ceil(BPS)?;
        BPS.safe_add(premium)
    }

    /// The multiplier (bps) for realised volatility `vol_bps` (per √hour): vol / reference,
    /// clamped to [1, max]. Quiet markets never get margin below base.
    pub fn vol_multiplier_bps(&self, vol_bps: u64) -> Result<u64, MathError> {
        let max = u64::from(self.max_vol_multiplier_bps).max(BPS);
        if self.reference_vol_bps == 0 {
            return Ok(BPS);
        }
        let ratio = vol_bps
            .safe_mul(BPS)?
            .safe_div_ceil(u64::from(self.reference_vol_bps))?;
        Ok(ratio.clamp(BPS, max))
    }

    /// Initial margin fraction (bps) for a position of `lots` while realised volatility is
    /// `vol_bps` and open interest is `oi_lots`: base × size × volatility, then raised toward
    /// 100% linearly between the soft and hard OI caps.
    pub fn initial_bps(&self, lots: u64, vol_bps: u64, oi_lots: u64) -> Result<u64, MathError> {
        let f = scale(
            scale(
                u64::from(self.initial_margin_bps),
                self.size_multiplier_bps(lots)?,
            )?,
            self.vol_multiplier_bps(vol_bps)?,
        )?
        .min(BPS);
        let (soft, hard) = (self.oi_soft_cap_lots, self.oi_hard_cap_lots);
        // Caps not set (hard ≤ soft): no open-interest term.
        if oi_lots <= soft || hard <= soft {
            return Ok(f);
        }
        if oi_lots >= hard {
            return Ok(BPS);
        }
        let extra = u128::from(BPS - f)
            .safe_mul(u128::from(oi_lots - soft))?
            .safe_div_ceil(u128::from(hard - soft))?;
        Ok(f.safe_add(safe_cast(extra)?)?.min(BPS))
    }

    /// What a keeper's account must cover after a liquidation moved a position into it, for an
    /// exposure of `lots` whose maintenance fraction is `maintenance_bps`: the base initial
    /// margin times the size premium, and never less than that maintenance. A liquidation only
    /// moves an existing position (open interest never grows) at a moment volatility is often
    /// high, so the open-interest and volatility terms of `initial_bps`, which price *new* risk,
    /// would refuse exactly the liquidations a market needs; an attacker who trades open
    /// interest up to the hard cap could otherwise stop them all. Maintenance (which follows
    /// volatility through the ramp) still bounds it, so the keeper is never left liquidatable.
    pub fn keeper_initial_bps(&self, lots: u64, maintenance_bps: u64) -> Result<u64, MathError> {
        let base = scale(
            u64::from(self.initial_margin_bps),
            self.size_multiplier_bps(lots)?,
        )?;
        Ok(base.max(maintenance_bps).min(BPS))
    }

    /// The market-wide maintenance fraction (before the size premium) that volatility `vol_bps`
    /// calls for: base maintenance × volatility multiplier. (Open interest raises only initial
    /// margin: it prices new risk, and must not liquidate positions already open.)
    pub fn maintenance_target_bps(&self, vol_bps: u64) -> Result<u64, MathError> {
        Ok(scale(
            u64::from(self.maintenance_margin_bps),
            self.vol_multiplier_bps(vol_bps)?,
        )?
        .min(BPS))
    }

    /// A position's maintenance fraction: the market's (ramped) maintenance fraction times the
    /// position's size multiplier.
    pub fn maintenance_bps(&self, market_bps: u64, lots: u64) -> Result<u64, MathError> {
        Ok(scale(market_bps, self.size_multiplier_bps(lots)?)?.min(BPS))
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
        current: u64,
        target: u64,
        elapsed_secs: i64,
    ) -> Result<(u64, i64), MathError> {
        let elapsed = elapsed_secs.max(0);
        if target <= current {
            return Ok((target, elapsed));
        }
        let rate = u64::from(self.maintenance_ramp_bps_per_hour);
        let allowed = rate.safe_mul(elapsed as u64)? / 3_600;
        let next = target.min(current.saturating_add(allowed));
        if next == target {
            return Ok((next, elapsed));
        }
        // Held back (rate > 0 whenever anything was allowed).
        let used = match next - current {
            0 => 0,
            rise => safe_cast(rise.safe_mul(3_600)?.safe_div_ceil(rate)?)?,
        };
        Ok((next, used))
    }
}

/// `bps × multiplier / 10,000`, rounded up.
fn scale(bps: u64, multiplier_bps: u64) -> Result<u64, MathError> {
    bps.safe_mul(multiplier_bps)?.safe_div_ceil(BPS)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 10% initial (10×), 5% maintenance, +10% per √(100 lots), reference 1%/√h
    /// volatility capped at 3×, OI caps 1,000 / 2,000 lots, maintenance +50 bps per hour.
    pub(crate) fn params() -> MarginParams {
        MarginParams {
            initial_margin_bps: 1_000,
            maintenance_margin_bps: 500,
            size_premium_bps: 1_000,
            size_unit_lots: 100,
            reference_vol_bps: 100,
            max_vol_multiplier_bps: 30_000,
            vol_time_constant_secs: 600,
            oi_soft_cap_lots: 1_000,
            oi_hard_cap_lots: 2_000,
            maintenance_ramp_bps_per_hour: 50,
        }
    }

    #[test]
    fn a_keeper_is_judged_without_the_open_interest_and_volatility_terms() {
        let p = params();
        // Open interest at the hard cap and volatility at its 3× cap: new risk needs 100%.
        assert_eq!(p.initial_bps(100, 1_000, 2_000), Ok(10_000));
        // A keeper taking 100 lots needs the base 10% × the size premium (+10%): 11%.
        assert_eq!(p.keeper_initial_bps(100, 500), Ok(1_100));
        // Never less than the maintenance in force (which follows volatility via the ramp).
        assert_eq!(p.keeper_initial_bps(100, 1_500), Ok(1_500));
        assert_eq!(p.keeper_initial_bps(100, 20_000), Ok(10_000));
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
            assert_eq!(p.size_multiplier_bps(lots), Ok(mult), "{lots} lots");
        }
        let off = MarginParams {
            size_unit_lots: 0,
            ..p
        };
        assert_eq!(off.size_multiplier_bps(1 << 40), Ok(10_000));
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
            assert_eq!(p.vol_multiplier_bps(vol), Ok(mult), "vol {vol}");
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
            assert_eq!(p.initial_bps(lots, vol, oi), Ok(im), "{lots} {vol} {oi}");
        }
    }

    #[test]
    fn maintenance_follows_volatility_but_rises_at_the_ramp_rate() {
        let p = params();
        assert_eq!(p.maintenance_target_bps(100), Ok(500));
        assert_eq!(p.maintenance_target_bps(300), Ok(1_500));
        assert_eq!(p.maintenance_bps(500, 400), Ok(600));
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
                p.ramp_maintenance(cur, target, secs),
                Ok((new, used)),
                "{cur} {target} {secs}"
            );
        }
    }
}
