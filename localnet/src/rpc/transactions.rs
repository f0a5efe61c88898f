//! Sending, simulating and looking up transactions; airdrops.

use super::params::{Params, parse_signature, too_many};
use super::{RpcError, RpcResult, with_context};
use crate::ledger::{Ledger, MAX_AIRDROP_LAMPORTS, Rejected, Simulation, TxRecord};
use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use bincode::Options;
use serde_json::{Value, json};
use solana_rpc_client_api::config::{
    RpcSendTransactionConfig, RpcSignaturesForAddressConfig, RpcSimulateTransactionConfig,
};
use solana_rpc_client_api::response::{
    RpcBlockhash, RpcConfirmedTransactionStatusWithSignature, RpcSimulateTransactionResult,
};
use solana_sdk::message::VersionedMessage;
use solana_sdk::transaction::{TransactionVersion, VersionedTransaction};
use solana_transaction_status_client_types::{
    EncodedConfirmedTransactionWithStatusMeta, EncodedTransaction,
    EncodedTransactionWithStatusMeta, TransactionBinaryEncoding, TransactionConfirmationStatus,
    TransactionStatus, TransactionStatusMeta, UiAddressTableLookup, UiCompiledInstruction,
    UiMessage, UiRawMessage, UiTransaction, UiTransactionEncoding, UiTransactionStatusMeta,
};

/// The largest wire transaction (an IPv6 MTU less headers), as a validator enforces.
const PACKET_DATA_SIZE: usize = 1280 - 40 - 8;
/// Signatures `getSignatureStatuses` takes at most (as a validator).
const MAX_SIGNATURES: usize = 256;

fn invalid(e: impl std::fmt::Display) -> RpcError {
    RpcError::invalid_params(format!("invalid transaction: {e}"))
}

/// Decodes a wire transaction as a validator does: bounded to one packet, fixed-int bincode.
fn decode_transaction(
    encoded: &str,
    encoding: TransactionBinaryEncoding,
) -> Result<VersionedTransaction, RpcError> {
    let bytes = match encoding {
        TransactionBinaryEncoding::Base58 => bs58::decode(encoded).into_vec().map_err(invalid)?,
        TransactionBinaryEncoding::Base64 => BASE64_STANDARD.decode(encoded).map_err(invalid)?,
    };
    if bytes.len() > PACKET_DATA_SIZE {
        return Err(invalid(format!(
            "{} bytes, the limit is {PACKET_DATA_SIZE}",
            bytes.len()
        )));
    }
    bincode::options()
        .with_limit(PACKET_DATA_SIZE as u64)
        .with_fixint_encoding()
        .allow_trailing_bytes()
        .deserialize(&bytes)
        .map_err(invalid)
}

fn binary_encoding(
    encoding: Option<UiTransactionEncoding>,
) -> Result<TransactionBinaryEncoding, RpcError> {
    match encoding.unwrap_or(UiTransactionEncoding::Base58) {
        UiTransactionEncoding::Base58 | UiTransactionEncoding::Binary => {
            Ok(TransactionBinaryEncoding::Base58)
        }
        UiTransactionEncoding::Base64 => Ok(TransactionBinaryEncoding::Base64),
        other => Err(RpcError::invalid_params(format!(
            "unsupported encoding: {other}. Supported encodings: base58, base64"
        ))),
    }
}

fn simulation_result(
    sim: &Simulation,
    replacement: Option<RpcBlockhash>,
) -> RpcSimulateTransactionResult {
    RpcSimulateTransactionResult {
        err: sim.err.clone().map(Into::into),
        logs: Some(sim.logs.clone()),
        accounts: None,
        units_consumed: Some(sim.units),
        loaded_accounts_data_size: Some(sim.loaded_accounts_data_size),
        return_data: None,
        inner_instructions: None,
        replacement_blockhash: replacement,
        fee: None,
        pre_balances: None,
        post_balances: None,
        pre_token_balances: None,
        post_token_balances: None,
        loaded_addresses: None,
    }
}

/// The error a validator answers for a transaction it did not take.
fn rejected(e: Rejected) -> RpcError {
    match e {
        Rejected::Malformed(m) => invalid(m),
        Rejected::SignatureFailure => RpcError::new(
            RpcError::TRANSACTION_SIGNATURE_VERIFICATION_FAILURE,
            "Transaction signature verification failure",
        ),
        Rejected::Preflight(sim) => preflight_failure(&sim),
        Rejected::NotExecuted(err) => preflight_failure(&Simulation {
            err: Some(err),
            logs: Vec::new(),
            units: 0,
            loaded_accounts_data_size: 0,
        }),
    }
}

