//! The market's stable price: an exponential moving average of the aggregate oracle price whose
//! movement is also capped per second, so a short-lived spike (or a manipulated feed) barely moves
//! it. It anchors conservative valuation of new risk and the circuit breaker.

use crate::crank::starts_slot;
use crate::error::MathError;
use crate::math::{SafeMath, safe_cast};
use crate::price::Price;
use crate::units::BPS;

/// The most elapsed time one update accounts for, in seconds. After a long silence one crank
/// moves the stable price at most this much time's worth (an EMA step of `60 / window` of the
/// gap, capped by the growth limit), never all the way to a possibly manipulated index; the
/// market's parameters keep `max_growth_bps_per_sec × STABLE_MAX_STEP_SECS` below the breaker
/// band. Equal to the crank slot, so every step of a market cranked at least once a minute is a
/// full 60 s step.
pub const STABLE_MAX_STEP_SECS: u32 = 60;

/// How fast the stable price may follow the oracle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StablePriceConfig {
    /// Time constant of the moving average, in seconds.
    pub window_secs: u32,
    /// Largest move per elapsed second, in bps of the current stable price.
    pub max_growth_bps_per_sec: u32,
}

/// The stable price and when it last moved. A zero price means "not set yet".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StablePrice {
    /// Current stable price (zero until the first agreeing oracle update).
    pub price: Price,
    /// Unix time of the last update.
    pub updated_at: i64,
}

impl StablePrice {
    /// The stable price, if one has been set.
    pub fn get(&self) -> Option<Price> {
        (self.price != Price::ZERO).then_some(self.price)
    }

