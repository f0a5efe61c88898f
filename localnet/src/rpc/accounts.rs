//! Account reads: balances, accounts, program accounts with filters, token accounts.

use super::encode::{check_encoding, ui_account};
use super::params::{Params, parse_pubkey};
use super::{RpcError, RpcResult, with_context};
use crate::ledger::Ledger;
use anchor_spl::token::spl_token;
use perp_sdk::Cluster;
use solana_account_decoder::UiAccountEncoding;
use solana_account_decoder::parse_account_data::SplTokenAdditionalDataV2;
use solana_account_decoder::parse_token::token_amount_to_ui_amount_v3;
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcContextConfig, RpcProgramAccountsConfig, RpcTokenAccountsFilter,
};
use solana_rpc_client_api::filter::RpcFilterType;
use solana_rpc_client_api::response::RpcKeyedAccount;
use solana_sdk::account::Account;
use solana_sdk::program_pack::Pack;
use solana_sdk::pubkey::Pubkey;

/// Keys `getMultipleAccounts` takes at most (as a validator).
const MAX_MULTIPLE_ACCOUNTS: usize = 100;
/// Filters `getProgramAccounts` takes at most (as a validator).
const MAX_FILTERS: usize = 4;
/// Solana's "minimum context slot has not been reached".
const MIN_CONTEXT_SLOT_NOT_REACHED: i64 = -32016;

/// The slot answers are read at; refuses a `minContextSlot` the cluster has not reached.
fn context_slot(ledger: &Ledger, min_context_slot: Option<u64>) -> Result<u64, RpcError> {
    let slot = ledger.slot();
    match min_context_slot {
        Some(min) if min > slot => Err(RpcError::new(
            MIN_CONTEXT_SLOT_NOT_REACHED,
            "Minimum context slot has not been reached",
        )),
        _ => Ok(slot),
    }
}

pub async fn get_balance(ledger: &Ledger, params: Params) -> RpcResult {
    let key = params.pubkey(0, "pubkey")?;
    let config: RpcContextConfig = params.config(1)?;
    let slot = context_slot(ledger, config.min_context_slot)?;
    let lamports = ledger.account(&key).await?.map_or(0, |a| a.lamports);
    with_context(slot, lamports)
}

/// `getAccountInfo`'s default encoding is the legacy base-58 one, as on a validator.
fn encoding_of(config: &RpcAccountInfoConfig) -> UiAccountEncoding {
    config.encoding.unwrap_or(UiAccountEncoding::Binary)
}

pub async fn get_account_info(ledger: &Ledger, params: Params) -> RpcResult {
    let key = params.pubkey(0, "pubkey")?;
    let config: RpcAccountInfoConfig = params.config(1)?;
    let slot = context_slot(ledger, config.min_context_slot)?;
    let value = match ledger.account(&key).await? {
        Some(account) => Some(
            ui_account(
                ledger,
                &key,
                &account,
                encoding_of(&config),
                config.data_slice,
            )
            .await?,
        ),
        None => None,
    };
    with_context(slot, value)
}

pub async fn get_multiple_accounts(ledger: &Ledger, params: Params) -> RpcResult {
    let keys = params.pubkeys(0, "pubkeys", MAX_MULTIPLE_ACCOUNTS)?;
    let config: RpcAccountInfoConfig = params.config(1)?;
    let slot = context_slot(ledger, config.min_context_slot)?;
    let encoding = config.encoding.unwrap_or(UiAccountEncoding::Base64);
    let mut value = Vec::with_capacity(keys.len());
    for (key, account) in keys.iter().zip(ledger.accounts(&keys).await?) {
        value.push(match account {
            Some(a) => Some(ui_account(ledger, key, &a, encoding, config.data_slice).await?),
            None => None,
        });
    }
    with_context(slot, value)
}

pub fn passes(filter: &RpcFilterType, data: &[u8]) -> bool {
    match filter {
        RpcFilterType::DataSize(n) => data.len() as u64 == *n,
        RpcFilterType::Memcmp(m) => m.bytes_match(data),
        RpcFilterType::TokenAccountState => spl_token::state::Account::unpack(data).is_ok(),
    }
}

