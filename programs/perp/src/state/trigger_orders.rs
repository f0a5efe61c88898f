//! A margin account's trigger orders (stop-loss, take-profit, brackets): the engine's
//! `TriggerSlots` behind the key of the margin account they belong to (docs/triggers.md).

use anchor_lang::prelude::*;
use perp_engine::trigger::TriggerSlots;

/// Trigger orders at `["trigger_orders", margin_account]`.
#[account(zero_copy)]
#[derive(Debug)]
pub struct TriggerOrders {
    /// The margin account whose orders these are.
    pub margin_account: Pubkey,
    /// That account's market (so a keeper can filter a market's trigger accounts).
    pub market: Pubkey,
    /// Who paid the rent, and gets it back when the account closes.
    pub rent_payer: Pubkey,
    /// Bump of this PDA.
    pub bump: u8,
    /// Explicit padding.
    pub padding: [u8; 7],
    /// The slots.
    pub triggers: TriggerSlots,
}
static_assertions::const_assert_eq!(
    core::mem::size_of::<TriggerOrders>(),
    3 * 32 + 8 + core::mem::size_of::<TriggerSlots>()
);
static_assertions::const_assert_eq!(core::mem::align_of::<TriggerOrders>(), 8);

impl TriggerOrders {
    /// Account size including Anchor's discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<TriggerOrders>();
}
