//! A market's own price state — stable price and circuit breaker — and the one rule for
//! refreshing it from freshly graded sources (what `market_update_price` runs).

use super::aggregate::{OracleError, agreed_price};
use super::breaker::{Breaker, BreakerConfig, BreakerTransition};
use super::source::{Graded, MAX_SOURCES};
use super::stable::{StablePrice, StablePriceConfig};
use crate::price::Price;

/// Settings of a refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackerConfig {
    /// Largest disagreement between sources for them to agree, in bps.
    pub max_deviation_bps: u32,
    /// Stable-price settings.
    pub stable: StablePriceConfig,
    /// Breaker settings.
    pub breaker: BreakerConfig,
}

/// The stable price and the breaker, refreshed together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PriceTracker {
    /// The stable price.
    pub stable: StablePrice,
    /// The circuit breaker.
    pub breaker: Breaker,
}

/// What one refresh saw and did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refresh {
    /// The aggregate of agreeing sources, if they agreed.
    pub index: Option<Price>,
    /// What happened to the breaker.
    pub transition: BreakerTransition,
    /// How many sources were valid.
    pub valid_sources: u8,
}

impl PriceTracker {
    /// Refreshes from `sources`: first the breaker, judged against the stable price as it was
    /// (so a jump cannot drag its own anchor), then the stable price — only from agreeing sources,
    /// so one bad feed cannot move it. With no valid source nothing can change and the refresh is
    /// refused with `NoValidSource`.
    pub fn refresh(
        &mut self,
        now: i64,
        sources: &[Graded],
        cfg: TrackerConfig,
    ) -> Result<Refresh, OracleError> {
        let mut valid = [Price::ZERO; MAX_SOURCES];
        let mut count = 0;
        for price in sources.iter().take(MAX_SOURCES).filter_map(|g| g.ok()) {
            valid[count] = price;
            count += 1;
        }
        if count == 0 {
            return Err(OracleError::NoValidSource);
        }
        let transition =
            self.breaker
                .observe(now, &valid[..count], self.stable.get(), cfg.breaker)?;
        let index = match agreed_price(sources, cfg.max_deviation_bps) {
            Ok(index) => Some(index),
            Err(OracleError::Math(e)) => return Err(OracleError::Math(e)),
            Err(_) => None,
        };
        // The stable price follows the agreed aggregate; while the other sources are down, it
        // follows the lone valid one, at the same growth limit. Holding still instead would pin
        // every lone-source liquidation inside the band around the price before the outage, for
        // as long as the outage lasts (issue 21's audit). Sources that are all valid but
        // disagree move it nowhere: nothing says which is right.
        let lead = match (index, count) {
            (Some(index), _) => Some(index),
            (None, 1) if sources.len() > 1 => Some(valid[0]),
            _ => None,
        };
        if let Some(lead) = lead {
            self.stable.update(lead, now, cfg.stable)?;
        }
        Ok(Refresh {
            index,
            transition,
            // At most MAX_SOURCES (2).
            valid_sources: count as u8,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oracle::SourceFault;

    const CFG: TrackerConfig = TrackerConfig {
        max_deviation_bps: 100,
        stable: StablePriceConfig {
            window_secs: 600,
            max_growth_bps_per_sec: 10,
        },
        breaker: BreakerConfig {
            band_bps: 1_000,
            cooldown_secs: 300,
        },
    };
    const S: u64 = 100_000_000;

    fn p(raw: u64) -> Price {
        Price::from_raw(raw)
    }

    fn tracker() -> PriceTracker {
        PriceTracker {
            stable: StablePrice {
                price: p(S),
                updated_at: 0,
            },
            breaker: Breaker::default(),
        }
    }

    #[test]
    fn a_jump_on_one_source_trips_the_breaker_without_moving_the_anchor() {
        let mut t = tracker();
        let r = t.refresh(60, &[Ok(p(S * 14 / 10)), Ok(p(S))], CFG).unwrap();
        assert_eq!(
            r,
            Refresh {
                index: None,
                transition: BreakerTransition::Engaged,
                valid_sources: 2,
            }
        );
        assert_eq!(t.stable.price, p(S));
        assert_eq!(t.breaker.cooldown_until, 60 + 300);
    }

    #[test]
    fn the_breaker_judges_against_the_stable_price_before_it_moves() {
        // Both sources at +11%: out of the 10% band around the old stable price, so the breaker
        // engages even though the stable price then moves toward them.
        let mut t = tracker();
        let up = S + S * 11 / 100;
        let r = t.refresh(60, &[Ok(p(up)), Ok(p(up))], CFG).unwrap();
        assert_eq!(r.transition, BreakerTransition::Engaged);
        assert_eq!(r.index, Some(p(up)));
        // Average step (up − S) × 60/600 = 1.1% is inside the cap S × 10 × 60 / 10⁴ = 6%.
        assert_eq!(t.stable.price, p(S + (up - S) * 60 / 600));
    }

    #[test]
    fn a_partial_outage_lets_the_lone_source_lead_and_total_outages_are_refused() {
        let mut t = tracker();
        let lone = S + S / 20;
        let r = t
            .refresh(60, &[Ok(p(lone)), Err(SourceFault::Stale)], CFG)
            .unwrap();
        assert_eq!(
            (r.index, r.valid_sources, r.transition),
            (None, 1, BreakerTransition::Unchanged)
        );
        // The stable price moves toward the lone source exactly as toward an agreed aggregate
        // (no index is reported: nothing agreed).
        let mut led = tracker();
        led.stable.update(p(lone), 60, CFG.stable).unwrap();
        assert_eq!(t.stable, led.stable);
        assert!(t.stable.price > p(S));
        // Valid but disagreeing sources move it nowhere.
        let mut d = tracker();
        d.refresh(60, &[Ok(p(S + S / 20)), Ok(p(S - S / 20))], CFG)
            .unwrap();
        assert_eq!(d, tracker());
        let mut t = tracker();
        let down = [Err(SourceFault::Stale), Err(SourceFault::WrongOwner)];
        assert_eq!(t.refresh(60, &down, CFG), Err(OracleError::NoValidSource));
        assert_eq!(t, tracker());
    }

    #[test]
    fn the_first_agreeing_refresh_sets_the_stable_price() {
        let mut t = PriceTracker::default();
        let r = t.refresh(5, &[Ok(p(S)), Ok(p(S + 100))], CFG).unwrap();
        assert_eq!(r.index, Some(p(S + 50)));
        assert_eq!(r.transition, BreakerTransition::Unchanged);
        assert_eq!(t.stable.price, p(S + 50));
        assert_eq!(t.stable.updated_at, 5);
    }
}
