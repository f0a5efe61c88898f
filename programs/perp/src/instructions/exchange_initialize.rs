//! `exchange_initialize`: creates the singleton Exchange with three distinct authorities.
//!
//! Only the program's upgrade authority may call it, so nobody can front-run deployment and
//! make themselves governance. On a host where the program is a native builtin (program-test,
//! the local cluster) there is no upgrade authority: only a build with the `native-host` feature,
//! which the deployable program never enables, skips the check there.

use crate::constants::EXCHANGE_SEED;
use crate::error::ErrorCode;
use crate::events::{ExchangeInitialized, log_event};
use crate::state::{Exchange, Role, timelock_bounds};
use crate::util::pda::create_pda_account;
use anchor_lang::prelude::*;
use anchor_lang::solana_program::bpf_loader_upgradeable;

/// Owner of native builtin programs (how program-test and the local cluster host this program).
#[cfg(feature = "native-host")]
const NATIVE_LOADER_ID: Pubkey =
    Pubkey::from_str_const("NativeLoader1111111111111111111111111111111");

#[derive(Accounts)]
pub struct ExchangeInitialize<'info> {
    /// Pays rent; must be the upgrade authority when the program is upgradeable.
    #[account(mut)]
    pub payer: Signer<'info>,
    /// CHECK: created by the handler; address fixed by the seeds.
    #[account(mut, seeds = [EXCHANGE_SEED], bump)]
    pub exchange: UncheckedAccount<'info>,
    /// CHECK: this program's own account; its owner tells which loader deployed it.
    #[account(address = crate::ID)]
    pub program: UncheckedAccount<'info>,
    /// CHECK: the program's ProgramData when upgradeable (address checked in the handler);
    /// ignored on a native host.
    pub program_data: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

/// Refuses unless `payer` is the upgrade authority recorded in `program_data`.
fn require_upgrade_authority(accounts: &ExchangeInitialize) -> Result<()> {
    let owner = *accounts.program.owner;
    #[cfg(feature = "native-host")]
    if owner == NATIVE_LOADER_ID {
        return Ok(());
    }
    require_keys_eq!(
        owner,
        bpf_loader_upgradeable::ID,
        ErrorCode::NotUpgradeAuthority
    );
    let (expected, _) =
        Pubkey::find_program_address(&[crate::ID.as_ref()], &bpf_loader_upgradeable::ID);
    require_keys_eq!(
        accounts.program_data.key(),
        expected,
        ErrorCode::NotUpgradeAuthority
    );
    require_keys_eq!(
        *accounts.program_data.owner,
        bpf_loader_upgradeable::ID,
        ErrorCode::NotUpgradeAuthority
    );
    let data = accounts.program_data.try_borrow_data()?;
    let program_data = ProgramData::try_deserialize(&mut &data[..])?;
    require!(
        program_data.upgrade_authority_address == Some(accounts.payer.key()),
        ErrorCode::NotUpgradeAuthority
    );
    Ok(())
}

pub fn handler(
    ctx: Context<ExchangeInitialize>,
    governance: Pubkey,
    risk_council: Pubkey,
    guardian: Pubkey,
) -> Result<()> {
    require_upgrade_authority(ctx.accounts)?;
    let accounts = &ctx.accounts;
    let bump = ctx.bumps.exchange;
    let exchange = Exchange {
        governance,
        risk_council,
        guardian,
        pending: [Pubkey::default(); 3],
        pending_expires_at: [0; 3],
        timelock_secs: timelock_bounds::DEFAULT_DELAY_SECS,
        execution_window_secs: timelock_bounds::DEFAULT_WINDOW_SECS,
        closed_gates: 0,
        next_change_id: 0,
        market_count: 0,
        bump,
    };
    // Separation of duties, by the same rule every later transfer obeys: no empty key, and no
    // key holding two roles.
    for role in [Role::Governance, Role::RiskCouncil, Role::Guardian] {
        exchange.require_assignable(role, exchange.authority(role))?;
    }
    create_pda_account(
        &accounts.payer,
        &accounts.exchange,
        &accounts.system_program,
        &crate::ID,
        Exchange::SPACE,
        &[EXCHANGE_SEED, &[bump]],
    )?;
    exchange.try_serialize(&mut &mut accounts.exchange.try_borrow_mut_data()?[..])?;
    log_event(&ExchangeInitialized {
        governance,
        risk_council,
        guardian,
    });
    Ok(())
}
