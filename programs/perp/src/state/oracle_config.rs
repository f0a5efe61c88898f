//! Which oracle accounts price a market, the limits a reading must meet, and the stable-price and
//! circuit-breaker settings, with the hard bounds compiled into the program.

use crate::error::ErrorCode;
use crate::state::MarketParams;
use crate::state::params_table::params_table;
use anchor_lang::prelude::*;
use bytemuck::{Pod, Zeroable};
use perp_engine::oracle::{
    BreakerConfig, PriceRules, STABLE_MAX_STEP_SECS, SourceLimits, StablePriceConfig, TrackerConfig,
};

params_table! {
    /// A market's oracle configuration. Stored inside the zero-copy `Market`, and also the argument
    /// of `market_create` (borsh and bytemuck agree: no padding, all LE).
    #[derive(
        AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable,
    )]
    #[repr(C)]
    pub struct OracleConfig {
        // Sources are never the council's to change (`validate_sources` checks them).
        @sources council CouncilCannotChangeOracleSources {
            /// Pyth `PriceUpdateV2` account (owned by the Pyth receiver program); default key = no Pyth.
            pyth_price_update: Pubkey,
            /// The Pyth feed id the account must carry.
            pyth_feed_id: [u8; 32],
            /// Switchboard On-Demand `PullFeedAccountData` account; default key = no Switchboard.
            switchboard_feed: Pubkey,
        }
        /// Oldest acceptable Pyth publish time, in seconds before the bank clock.
        max_age_secs: u32 [
            valid |c| oracle_bounds::MAX_AGE_SECS.contains(&c.max_age_secs) => InvalidOracleMaxAgeSecs;
            council Lower => LoosensOracleMaxAgeSecs
        ],
        /// Oldest acceptable Switchboard result, in slots before the bank's slot.
        max_age_slots: u32 [
            valid |c| oracle_bounds::MAX_AGE_SLOTS.contains(&c.max_age_slots) => InvalidOracleMaxAgeSlots;
            council Lower => LoosensOracleMaxAgeSlots
        ],
        /// Widest acceptable confidence (Pyth interval, Switchboard std-dev), in bps of the price.
        max_confidence_bps: u32 [
            valid |c| oracle_bounds::MAX_CONFIDENCE_BPS.contains(&c.max_confidence_bps) => InvalidOracleConfidence;
            council Lower => LoosensOracleConfidence
        ],
        /// Largest disagreement between sources for them to count as agreeing, in bps.
        max_deviation_bps: u32 [
            valid |c| oracle_bounds::MAX_DEVIATION_BPS.contains(&c.max_deviation_bps) => InvalidOracleDeviation;
            council Lower => LoosensOracleDeviation
        ],
        /// Time constant of the stable price's moving average, in seconds.
        // The stable price's window and growth and the breaker band cut both ways: slower or
        // narrower guards new risk, but also pins how far a lone-source liquidation may price
        // from the stable price (issue 21's audit). Only governance changes them.
        stable_window_secs: u32 [
            valid |c| oracle_bounds::STABLE_WINDOW_SECS.contains(&c.stable_window_secs) => InvalidStablePriceWindow;
            council Fixed => CouncilCannotChangeStablePrice
        ],
        /// Largest stable-price move per second, in bps.
        stable_growth_bps_per_sec: u32 [
            valid |c| oracle_bounds::STABLE_GROWTH_BPS_PER_SEC.contains(&c.stable_growth_bps_per_sec) => InvalidStablePriceGrowth;
            council Fixed => CouncilCannotChangeStablePrice
        ],
        /// Distance from the stable price, in bps, beyond which the breaker engages.
        breaker_band_bps: u32 [
            valid |c| oracle_bounds::BREAKER_BAND_BPS.contains(&c.breaker_band_bps) => InvalidBreakerBand;
            council Fixed => CouncilCannotChangeBreakerBand
        ],
        /// How long the breaker holds the market reduce-only, in seconds.
        breaker_cooldown_secs: u32 [
            valid |c| oracle_bounds::BREAKER_COOLDOWN_SECS.contains(&c.breaker_cooldown_secs) => InvalidBreakerCooldown;
            council Higher => LoosensBreakerCooldown
        ],
    }
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

    /// Checks the sources, then every limit against its hard bound, naming the first
    /// violation.
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
        self.validate_fields()
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
    fn the_table_names_every_limit_and_keeps_the_sources_out_of_reach() {
        use crate::state::params_table::SetFieldError;
        // Every limit is a row, settable by name; the sources are not.
        assert_eq!(
            OracleConfig::FIELDS,
            [
                "max_age_secs",
                "max_age_slots",
                "max_confidence_bps",
                "max_deviation_bps",
                "stable_window_secs",
                "stable_growth_bps_per_sec",
                "breaker_band_bps",
                "breaker_cooldown_secs",
            ]
        );
        let mut c = valid();
        for (i, name) in OracleConfig::FIELDS.iter().enumerate() {
            c.set_field(name, i as i64 + 1).unwrap();
        }
        assert_eq!((c.max_age_secs, c.breaker_cooldown_secs), (1, 8));
        assert_eq!(
            c.set_field("pyth_price_update", 1),
            Err(SetFieldError::Unknown)
        );
        assert_eq!(
            c.set_field("max_age_secs", -1),
            Err(SetFieldError::OutOfRange)
        );
        // The council may tighten a limit but never touch a source, whatever else it changes.
        let code = |r: Result<()>| match r {
            Ok(()) => None,
            Err(anchor_lang::error::Error::AnchorError(e)) => Some(e.error_code_number),
            Err(e) => panic!("{e:?}"),
        };
        let old = valid();
        let tighter = OracleConfig {
            max_age_secs: old.max_age_secs - 1,
            ..old
        };
        assert_eq!(code(old.require_tightening(&tighter)), None);
        let moved = OracleConfig {
            switchboard_feed: Pubkey::new_unique(),
            ..tighter
        };
        assert_eq!(
            code(old.require_tightening(&moved)),
            Some(u32::from(ErrorCode::CouncilCannotChangeOracleSources))
        );
        // No limit is fixed once listed.
        assert!(old.fixed_fields_unchanged(&moved));
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
