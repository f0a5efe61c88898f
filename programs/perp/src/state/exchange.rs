//! The singleton Exchange: who may govern, reduce risk and pause, and how many markets exist.

use anchor_lang::prelude::*;

/// Singleton configuration account at `["exchange"]`. Small, so plain borsh.
#[account]
#[derive(InitSpace, Debug)]
pub struct Exchange {
    /// The DAO (e.g. a Realms governance PDA or a Squads vault): lists markets, changes parameters.
    pub governance: Pubkey,
    /// May apply risk-reducing changes at once.
    pub risk_council: Pubkey,
    /// May pause markets and close instruction gates; can never loosen anything.
    pub guardian: Pubkey,
    /// Number of markets listed; the next market's index.
    pub market_count: u16,
    /// Bump of the exchange PDA.
    pub bump: u8,
}

impl Exchange {
    /// Account size including Anchor's discriminator.
    pub const SPACE: usize = 8 + Exchange::INIT_SPACE;
}
