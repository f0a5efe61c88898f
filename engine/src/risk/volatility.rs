//! Realised volatility: a time-weighted EWMA of squared oracle log-returns, in integers.
//!
//! Each observation `p` at time `t` after the previous `(p₀, t₀)` contributes the squared log
//! return `r² = ln(p / p₀)²` over `dt = t − t₀` seconds. The state is the per-second variance
//! `v`, updated as `v ← (v·τ + r²) / (τ + dt)`: the exponential average with weight
//! `dt / (τ + dt)` of the sample rate `r² / dt`, exact for irregular cranks (a constant rate
//! `σ²` stays `σ²` whatever the spacing). `ln(p / p₀)` is taken as `2(p − p₀)/(p + p₀)`, which
//! differs from the log by under `r³/12` (0.02% of `r` for a 5% move). No floats, no `exp`.
//!
//! Observations are kept on the crank grid (`crate::crank`): only the first in each minute slot.
//! Without it the estimate depended on who cranked how often: squared returns of oracle noise
//! add up per observation, not per second, so ±5 bps of noise read 35 bps/√h cranked every
//! minute but 268 bps/√h cranked every second (and margin followed). On the grid both crank
//! rates keep the same observations. The price of it: a swing that starts and ends inside one
//! minute is not seen, and initial margin reacts to a move up to a minute late.

use crate::crank::starts_slot;
use crate::error::MathError;
use crate::math::{SafeMath, safe_cast};
use crate::price::Price;
use crate::units::Bps;
use bytemuck::{Pod, Zeroable};

/// Scale of a log return: 10^9 = 100%.
const RETURN_SCALE: i128 = 1_000_000_000;

/// The stored estimator. 24 bytes; zeroed = no observation yet.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Pod, Zeroable)]
pub struct Volatility {
    /// The last observed price (`Price` raw), 0 before the first.
    pub last_price: u64,
    /// Unix time of `last_price`.
    pub last_at: i64,
    /// Per-second variance of log returns, × 10^18.
    pub variance_e18: u64,
}
static_assertions::const_assert_eq!(core::mem::size_of::<Volatility>(), 24);

impl Volatility {
    /// Folds in the price `price` seen at `now`, with EWMA time constant `tau_secs`, if it is the
    /// first observation of its crank slot; returns whether it was kept. Later observations of
    /// the same slot (or earlier ones) are ignored: the next kept one measures the whole move
    /// from the last kept price.
    pub fn observe(&mut self, price: Price, now: i64, tau_secs: u32) -> Result<bool, MathError> {
        let p = i128::from(price.raw());
        if p == 0 {
            return Ok(false);
        }
        if self.last_price == 0 {
            self.last_price = price.raw();
            self.last_at = now;
            return Ok(true);
        }
        if !starts_slot(self.last_at, now) {
            return Ok(false);
        }
        let p0 = i128::from(self.last_price);
        // |r| < 2 × 10^9, so r² < 4 × 10^18 fits u64.
        let r = (2 * RETURN_SCALE)
            .safe_mul(p.safe_sub(p0)?)?
            .safe_div(p.safe_add(p0)?)?;
        let r2 = r.unsigned_abs().safe_mul(r.unsigned_abs())?;
        let dt = (now - self.last_at) as u128;
        let tau = u128::from(tau_secs);
        let v = u128::from(self.variance_e18)
            .safe_mul(tau)?
            .safe_add(r2)?
            .safe_div(tau.safe_add(dt)?)?;
        self.variance_e18 = safe_cast(v)?;
        self.last_price = price.raw();
        self.last_at = now;
        Ok(true)
    }

    /// Volatility per √hour in bps: √(variance × 3,600).
    pub fn vol_bps(&self) -> Bps {
        // √(v × 3600 × 10^18 / 10^18) as a fraction, × 10^4 for bps: √(v_e18 × 3600) / 10^5.
        // v_e18 < 4 × 10^18, so the product fits u128 easily.
        Bps::new(((u128::from(self.variance_e18) * 3_600).isqrt() / 100_000) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(raw: u64) -> Price {
        Price::from_raw(raw)
    }

    #[test]
    fn the_first_observation_only_anchors() {
        let mut v = Volatility::default();
        v.observe(p(1_000_000), 100, 600).unwrap();
        assert_eq!(
            (v.last_price, v.last_at, v.variance_e18),
            (1_000_000, 100, 0)
        );
        v.observe(p(0), 200, 600).unwrap();
        assert_eq!(v.last_at, 100, "a zero price is not an observation");
    }

    #[test]
    fn a_steady_rate_of_moves_converges_to_its_volatility() {
        // ±0.1% every 60 s: per-second variance (10^-3)² / 60; per √hour that is
        // 10^-3 × √60 = 0.7746% = 77 bps.
        let mut v = Volatility::default();
        let mut price = 100_000_000u64;
        v.observe(p(price), 0, 600).unwrap();
        for i in 1..=600 {
            // Alternate up and down so the price stays put.
            price = if i % 2 == 1 {
                price + 100_000
            } else {
                price - 100_000
            };
            v.observe(p(price), i * 60, 600).unwrap();
        }
        assert!((76..=78).contains(&v.vol_bps().get()), "{}", v.vol_bps());
    }

    #[test]
    fn one_jump_is_weighted_by_elapsed_time() {
        // A 10% jump after 60 s, τ = 540 s: v = r² / 600 with r = 2 × 0.1 / 2.1 = 0.095238.
        let mut v = Volatility::default();
        v.observe(p(100), 0, 540).unwrap();
        v.observe(p(110), 60, 540).unwrap();
        let r = 2 * RETURN_SCALE * 10 / 210;
        assert_eq!(u128::from(v.variance_e18), (r * r) as u128 / 600);
        // Quiet time afterwards decays it: another 600 s with no move halves it (τ/(τ+dt)
        // = 540/1140 < ½).
        let before = v.variance_e18;
        v.observe(p(110), 660, 540).unwrap();
        assert_eq!(v.variance_e18, before * 540 / 1_140);
    }

    #[test]
    fn observations_within_a_slot_are_folded_into_the_next() {
        let mut a = Volatility::default();
        let mut b = Volatility::default();
        for v in [&mut a, &mut b] {
            v.observe(p(1_000), 0, 300).unwrap();
        }
        // Same slot as the anchor (second 0 of the first minute): ignored.
        assert_eq!(a.observe(p(1_100), 10, 300), Ok(false));
        assert_eq!(a, b);
        assert_eq!(a.observe(p(1_050), 60, 300), Ok(true));
        assert_eq!(a.observe(p(1_100), 61, 300), Ok(false)); // same slot
        assert_eq!(a.observe(p(1_100), 59, 300), Ok(false)); // earlier
        b.observe(p(1_050), 60, 300).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn extreme_prices_do_not_overflow() {
        let mut v = Volatility::default();
        v.observe(p(1), 0, u32::MAX).unwrap();
        v.observe(p(u64::MAX), 60, u32::MAX).unwrap();
        v.observe(p(1), 120, 0).unwrap();
        assert!(!v.vol_bps().is_zero());
    }
}