fn preflight_failure(sim: &Simulation) -> RpcError {
    let err = sim
        .err
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    RpcError {
        code: RpcError::SEND_TRANSACTION_PREFLIGHT_FAILURE,
        message: format!("Transaction simulation failed: {err}"),
        data: serde_json::to_value(simulation_result(sim, None)).ok(),
    }
}

pub async fn send_transaction(ledger: &Ledger, params: Params) -> RpcResult {
    let encoded: String = params.required(0, "transaction")?;
    let config: RpcSendTransactionConfig = params.config(1)?;
    let tx = decode_transaction(&encoded, binary_encoding(config.encoding)?)?;
    let record = ledger
        .process(tx, !config.skip_preflight)
        .await
        .map_err(rejected)?;
    Ok(json!(record.transaction.signatures[0].to_string()))
}

pub async fn simulate_transaction(ledger: &Ledger, params: Params) -> RpcResult {
    let encoded: String = params.required(0, "transaction")?;
    let config: RpcSimulateTransactionConfig = params.config(1)?;
    if config.sig_verify && config.replace_recent_blockhash {
        return Err(RpcError::invalid_params(
            "sigVerify may not be used with replaceRecentBlockhash",
        ));
    }
    let mut tx = decode_transaction(&encoded, binary_encoding(config.encoding)?)?;
    let mut replacement = None;
    if config.replace_recent_blockhash {
        let (hash, last_valid_block_height) = ledger.latest_blockhash_info();
        tx.message.set_recent_blockhash(hash);
        replacement = Some(RpcBlockhash {
            blockhash: hash.to_string(),
            last_valid_block_height,
        });
    }
    let slot = ledger.slot();
    let sim = ledger.simulate(tx, config.sig_verify).map_err(rejected)?;
    with_context(slot, simulation_result(&sim, replacement))
}

fn status(record: &TxRecord) -> TransactionStatus {
    TransactionStatus {
        slot: record.slot,
        // One node, no forks: processed is final.
        confirmations: None,
        status: record.err.clone().map_or(Ok(()), Err),
        err: record.err.clone(),
        confirmation_status: Some(TransactionConfirmationStatus::Finalized),
    }
}

pub fn get_signature_statuses(ledger: &Ledger, params: Params) -> RpcResult {
    let signatures: Vec<String> = params.required(0, "signatures")?;
    too_many(signatures.len(), MAX_SIGNATURES)?;
    let mut value = Vec::with_capacity(signatures.len());
    for s in &signatures {
        let signature = parse_signature(s)?;
        value.push(ledger.transaction(&signature).map(|r| status(&r)));
    }
    with_context(ledger.slot(), value)
}

fn raw_message(message: &VersionedMessage) -> UiRawMessage {
    UiRawMessage {
        header: *message.header(),
        account_keys: message
            .static_account_keys()
            .iter()
            .map(ToString::to_string)
            .collect(),
        recent_blockhash: message.recent_blockhash().to_string(),
        instructions: message
            .instructions()
            .iter()
            .map(|ix| UiCompiledInstruction::from(ix, None))
            .collect(),
        address_table_lookups: message
            .address_table_lookups()
            .map(|l| l.iter().map(UiAddressTableLookup::from).collect()),
    }
}

fn encode_transaction(
    tx: &VersionedTransaction,
    encoding: UiTransactionEncoding,
) -> Result<EncodedTransaction, RpcError> {
    let bytes = || bincode::serialize(tx).map_err(RpcError::internal);
    Ok(match encoding {
        UiTransactionEncoding::Binary => {
            EncodedTransaction::LegacyBinary(bs58::encode(bytes()?).into_string())
        }
        UiTransactionEncoding::Base58 => EncodedTransaction::Binary(
            bs58::encode(bytes()?).into_string(),
            TransactionBinaryEncoding::Base58,
        ),
        UiTransactionEncoding::Base64 => EncodedTransaction::Binary(
            BASE64_STANDARD.encode(bytes()?),
            TransactionBinaryEncoding::Base64,
        ),
        // jsonParsed needs instruction parsers this cluster does not carry: the raw form.
        UiTransactionEncoding::Json | UiTransactionEncoding::JsonParsed => {
            EncodedTransaction::Json(UiTransaction {
                signatures: tx.signatures.iter().map(ToString::to_string).collect(),
                message: UiMessage::Raw(raw_message(&tx.message)),
            })
        }
    })
}

