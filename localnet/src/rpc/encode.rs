//! Accounts as `UiAccount`s in the encoding a client asks for (shared by RPC and PubSub).

use super::RpcError;
use crate::ledger::Ledger;
use anchor_spl::token::spl_token;
use perp_sdk::Cluster;
use solana_account_decoder::parse_account_data::{
    AccountAdditionalDataV3, SplTokenAdditionalDataV2,
};
use solana_account_decoder::{MAX_BASE58_BYTES, UiAccount, UiAccountEncoding, UiDataSliceConfig};
use solana_sdk::account::Account;
use solana_sdk::program_pack::Pack;
use solana_sdk::pubkey::Pubkey;

/// Base-58 is for small accounts only (as on a validator).
pub fn check_encoding(
    account: &Account,
    encoding: UiAccountEncoding,
    slice: Option<UiDataSliceConfig>,
) -> Result<(), RpcError> {
    let len = slice.map_or(account.data.len(), |s| {
        s.length.min(account.data.len().saturating_sub(s.offset))
    });
    if matches!(
        encoding,
        UiAccountEncoding::Binary | UiAccountEncoding::Base58
    ) && len > MAX_BASE58_BYTES
    {
        return Err(RpcError::invalid_request(format!(
            "Encoded binary (base 58) data should be less than {MAX_BASE58_BYTES} bytes, please use Base64 encoding."
        )));
    }
    Ok(())
}

/// The decimals of a token account's mint, which `jsonParsed` needs.
async fn token_data(ledger: &Ledger, account: &Account) -> Option<AccountAdditionalDataV3> {
    if account.owner != spl_token::ID {
        return None;
    }
    let token = spl_token::state::Account::unpack(&account.data).ok()?;
    let mint = ledger.account(&token.mint).await.ok()??;
    let mint = spl_token::state::Mint::unpack(&mint.data).ok()?;
    Some(AccountAdditionalDataV3 {
        spl_token_additional_data: Some(SplTokenAdditionalDataV2::with_decimals(mint.decimals)),
    })
}

pub async fn ui_account(
    ledger: &Ledger,
    key: &Pubkey,
    account: &Account,
    encoding: UiAccountEncoding,
    slice: Option<UiDataSliceConfig>,
) -> Result<UiAccount, RpcError> {
    check_encoding(account, encoding, slice)?;
    Ok(ui_account_unchecked(ledger, key, account, encoding, slice).await)
}

/// As [`ui_account`], but base-58 of a large account is an error string in the data (what a
/// validator's notifications carry) rather than an error.
pub async fn ui_account_unchecked(
    ledger: &Ledger,
    key: &Pubkey,
    account: &Account,
    encoding: UiAccountEncoding,
    slice: Option<UiDataSliceConfig>,
) -> UiAccount {
    let additional = match encoding {
        UiAccountEncoding::JsonParsed => token_data(ledger, account).await,
        _ => None,
    };
    solana_account_decoder::encode_ui_account(key, account, encoding, additional, slice)
}
