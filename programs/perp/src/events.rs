//! Events, emitted to the program log so indexers and the keeper can follow every state change.

use crate::state::MarketParams;
use anchor_lang::prelude::*;

/// The exchange was created with its three authorities.
#[event]
pub struct ExchangeInitialized {
    pub governance: Pubkey,
    pub risk_council: Pubkey,
    pub guardian: Pubkey,
}

/// A market was listed with its own vaults and parameters.
#[event]
pub struct MarketCreated {
    pub market: Pubkey,
    pub index: u16,
    pub quote_mint: Pubkey,
    pub collateral_vault: Pubkey,
    pub insurance_vault: Pubkey,
    pub params: MarketParams,
}

/// A margin account was opened.
#[event]
pub struct MarginAccountCreated {
    pub margin_account: Pubkey,
    pub market: Pubkey,
    pub owner: Pubkey,
    pub sub_account_id: u16,
}

/// An empty margin account was closed and its rent returned to the owner.
#[event]
pub struct MarginAccountClosed {
    pub margin_account: Pubkey,
    pub market: Pubkey,
    pub owner: Pubkey,
}

/// The owner set or cleared (default key) the account's trading delegate.
#[event]
pub struct DelegateSet {
    pub margin_account: Pubkey,
    pub old_delegate: Pubkey,
    pub new_delegate: Pubkey,
}

/// Collateral entered a market's vault for a margin account.
#[event]
pub struct CollateralDeposited {
    pub market: Pubkey,
    pub margin_account: Pubkey,
    pub depositor: Pubkey,
    pub amount: u64,
    pub collateral_after: u64,
}

/// Collateral left a market's vault from a margin account.
#[event]
pub struct CollateralWithdrawn {
    pub market: Pubkey,
    pub margin_account: Pubkey,
    pub destination: Pubkey,
    pub amount: u64,
    pub collateral_after: u64,
}
