//! Accounts every instruction that consumes a queued change shares.

use crate::error::ErrorCode;
use crate::state::ParamChange;
use anchor_lang::prelude::*;

/// A queued change being executed or cancelled. Its account closes at the end of the
/// instruction, refunding the rent to whoever paid it; a closed change can never run again.
#[derive(Accounts)]
pub struct PendingChange<'info> {
    #[account(mut, close = rent_payer, has_one = rent_payer @ ErrorCode::WrongRentPayer)]
    pub param_change: Account<'info, ParamChange>,
    /// CHECK: only receives lamports; must be the recorded payer (has_one).
    #[account(mut)]
    pub rent_payer: UncheckedAccount<'info>,
}