    /// Moves the stable price toward `oracle` for the time elapsed since the last update.
    ///
    /// With `dt = min(now − updated_at, window, STABLE_MAX_STEP_SECS)` (capping keeps a long
    /// silence from turning into one large jump):
    /// - average step = (oracle − stable) × dt / window (the first-order EMA step, truncated
    ///   toward the current value);
    /// - growth cap = stable × max_growth_bps_per_sec × dt / 10⁴ (floored);
    /// - stable += the average step clamped to ±cap.
    ///
    /// The first update sets the price outright. Only the first update of each crank slot
    /// (`crate::crank`) moves it; a later one in the same minute (or one with a clock that went
    /// backwards) changes nothing. Without the grid, sixty one-second EMA steps closed
    /// 1 − (1 − 1/600)⁶⁰ = 9.5% of a gap per minute where one sixty-second step closed 10%, and
    /// each truncated step lost up to a raw unit: the path depended on the crank rate.
    pub fn update(
        &mut self,
        oracle: Price,
        now: i64,
        cfg: StablePriceConfig,
    ) -> Result<(), MathError> {
        if self.price == Price::ZERO {
            *self = StablePrice {
                price: oracle,
                updated_at: now,
            };
            return Ok(());
        }
        if !starts_slot(self.updated_at, now) {
            return Ok(());
        }
        let elapsed: u64 = safe_cast(now.safe_sub(self.updated_at)?)?;
        let dt = i128::from(
            elapsed
                .min(u64::from(cfg.window_secs))
                .min(u64::from(STABLE_MAX_STEP_SECS)),
        );
        let current = i128::from(self.price.raw());
        let average_step = i128::from(oracle.raw())
            .safe_sub(current)?
            .safe_mul(dt)?
            .safe_div(i128::from(cfg.window_secs))?;
        let cap = current
            .safe_mul(i128::from(cfg.max_growth_bps_per_sec))?
            .safe_mul(dt)?
            .safe_div(i128::from(BPS))?;
        let step = average_step.clamp(-cap, cap);
        self.price = Price::from_raw(safe_cast(current.safe_add(step)?)?);
        self.updated_at = now;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: StablePriceConfig = StablePriceConfig {
        window_secs: 600,
        max_growth_bps_per_sec: 10,
    };
    const S: u64 = 100_000_000;
    /// A slot start.
    const T0: i64 = 999_960;

    fn at(price: u64) -> StablePrice {
        StablePrice {
            price: Price::from_raw(price),
            updated_at: T0,
        }
    }

    fn stepped(start: u64, oracle: u64, dt: i64, cfg: StablePriceConfig) -> u64 {
        let mut s = at(start);
        s.update(Price::from_raw(oracle), T0 + dt, cfg).unwrap();
        assert_eq!(s.updated_at, T0 + dt);
        s.price.raw()
    }

    #[test]
    fn only_the_first_update_of_a_slot_moves_it() {
        let mut s = at(S);
        for dt in [1, 30, 59] {
            s.update(Price::from_raw(2 * S), T0 + dt, CFG).unwrap();
            assert_eq!(s, at(S), "same slot as {T0}: no move");
        }
        s.update(Price::from_raw(S + 1_200), T0 + 61, CFG).unwrap();
        assert_eq!((s.price.raw(), s.updated_at), (S + 120, T0 + 61));
    }

    #[test]
    fn follows_the_oracle_within_the_growth_cap() {
        let w = u64::from(CFG.window_secs);
        let g = u64::from(CFG.max_growth_bps_per_sec);
        let slow = StablePriceConfig {
            max_growth_bps_per_sec: 1,
            ..CFG
        };
        // (start, oracle, dt, cfg, expected)
        let cases: &[(u64, u64, u64, StablePriceConfig, u64)] = &[
            // +0.5% over 60 s: the average step (0.5% × 60/600) is inside the cap.
            (S, S + S / 200, 60, CFG, S + (S / 200) * 60 / w),
            // −0.5%: symmetric.
            (S, S - S / 200, 60, CFG, S - (S / 200) * 60 / w),
            // +40% over 60 s with a 1 bps/s cap: the cap binds (S × 1 × 60 / 10⁴).
            (S, S * 14 / 10, 60, slow, S + S * 60 / 10_000),
            // −40%: the cap binds downward too.
            (S, S * 6 / 10, 60, slow, S - S * 60 / 10_000),
            // A silence longer than a step counts as one step of 60 s: an average step of
            // 60/600 of the gap, never the whole gap …
            (S, S + S / 10, 10 * w, CFG, S + (S / 10) * 60 / w),
            // … and capped at S × g × 60 / 10⁴ = 6% here.
            (S, 2 * S, 10 * w, CFG, S + S * g * 60 / 10_000),
            // One minute: average step of 60/600 of a 1,200-unit gap.
            (S, S + 1_200, 60, CFG, S + 120),
            // A gap smaller than window/dt truncates to no move.
            (S, S + 9, 60, CFG, S),
        ];
        for &(start, oracle, dt, cfg, expected) in cases {
            assert_eq!(
                stepped(start, oracle, dt as i64, cfg),
                expected,
                "{start} → {oracle} over {dt}s"
            );
        }
    }

    #[test]
    fn first_update_sets_and_same_second_is_a_no_op() {
        let mut s = StablePrice::default();
        assert_eq!(s.get(), None);
        s.update(Price::from_raw(S), T0, CFG).unwrap();
        assert_eq!(s, at(S));
        assert_eq!(s.get(), Some(Price::from_raw(S)));
        s.update(Price::from_raw(2 * S), T0, CFG).unwrap();
        assert_eq!(s, at(S));
        s.update(Price::from_raw(2 * S), T0 - 10, CFG).unwrap();
        assert_eq!(s, at(S));
    }

    #[test]
    fn converges_without_overshooting() {
        // Ten minutes of one update per second toward a 5% higher price (one a minute moves
        // it): every step moves toward the oracle, never past it, and never by more than the
        // cap.
        let target = Price::from_raw(S + S / 20);
        let mut s = at(S);
        for i in 1..=600 {
            let before = s.price.raw();
            s.update(target, T0 + i, CFG).unwrap();
            let after = s.price.raw();
            assert!(after >= before && after <= target.raw());
            assert!(after - before <= before * u64::from(CFG.max_growth_bps_per_sec) * 60 / 10_000);
        }
        // Ten steps of a tenth close 1 − 0.9¹⁰ = 65.1% of the gap (a continuous EMA: 63%).
        let closed = (s.price.raw() - S) * 100 / (target.raw() - S);
        assert_eq!(closed, 65, "closed {closed}%");
    }
}
