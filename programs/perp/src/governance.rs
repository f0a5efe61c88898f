//! Accounts every instruction that consumes a queued change shares.

use crate::constants::PARAM_CHANGE_SEED;
use crate::error::ErrorCode;
use crate::state::ParamChange;
use anchor_lang::prelude::*;

/// A queued change being executed or cancelled: the PDA of its own target (stored bump), closed
/// at the end of the instruction with the rent refunded to whoever paid it, so a closed change
/// can never run again.
#[derive(Accounts)]
pub struct PendingChange<'info> {
    #[account(mut, close = rent_payer, has_one = rent_payer @ ErrorCode::WrongRentPayer,
        seeds = [PARAM_CHANGE_SEED, &param_change.change.target_seed()], bump = param_change.bump)]
    pub param_change: Account<'info, ParamChange>,
    /// CHECK: only receives lamports; must be the recorded payer (has_one).
    #[account(mut)]
    pub rent_payer: UncheckedAccount<'info>,
}
