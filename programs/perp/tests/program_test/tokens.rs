//! Real SPL Token / Token-2022 mints and token accounts, built with the token programs' own
//! instruction builders and executed by the real token programs in the bank.

use anchor_lang::solana_program::system_instruction;
use anchor_spl::token::spl_token;
use anchor_spl::token_2022::spl_token_2022::{
    self,
    extension::{ExtensionType, metadata_pointer, transfer_fee, transfer_hook},
    state::Mint as Mint2022,
};
use solana_sdk::instruction::Instruction;
use solana_sdk::program_pack::Pack;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;

/// A Token-2022 mint extension a test can put on a quote mint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MintExtension {
    /// Allowed: the mint can be closed at zero supply.
    MintCloseAuthority,
    /// Allowed: points at metadata.
    MetadataPointer,
    /// Refused: the program would receive less than was sent.
    TransferFee,
    /// Refused: a delegate could take tokens out of the vault.
    PermanentDelegate,
    /// Refused: tokens cannot move.
    NonTransferable,
    /// Refused: arbitrary code runs on every vault transfer.
    TransferHook,
}

impl MintExtension {
    fn kind(self) -> ExtensionType {
        match self {
            Self::MintCloseAuthority => ExtensionType::MintCloseAuthority,
            Self::MetadataPointer => ExtensionType::MetadataPointer,
            Self::TransferFee => ExtensionType::TransferFeeConfig,
            Self::PermanentDelegate => ExtensionType::PermanentDelegate,
            Self::NonTransferable => ExtensionType::NonTransferable,
            Self::TransferHook => ExtensionType::TransferHook,
        }
    }

    fn init_ix(self, mint: &Pubkey, authority: &Pubkey) -> Instruction {
        let id = spl_token_2022::ID;
        match self {
            Self::MintCloseAuthority => {
                spl_token_2022::instruction::initialize_mint_close_authority(
                    &id,
                    mint,
                    Some(authority),
                )
            }
            Self::MetadataPointer => {
                metadata_pointer::instruction::initialize(&id, mint, Some(*authority), Some(*mint))
            }
            Self::TransferFee => transfer_fee::instruction::initialize_transfer_fee_config(
                &id,
                mint,
                Some(authority),
                Some(authority),
                50,
                1_000_000,
            ),
            Self::PermanentDelegate => {
                spl_token_2022::instruction::initialize_permanent_delegate(&id, mint, authority)
            }
            Self::NonTransferable => {
                spl_token_2022::instruction::initialize_non_transferable_mint(&id, mint)
            }
            Self::TransferHook => transfer_hook::instruction::initialize(
                &id,
                mint,
                Some(*authority),
                Some(*authority),
            ),
        }
        .expect("extension instruction")
    }
}

/// Instructions that create a mint at `mint` with `decimals`, owned by `token_program`, with
/// the given Token-2022 `extensions` (must be empty for classic SPL Token).
pub fn create_mint_ixs(
    payer: &Pubkey,
    mint: &Pubkey,
    authority: &Pubkey,
    decimals: u8,
    token_program: &Pubkey,
    extensions: &[MintExtension],
    rent: &solana_sdk::rent::Rent,
) -> Vec<Instruction> {
    let space = if *token_program == spl_token::ID {
        assert!(
            extensions.is_empty(),
            "classic SPL Token mints have no extensions"
        );
        spl_token::state::Mint::LEN
    } else {
        let kinds: Vec<_> = extensions.iter().map(|e| e.kind()).collect();
        ExtensionType::try_calculate_account_len::<Mint2022>(&kinds).unwrap()
    };
    let mut ixs = vec![system_instruction::create_account(
        payer,
        mint,
        rent.minimum_balance(space),
        space as u64,
        token_program,
    )];
    ixs.extend(extensions.iter().map(|e| e.init_ix(mint, authority)));
    ixs.push(
        spl_token_2022::instruction::initialize_mint2(
            token_program,
            mint,
            authority,
            None,
            decimals,
        )
        .expect("initialize_mint2"),
    );
    ixs
}

/// Instructions that create a token account of `mint` for `owner` at `account`.
pub fn create_token_account_ixs(
    payer: &Pubkey,
    account: &Pubkey,
    mint: &Pubkey,
    owner: &Pubkey,
    token_program: &Pubkey,
    mint_extensions: &[MintExtension],
    rent: &solana_sdk::rent::Rent,
) -> Vec<Instruction> {
    let space = if *token_program == spl_token::ID {
        spl_token::state::Account::LEN
    } else {
        let kinds: Vec<_> = mint_extensions.iter().map(|e| e.kind()).collect();
        let required = ExtensionType::get_required_init_account_extensions(&kinds);
        ExtensionType::try_calculate_account_len::<spl_token_2022::state::Account>(&required)
            .unwrap()
    };
    vec![
        system_instruction::create_account(
            payer,
            account,
            rent.minimum_balance(space),
            space as u64,
            token_program,
        ),
        spl_token_2022::instruction::initialize_account3(token_program, account, mint, owner)
            .expect("init account"),
    ]
}

/// A mint the tests control.
pub struct TestMint {
    pub key: Pubkey,
    pub authority: Keypair,
    pub token_program: Pubkey,
    pub extensions: Vec<MintExtension>,
}

impl TestMint {
    /// A `mint_to` of `amount` into `account`.
    pub fn mint_to_ix(&self, account: &Pubkey, amount: u64) -> Instruction {
        spl_token_2022::instruction::mint_to(
            &self.token_program,
            &self.key,
            account,
            &self.authority.pubkey(),
            &[],
            amount,
        )
        .expect("mint_to")
    }
}
