//! The price band every order trades in (DESIGN §5, §13): no value moves between two accounts at
//! an off-market price, whatever the order's flags and whatever state the oracles are in.
//!
//! The band is the intersection of two ranges, each `band_bps` wide:
//! - around the **stable price**, so no order can rest or fill where the circuit breaker would
//!   fire, and a feed that jumps cannot drag the band along faster than the stable price follows;
//! - around the **reference**: the most trustworthy view of the market price still available —
//!   the agreed aggregate when the sources agree, else the range of the valid sources, else the
//!   last such reference the market recorded while some source was valid (the stable price lags
//!   a move: with every source stale, judging at it — or at an older agreed price — would revive
//!   orders a crash had left and value positions at a price the market has already left), else
//!   the stable price alone.
//!
//! When the two do not overlap (the market has moved more than twice the band from the stable
//! price), no order is allowed: the band is empty until the stable price catches up, and only
//! liquidations proceed. The market's parameters keep `band_bps` plus the taker fee at or below
//! the maintenance margin, so a fill anywhere in the band moves an account's equity by less than
//! the margin its position already holds.

use super::aggregate::{OracleError, PriceBand, agreed_price};
use super::source::{Graded, MAX_SOURCES};
use crate::error::MathError;
use crate::math::{SafeMath, safe_cast};
use crate::price::Price;
use crate::units::BPS;

/// What an order may trade at, and what it is judged against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderBand {
    /// Prices an order may be placed and filled at (both ends included).
    pub allowed: PriceBand,
    /// The reference the band was built around, where a risk-reducing fill is judged: the
    /// aggregate, or the valid sources' range, or the stable price alone.
    pub reference: PriceBand,
}

/// `price × (10⁴ + delta_bps) / 10⁴`, floored; `delta_bps` may be negative (down to −10⁴).
pub fn scale_bps(price: Price, delta_bps: i64) -> Result<Price, MathError> {
    let factor: u128 = safe_cast(i128::from(BPS).safe_add(i128::from(delta_bps))?.max(0))?;
    let raw = u128::from(price.raw()).safe_mul(factor)? / u128::from(BPS);
    Ok(Price::from_raw(safe_cast(raw)?))
}

/// `[low × (1 − bps), high × (1 + bps)]`.
pub fn widen(band: PriceBand, bps: u32) -> Result<PriceBand, MathError> {
    let w = i64::from(bps);
    Ok(PriceBand {
        low: scale_bps(band.low, -w)?,
        high: scale_bps(band.high, w)?,
    })
}

/// The valid sources' lowest and highest price, if any source is valid.
pub fn valid_range(sources: &[Graded]) -> Option<PriceBand> {
    let mut band: Option<PriceBand> = None;
    for price in sources.iter().take(MAX_SOURCES).filter_map(|g| g.ok()) {
        band = Some(match band {
            None => PriceBand {
                low: price,
                high: price,
            },
            Some(b) => PriceBand {
                low: b.low.min(price),
                high: b.high.max(price),
            },
        });
    }
    band
}

/// The market price as far as it can still be trusted: the agreed aggregate, else the valid
/// sources' range, else `None`.
pub fn reference_range(
    sources: &[Graded],
    max_deviation_bps: u32,
) -> Result<Option<PriceBand>, OracleError> {
    match agreed_price(sources, max_deviation_bps) {
        Ok(index) => Ok(Some(PriceBand {
            low: index,
            high: index,
        })),
        Err(OracleError::Math(e)) => Err(OracleError::Math(e)),
        Err(_) => Ok(valid_range(sources)),
    }
}

/// The band every order must lie in (see the module doc). `last_reference` is the reference the
/// market last recorded while a source was valid. Needs a stable price; refuses with `BandEmpty`
/// when the reference has moved too far from it.
pub fn order_band(
    sources: &[Graded],
    stable: Option<Price>,
    last_reference: Option<PriceBand>,
    max_deviation_bps: u32,
    band_bps: u32,
) -> Result<OrderBand, OracleError> {
    let stable = stable.ok_or(OracleError::StablePriceUnset)?;
    let at_stable = PriceBand {
        low: stable,
        high: stable,
    };
    let reference = reference_range(sources, max_deviation_bps)?
        .or(last_reference)
        .unwrap_or(at_stable);
    let around_stable = widen(at_stable, band_bps)?;
    let around_reference = widen(reference, band_bps)?;
    let allowed = PriceBand {
        low: around_stable.low.max(around_reference.low),
        high: around_stable.high.min(around_reference.high),
    };
    if allowed.low > allowed.high {
        return Err(OracleError::BandEmpty);
    }
    Ok(OrderBand { allowed, reference })
}

