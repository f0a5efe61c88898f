//! A market's tradable parameters and the hard bounds compiled into the program. Governance can
//! only ever choose values inside these bounds, whoever holds its key.

use crate::state::params_table::params_table;
use anchor_lang::prelude::*;
use bytemuck::{Pod, Zeroable};
use perp_engine::risk::funding::FundingParams;
use perp_engine::risk::liquidation::LiquidationParams;
use perp_engine::risk::margin::MarginParams;
use perp_engine::{BaseLots, Bps, QuoteNative};

params_table! {
    /// Parameters chosen when a market is listed. Stored inside the zero-copy `Market`, and also the
    /// instruction argument of `market_create` (borsh and bytemuck agree: no padding, all LE).
    #[derive(
        AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable,
    )]
    #[repr(C)]
    pub struct MarketParams fixed_after_listing LotSizesImmutable {
        /// Base atoms in one base lot (the size increment).
        base_lot_size: u64 [
            valid |p| bounds::BASE_LOT_SIZE.contains(&p.base_lot_size) => InvalidBaseLotSize;
            council Fixed => CouncilCannotChangeBaseLotSize;
            listing fixed
        ],
        /// Native quote units in one quote lot.
        quote_lot_size: u64 [
            valid |p| bounds::QUOTE_LOT_SIZE.contains(&p.quote_lot_size) => InvalidQuoteLotSize;
            council Fixed => CouncilCannotChangeQuoteLotSize;
            listing fixed
        ],
        /// Quote lots per base lot added by one tick (the price increment).
        tick_size: u64 [
            valid |p| bounds::TICK_SIZE.contains(&p.tick_size) => InvalidTickSize;
            council Fixed => CouncilCannotChangeTickSize;
            listing fixed
        ],
        /// Cap on the market's total deposited collateral, in native quote units.
        deposit_cap: u64 [
            valid |p| bounds::DEPOSIT_CAP.contains(&p.deposit_cap) => InvalidDepositCap;
            council Lower => LoosensDepositCap;
            listing free
        ],
        /// Maker fee in bps of notional; negative is a rebate.
        // A maker rebate is paid out of the taker fee, so it may never exceed it (an invalid
        // taker fee is named by its own row).
        maker_fee_bps: i32 [
            valid |p| !bounds::TAKER_FEE_BPS.contains(&p.taker_fee_bps)
                || (-p.taker_fee_bps..=p.taker_fee_bps).contains(&p.maker_fee_bps) => InvalidMakerFee;
            council Fixed => CouncilCannotChangeMakerFee;
            listing free
        ],
        /// Taker fee in bps of notional.
        taker_fee_bps: i32 [
            valid |p| bounds::TAKER_FEE_BPS.contains(&p.taker_fee_bps) => InvalidTakerFee;
            council Fixed => CouncilCannotChangeTakerFee;
            listing free
        ],
        /// Initial margin fraction in bps (1 / max leverage).
        initial_margin_bps: u32 [
            valid |p| bounds::INITIAL_MARGIN_BPS.contains(&p.initial_margin_bps) => InvalidInitialMargin;
            council Higher => LoosensInitialMargin;
            listing free
        ],
        /// Maintenance margin fraction in bps.
        // Below initial leaves room between opening and liquidation; at least a quarter of
        // initial keeps liquidation from arriving only after equity is gone.
        maintenance_margin_bps: u32 [
            valid |p| p.maintenance_margin_bps >= bounds::MIN_MAINTENANCE_MARGIN_BPS
                && p.maintenance_margin_bps < p.initial_margin_bps
                && u64::from(p.maintenance_margin_bps) * 4 >= u64::from(p.initial_margin_bps)
                => InvalidMaintenanceMargin;
            council Higher => LoosensMaintenanceMargin;
            listing free
        ],
        /// Max net outflow of the collateral vault per rolling 24 h, in bps of the vault.
        withdraw_limit_bps: u32 [
            valid |p| bounds::WITHDRAW_LIMIT_BPS.contains(&p.withdraw_limit_bps) => InvalidWithdrawLimit;
            council Lower => LoosensWithdrawLimit;
            listing free
        ],
        /// Decimals of the base asset (a base atom is 10^-base_decimals of one unit).
        base_decimals: u32 [
            valid |p| bounds::BASE_DECIMALS.contains(&p.base_decimals) => InvalidBaseDecimals;
            council Fixed => CouncilCannotChangeBaseDecimals;
            listing fixed
        ],
        /// Position size the size premium is measured in, base lots.
        // The size premium multiplies maintenance after the ramp: the council may not move it
        // either way (governance may, after the timelock's notice).
        size_unit_lots: u64 [
            valid |p| bounds::SIZE_UNIT_LOTS.contains(&p.size_unit_lots) => InvalidSizeUnit;
            council Lower => LoosensSizePremium, Higher => CouncilCannotRaiseSizePremium;
            listing free
        ],
        /// Open interest (lots per side) above which initial margin rises toward 100%.
        oi_soft_cap_lots: u64 [
            valid |p| p.oi_soft_cap_lots <= p.oi_hard_cap_lots => InvalidOpenInterestCaps;
            council Lower => LoosensOpenInterestCaps;
            listing free
        ],
        /// Open interest at which initial margin reaches 100%: above it, reduce-only.
        oi_hard_cap_lots: u64 [
            valid |p| bounds::OI_HARD_CAP_LOTS.contains(&p.oi_hard_cap_lots) => InvalidOpenInterestCaps;
            council Lower => LoosensOpenInterestCaps;
            listing free
        ],
        /// Smallest liquidation transfer, base lots (unless the position is smaller).
        // Liquidation terms and funding move money between users: governance only.
        liquidation_min_lots: u64 [
            valid |p| bounds::LIQUIDATION_MIN_LOTS.contains(&p.liquidation_min_lots) => InvalidLiquidationMinLots;
            council Fixed => CouncilCannotChangeLiquidationTerms;
            listing free
        ],
        /// Seconds per funding interval.
        funding_interval_secs: u64 [
            valid |p| bounds::FUNDING_INTERVAL_SECS.contains(&p.funding_interval_secs) => InvalidFundingInterval;
            council Fixed => CouncilCannotChangeFunding;
            listing free
        ],
        /// Margin added per √(position / size unit), bps of the base margin.
        size_premium_bps: u32 [
            valid |p| bounds::SIZE_PREMIUM_BPS.contains(&p.size_premium_bps) => InvalidSizePremium;
            council Higher => LoosensSizePremium, Lower => CouncilCannotRaiseSizePremium;
            listing free
        ],
        /// Realised volatility (per √hour) at which margin is its base value, bps.
        reference_vol_bps: u32 [
            valid |p| bounds::REFERENCE_VOL_BPS.contains(&p.reference_vol_bps) => InvalidReferenceVolatility;
            council Lower => LoosensVolatilityMargin;
            listing free
        ],
        /// Cap on the volatility multiplier, bps (10,000 = volatility never raises margin).
        max_vol_multiplier_bps: u32 [
            valid |p| bounds::MAX_VOL_MULTIPLIER_BPS.contains(&p.max_vol_multiplier_bps) => InvalidMaxVolatilityMultiplier;
            council Higher => LoosensVolatilityMargin;
            listing free
        ],
        /// Time constant of the volatility EWMA, seconds.
        vol_time_constant_secs: u32 [
            valid |p| bounds::VOL_TIME_CONSTANT_SECS.contains(&p.vol_time_constant_secs) => InvalidVolatilityTimeConstant;
            council Fixed => CouncilCannotChangeVolatilityTimeConstant;
            listing free
        ],
        /// The most maintenance margin may rise per hour, bps of notional.
        // The ramp is what makes a maintenance rise gradual (`MarketRisk::rebase`): a council
        // that could raise it to 100% per hour could liquidate at once after all.
        maintenance_ramp_bps_per_hour: u32 [
            valid |p| bounds::MAINTENANCE_RAMP_BPS_PER_HOUR.contains(&p.maintenance_ramp_bps_per_hour) => InvalidMaintenanceRamp;
            council Higher => LoosensMaintenanceRamp, Lower => CouncilCannotRaiseMaintenanceRamp;
            listing free
        ],
        /// Liquidation fee: the keeper takes over this far below (long) / above (short) the price.
        // Below maintenance too: `require_consistent`, with its own error.
        liquidation_discount_bps: u32 [
            valid |p| bounds::LIQUIDATION_DISCOUNT_BPS.contains(&p.liquidation_discount_bps) => InvalidLiquidationDiscount;
            council Fixed => CouncilCannotChangeLiquidationTerms;
            listing free
        ],
        /// The insurance fund's share of the liquidation fee, bps.
        insurance_share_bps: u32 [
            valid |p| bounds::INSURANCE_SHARE_BPS.contains(&p.insurance_share_bps) => InvalidInsuranceShare;
            council Fixed => CouncilCannotChangeLiquidationTerms;
            listing free
        ],
        /// Maintenance headroom a liquidation restores, bps above maintenance.
        liquidation_buffer_bps: u32 [
            valid |p| bounds::LIQUIDATION_BUFFER_BPS.contains(&p.liquidation_buffer_bps) => InvalidLiquidationBuffer;
            council Fixed => CouncilCannotChangeLiquidationTerms;
            listing free
        ],
        /// Cap on the funding rate per interval, bps of the index.
        funding_max_rate_bps: u32 [
            valid |p| bounds::FUNDING_MAX_RATE_BPS.contains(&p.funding_max_rate_bps) => InvalidFundingMaxRate;
            council Fixed => CouncilCannotChangeFunding;
            listing free
        ],
        /// Intervals a late funding crank could once pay for at once. No longer read: a crank lapse
        /// pays only what funding samples covered (docs/cranks.md); kept for the layout.
        funding_max_backfill_intervals: u32 [
            valid |p| bounds::FUNDING_MAX_BACKFILL_INTERVALS.contains(&p.funding_max_backfill_intervals) => InvalidFundingBackfill;
            council Fixed => CouncilCannotChangeFunding;
            listing free
        ],
        /// What a trigger order's executor earns, paid by the account only when its order is
        /// placed, quote lots.
        // It moves money between users: governance only.
        trigger_fee_quote_lots: u64 [
            valid |p| bounds::TRIGGER_FEE_QUOTE_LOTS.contains(&p.trigger_fee_quote_lots) => InvalidTriggerFee;
            council Fixed => CouncilCannotChangeTriggerFee;
            listing free
        ],
    }
}
static_assertions::const_assert_eq!(core::mem::size_of::<MarketParams>(), 144);

