//! Creating program-owned accounts at PDAs so that nobody can block them.
//!
//! Anyone can send lamports to an address before it is created. `system_program::create_account`
//! then fails, and Anchor's `init` falls back to a system instruction this runtime lacks, so a
//! griefer could block a market or margin account forever with a 1-lamport transfer. Here a
//! pre-funded address is topped up to rent exemption, allocated and assigned instead.

use crate::error::ErrorCode;
use anchor_lang::prelude::*;
use anchor_lang::system_program::{self, Allocate, Assign, CreateAccount, Transfer};

/// Creates `target` (a PDA signed for by `signer_seeds`) with `space` bytes owned by `owner`,
/// paid by `payer`, whether or not someone already sent lamports to the address.
pub fn create_pda_account<'info>(
    payer: &AccountInfo<'info>,
    target: &AccountInfo<'info>,
    system_program: &AccountInfo<'info>,
    owner: &Pubkey,
    space: usize,
    signer_seeds: &[&[u8]],
) -> Result<()> {
    // Only a pristine system account may be created; anything else is already someone's state.
    require!(
        target.owner == &system_program::ID && target.data_is_empty(),
        ErrorCode::AccountAlreadyInitialized
    );
    let signer = &[signer_seeds];
    let rent_exempt = Rent::get()?.minimum_balance(space);
    let current = target.lamports();
    if current == 0 {
        let accounts = CreateAccount {
            from: payer.clone(),
            to: target.clone(),
        };
        let ctx = CpiContext::new_with_signer(system_program.key(), accounts, signer);
        return system_program::create_account(ctx, rent_exempt, space as u64, owner);
    }
    if rent_exempt > current {
        let accounts = Transfer {
            from: payer.clone(),
            to: target.clone(),
        };
        system_program::transfer(
            CpiContext::new(system_program.key(), accounts),
            rent_exempt - current,
        )?;
    }
    let accounts = Allocate {
        account_to_allocate: target.clone(),
    };
    system_program::allocate(
        CpiContext::new_with_signer(system_program.key(), accounts, signer),
        space as u64,
    )?;
    let accounts = Assign {
        account_to_assign: target.clone(),
    };
    system_program::assign(
        CpiContext::new_with_signer(system_program.key(), accounts, signer),
        owner,
    )
}

/// Writes `T`'s discriminator into a freshly created account and returns its zeroed body.
pub fn init_zero_copy<'a, T>(target: &'a AccountInfo<'_>) -> Result<core::cell::RefMut<'a, T>>
where
    T: anchor_lang::ZeroCopy + Owner,
{
    require_keys_eq!(
        *target.owner,
        T::owner(),
        ErrorCode::AccountAlreadyInitialized
    );
    let data = target.try_borrow_mut_data()?;
    let disc = T::DISCRIMINATOR;
    let body_end = disc.len() + core::mem::size_of::<T>();
    require!(data.len() >= body_end, ErrorCode::AccountAlreadyInitialized);
    Ok(core::cell::RefMut::map(data, |d| {
        d[..disc.len()].copy_from_slice(disc);
        bytemuck::from_bytes_mut(&mut d[disc.len()..body_end])
    }))
}