/// Whether every price in `prices` lies within `band_bps` of `stable` — the circuit breaker's
/// condition, judged on prices read in the same instruction (fail closed: a risk-increasing
/// action never waits for someone to crank the breaker).
pub fn inside_breaker_band(
    prices: &[Price],
    stable: Price,
    band_bps: u32,
) -> Result<bool, MathError> {
    let mut inside = true;
    for &price in prices.iter().take(MAX_SOURCES) {
        inside &= super::within_bps(price, stable, band_bps, stable)?;
    }
    Ok(inside)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oracle::SourceFault;

    const S: u64 = 100_000_000;
    const DEV: u32 = 200;
    const W: u32 = 500;

    fn p(raw: u64) -> Price {
        Price::from_raw(raw)
    }

    fn band(low: u64, high: u64) -> PriceBand {
        PriceBand {
            low: p(low),
            high: p(high),
        }
    }

    #[test]
    fn the_band_is_the_overlap_of_stable_and_reference() {
        // (sources, stable, expected allowed, expected reference)
        type Case<'a> = (
            &'a [Graded],
            u64,
            Result<(PriceBand, PriceBand), OracleError>,
        );
        let s = S;
        let cases: &[Case] = &[
            // Agreeing sources at the stable price: ± 5% around it.
            (
                &[Ok(p(s)), Ok(p(s))],
                s,
                Ok((band(s * 95 / 100, s * 105 / 100), band(s, s))),
            ),
            // Aggregate 4% above stable: [S·1.04·0.95, S·1.05].
            (
                &[Ok(p(s * 104 / 100)), Ok(p(s * 104 / 100))],
                s,
                Ok((
                    band(s * 104 / 100 * 95 / 100, s * 105 / 100),
                    band(s * 104 / 100, s * 104 / 100),
                )),
            ),
            // Diverging sources: their range is the reference.
            (
                &[Ok(p(s * 97 / 100)), Ok(p(s * 103 / 100))],
                s,
                Ok((
                    band(s * 95 / 100, s * 105 / 100),
                    band(s * 97 / 100, s * 103 / 100),
                )),
            ),
            // One source down: the other is the reference.
            (
                &[Err(SourceFault::Stale), Ok(p(s * 102 / 100))],
                s,
                Ok((
                    band(s * 102 / 100 * 95 / 100, s * 105 / 100),
                    band(s * 102 / 100, s * 102 / 100),
                )),
            ),
            // Both down: the stable price alone, never no band.
            (
                &[Err(SourceFault::Stale), Err(SourceFault::Unverified)],
                s,
                Ok((band(s * 95 / 100, s * 105 / 100), band(s, s))),
            ),
            // The market moved more than twice the band away: nothing may trade.
            (
                &[Ok(p(s * 111 / 100)), Ok(p(s * 111 / 100))],
                s,
                Err(OracleError::BandEmpty),
            ),
        ];
        for (sources, stable, expected) in cases {
            let got = order_band(sources, Some(p(*stable)), None, DEV, W)
                .map(|b| (b.allowed, b.reference));
            assert_eq!(got, *expected, "{sources:?}");
        }
        assert_eq!(
            order_band(&[Ok(p(s))], None, None, DEV, W),
            Err(OracleError::StablePriceUnset)
        );
        // Every source stale after a crash the stable price lags: the last recorded reference
        // is used, so the band stays empty as it was while the sources were fresh …
        let down = [Err(SourceFault::Stale), Err(SourceFault::Stale)];
        let crashed = band(s * 87 / 100, s * 88 / 100);
        assert_eq!(
            order_band(&down, Some(p(s)), Some(crashed), DEV, W),
            Err(OracleError::BandEmpty)
        );
        // … and after a smaller move the band and the reference follow it, not the stable price.
        let last = p(s * 97 / 100);
        let got = order_band(
            &down,
            Some(p(s)),
            Some(band(last.raw(), last.raw())),
            DEV,
            W,
        )
        .unwrap();
        assert_eq!(got.reference, band(last.raw(), last.raw()));
        assert_eq!(got.allowed, band(s * 95 / 100, s * 97 / 100 * 105 / 100));
    }

    #[test]
    fn the_breaker_condition_is_inclusive_at_the_edge() {
        let edge = S + S * u64::from(W) / 10_000;
        assert_eq!(inside_breaker_band(&[p(S), p(edge)], p(S), W), Ok(true));
        assert_eq!(inside_breaker_band(&[p(edge + 1)], p(S), W), Ok(false));
        assert_eq!(
            inside_breaker_band(&[p(S - S / 20 - 1)], p(S), W),
            Ok(false)
        );
        assert_eq!(inside_breaker_band(&[], p(S), W), Ok(true));
    }
}
