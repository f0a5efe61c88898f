//! Node, slot, blockhash and fee methods.

use super::params::{Params, parse_pubkeys};
use super::{RpcError, RpcResult, with_context};
use crate::ledger::Ledger;
use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use serde_json::json;
use solana_rpc_client_api::response::{RpcBlockhash, RpcPrioritizationFee, RpcVersionInfo};
use solana_sdk::hash::Hash;
use solana_sdk::message::VersionedMessage;
use std::str::FromStr;

/// The Agave release whose runtime this cluster runs (the `solana-program-test` crates).
pub const CORE_VERSION: &str = "3.1.12";
/// Accounts `getRecentPrioritizationFees` takes at most (as a validator).
const MAX_FEE_ACCOUNTS: usize = 128;

pub fn get_version() -> RpcResult {
    serde_json::to_value(RpcVersionInfo {
        solana_core: CORE_VERSION.into(),
        feature_set: None,
    })
    .map_err(RpcError::internal)
}

pub fn get_epoch_info(ledger: &Ledger) -> RpcResult {
    let slot = ledger.slot();
    let schedule = ledger.epoch_schedule();
    let (epoch, slot_index) = schedule.get_epoch_and_slot_index(slot);
    Ok(json!({
        "absoluteSlot": slot,
        "blockHeight": ledger.block_height(),
        "epoch": epoch,
        "slotIndex": slot_index,
        "slotsInEpoch": schedule.get_slots_in_epoch(epoch),
        "transactionCount": ledger.transaction_count(),
    }))
}

pub fn get_epoch_schedule(ledger: &Ledger) -> RpcResult {
    serde_json::to_value(ledger.epoch_schedule()).map_err(RpcError::internal)
}

pub fn get_latest_blockhash(ledger: &Ledger) -> RpcResult {
    let (hash, last_valid_block_height) = ledger.latest_blockhash_info();
    with_context(
        ledger.slot(),
        RpcBlockhash {
            blockhash: hash.to_string(),
            last_valid_block_height,
        },
    )
}

pub fn is_blockhash_valid(ledger: &Ledger, params: Params) -> RpcResult {
    let hash: String = params.required(0, "blockhash")?;
    let hash = Hash::from_str(&hash)
        .map_err(|e| RpcError::invalid_params(format!("Invalid param: {e}")))?;
    with_context(ledger.slot(), ledger.blockhash_valid(&hash))
}

pub fn get_fee_for_message(ledger: &Ledger, params: Params) -> RpcResult {
    let encoded: String = params.required(0, "message")?;
    let bytes = BASE64_STANDARD
        .decode(encoded)
        .map_err(|e| RpcError::invalid_params(format!("Invalid params: invalid base64: {e}")))?;
    let message: VersionedMessage = bincode::deserialize(&bytes)
        .map_err(|e| RpcError::invalid_params(format!("Invalid params: invalid message: {e}")))?;
    with_context(ledger.slot(), ledger.fee_for(&message))
}

pub fn minimum_balance(ledger: &Ledger, params: Params) -> RpcResult {
    let len: usize = params.required(0, "data length")?;
    Ok(json!(ledger.minimum_balance(len)))
}

pub fn prioritization_fees(ledger: &Ledger, params: Params) -> RpcResult {
    let keys: Vec<String> = params.optional(0, "accounts")?.unwrap_or_default();
    let accounts = parse_pubkeys(&keys, MAX_FEE_ACCOUNTS)?;
    let fees: Vec<RpcPrioritizationFee> = ledger
        .prioritization_fees(&accounts)
        .into_iter()
        .map(|(slot, prioritization_fee)| RpcPrioritizationFee {
            slot,
            prioritization_fee,
        })
        .collect();
    serde_json::to_value(fees).map_err(RpcError::internal)
}