/// Hard bounds on every parameter: the largest room any governance key can ever have.
pub mod bounds {
    use core::ops::RangeInclusive;
    /// Base lot size: 1 atom up to 10^12 atoms.
    pub const BASE_LOT_SIZE: RangeInclusive<u64> = 1..=1_000_000_000_000;
    /// Base decimals as oracles and SPL mints use them.
    pub const BASE_DECIMALS: RangeInclusive<u32> = 0..=12;
    /// Quote lot size in native quote units.
    pub const QUOTE_LOT_SIZE: RangeInclusive<u64> = 1..=1_000_000_000;
    /// Tick size in quote lots per base lot.
    pub const TICK_SIZE: RangeInclusive<u64> = 1..=1_000_000_000;
    /// Taker fee: at most 1%.
    pub const TAKER_FEE_BPS: RangeInclusive<i32> = 0..=100;
    /// Initial margin: 1% (100× leverage) up to fully collateralised.
    pub const INITIAL_MARGIN_BPS: RangeInclusive<u32> = 100..=10_000;
    /// Maintenance margin never below 0.5%.
    pub const MIN_MAINTENANCE_MARGIN_BPS: u32 = 50;
    /// Deposit cap: positive, below 10^18 native units.
    pub const DEPOSIT_CAP: RangeInclusive<u64> = 1..=1_000_000_000_000_000_000;
    /// Withdrawal limit: at least 1% of the vault per day, at most all of it.
    pub const WITHDRAW_LIMIT_BPS: RangeInclusive<u32> = 100..=10_000;
    /// Size premium: up to doubling the margin per √unit.
    pub const SIZE_PREMIUM_BPS: RangeInclusive<u32> = 0..=10_000;
    /// Size unit: at least one lot.
    pub const SIZE_UNIT_LOTS: RangeInclusive<u64> = 1..=1_000_000_000_000;
    /// Reference volatility per √hour: 0.01% to 100%.
    pub const REFERENCE_VOL_BPS: RangeInclusive<u32> = 1..=10_000;
    /// Volatility multiplier cap: 1× to 10×.
    pub const MAX_VOL_MULTIPLIER_BPS: RangeInclusive<u32> = 10_000..=100_000;
    /// Volatility time constant: a minute to a week.
    pub const VOL_TIME_CONSTANT_SECS: RangeInclusive<u32> = 60..=604_800;
    /// Open-interest caps: the hard cap is positive and not below the soft cap.
    pub const OI_HARD_CAP_LOTS: RangeInclusive<u64> = 1..=1_000_000_000_000_000;
    /// Maintenance ramp: at least 1 bps per hour (maintenance must be able to follow), at most
    /// 100% per hour.
    pub const MAINTENANCE_RAMP_BPS_PER_HOUR: RangeInclusive<u32> = 1..=10_000;
    /// Liquidation discount: positive, at most 10% (and below maintenance: `require_consistent`).
    pub const LIQUIDATION_DISCOUNT_BPS: RangeInclusive<u32> = 1..=1_000;
    /// Insurance share of the liquidation fee.
    pub const INSURANCE_SHARE_BPS: RangeInclusive<u32> = 0..=10_000;
    /// Liquidation buffer: up to doubling maintenance.
    pub const LIQUIDATION_BUFFER_BPS: RangeInclusive<u32> = 0..=10_000;
    /// Minimum liquidation size in lots.
    pub const LIQUIDATION_MIN_LOTS: RangeInclusive<u64> = 1..=1_000_000_000_000;
    /// Funding interval: a minute to a day.
    pub const FUNDING_INTERVAL_SECS: RangeInclusive<u64> = 60..=86_400;
    /// Funding rate cap per interval: at most 10%.
    pub const FUNDING_MAX_RATE_BPS: RangeInclusive<u32> = 1..=1_000;
    /// Funding backfill: one interval to a week of hourly ones.
    pub const FUNDING_MAX_BACKFILL_INTERVALS: RangeInclusive<u32> = 1..=168;
    /// Trigger executor's fee: free up to 10^9 quote lots (a transaction's cost many times
    /// over in any market; the account pays it only when its order is placed).
    pub const TRIGGER_FEE_QUOTE_LOTS: RangeInclusive<u64> = 0..=1_000_000_000;
}

