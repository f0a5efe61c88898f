//! Token rules: which quote mints a market accepts, how its vaults are created, and the checked
//! transfers in and out of them.

use crate::error::ErrorCode;
use crate::state::MarketSigner;
use crate::util::pda::create_pda_account;
use anchor_lang::prelude::*;
use anchor_lang::solana_program::program_pack::Pack;
use anchor_spl::token_2022::spl_token_2022::{
    extension::{BaseStateWithExtensions, ExtensionType, StateWithExtensions},
    state::{Account as Token2022Account, Mint as Token2022Mint},
};
use anchor_spl::token_interface::{
    self, InitializeAccount3, Mint, TokenAccount, TokenInterface, TransferChecked,
};

/// Token-2022 mint extensions that leave amounts moved equal to amounts received and cannot
/// freeze, claw back or hook into vault transfers. Everything else (transfer fee, transfer hook,
/// confidential transfer, permanent delegate, non-transferable, default-frozen accounts, pausable,
/// scaled or interest-bearing amounts, …) is refused: an allowlist, so a new extension is refused
/// until someone has checked it. Not `MintCloseAuthority` (issue 22): its holder can close the
/// mint at zero supply and re-create it at the same address with a permanent delegate or a
/// transfer hook, which deposits and withdrawals would not re-check.
const ALLOWED_MINT_EXTENSIONS: &[ExtensionType] = &[
    ExtensionType::MetadataPointer,
    ExtensionType::TokenMetadata,
    ExtensionType::GroupPointer,
    ExtensionType::TokenGroup,
    ExtensionType::GroupMemberPointer,
    ExtensionType::TokenGroupMember,
];

/// Size of a token account for `mint`: the classic 165 bytes, or what Token-2022 requires for
/// the mint's extensions. Refuses mints whose extensions would break vault accounting.
pub fn vault_account_len(mint: &AccountInfo) -> Result<usize> {
    if *mint.owner == anchor_spl::token::ID {
        return Ok(anchor_spl::token::spl_token::state::Account::LEN);
    }
    let data = mint.try_borrow_data()?;
    let state = StateWithExtensions::<Token2022Mint>::unpack(&data)?;
    let extensions = state.get_extension_types()?;
    if let Some(bad) = extensions
        .iter()
        .find(|e| !ALLOWED_MINT_EXTENSIONS.contains(e))
    {
        msg!("unsupported mint extension: {:?}", bad);
        return err!(ErrorCode::UnsupportedMintExtension);
    }
    let required = ExtensionType::get_required_init_account_extensions(&extensions);
    Ok(ExtensionType::try_calculate_account_len::<Token2022Account>(&required)?)
}

/// What every vault of one market shares: the market PDA is the authority of each, all hold
/// `mint`, and all have the size `vault_account_len` computed for it.
pub struct VaultFactory<'a, 'info> {
    pub payer: &'a AccountInfo<'info>,
    pub mint: &'a AccountInfo<'info>,
    pub market: &'a AccountInfo<'info>,
    pub token_program: &'a AccountInfo<'info>,
    pub system_program: &'a AccountInfo<'info>,
    pub space: usize,
}

impl<'info> VaultFactory<'_, 'info> {
    /// Creates `vault` (a PDA of this program signed for by `vault_seeds`) as a token account.
    pub fn create(&self, vault: &AccountInfo<'info>, vault_seeds: &[&[u8]]) -> Result<()> {
        create_pda_account(
            self.payer,
            vault,
            self.system_program,
            self.token_program.key,
            self.space,
            vault_seeds,
        )?;
        let accounts = InitializeAccount3 {
            account: vault.clone(),
            mint: self.mint.clone(),
            authority: self.market.clone(),
        };
        token_interface::initialize_account3(CpiContext::new(self.token_program.key(), accounts))
    }
}

/// Everything a checked transfer needs; `authority` signs (with `signer_seeds` for a PDA).
pub struct TokenMove<'a, 'info> {
    pub token_program: &'a AccountInfo<'info>,
    pub mint: &'a AccountInfo<'info>,
    pub decimals: u8,
    pub from: &'a AccountInfo<'info>,
    pub to: &'a AccountInfo<'info>,
    pub authority: &'a AccountInfo<'info>,
}

impl<'info> TokenMove<'_, 'info> {
    /// Transfers `amount` and then checks that `vault` (the `from` or `to` side) now holds
    /// exactly `vault_expected`. The mint allowlist already rules out fee-on-transfer and hooks;
    /// conservation depends on this, so it is checked anyway.
    pub fn transfer_verified(
        &self,
        amount: u64,
        signer_seeds: &[&[&[u8]]],
        vault: &mut InterfaceAccount<'info, TokenAccount>,
        vault_expected: u64,
    ) -> Result<()> {
        self.transfer(amount, signer_seeds)?;
        vault.reload()?;
        require!(
            vault.amount == vault_expected,
            ErrorCode::VaultBalanceMismatch
        );
        Ok(())
    }

    /// `transfer_checked` of `amount`, signed by `signer_seeds` when the authority is a PDA.
    fn transfer(&self, amount: u64, signer_seeds: &[&[&[u8]]]) -> Result<()> {
        let accounts = TransferChecked {
            from: self.from.clone(),
            mint: self.mint.clone(),
            to: self.to.clone(),
            authority: self.authority.clone(),
        };
        let ctx = CpiContext::new_with_signer(self.token_program.key(), accounts, signer_seeds);
        token_interface::transfer_checked(ctx, amount, self.decimals)
    }
}

/// Pays `amount` from the market's collateral vault (holding `vault_before`) to `destination`,
/// signed by the market, and checks that exactly that much left (`collateral_withdraw`, and
/// `margin_account_close` for what is left).
#[allow(clippy::too_many_arguments)]
pub fn pay_from_vault<'info>(
    token_program: &Interface<'info, TokenInterface>,
    quote_mint: &InterfaceAccount<'info, Mint>,
    vault: &mut InterfaceAccount<'info, TokenAccount>,
    destination: &InterfaceAccount<'info, TokenAccount>,
    market: &AccountInfo<'info>,
    signer: &MarketSigner,
    amount: u64,
    vault_before: u64,
) -> Result<()> {
    let vault_expected = vault_before
        .checked_sub(amount)
        .ok_or(ErrorCode::MathOverflow)?;
    TokenMove {
        token_program: &token_program.to_account_info(),
        mint: &quote_mint.to_account_info(),
        decimals: quote_mint.decimals,
        from: &vault.to_account_info(),
        to: &destination.to_account_info(),
        authority: market,
    }
    .transfer_verified(amount, &[&signer.seeds()], vault, vault_expected)
}