/// Every account owned by `program` passing all `filters`, in address order.
async fn owned_by(
    ledger: &Ledger,
    program: &Pubkey,
    filters: &[RpcFilterType],
) -> Result<Vec<(Pubkey, Account)>, RpcError> {
    let filters = filters.to_vec();
    Ok(ledger
        .program_accounts_now(program, move |data| filters.iter().all(|f| passes(f, data)))
        .await)
}

async fn keyed(
    ledger: &Ledger,
    accounts: Vec<(Pubkey, Account)>,
    config: &RpcAccountInfoConfig,
    default: UiAccountEncoding,
) -> Result<Vec<RpcKeyedAccount>, RpcError> {
    let encoding = config.encoding.unwrap_or(default);
    let mut out = Vec::with_capacity(accounts.len());
    for (key, account) in accounts {
        check_encoding(&account, encoding, config.data_slice)?;
        out.push(RpcKeyedAccount {
            pubkey: key.to_string(),
            account: ui_account(ledger, &key, &account, encoding, config.data_slice).await?,
        });
    }
    Ok(out)
}

pub async fn get_program_accounts(ledger: &Ledger, params: Params) -> RpcResult {
    let program = params.pubkey(0, "program id")?;
    let config: RpcProgramAccountsConfig = params.config(1)?;
    let slot = context_slot(ledger, config.account_config.min_context_slot)?;
    let filters = config.filters.unwrap_or_default();
    if filters.len() > MAX_FILTERS {
        return Err(RpcError::invalid_params(format!(
            "Too many filters provided; max {MAX_FILTERS}"
        )));
    }
    for f in &filters {
        f.verify()
            .map_err(|e| RpcError::invalid_params(format!("Invalid param: {e:?}")))?;
    }
    let accounts = owned_by(ledger, &program, &filters).await?;
    let value = keyed(
        ledger,
        accounts,
        &config.account_config,
        UiAccountEncoding::Binary,
    )
    .await?;
    if config.with_context.unwrap_or(false) {
        with_context(slot, value)
    } else {
        serde_json::to_value(value).map_err(RpcError::internal)
    }
}

pub async fn get_token_account_balance(ledger: &Ledger, params: Params) -> RpcResult {
    let key = params.pubkey(0, "token account")?;
    let slot = ledger.slot();
    let not_token = || RpcError::invalid_params("Invalid param: not a Token account");
    let account = ledger
        .account(&key)
        .await?
        .ok_or_else(|| RpcError::invalid_params("Invalid param: could not find account"))?;
    if account.owner != spl_token::ID {
        return Err(not_token());
    }
    let token = spl_token::state::Account::unpack(&account.data).map_err(|_| not_token())?;
    let mint = ledger
        .account(&token.mint)
        .await?
        .and_then(|m| spl_token::state::Mint::unpack(&m.data).ok())
        .ok_or_else(|| RpcError::invalid_params("Invalid param: mint could not be unpacked"))?;
    let amount = token_amount_to_ui_amount_v3(
        token.amount,
        &SplTokenAdditionalDataV2::with_decimals(mint.decimals),
    );
    with_context(slot, amount)
}

pub async fn get_token_accounts_by_owner(ledger: &Ledger, params: Params) -> RpcResult {
    let owner = params.pubkey(0, "owner")?;
    let filter: RpcTokenAccountsFilter = params.required(1, "mint or programId")?;
    let config: RpcAccountInfoConfig = params.config(2)?;
    let slot = context_slot(ledger, config.min_context_slot)?;
    let mut filters = vec![
        RpcFilterType::TokenAccountState,
        RpcFilterType::Memcmp(solana_rpc_client_api::filter::Memcmp::new_raw_bytes(
            32,
            owner.to_bytes().to_vec(),
        )),
    ];
    match filter {
        RpcTokenAccountsFilter::Mint(mint) => {
            let mint = parse_pubkey(&mint)?;
            filters.push(RpcFilterType::Memcmp(
                solana_rpc_client_api::filter::Memcmp::new_raw_bytes(0, mint.to_bytes().to_vec()),
            ));
        }
        RpcTokenAccountsFilter::ProgramId(program) => {
            if parse_pubkey(&program)? != spl_token::ID {
                return Err(RpcError::invalid_params(
                    "Invalid param: unrecognized Token program id",
                ));
            }
        }
    }
    let accounts = owned_by(ledger, &spl_token::ID, &filters).await?;
    let value = keyed(ledger, accounts, &config, UiAccountEncoding::Binary).await?;
    with_context(slot, value)
}
