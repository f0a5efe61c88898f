//! Which price an action may use, given the graded sources and the stable price (DESIGN §6).

use super::band::{inside_breaker_band, valid_range, widen};
use super::source::{Graded, MAX_SOURCES, SourceFault};
use super::within_bps;
use crate::error::MathError;
use crate::math::{SafeMath, safe_cast};
use crate::price::Price;
use crate::units::SignedBaseLots;

/// What an instruction is about to do, from the oracle's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Opening or increasing a position, placing a risk-increasing order, withdrawing collateral.
    IncreaseRisk,
    /// Reducing a position, cancelling, depositing: needs no price at all.
    ReduceRisk,
    /// Liquidating an account.
    Liquidate,
    /// Sampling the index price for funding.
    Funding,
}

/// The prices an action may use. Which end applies depends on the side:
/// - `IncreaseRisk`: `low` = min(aggregate, stable), `high` = max(aggregate, stable); the risk
///   engine values a long at `low` and a short at `high` (the worse for the trader).
/// - `Liquidate`: the lowest and highest *valid* source; a long is judged at `high` and a short at
///   `low` (the most favourable to the account), so one manipulated feed cannot liquidate anyone.
/// - `Funding`: `low == high ==` the aggregate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriceBand {
    /// Lower end.
    pub low: Price,
    /// Upper end.
    pub high: Price,
}

impl PriceBand {
    fn spanning(a: Price, b: Price) -> Self {
        PriceBand {
            low: a.min(b),
            high: a.max(b),
        }
    }

    /// The end most favourable to a holder of `position` base lots: a long's high, a short's
    /// (or a flat account's) low. Liquidation values accounts here.
    pub fn favourable_to(&self, position: SignedBaseLots) -> Price {
        if position.is_positive() {
            self.high
        } else {
            self.low
        }
    }

    /// Whether a buy (`buy`) or a sell with limit `limit` can only trade at a price at least as
    /// good as every price in the band: a bid at or below its low, an ask at or above its high.
    /// The delegate rule (issue 22): an order a delegate signs may only trade at such prices, so
    /// at an unchanged index the owner's equity can fall by fees at most, whatever the delegate
    /// trades against (its own accounts included).
    pub fn no_worse_than(&self, buy: bool, limit: Price) -> bool {
        if buy {
            limit <= self.low
        } else {
            limit >= self.high
        }
    }
}

/// Why no price is available for an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OracleError {
    /// A configured source is unusable (the first such source, in configuration order).
    Source(SourceFault),
    /// All sources are valid but disagree by more than the max deviation.
    SourcesDiverge,
    /// No configured source is valid (liquidation needs at least one).
    NoValidSource,
    /// The market has no stable price yet (no successful `market_update_price`).
    StablePriceUnset,
    /// A valid source lies beyond the circuit breaker's band around the stable price: new risk
    /// is refused at once, whether or not anyone has cranked the breaker yet.
    BreakerTripped,
    /// The market price has moved so far from the stable price that no order price is both
    /// near the market and inside the breaker band.
    BandEmpty,
    /// Checked arithmetic failed.
    Math(MathError),
}

impl From<MathError> for OracleError {
    fn from(e: MathError) -> Self {
        OracleError::Math(e)
    }
}

/// The aggregate of the configured sources if every one is valid and they agree: their median
/// (the floored mean of the middle two for an even count). Agreement: (max − min) × 10⁴ ≤
/// `max_deviation_bps` × min.
pub fn agreed_price(sources: &[Graded], max_deviation_bps: u32) -> Result<Price, OracleError> {
    let mut sorted = [Price::ZERO; MAX_SOURCES];
    let n = sources.len();
    if n == 0 || n > MAX_SOURCES {
        return Err(OracleError::NoValidSource);
    }
    for (i, graded) in sources.iter().enumerate() {
        let price = (*graded).map_err(OracleError::Source)?;
        // Insertion sort of at most MAX_SOURCES values.
        let mut j = i;
        while j > 0 && sorted[j - 1] > price {
            sorted[j] = sorted[j - 1];
            j -= 1;
        }
        sorted[j] = price;
    }
    let (low, high) = (sorted[0], sorted[n - 1]);
    if !within_bps(low, high, max_deviation_bps, low)? {
        return Err(OracleError::SourcesDiverge);
    }
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        let sum = u128::from(sorted[n / 2 - 1].raw()).safe_add(u128::from(sorted[n / 2].raw()))?;
        Price::from_raw(safe_cast(sum / 2)?)
    };
    Ok(median)
}

