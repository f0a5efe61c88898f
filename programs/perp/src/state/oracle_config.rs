//! Which oracle accounts price a market, the limits a reading must meet, and the stable-price and
//! circuit-breaker settings, with the hard bounds compiled into the program.

use crate::error::ErrorCode;
use crate::state::MarketParams;
use crate::state::tighten::{Safe, check_fields, field};
use anchor_lang::prelude::*;
use bytemuck::{Pod, Zeroable};
use perp_engine::oracle::{
    BreakerConfig, PriceRules, STABLE_MAX_STEP_SECS, SourceLimits, StablePriceConfig, TrackerConfig,
};

/// A market's oracle configuration. Stored inside the zero-copy `Market`, and also the argument
/// of `market_create` (borsh and bytemuck agree: no padding, all LE).
#[derive(
    AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable,
)]
#[repr(C)]
pub struct OracleConfig {
    /// Pyth `PriceUpdateV2` account (owned by the Pyth receiver program); default key = no Pyth.
    pub pyth_price_update: Pubkey,
    /// The Pyth feed id the account must carry.
    pub pyth_feed_id: [u8; 32],
    /// Switchboard On-Demand `PullFeedAccountData` account; default key = no Switchboard.
    pub switchboard_feed: Pubkey,
    /// Oldest acceptable Pyth publish time, in seconds before the bank clock.
    pub max_age_secs: u32,
    /// Oldest acceptable Switchboard result, in slots before the bank's slot.
    pub max_age_slots: u32,
    /// Widest acceptable confidence (Pyth interval, Switchboard std-dev), in bps of the price.
    pub max_confidence_bps: u32,
    /// Largest disagreement between sources for them to count as agreeing, in bps.
    pub max_deviation_bps: u32,
    /// Time constant of the stable price's moving average, in seconds.
    pub stable_window_secs: u32,
    /// Largest stable-price move per second, in bps.
    pub stable_growth_bps_per_sec: u32,
    /// Distance from the stable price, in bps, beyond which the breaker engages.
    pub breaker_band_bps: u32,
    /// How long the breaker holds the market reduce-only, in seconds.
    pub breaker_cooldown_secs: u32,
}
static_assertions::const_assert_eq!(core::mem::size_of::<OracleConfig>(), 3 * 32 + 8 * 4);

/// Hard bounds on the oracle configuration.
pub mod oracle_bounds {
    use core::ops::RangeInclusive;
    // The floors of the four validity limits are what keep liquidations (and withdrawals, the
    // funding and risk cranks) alive: a limit tightened past what healthy feeds deliver makes
    // every source invalid (`OracleNoValidSource`), and liquidation has no other price. The
    // risk council may only tighten and governance only choose inside these ranges, so neither
    // can halt liquidations through a limit (docs/roles.md).

    /// Pyth staleness: 10 s to 5 min. A pull update posted in the liquidating transaction is a
    /// second or two old, and the bank clock (a stake-weighted median) runs seconds apart from
    /// the publishers' clocks; 10 s leaves room for both.
    pub const MAX_AGE_SECS: RangeInclusive<u32> = 10..=300;
    /// Switchboard staleness: 25 to 750 slots (~10 s to ~5 min): the same allowance in slots
    /// (~400 ms each), for a result that needs a slot or two to land plus skipped slots.
    pub const MAX_AGE_SLOTS: RangeInclusive<u32> = 25..=750;
    /// Confidence: 0.5% to 5% of the price. Healthy feeds quote a few bps on majors, but the
    /// interval widens to tens of bps in exactly the fast markets where liquidations matter.
    pub const MAX_CONFIDENCE_BPS: RangeInclusive<u32> = 50..=500;
    /// Source disagreement: 0.5% to 5%. Liquidation does not need agreement, but withdrawals,
    /// new risk, funding and the risk crank do; independent feeds routinely differ by a few bps
    /// and by tens in fast markets.
    pub const MAX_DEVIATION_BPS: RangeInclusive<u32> = 50..=500;
    /// Stable-price window: 1 min to 1 day.
    pub const STABLE_WINDOW_SECS: RangeInclusive<u32> = 60..=86_400;
    /// Stable-price growth: 0.01% to 0.8% per second (× the 60 s largest step stays below the
    /// widest breaker band).
    pub const STABLE_GROWTH_BPS_PER_SEC: RangeInclusive<u32> = 1..=80;
    /// Breaker band: 1% to 50% around the stable price.
    pub const BREAKER_BAND_BPS: RangeInclusive<u32> = 100..=5_000;
    /// Breaker cool-down: 1 min to 1 day.
    pub const BREAKER_COOLDOWN_SECS: RangeInclusive<u32> = 60..=86_400;
}

impl OracleConfig {
    /// Whether a Pyth source is configured.
    pub fn has_pyth(&self) -> bool {
        self.pyth_price_update != Pubkey::default()
    }

