//! Program-derived addresses, from the program's own seed constants.

use perp::constants::*;
use perp::state::Change;
use solana_sdk::pubkey::Pubkey;

/// The exchange PDA.
pub fn exchange_pda() -> Pubkey {
    Pubkey::find_program_address(&[EXCHANGE_SEED], &perp::ID).0
}
/// The market PDA of `index`.
pub fn market_pda(index: u16) -> Pubkey {
    Pubkey::find_program_address(&[MARKET_SEED, &index.to_le_bytes()], &perp::ID).0
}
/// The collateral vault PDA of `market`.
pub fn collateral_vault_pda(market: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[COLLATERAL_VAULT_SEED, market.as_ref()], &perp::ID).0
}
/// The insurance vault PDA of `market`.
pub fn insurance_vault_pda(market: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[INSURANCE_VAULT_SEED, market.as_ref()], &perp::ID).0
}
/// The pending-change PDA of `change`'s target.
pub fn param_change_pda(change: &Change) -> Pubkey {
    Pubkey::find_program_address(&[PARAM_CHANGE_SEED, &change.target_seed()], &perp::ID).0
}
/// The margin account PDA of `owner` in `market`.
pub fn margin_account_pda(market: &Pubkey, owner: &Pubkey, sub_account_id: u16) -> Pubkey {
    let seeds: &[&[u8]] = &[
        MARGIN_ACCOUNT_SEED,
        market.as_ref(),
        owner.as_ref(),
        &sub_account_id.to_le_bytes(),
    ];
    Pubkey::find_program_address(seeds, &perp::ID).0
}

/// A margin account's trigger orders.
pub fn trigger_orders_pda(margin_account: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(
        &[
            perp::constants::TRIGGER_ORDERS_SEED,
            margin_account.as_ref(),
        ],
        &perp::ID,
    )
    .0
}
