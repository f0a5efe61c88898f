//! A market's tradable parameters and the hard bounds compiled into the program. Governance can
//! only ever choose values inside these bounds, whoever holds its key.

use crate::error::ErrorCode;
use crate::state::tighten::{Safe, check_fields, field};
use anchor_lang::prelude::*;
use bytemuck::{Pod, Zeroable};
use perp_engine::QuoteNative;

/// Parameters chosen when a market is listed. Stored inside the zero-copy `Market`, and also the
/// instruction argument of `market_create` (borsh and bytemuck agree: no padding, all LE).
#[derive(
    AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable,
)]
#[repr(C)]
pub struct MarketParams {
    /// Base atoms in one base lot (the size increment).
    pub base_lot_size: u64,
    /// Native quote units in one quote lot.
    pub quote_lot_size: u64,
    /// Quote lots per base lot added by one tick (the price increment).
    pub tick_size: u64,
    /// Cap on the market's total deposited collateral, in native quote units.
    pub deposit_cap: u64,
    /// Maker fee in bps of notional; negative is a rebate.
    pub maker_fee_bps: i32,
    /// Taker fee in bps of notional.
    pub taker_fee_bps: i32,
    /// Initial margin fraction in bps (1 / max leverage).
    pub initial_margin_bps: u32,
    /// Maintenance margin fraction in bps.
    pub maintenance_margin_bps: u32,
    /// Max net outflow of the collateral vault per rolling 24 h, in bps of the vault.
    pub withdraw_limit_bps: u32,
    /// Decimals of the base asset (a base atom is 10^-base_decimals of one unit).
    pub base_decimals: u32,
}
static_assertions::const_assert_eq!(core::mem::size_of::<MarketParams>(), 56);

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
}

impl MarketParams {
    /// Checks every parameter against its hard bound, naming the first that is out of bounds.
    pub fn validate(&self) -> Result<()> {
        require!(
            bounds::BASE_LOT_SIZE.contains(&self.base_lot_size),
            ErrorCode::InvalidBaseLotSize
        );
        require!(
            bounds::BASE_DECIMALS.contains(&self.base_decimals),
            ErrorCode::InvalidBaseDecimals
        );
        require!(
            bounds::QUOTE_LOT_SIZE.contains(&self.quote_lot_size),
            ErrorCode::InvalidQuoteLotSize
        );
        require!(
            bounds::TICK_SIZE.contains(&self.tick_size),
            ErrorCode::InvalidTickSize
        );
        require!(
            bounds::TAKER_FEE_BPS.contains(&self.taker_fee_bps),
            ErrorCode::InvalidTakerFee
        );
        // A maker rebate is paid out of the taker fee, so it may never exceed it.
        require!(
            (-self.taker_fee_bps..=self.taker_fee_bps).contains(&self.maker_fee_bps),
            ErrorCode::InvalidMakerFee
        );
        require!(
            bounds::INITIAL_MARGIN_BPS.contains(&self.initial_margin_bps),
            ErrorCode::InvalidInitialMargin
        );
        // Maintenance below initial leaves room between opening and liquidation; at least a quarter
        // of initial keeps liquidation from arriving only after equity is gone.
        let mm = self.maintenance_margin_bps;
        require!(
            mm >= bounds::MIN_MAINTENANCE_MARGIN_BPS
                && mm < self.initial_margin_bps
                && u64::from(mm) * 4 >= u64::from(self.initial_margin_bps),
            ErrorCode::InvalidMaintenanceMargin
        );
        require!(
            bounds::DEPOSIT_CAP.contains(&self.deposit_cap),
            ErrorCode::InvalidDepositCap
        );
        require!(
            bounds::WITHDRAW_LIMIT_BPS.contains(&self.withdraw_limit_bps),
            ErrorCode::InvalidWithdrawLimit
        );
        Ok(())
    }

    /// Refuses a change of the fields positions and orders are denominated in: changing them
    /// after listing would silently rescale every open position.
    pub fn require_same_lots(&self, listed: &MarketParams) -> Result<()> {
        require!(
            self.base_lot_size == listed.base_lot_size
                && self.quote_lot_size == listed.quote_lot_size
                && self.tick_size == listed.tick_size
                && self.base_decimals == listed.base_decimals,
            ErrorCode::LotSizesImmutable
        );
        Ok(())
    }

    /// Refuses `new` unless every field that differs moves in its risk-reducing direction,
    /// naming the first field that does not (the risk council's rule).
    pub fn require_tightening(&self, new: &MarketParams) -> Result<()> {
        use Safe::*;
        check_fields(&[
            field(
                self.base_lot_size,
                new.base_lot_size,
                Fixed,
                ErrorCode::CouncilCannotChangeBaseLotSize,
            ),
            field(
                self.quote_lot_size,
                new.quote_lot_size,
                Fixed,
                ErrorCode::CouncilCannotChangeQuoteLotSize,
            ),
            field(
                self.tick_size,
                new.tick_size,
                Fixed,
                ErrorCode::CouncilCannotChangeTickSize,
            ),
            field(
                self.base_decimals,
                new.base_decimals,
                Fixed,
                ErrorCode::CouncilCannotChangeBaseDecimals,
            ),
            field(
                self.maker_fee_bps,
                new.maker_fee_bps,
                Fixed,
                ErrorCode::CouncilCannotChangeMakerFee,
            ),
            field(
                self.taker_fee_bps,
                new.taker_fee_bps,
                Fixed,
                ErrorCode::CouncilCannotChangeTakerFee,
            ),
            field(
                self.deposit_cap,
                new.deposit_cap,
                Lower,
                ErrorCode::LoosensDepositCap,
            ),
            field(
                self.initial_margin_bps,
                new.initial_margin_bps,
                Higher,
                ErrorCode::LoosensInitialMargin,
            ),
            field(
                self.maintenance_margin_bps,
                new.maintenance_margin_bps,
                Higher,
                ErrorCode::LoosensMaintenanceMargin,
            ),
            field(
                self.withdraw_limit_bps,
                new.withdraw_limit_bps,
                Lower,
                ErrorCode::LoosensWithdrawLimit,
            ),
        ])
    }

    /// Deposit cap as the engine's typed unit.
    pub fn deposit_cap(&self) -> QuoteNative {
        QuoteNative::new(self.deposit_cap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        }
    }

    fn code(p: MarketParams) -> Option<u32> {
        p.validate().err().map(|e| match e {
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
        ];
        for (mutate, expected) in cases {
            let mut p = valid();
            mutate(&mut p);
            assert_eq!(code(p), Some(u32::from(*expected)), "{p:?}");
        }
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
    fn borsh_and_bytemuck_layouts_agree() {
        let p = valid();
        let mut borsh = Vec::new();
        p.serialize(&mut borsh).unwrap();
        assert_eq!(borsh.as_slice(), bytemuck::bytes_of(&p));
    }
}