    /// Whether a Switchboard source is configured.
    pub fn has_switchboard(&self) -> bool {
        self.switchboard_feed != Pubkey::default()
    }

    /// Checks the sources and every limit against its hard bound, naming the first violation.
    pub fn validate(&self) -> Result<()> {
        require!(
            self.has_pyth() || self.has_switchboard(),
            ErrorCode::NoOracleSource
        );
        // One account configured twice would "agree" with itself.
        require!(
            !(self.has_pyth() && self.pyth_price_update == self.switchboard_feed),
            ErrorCode::DuplicateOracleSource
        );
        require!(
            !self.has_pyth() || self.pyth_feed_id != [0; 32],
            ErrorCode::InvalidPythFeedId
        );
        let checks = [
            (
                oracle_bounds::MAX_AGE_SECS.contains(&self.max_age_secs),
                ErrorCode::InvalidOracleMaxAgeSecs,
            ),
            (
                oracle_bounds::MAX_AGE_SLOTS.contains(&self.max_age_slots),
                ErrorCode::InvalidOracleMaxAgeSlots,
            ),
            (
                oracle_bounds::MAX_CONFIDENCE_BPS.contains(&self.max_confidence_bps),
                ErrorCode::InvalidOracleConfidence,
            ),
            (
                oracle_bounds::MAX_DEVIATION_BPS.contains(&self.max_deviation_bps),
                ErrorCode::InvalidOracleDeviation,
            ),
            (
                oracle_bounds::STABLE_WINDOW_SECS.contains(&self.stable_window_secs),
                ErrorCode::InvalidStablePriceWindow,
            ),
            (
                oracle_bounds::STABLE_GROWTH_BPS_PER_SEC.contains(&self.stable_growth_bps_per_sec),
                ErrorCode::InvalidStablePriceGrowth,
            ),
            (
                oracle_bounds::BREAKER_BAND_BPS.contains(&self.breaker_band_bps),
                ErrorCode::InvalidBreakerBand,
            ),
            (
                oracle_bounds::BREAKER_COOLDOWN_SECS.contains(&self.breaker_cooldown_secs),
                ErrorCode::InvalidBreakerCooldown,
            ),
        ];
        for (ok, error) in checks {
            if !ok {
                return Err(error.into());
            }
        }
        Ok(())
    }

    /// Refuses `new` unless every field that differs moves in its risk-reducing direction,
    /// naming the first that does not. Sources are never the council's to change; a slower
    /// stable price and a narrower breaker band hold new risk back sooner.
    pub fn require_tightening(&self, new: &OracleConfig) -> Result<()> {
        use Safe::*;
        let same_sources = self.pyth_price_update == new.pyth_price_update
            && self.pyth_feed_id == new.pyth_feed_id
            && self.switchboard_feed == new.switchboard_feed;
        require!(same_sources, ErrorCode::CouncilCannotChangeOracleSources);
        check_fields(&[
            field(
                self.max_age_secs,
                new.max_age_secs,
                Lower,
                ErrorCode::LoosensOracleMaxAgeSecs,
            ),
            field(
                self.max_age_slots,
                new.max_age_slots,
                Lower,
                ErrorCode::LoosensOracleMaxAgeSlots,
            ),
            field(
                self.max_confidence_bps,
                new.max_confidence_bps,
                Lower,
                ErrorCode::LoosensOracleConfidence,
            ),
            field(
                self.max_deviation_bps,
                new.max_deviation_bps,
                Lower,
                ErrorCode::LoosensOracleDeviation,
            ),
            // The stable price's window and growth and the breaker band cut both ways: slower
            // or narrower guards new risk, but also pins how far a lone-source liquidation may
            // price from the stable price (issue 21's audit). Only governance changes them.
            field(
                self.stable_window_secs,
                new.stable_window_secs,
                Fixed,
                ErrorCode::CouncilCannotChangeStablePrice,
            ),
            field(
                self.stable_growth_bps_per_sec,
                new.stable_growth_bps_per_sec,
                Fixed,
                ErrorCode::CouncilCannotChangeStablePrice,
            ),
            field(
                self.breaker_band_bps,
                new.breaker_band_bps,
                Fixed,
                ErrorCode::CouncilCannotChangeBreakerBand,
            ),
            field(
                self.breaker_cooldown_secs,
                new.breaker_cooldown_secs,
                Higher,
                ErrorCode::LoosensBreakerCooldown,
            ),
        ])
    }

    /// The limits each reading must meet.
    pub fn source_limits(&self) -> SourceLimits {
        SourceLimits {
            max_age_secs: self.max_age_secs,
            max_age_slots: self.max_age_slots,
            max_confidence_bps: self.max_confidence_bps,
        }
    }

    /// The agreement rule and the band around the stable price (breaker and order band).
    pub fn price_rules(&self) -> PriceRules {
        PriceRules {
            max_deviation_bps: self.max_deviation_bps,
            band_bps: self.breaker_band_bps,
        }
    }