/// `getTransaction`'s second parameter: an encoding name, or a config object.
#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct TransactionConfig {
    encoding: Option<UiTransactionEncoding>,
    max_supported_transaction_version: Option<u8>,
}

pub fn get_transaction(ledger: &Ledger, params: Params) -> RpcResult {
    let signature = params.signature(0)?;
    let config = match params.optional::<Value>(1, "config")? {
        Some(Value::String(_)) => TransactionConfig {
            encoding: params.required(1, "encoding")?,
            ..Default::default()
        },
        _ => params.config(1)?,
    };
    let Some(record) = ledger.transaction(&signature) else {
        return Ok(Value::Null);
    };
    let version = match (
        &record.transaction.message,
        config.max_supported_transaction_version,
    ) {
        (VersionedMessage::Legacy(_), None) => None,
        (VersionedMessage::Legacy(_), Some(_)) => Some(TransactionVersion::LEGACY),
        (VersionedMessage::V0(_), Some(_)) => Some(TransactionVersion::Number(0)),
        (VersionedMessage::V0(_), None) => {
            return Err(RpcError::new(
                RpcError::UNSUPPORTED_TRANSACTION_VERSION,
                "Transaction version (0) is not supported by the requesting client. Please try the request again with the following configuration parameter: \"maxSupportedTransactionVersion\": 0",
            ));
        }
    };
    let meta = TransactionStatusMeta {
        status: record.err.clone().map_or(Ok(()), Err),
        fee: record.fee,
        pre_balances: record.pre_balances.clone(),
        post_balances: record.post_balances.clone(),
        log_messages: Some(record.logs.clone()),
        compute_units_consumed: Some(record.units),
        ..Default::default()
    };
    let encoded = EncodedConfirmedTransactionWithStatusMeta {
        slot: record.slot,
        transaction: EncodedTransactionWithStatusMeta {
            transaction: encode_transaction(
                &record.transaction,
                config.encoding.unwrap_or(UiTransactionEncoding::Json),
            )?,
            meta: Some(UiTransactionStatusMeta::from(meta)),
            version,
        },
        block_time: Some(record.block_time),
    };
    serde_json::to_value(encoded).map_err(RpcError::internal)
}

pub async fn request_airdrop(ledger: &Ledger, params: Params) -> RpcResult {
    let to = params.pubkey(0, "pubkey")?;
    let lamports: u64 = params.required(1, "lamports")?;
    if lamports == 0 || lamports > MAX_AIRDROP_LAMPORTS {
        return Err(RpcError::invalid_params(format!(
            "Invalid params: airdrop of {lamports} lamports; between 1 and {MAX_AIRDROP_LAMPORTS}"
        )));
    }
    let signature = ledger.airdrop(&to, lamports).await.map_err(rejected)?;
    Ok(json!(signature.to_string()))
}

/// Signatures `getSignaturesForAddress` returns at most (as a validator).
const MAX_SIGNATURES_FOR_ADDRESS: usize = 1_000;

pub fn get_signatures_for_address(ledger: &Ledger, params: Params) -> RpcResult {
    let address = params.pubkey(0, "address")?;
    let config: RpcSignaturesForAddressConfig = params.config(1)?;
    let limit = config.limit.unwrap_or(MAX_SIGNATURES_FOR_ADDRESS);
    if limit == 0 || limit > MAX_SIGNATURES_FOR_ADDRESS {
        return Err(RpcError::invalid_params(format!(
            "Invalid limit; max {MAX_SIGNATURES_FOR_ADDRESS}"
        )));
    }
    let before = config.before.as_deref().map(parse_signature).transpose()?;
    let until = config.until.as_deref().map(parse_signature).transpose()?;
    let value: Vec<RpcConfirmedTransactionStatusWithSignature> = ledger
        .signatures_for(&address, before.as_ref(), until.as_ref(), limit)
        .iter()
        .map(|r| RpcConfirmedTransactionStatusWithSignature {
            signature: r.transaction.signatures[0].to_string(),
            slot: r.slot,
            err: r.err.clone().map(Into::into),
            memo: None,
            block_time: Some(r.block_time),
            confirmation_status: Some(TransactionConfirmationStatus::Finalized),
        })
        .collect();
    serde_json::to_value(value).map_err(RpcError::internal)
}
