//! A market: its own vaults, parameters and collateral accounting. Zero-copy because later
//! capabilities (oracle config, price and funding state, open interest) make it large.

use crate::state::MarketParams;
use anchor_lang::prelude::*;
use perp_engine::QuoteNative;
use perp_engine::collateral::{OutflowWindow, WINDOW_HOURS};

/// Trading status of a market.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum MarketStatus {
    /// Everything allowed.
    Active = 0,
    /// Only risk-reducing actions.
    ReduceOnly = 1,
    /// Only cancels and withdrawals of free collateral.
    Paused = 2,
}

/// Net outflow of the collateral vault per clock hour (stored form of `OutflowWindow`).
#[zero_copy]
#[derive(Debug, PartialEq, Eq)]
pub struct WithdrawWindow {
    /// Hour index (unix seconds / 3600) of the newest bucket.
    pub hour: i64,
    /// Net outflow per hour, indexed by `hour % 24`.
    pub buckets: [i64; WINDOW_HOURS],
}

impl From<WithdrawWindow> for OutflowWindow {
    fn from(w: WithdrawWindow) -> Self {
        OutflowWindow {
            hour: w.hour,
            buckets: w.buckets,
        }
    }
}

impl From<OutflowWindow> for WithdrawWindow {
    fn from(w: OutflowWindow) -> Self {
        WithdrawWindow {
            hour: w.hour,
            buckets: w.buckets,
        }
    }
}

/// A perpetual market at `["market", index]`. Its vaults pay only this market's accounts.
#[account(zero_copy)]
#[derive(Debug)]
pub struct Market {
    /// The collateral (quote) mint.
    pub quote_mint: Pubkey,
    /// The token program that owns the quote mint (SPL Token or Token-2022).
    pub quote_token_program: Pubkey,
    /// This market's own collateral vault (PDA token account, authority = this market).
    pub collateral_vault: Pubkey,
    /// This market's own insurance-fund vault (PDA token account, authority = this market).
    pub insurance_vault: Pubkey,
    /// Parameters, within the program's hard bounds.
    pub params: MarketParams,
    /// Sum of the collateral of all this market's margin accounts, in native quote units.
    pub collateral_total: u64,
    /// Rolling 24 h record of the collateral vault's net outflow.
    pub withdraw_window: WithdrawWindow,
    /// The market's index (its PDA seed).
    pub index: u16,
    /// Bump of the market PDA.
    pub bump: u8,
    /// `MarketStatus` as a byte.
    pub status: u8,
    /// Decimals of the quote mint.
    pub quote_decimals: u8,
    /// Explicit padding to keep the layout free of implicit holes.
    pub padding: [u8; 3],
    /// Room for later fields without a migration.
    pub reserved: [u8; 512],
}
static_assertions::const_assert_eq!(
    core::mem::size_of::<Market>(),
    4 * 32 + 56 + 8 + 200 + 8 + 512
);
static_assertions::const_assert_eq!(core::mem::align_of::<Market>(), 8);

impl Market {
    /// Account size including Anchor's discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<Market>();

    /// Total collateral as the engine's typed unit.
    pub fn collateral_total(&self) -> QuoteNative {
        QuoteNative::new(self.collateral_total)
    }
}