    /// The settings of the stable price, breaker and agreement rule.
    pub fn tracker(&self) -> TrackerConfig {
        TrackerConfig {
            max_deviation_bps: self.max_deviation_bps,
            stable: StablePriceConfig {
                window_secs: self.stable_window_secs,
                max_growth_bps_per_sec: self.stable_growth_bps_per_sec,
            },
            breaker: BreakerConfig {
                band_bps: self.breaker_band_bps,
                cooldown_secs: self.breaker_cooldown_secs,
            },
        }
    }
}

/// The rules between a market's parameters and its oracle configuration, which neither set can
/// check alone (DESIGN §13: parameters cannot contradict each other). Checked wherever either
/// set changes: at listing, at `params_execute` and at `params_tighten`.
///
/// - The breaker band is also the order band: a fill anywhere in it, with its fee, must cost an
///   account less equity than the maintenance margin its position holds, so band + taker fee
///   is at most the listed maintenance margin (dynamic maintenance only rises above it; a maker
///   fee is never above the taker fee). A risk-reducing fill inside the band then never lowers
///   maintenance health.
/// - A liquidation's fee must be below maintenance, or a liquidation could leave the account
///   worse than it found it.
/// - One stable-price update moves at most `growth × STABLE_MAX_STEP_SECS`; that must stay below
///   the breaker band, or one crank after a silence could carry the breaker's anchor past it.
pub fn require_consistent(params: &MarketParams, oracle: &OracleConfig) -> Result<()> {
    let taker_fee = u64::try_from(params.taker_fee_bps).unwrap_or(0);
    require!(
        u64::from(oracle.breaker_band_bps) + taker_fee <= u64::from(params.maintenance_margin_bps),
        ErrorCode::BandExceedsMaintenance
    );
    require!(
        params.liquidation_discount_bps < params.maintenance_margin_bps,
        ErrorCode::DiscountNotBelowMaintenance
    );
    require!(
        u64::from(oracle.stable_growth_bps_per_sec) * u64::from(STABLE_MAX_STEP_SECS)
            < u64::from(oracle.breaker_band_bps),
        ErrorCode::StableGrowthExceedsBand
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> OracleConfig {
        OracleConfig {
            pyth_price_update: Pubkey::new_unique(),
            pyth_feed_id: [7; 32],
            switchboard_feed: Pubkey::new_unique(),
            max_age_secs: 30,
            max_age_slots: 75,
            max_confidence_bps: 100,
            max_deviation_bps: 150,
            stable_window_secs: 600,
            stable_growth_bps_per_sec: 5,
            breaker_band_bps: 1_000,
            breaker_cooldown_secs: 300,
        }
    }

    #[test]
    fn borsh_and_bytemuck_layouts_agree() {
        let c = valid();
        let mut borsh = Vec::new();
        c.serialize(&mut borsh).unwrap();
        assert_eq!(borsh.as_slice(), bytemuck::bytes_of(&c));
    }

    #[test]
    fn either_source_alone_is_enough() {
        let mut c = valid();
        c.switchboard_feed = Pubkey::default();
        assert!(c.validate().is_ok());
        let mut c = valid();
        c.pyth_price_update = Pubkey::default();
        c.pyth_feed_id = [0; 32];
        assert!(c.validate().is_ok());
    }

    #[test]
    fn parameters_and_oracle_must_agree_each_rule_with_its_own_error() {
        let code = |r: Result<()>| match r {
            Ok(()) => None,
            Err(anchor_lang::error::Error::AnchorError(e)) => Some(e.error_code_number),
            Err(e) => panic!("{e:?}"),
        };
        let params = MarketParams {
            maintenance_margin_bps: 500,
            liquidation_discount_bps: 100,
            ..bytemuck::Zeroable::zeroed()
        };
        let oracle = OracleConfig {
            breaker_band_bps: 500,
            stable_growth_bps_per_sec: 8, // 480 bps per 60 s step
            ..valid()
        };
        assert_eq!(code(require_consistent(&params, &oracle)), None, "edges");
        type Case = (fn(&mut MarketParams, &mut OracleConfig), ErrorCode);
        let cases: [Case; 3] = [
            (
                |_, o| o.breaker_band_bps = 501,
                ErrorCode::BandExceedsMaintenance,
            ),
            (
                |p, _| p.liquidation_discount_bps = 500,
                ErrorCode::DiscountNotBelowMaintenance,
            ),
            (
                |_, o| o.breaker_band_bps = 480,
                ErrorCode::StableGrowthExceedsBand,
            ),
        ];
        for (mutate, expected) in cases {
            let (mut p, mut o) = (params, oracle);
            mutate(&mut p, &mut o);
            assert_eq!(
                code(require_consistent(&p, &o)),
                Some(u32::from(expected)),
                "{expected:?}"
            );
        }
    }
}