/// The market's price rules: how far sources may disagree, and the band around the stable
/// price (the circuit breaker's, which is also the order band's width).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriceRules {
    /// Largest disagreement between sources for them to agree, in bps.
    pub max_deviation_bps: u32,
    /// The breaker band around the stable price, in bps.
    pub band_bps: u32,
}

/// The prices `action` may use, or why none may. `None` means the action needs no price.
///
/// - Increasing risk needs agreeing sources, a stable price, and every source inside the breaker
///   band around it (judged here, on the prices just read: the breaker fails closed).
/// - Liquidation needs one valid source. A single valid source is clamped into the breaker band
///   around the stable price, so one feed alone — manipulated, with the other down — cannot
///   liquidate anyone beyond what the stable price allows; two valid sources are used as they
///   are (the account is valued at the end most favourable to it).
pub fn price_for(
    action: Action,
    sources: &[Graded],
    stable: Option<Price>,
    rules: PriceRules,
) -> Result<Option<PriceBand>, OracleError> {
    match action {
        Action::ReduceRisk => Ok(None),
        Action::Funding => {
            let index = agreed_price(sources, rules.max_deviation_bps)?;
            Ok(Some(PriceBand::spanning(index, index)))
        }
        Action::IncreaseRisk => {
            let index = agreed_price(sources, rules.max_deviation_bps)?;
            let stable = stable.ok_or(OracleError::StablePriceUnset)?;
            let mut valid = [Price::ZERO; MAX_SOURCES];
            let n = sources.len().min(MAX_SOURCES);
            for (slot, graded) in valid.iter_mut().zip(sources.iter().take(n)) {
                *slot = (*graded).map_err(OracleError::Source)?;
            }
            if !inside_breaker_band(&valid[..n], stable, rules.band_bps)? {
                return Err(OracleError::BreakerTripped);
            }
            Ok(Some(PriceBand::spanning(index, stable)))
        }
        Action::Liquidate => {
            let band = valid_range(sources).ok_or(OracleError::NoValidSource)?;
            let single = sources.iter().filter(|g| g.is_ok()).count() == 1;
            match stable {
                Some(stable) if single => {
                    let limits = widen(PriceBand::spanning(stable, stable), rules.band_bps)?;
                    let clamped = band.low.clamp(limits.low, limits.high);
                    Ok(Some(PriceBand::spanning(clamped, clamped)))
                }
                _ => Ok(Some(band)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEV: u32 = 200; // 2%
    const RULES: PriceRules = PriceRules {
        max_deviation_bps: DEV,
        band_bps: 5_000,
    };

    fn p(raw: u64) -> Price {
        Price::from_raw(raw)
    }

    #[test]
    fn the_favourable_end_is_a_longs_high_and_a_shorts_low() {
        let band = PriceBand::spanning(p(110), p(100));
        for (position, end) in [(5, 110), (-5, 100), (0, 100)] {
            assert_eq!(band.favourable_to(SignedBaseLots::new(position)), p(end));
        }
    }

    #[test]
    fn aggregate_is_the_median_of_agreeing_sources() {
        let (a, b) = (10_000u64, 10_150u64); // 1.5% apart
        assert_eq!(agreed_price(&[Ok(p(a))], DEV), Ok(p(a)));
        assert_eq!(agreed_price(&[Ok(p(b)), Ok(p(a))], DEV), Ok(p((a + b) / 2)));
        // Exactly at the limit: (max − min) × 10⁴ = DEV × min.
        let edge = a + a * u64::from(DEV) / 10_000;
        assert_eq!(
            agreed_price(&[Ok(p(a)), Ok(p(edge))], DEV),
            Ok(p((a + edge) / 2))
        );
        assert_eq!(
            agreed_price(&[Ok(p(a)), Ok(p(edge + 1))], DEV),
            Err(OracleError::SourcesDiverge)
        );
        // An odd number of mantissa units rounds the mean down.
        assert_eq!(agreed_price(&[Ok(p(3)), Ok(p(4))], 10_000), Ok(p(3)));
        assert_eq!(
            agreed_price(&[Ok(p(a)), Err(SourceFault::Stale)], DEV),
            Err(OracleError::Source(SourceFault::Stale))
        );
        assert_eq!(
            agreed_price(
                &[Err(SourceFault::WrongOwner), Err(SourceFault::Stale)],
                DEV
            ),
            Err(OracleError::Source(SourceFault::WrongOwner))
        );
        assert_eq!(agreed_price(&[], DEV), Err(OracleError::NoValidSource));
        // The mean of two prices near u64::MAX does not overflow.
        assert_eq!(
            agreed_price(&[Ok(p(u64::MAX)), Ok(p(u64::MAX - 1))], DEV),
            Ok(p(u64::MAX - 1))
        );
    }

    #[test]
    fn each_action_gets_its_rule() {
        let (pyth, sb, stable) = (p(10_000), p(10_100), p(9_900));
        let both = [Ok(pyth), Ok(sb)];
        let index = p((10_000 + 10_100) / 2);
        let band = |low, high| Ok(Some(PriceBand { low, high }));
        type Case<'a> = (
            Action,
            &'a [Graded],
            Option<Price>,
            Result<Option<PriceBand>, OracleError>,
        );
        let diverged = [Ok(pyth), Ok(p(14_000))];
        let one_stale = [Ok(pyth), Err(SourceFault::Stale)];
        let both_down = [Err(SourceFault::Unverified), Err(SourceFault::Stale)];
        let cases: &[Case] = &[
            // Both valid and agreeing.
            (
                Action::IncreaseRisk,
                &both,
                Some(stable),
                band(stable, index),
            ),
            (
                Action::IncreaseRisk,
                &both,
                Some(p(20_000)),
                band(index, p(20_000)),
            ),
            (
                Action::IncreaseRisk,
                &both,
                None,
                Err(OracleError::StablePriceUnset),
            ),
            (Action::ReduceRisk, &both, Some(stable), Ok(None)),
            (Action::Liquidate, &both, Some(stable), band(pyth, sb)),
            (Action::Funding, &both, None, band(index, index)),
            // Diverging: only liquidation proceeds, at either end.
            (
                Action::IncreaseRisk,
                &diverged,
                Some(stable),
                Err(OracleError::SourcesDiverge),
            ),
            (Action::ReduceRisk, &diverged, Some(stable), Ok(None)),
            (
                Action::Liquidate,
                &diverged,
                Some(stable),
                band(pyth, p(14_000)),
            ),
            (
                Action::Funding,
                &diverged,
                Some(stable),
                Err(OracleError::SourcesDiverge),
            ),
            // One stale: liquidation uses the other.
            (
                Action::IncreaseRisk,
                &one_stale,
                Some(stable),
                Err(OracleError::Source(SourceFault::Stale)),
            ),
            (
                Action::Liquidate,
                &one_stale,
                Some(stable),
                band(pyth, pyth),
            ),
            (
                Action::Funding,
                &one_stale,
                Some(stable),
                Err(OracleError::Source(SourceFault::Stale)),
            ),
            // Both down: only reducing risk is possible.
            (
                Action::IncreaseRisk,
                &both_down,
                Some(stable),
                Err(OracleError::Source(SourceFault::Unverified)),
            ),
            (Action::ReduceRisk, &both_down, None, Ok(None)),
            (
                Action::Liquidate,
                &both_down,
                Some(stable),
                Err(OracleError::NoValidSource),
            ),
        ];
        // The breaker fails closed: a source beyond the band refuses new risk at once.
        let narrow = PriceRules {
            band_bps: 100,
            ..RULES
        };
        assert_eq!(
            price_for(Action::IncreaseRisk, &both, Some(stable), narrow),
            Err(OracleError::BreakerTripped)
        );
        // One valid source is clamped into the band around the stable price: a manipulated
        // feed alone cannot value accounts beyond it.
        let low_feed = [Ok(p(9_000)), Err(SourceFault::Stale)];
        assert_eq!(
            price_for(Action::Liquidate, &low_feed, Some(p(10_000)), narrow),
            band(p(9_900), p(9_900))
        );
        // Two valid sources are used as they are.
        let crashed = [Ok(p(9_000)), Ok(p(9_050))];
        assert_eq!(
            price_for(Action::Liquidate, &crashed, Some(p(10_000)), narrow),
            band(p(9_000), p(9_050))
        );
        for (action, sources, stable, expected) in cases {
            assert_eq!(
                price_for(*action, sources, *stable, RULES),
                *expected,
                "{action:?} {sources:?} {stable:?}"
            );
        }
    }
}