impl MarketParams {
    /// Checks every parameter against its hard bound (the table's rows, in layout order),
    /// naming the first that is out of bounds.
    pub fn validate(&self) -> Result<()> {
        self.validate_fields()
    }

    /// The engine's margin parameters.
    pub fn margin(&self) -> MarginParams {
        MarginParams {
            initial_margin_bps: Bps::from_u32(self.initial_margin_bps),
            maintenance_margin_bps: Bps::from_u32(self.maintenance_margin_bps),
            size_premium_bps: Bps::from_u32(self.size_premium_bps),
            size_unit_lots: BaseLots::new(self.size_unit_lots),
            reference_vol_bps: Bps::from_u32(self.reference_vol_bps),
            max_vol_multiplier_bps: Bps::from_u32(self.max_vol_multiplier_bps),
            vol_time_constant_secs: self.vol_time_constant_secs,
            oi_soft_cap_lots: BaseLots::new(self.oi_soft_cap_lots),
            oi_hard_cap_lots: BaseLots::new(self.oi_hard_cap_lots),
            maintenance_ramp_bps_per_hour: Bps::from_u32(self.maintenance_ramp_bps_per_hour),
        }
    }

    /// The engine's liquidation parameters.
    pub fn liquidation(&self) -> LiquidationParams {
        LiquidationParams {
            discount_bps: Bps::from_u32(self.liquidation_discount_bps),
            insurance_share_bps: Bps::from_u32(self.insurance_share_bps),
            buffer_bps: Bps::from_u32(self.liquidation_buffer_bps),
            min_lots: BaseLots::new(self.liquidation_min_lots),
        }
    }

