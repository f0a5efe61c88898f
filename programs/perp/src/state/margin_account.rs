//! A trader's margin account in one market. Zero-copy: positions and open-order slots join it.

use anchor_lang::prelude::*;
use perp_engine::QuoteNative;
use perp_engine::risk::funding::FundingSnapshot;
use perp_engine::trader::Trader;

/// Margin account at `["margin_account", market, owner, sub_account_id]`.
#[account(zero_copy)]
#[derive(Debug)]
pub struct MarginAccount {
    /// The wallet that owns the account: the only key that may withdraw or close.
    pub owner: Pubkey,
    /// The market this account trades in; it can only ever touch that market's vaults.
    pub market: Pubkey,
    /// A key that may trade for the owner but never withdraw or close (default key = none).
    pub delegate: Pubkey,
    /// Deposited collateral in native quote units.
    pub collateral: u64,
    /// Distinguishes several accounts of one owner in one market.
    pub sub_account_id: u16,
    /// Bump of this PDA.
    pub bump: u8,
    /// Explicit padding.
    pub padding: [u8; 5],
    /// Position, PnL, fees and open orders in this market (the engine's bookkeeping).
    pub trader: Trader,
    /// The market's funding indices when this account last settled funding.
    pub funding: FundingSnapshot,
    /// Who paid the account's rent, and gets it back when it closes (default key: the owner,
    /// for accounts opened before this field existed).
    pub rent_payer: Pubkey,
    /// 1 while its trigger-orders account exists (`trigger_orders_create` / `_close`): what a
    /// keeper following the margin accounts reads to know whose triggers to watch, and to pass
    /// to `liquidate`.
    pub trigger_orders: u8,
    /// Explicit padding.
    pub padding2: [u8; 3],
    /// How many times the owner has set the delegate (`margin_account_set_delegate`, the same
    /// key or none included): a delegate's trigger carries the count it was placed under and
    /// does not outlive it, even when the same key is appointed again.
    pub delegations: u32,
    /// Room for later fields without a migration.
    pub reserved: [u8; 72],
}
static_assertions::const_assert_eq!(
    core::mem::size_of::<MarginAccount>(),
    4 * 32 + 8 + 8 + core::mem::size_of::<Trader>() + 16 + 80
);

impl MarginAccount {
    /// Account size including Anchor's discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<MarginAccount>();

    /// Collateral as the engine's typed unit.
    pub fn collateral(&self) -> QuoteNative {
        QuoteNative::new(self.collateral)
    }

    /// True when nothing remains that the owner could lose by closing: no collateral, no
    /// position, no open orders or unsettled fills, no unsettled realised PnL.
    pub fn is_empty(&self) -> bool {
        self.collateral == 0 && self.trader.is_flat() && self.trader.realised_pnl.is_zero()
    }

    /// Where the rent goes when the account closes: whoever paid it.
    pub fn rent_receiver(&self) -> Pubkey {
        if self.rent_payer == Pubkey::default() {
            self.owner
        } else {
            self.rent_payer
        }
    }

    /// True when `key` may trade for this account (the owner or its delegate).
    pub fn may_trade(&self, key: &Pubkey) -> bool {
        *key == self.owner || (*key == self.delegate && self.delegate != Pubkey::default())
    }
}
