//! `params_queue`: governance records a change for one target; it can execute only after the
//! timelock and only until its window closes.
//!
//! One pending change per target: queueing onto a target whose change is still pending is
//! refused (`ChangePending`); an expired one is replaced. Bounds (and a listing's quote mint
//! against the extension allowlist) are checked here and again at execution, and the event
//! carries the target's current values so anyone can see old → new.

use crate::constants::{EXCHANGE_SEED, PARAM_CHANGE_SEED};
use crate::error::ErrorCode;
use crate::events::{ChangeQueued, log_event};
use crate::state::{Change, Exchange, Market, ParamChange};
use crate::util::pda::create_pda_account;
use crate::util::token::vault_account_len;
use anchor_lang::prelude::*;
use anchor_spl::token_interface::Mint;

#[derive(Accounts)]
#[instruction(change: Change)]
pub struct ParamsQueue<'info> {
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.bump,
        has_one = governance @ ErrorCode::NotGovernance)]
    pub exchange: Account<'info, Exchange>,
    pub governance: Signer<'info>,
    #[account(mut)]
    pub payer: Signer<'info>,
    /// CHECK: the target's change slot; created here, or replaced if its change has expired.
    #[account(mut, seeds = [PARAM_CHANGE_SEED, &change.target_seed()], bump)]
    pub param_change: UncheckedAccount<'info>,
    /// The target market, for changes to an existing market.
    pub market: Option<AccountLoader<'info, Market>>,
    /// The quote mint, for a listing: its extensions are checked now, not days later.
    pub quote_mint: Option<InterfaceAccount<'info, Mint>>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<ParamsQueue>, change: Change) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = &ctx.accounts;
    let market = a.market.as_ref().map(|m| m.load()).transpose()?;
    change.validate(&a.exchange, market.as_deref())?;
    if let Change::ListMarket { quote_mint, .. } = change {
        let mint = a.quote_mint.as_ref().ok_or(ErrorCode::WrongMint)?;
        require_keys_eq!(mint.key(), quote_mint, ErrorCode::WrongMint);
        vault_account_len(&mint.to_account_info())?;
    }
    let current = change.current(&a.exchange, market.as_deref());
    drop(market);

    let slot = &a.param_change;
    // Whoever paid for the slot first is refunded when it finally closes.
    let mut rent_payer = a.payer.key();
    if slot.owner == &crate::ID {
        let pending = ParamChange::try_deserialize(&mut &slot.try_borrow_data()?[..])?;
        require_gt!(now, pending.expires_at, ErrorCode::ChangePending);
        rent_payer = pending.rent_payer;
    } else {
        create_pda_account(
            &a.payer,
            slot,
            &a.system_program,
            &crate::ID,
            ParamChange::SPACE,
            &[
                PARAM_CHANGE_SEED,
                &change.target_seed(),
                &[ctx.bumps.param_change],
            ],
        )?;
    }
    let eta = now
        .checked_add(i64::from(a.exchange.timelock_secs))
        .ok_or(ErrorCode::MathOverflow)?;
    let expires_at = eta
        .checked_add(i64::from(a.exchange.execution_window_secs))
        .ok_or(ErrorCode::MathOverflow)?;
    let id = a.exchange.next_change_id;
    let record = ParamChange {
        id,
        change,
        queued_at: now,
        eta,
        expires_at,
        rent_payer,
        bump: ctx.bumps.param_change,
    };
    record.try_serialize(&mut &mut slot.try_borrow_mut_data()?[..])?;

    let key = slot.key();
    let exchange = &mut ctx.accounts.exchange;
    exchange.next_change_id = id.checked_add(1).ok_or(ErrorCode::MathOverflow)?;
    log_event(&ChangeQueued {
        id,
        param_change: key,
        change,
        current,
        queued_at: now,
        eta,
        expires_at,
    });
    Ok(())
}