    /// The engine's funding parameters (the interval's bound keeps it within `u32`).
    pub fn funding(&self) -> FundingParams {
        FundingParams {
            interval_secs: u32::try_from(self.funding_interval_secs).unwrap_or(u32::MAX),
            max_rate_bps: Bps::from_u32(self.funding_max_rate_bps),
            max_backfill_intervals: self.funding_max_backfill_intervals,
        }
    }

    /// Deposit cap as the engine's typed unit.
    pub fn deposit_cap(&self) -> QuoteNative {
        QuoteNative::new(self.deposit_cap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::state::params_table::SetFieldError;

    /// A BTC-like market: 0.0001 BTC lots, $0.10 ticks with a 6-decimal quote, 20× leverage.
    fn valid() -> MarketParams {
        MarketParams {
            base_lot_size: 10_000,
            quote_lot_size: 100,
            tick_size: 1_000,
            deposit_cap: 50_000_000_000_000,
            maker_fee_bps: 0,
            taker_fee_bps: 4,
            initial_margin_bps: 500,
            maintenance_margin_bps: 250,
            withdraw_limit_bps: 1_500,
            base_decimals: 8,
            size_unit_lots: 10_000,
            oi_soft_cap_lots: 1_000_000,
            oi_hard_cap_lots: 2_000_000,
            liquidation_min_lots: 1,
            funding_interval_secs: 3_600,
            size_premium_bps: 1_000,
            reference_vol_bps: 100,
            max_vol_multiplier_bps: 40_000,
            vol_time_constant_secs: 3_600,
            maintenance_ramp_bps_per_hour: 50,
            liquidation_discount_bps: 100,
            insurance_share_bps: 5_000,
            liquidation_buffer_bps: 1_000,
            funding_max_rate_bps: 50,
            funding_max_backfill_intervals: 24,
            trigger_fee_quote_lots: 100,
        }
    }

    fn code(p: MarketParams) -> Option<u32> {
        code_of(p.validate())
    }

    fn code_of(r: Result<()>) -> Option<u32> {
        r.err().map(|e| match e {
            anchor_lang::error::Error::AnchorError(a) => a.error_code_number,
            other => panic!("unexpected {other:?}"),
        })
    }

    #[test]
    fn each_bound_has_its_own_error() {
        assert_eq!(code(valid()), None);
        type Case = (fn(&mut MarketParams), ErrorCode);
        let cases: &[Case] = &[
            (|p| p.base_lot_size = 0, ErrorCode::InvalidBaseLotSize),
            (
                |p| p.base_lot_size = 1_000_000_000_001,
                ErrorCode::InvalidBaseLotSize,
            ),
            (|p| p.base_decimals = 13, ErrorCode::InvalidBaseDecimals),
            (|p| p.quote_lot_size = 0, ErrorCode::InvalidQuoteLotSize),
            (|p| p.tick_size = 0, ErrorCode::InvalidTickSize),
            (|p| p.taker_fee_bps = 101, ErrorCode::InvalidTakerFee),
            (|p| p.taker_fee_bps = -1, ErrorCode::InvalidTakerFee),
            (|p| p.maker_fee_bps = -5, ErrorCode::InvalidMakerFee),
            (|p| p.maker_fee_bps = 5, ErrorCode::InvalidMakerFee),
            (
                |p| p.initial_margin_bps = 99,
                ErrorCode::InvalidInitialMargin,
            ),
            (
                |p| p.initial_margin_bps = 10_001,
                ErrorCode::InvalidInitialMargin,
            ),
            (
                |p| p.maintenance_margin_bps = 500,
                ErrorCode::InvalidMaintenanceMargin,
            ),
            (
                |p| p.maintenance_margin_bps = 124,
                ErrorCode::InvalidMaintenanceMargin,
            ),
            (
                |p| {
                    p.initial_margin_bps = 100;
                    p.maintenance_margin_bps = 49
                },
                ErrorCode::InvalidMaintenanceMargin,
            ),
            (
                |p| p.maintenance_margin_bps = u32::MAX,
                ErrorCode::InvalidMaintenanceMargin,
            ),
            (|p| p.deposit_cap = 0, ErrorCode::InvalidDepositCap),
            (
                |p| p.withdraw_limit_bps = 99,
                ErrorCode::InvalidWithdrawLimit,
            ),
            (
                |p| p.withdraw_limit_bps = 10_001,
                ErrorCode::InvalidWithdrawLimit,
            ),
            (
                |p| p.size_premium_bps = 10_001,
                ErrorCode::InvalidSizePremium,
            ),
            (|p| p.size_unit_lots = 0, ErrorCode::InvalidSizeUnit),
            (
                |p| p.reference_vol_bps = 0,
                ErrorCode::InvalidReferenceVolatility,
            ),
            (
                |p| p.max_vol_multiplier_bps = 9_999,
                ErrorCode::InvalidMaxVolatilityMultiplier,
            ),
            (
                |p| p.vol_time_constant_secs = 59,
                ErrorCode::InvalidVolatilityTimeConstant,
            ),
            (
                |p| p.oi_hard_cap_lots = 0,
                ErrorCode::InvalidOpenInterestCaps,
            ),
            (
                |p| p.oi_soft_cap_lots = 2_000_001,
                ErrorCode::InvalidOpenInterestCaps,
            ),
            (
                |p| p.maintenance_ramp_bps_per_hour = 0,
                ErrorCode::InvalidMaintenanceRamp,
            ),
            (
                |p| p.liquidation_discount_bps = 0,
                ErrorCode::InvalidLiquidationDiscount,
            ),
            (
                |p| p.liquidation_discount_bps = 1_001,
                ErrorCode::InvalidLiquidationDiscount,
            ),
            (
                |p| p.insurance_share_bps = 10_001,
                ErrorCode::InvalidInsuranceShare,
            ),
            (
                |p| p.liquidation_buffer_bps = 10_001,
                ErrorCode::InvalidLiquidationBuffer,
            ),
            (
                |p| p.liquidation_min_lots = 0,
                ErrorCode::InvalidLiquidationMinLots,
            ),
            (
                |p| p.funding_interval_secs = 86_401,
                ErrorCode::InvalidFundingInterval,
            ),
            (
                |p| p.funding_max_rate_bps = 0,
                ErrorCode::InvalidFundingMaxRate,
            ),
            (
                |p| p.funding_max_backfill_intervals = 169,
                ErrorCode::InvalidFundingBackfill,
            ),
            (
                |p| p.trigger_fee_quote_lots = 1_000_000_001,
                ErrorCode::InvalidTriggerFee,
            ),
        ];
        for (mutate, expected) in cases {
            let mut p = valid();
            mutate(&mut p);
            assert_eq!(code(p), Some(u32::from(*expected)), "{p:?}");
        }
    }

    #[test]
    fn the_table_names_every_field_and_fixes_the_lot_units() {
        // Every field is a row: the names cover the layout, each settable by name.
        assert_eq!(MarketParams::FIELDS.len(), 26);
        let mut p = valid();
        for (i, name) in MarketParams::FIELDS.iter().enumerate() {
            p.set_field(name, i as i64 + 1).unwrap();
        }
        assert_eq!(
            (
                p.base_lot_size,
                p.funding_max_backfill_intervals,
                p.trigger_fee_quote_lots
            ),
            (1, 25, 26)
        );
        assert_eq!(p.set_field("leverage", 1), Err(SetFieldError::Unknown));
        assert_eq!(
            p.set_field("maker_fee_bps", i64::from(i32::MAX) + 1),
            Err(SetFieldError::OutOfRange)
        );
        // Only the units positions are denominated in are fixed once listed.
        let listed = valid();
        let unit_changes: [fn(&mut MarketParams); 4] = [
            |p| p.base_lot_size += 1,
            |p| p.quote_lot_size += 1,
            |p| p.tick_size += 1,
            |p| p.base_decimals += 1,
        ];
        for change in unit_changes {
            let mut p = listed;
            change(&mut p);
            assert_eq!(
                code_of(p.require_same_listing(&listed)),
                Some(u32::from(ErrorCode::LotSizesImmutable))
            );
        }
        let mut p = listed;
        p.taker_fee_bps += 1;
        p.initial_margin_bps += 1;
        assert_eq!(code_of(p.require_same_listing(&listed)), None);
    }

    #[test]
    fn edges_of_each_bound_are_accepted() {
        let mut p = valid();
        p.maker_fee_bps = -p.taker_fee_bps;
        p.maintenance_margin_bps = p.initial_margin_bps / 4;
        p.withdraw_limit_bps = 10_000;
        assert_eq!(code(p), None);
        p.initial_margin_bps = 10_000;
        p.maintenance_margin_bps = 9_999;
        assert_eq!(code(p), None);
    }

    #[test]
    fn the_council_may_only_tighten_risk_fields() {
        let old = valid();
        // Raising reference-volatility terms raises maintenance's target, which the ramp
        // approaches; raising the size premium or the ramp itself would not ramp (below).
        let tightening: &[fn(&mut MarketParams)] = &[
            |p| p.reference_vol_bps -= 1,
            |p| p.max_vol_multiplier_bps += 1,
            |p| p.oi_soft_cap_lots -= 1,
            |p| p.oi_hard_cap_lots -= 1,
        ];
        for tighten in tightening {
            let mut new = old;
            tighten(&mut new);
            assert!(old.require_tightening(&new).is_ok(), "{new:?}");
        }
        type Case = (fn(&mut MarketParams), ErrorCode);
        let loosening: &[Case] = &[
            (
                |p| p.size_premium_bps += 1,
                ErrorCode::CouncilCannotRaiseSizePremium,
            ),
            (
                |p| p.size_unit_lots -= 1,
                ErrorCode::CouncilCannotRaiseSizePremium,
            ),
            (
                |p| p.maintenance_ramp_bps_per_hour += 1,
                ErrorCode::CouncilCannotRaiseMaintenanceRamp,
            ),
            (|p| p.size_premium_bps -= 1, ErrorCode::LoosensSizePremium),
            (|p| p.size_unit_lots += 1, ErrorCode::LoosensSizePremium),
            (
                |p| p.reference_vol_bps += 1,
                ErrorCode::LoosensVolatilityMargin,
            ),
            (
                |p| p.max_vol_multiplier_bps -= 1,
                ErrorCode::LoosensVolatilityMargin,
            ),
            (
                |p| p.vol_time_constant_secs += 1,
                ErrorCode::CouncilCannotChangeVolatilityTimeConstant,
            ),
            (
                |p| p.oi_hard_cap_lots += 1,
                ErrorCode::LoosensOpenInterestCaps,
            ),
            (
                |p| p.maintenance_ramp_bps_per_hour -= 1,
                ErrorCode::LoosensMaintenanceRamp,
            ),
            (
                |p| p.liquidation_discount_bps += 1,
                ErrorCode::CouncilCannotChangeLiquidationTerms,
            ),
            (
                |p| p.insurance_share_bps -= 1,
                ErrorCode::CouncilCannotChangeLiquidationTerms,
            ),
            (
                |p| p.funding_max_rate_bps += 1,
                ErrorCode::CouncilCannotChangeFunding,
            ),
            (
                |p| p.trigger_fee_quote_lots += 1,
                ErrorCode::CouncilCannotChangeTriggerFee,
            ),
            (
                |p| p.trigger_fee_quote_lots -= 1,
                ErrorCode::CouncilCannotChangeTriggerFee,
            ),
        ];
        for (loosen, expected) in loosening {
            let mut new = old;
            loosen(&mut new);
            let got = code_of(old.require_tightening(&new));
            assert_eq!(got, Some(u32::from(*expected)), "{new:?}");
        }
    }

    #[test]
    fn borsh_and_bytemuck_layouts_agree() {
        let p = valid();
        let mut borsh = Vec::new();
        p.serialize(&mut borsh).unwrap();
        assert_eq!(borsh.as_slice(), bytemuck::bytes_of(&p));
    }
}
