//! Positional parameters as Solana's RPC takes them: an array, with optional trailing config
//! objects that may be left out or `null`.

use super::RpcError;
use serde::de::DeserializeOwned;
use serde_json::Value;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signature;
use std::str::FromStr;

pub struct Params(Vec<Value>);

impl Params {
    pub fn new(params: Option<Value>) -> Result<Self, RpcError> {
        match params {
            None | Some(Value::Null) => Ok(Params(Vec::new())),
            Some(Value::Array(items)) => Ok(Params(items)),
            Some(_) => Err(RpcError::invalid_params(
                "Invalid params: expected an array of parameters",
            )),
        }
    }

    fn get(&self, index: usize) -> Option<&Value> {
        self.0.get(index).filter(|v| !v.is_null())
    }

    pub fn required<T: DeserializeOwned>(&self, index: usize, name: &str) -> Result<T, RpcError> {
        let value = self
            .get(index)
            .ok_or_else(|| RpcError::invalid_params(format!("Invalid params: missing {name}")))?;
        serde_json::from_value(value.clone())
            .map_err(|e| RpcError::invalid_params(format!("Invalid params: {name}: {e}")))
    }

    pub fn optional<T: DeserializeOwned>(
        &self,
        index: usize,
        name: &str,
    ) -> Result<Option<T>, RpcError> {
        match self.get(index) {
            None => Ok(None),
            Some(_) => self.required(index, name).map(Some),
        }
    }

    /// A config object; absent or `null` is its default.
    pub fn config<T: DeserializeOwned + Default>(&self, index: usize) -> Result<T, RpcError> {
        match self.get(index) {
            None => Ok(T::default()),
            Some(v) => serde_json::from_value(v.clone())
                .map_err(|e| RpcError::invalid_params(format!("Invalid params: {e}"))),
        }
    }

    pub fn pubkey(&self, index: usize, name: &str) -> Result<Pubkey, RpcError> {
        parse_pubkey(&self.required::<String>(index, name)?)
    }

    /// A list of pubkeys, at most `max`.
    pub fn pubkeys(&self, index: usize, name: &str, max: usize) -> Result<Vec<Pubkey>, RpcError> {
        let keys: Vec<String> = self.required(index, name)?;
        parse_pubkeys(&keys, max)
    }

    pub fn signature(&self, index: usize) -> Result<Signature, RpcError> {
        parse_signature(&self.required::<String>(index, "signature")?)
    }
}

pub fn too_many(len: usize, max: usize) -> Result<(), RpcError> {
    if len > max {
        return Err(RpcError::invalid_params(format!(
            "Invalid params: too many inputs provided; max {max}"
        )));
    }
    Ok(())
}

pub fn parse_pubkeys(keys: &[String], max: usize) -> Result<Vec<Pubkey>, RpcError> {
    too_many(keys.len(), max)?;
    keys.iter().map(|k| parse_pubkey(k)).collect()
}

pub fn parse_pubkey(s: &str) -> Result<Pubkey, RpcError> {
    Pubkey::from_str(s).map_err(|e| RpcError::invalid_params(format!("Invalid param: {e}")))
}

pub fn parse_signature(s: &str) -> Result<Signature, RpcError> {
    Signature::from_str(s).map_err(|e| RpcError::invalid_params(format!("Invalid param: {e}")))
}
