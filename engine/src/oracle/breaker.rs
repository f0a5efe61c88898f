//! The circuit breaker: when any valid source strays beyond a band around the stable price, the
//! market goes reduce-only for a cool-down. It is released only by an observation, after the
//! cool-down, in which every valid source is back inside the band; a breaker nobody cranks stays
//! engaged (fail closed).

use super::within_bps;
use crate::error::MathError;
use crate::price::Price;

/// Band and cool-down of a market's breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerConfig {
    /// Largest distance from the stable price, in bps of it, a source may show.
    pub band_bps: u32,
    /// How long the market stays reduce-only after the last out-of-band observation.
    pub cooldown_secs: u32,
}

/// A market's breaker state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Breaker {
    /// Whether the breaker holds the market reduce-only.
    pub engaged: bool,
    /// Earliest unix time at which an in-band observation may release it.
    pub cooldown_until: i64,
}

/// What one observation did to the breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerTransition {
    /// Nothing changed.
    Unchanged,
    /// The breaker engaged.
    Engaged,
    /// The breaker was engaged and a new out-of-band price restarted its cool-down.
    Extended,
    /// The cool-down passed with every source in band: the breaker released.
    Released,
}

impl Breaker {
    /// Applies one observation of the valid sources' prices against the stable price as it was
    /// *before* this observation updates it (so a jump cannot drag its own anchor along).
    ///
    /// Out of band: |price − stable| × 10⁴ > band_bps × stable for any valid price. With no stable
    /// price yet nothing can be judged; with no valid source the breaker cannot be released.
    pub fn observe(
        &mut self,
        now: i64,
        valid: &[Price],
        stable: Option<Price>,
        cfg: BreakerConfig,
    ) -> Result<BreakerTransition, MathError> {
        let Some(stable) = stable else {
            return Ok(BreakerTransition::Unchanged);
        };
        let mut out_of_band = false;
        for &price in valid.iter().take(super::MAX_SOURCES) {
            out_of_band |= !within_bps(price, stable, cfg.band_bps, stable)?;
        }
        if out_of_band {
            let was_engaged = self.engaged;
            self.engaged = true;
            self.cooldown_until = self
                .cooldown_until
                .max(now.saturating_add(i64::from(cfg.cooldown_secs)));
            return Ok(if was_engaged {
                BreakerTransition::Extended
            } else {
                BreakerTransition::Engaged
            });
        }
        if self.engaged && now >= self.cooldown_until && !valid.is_empty() {
            self.engaged = false;
            return Ok(BreakerTransition::Released);
        }
        Ok(BreakerTransition::Unchanged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: BreakerConfig = BreakerConfig {
        band_bps: 1_000, // 10%
        cooldown_secs: 300,
    };
    const S: u64 = 100_000_000;

    fn p(raw: u64) -> Price {
        Price::from_raw(raw)
    }

    #[test]
    fn engages_extends_and_releases() {
        let stable = Some(p(S));
        let edge = S + S * u64::from(CFG.band_bps) / 10_000;
        let cool = i64::from(CFG.cooldown_secs);
        let mut b = Breaker::default();
        // (now, valid prices, transition, engaged, cooldown_until)
        let steps: &[(i64, &[Price], BreakerTransition, bool, i64)] = &[
            (0, &[p(S), p(edge)], BreakerTransition::Unchanged, false, 0),
            (
                10,
                &[p(S), p(edge + 1)],
                BreakerTransition::Engaged,
                true,
                10 + cool,
            ),
            (
                20,
                &[p(S), p(S * 14 / 10)],
                BreakerTransition::Extended,
                true,
                20 + cool,
            ),
            // Back in band but inside the cool-down: still engaged.
            (
                20 + cool - 1,
                &[p(S), p(S)],
                BreakerTransition::Unchanged,
                true,
                20 + cool,
            ),
            // No valid source cannot release it.
            (
                20 + cool,
                &[],
                BreakerTransition::Unchanged,
                true,
                20 + cool,
            ),
            (
                20 + cool,
                &[p(S), p(S - S / 20)],
                BreakerTransition::Released,
                false,
                20 + cool,
            ),
            // Downward moves count too.
            (
                1_000,
                &[p(S - S / 10 - 1)],
                BreakerTransition::Engaged,
                true,
                1_000 + cool,
            ),
        ];
        for &(now, valid, transition, engaged, until) in steps {
            assert_eq!(
                b.observe(now, valid, stable, CFG),
                Ok(transition),
                "t={now}"
            );
            assert_eq!((b.engaged, b.cooldown_until), (engaged, until), "t={now}");
        }
    }

    #[test]
    fn nothing_is_judged_without_a_stable_price() {
        let mut b = Breaker::default();
        assert_eq!(
            b.observe(0, &[p(1), p(u64::MAX)], None, CFG),
            Ok(BreakerTransition::Unchanged)
        );
        assert_eq!(b, Breaker::default());
    }
}
