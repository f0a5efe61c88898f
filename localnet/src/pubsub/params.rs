//! What a subscription asks for, parsed from a subscribe request. Two requests with the same
//! parameters are the same subscription (as on a validator), so parameters are the key of the
//! hub's registry; the commitment is left out because one node without forks notifies every
//! level at the same time with the same bytes.

use crate::rpc::RpcError;
use serde_json::Value;
use solana_account_decoder::{UiAccountEncoding, UiDataSliceConfig};
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcTransactionLogsFilter,
};
use solana_rpc_client_api::filter::RpcFilterType;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signature;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Params {
    Account {
        key: Pubkey,
        encoding: UiAccountEncoding,
        slice: Option<UiDataSliceConfig>,
    },
    Program {
        program: Pubkey,
        filters: Vec<RpcFilterType>,
        encoding: UiAccountEncoding,
        slice: Option<UiDataSliceConfig>,
    },
    Signature(Signature),
    /// Logs of every transaction, or of those naming this account.
    Logs(Option<Pubkey>),
    Slot,
}

impl Params {
    /// The name its subscribe and unsubscribe methods start with.
    pub fn kind(&self) -> &'static str {
        match self {
            Params::Account { .. } => "account",
            Params::Program { .. } => "program",
            Params::Signature(_) => "signature",
            Params::Logs(_) => "logs",
            Params::Slot => "slot",
        }
    }
}

fn param<T: serde::de::DeserializeOwned + Default>(
    params: &[Value],
    i: usize,
) -> Result<T, RpcError> {
    match params.get(i) {
        None | Some(Value::Null) => Ok(T::default()),
        Some(v) => serde_json::from_value(v.clone())
            .map_err(|e| RpcError::invalid_params(format!("Invalid params: {e}"))),
    }
}

fn key_param<T: FromStr>(params: &[Value], name: &str) -> Result<T, RpcError>
where
    T::Err: std::fmt::Display,
{
    let s = params
        .first()
        .and_then(Value::as_str)
        .ok_or_else(|| RpcError::invalid_params(format!("Invalid params: missing {name}")))?;
    T::from_str(s).map_err(|e| RpcError::invalid_params(format!("Invalid param: {e}")))
}

fn logs(params: &[Value]) -> Result<Params, RpcError> {
    let filter: RpcTransactionLogsFilter = params
        .first()
        .cloned()
        .and_then(|v| serde_json::from_value(v).ok())
        .ok_or_else(|| RpcError::invalid_params("Invalid params: expected a logs filter"))?;
    match filter {
        RpcTransactionLogsFilter::All | RpcTransactionLogsFilter::AllWithVotes => {
            Ok(Params::Logs(None))
        }
        RpcTransactionLogsFilter::Mentions(keys) => match keys.as_slice() {
            [key] => Ok(Params::Logs(Some(Pubkey::from_str(key).map_err(|e| {
                RpcError::invalid_params(format!("Invalid param: {e}"))
            })?))),
            _ => Err(RpcError::invalid_params(
                "Invalid Request: Only 1 address supported",
            )),
        },
    }
}

/// The parameters of a `method` request (a subscribe method), or why they are not valid.
pub fn parse(method: &str, params: &[Value]) -> Result<Params, RpcError> {
    Ok(match method {
        "accountSubscribe" => {
            let config: RpcAccountInfoConfig = param(params, 1)?;
            Params::Account {
                key: key_param(params, "pubkey")?,
                encoding: config.encoding.unwrap_or(UiAccountEncoding::Binary),
                slice: config.data_slice,
            }
        }
        "programSubscribe" => {
            let config: RpcProgramAccountsConfig = param(params, 1)?;
            let filters = config.filters.unwrap_or_default();
            for f in &filters {
                f.verify()
                    .map_err(|e| RpcError::invalid_params(format!("Invalid param: {e:?}")))?;
            }
            Params::Program {
                program: key_param(params, "program id")?,
                filters,
                encoding: config
                    .account_config
                    .encoding
                    .unwrap_or(UiAccountEncoding::Binary),
                slice: config.account_config.data_slice,
            }
        }
        "signatureSubscribe" => Params::Signature(key_param(params, "signature")?),
        "logsSubscribe" => logs(params)?,
        "slotSubscribe" => Params::Slot,
        other => {
            return Err(RpcError::new(
                RpcError::METHOD_NOT_FOUND,
                format!("Method not found: {other}"),
            ));
        }
    })
}
