//! The program's events, decoded from transaction logs. On a validator `emit!` writes
//! `Program data: <base64>`; run natively (in-process bank) the same bytes arrive as
//! `Program log: data: <base64>` (see `cluster::stubs`). Both are read.

use anchor_lang::{AnchorDeserialize, Event};
use base64::Engine;

const PREFIXES: [&str; 2] = ["Program data: ", "Program log: data: "];

/// Every event payload (discriminator + body) in `logs`, in order.
pub fn raw_events(logs: &[String]) -> Vec<Vec<u8>> {
    let b64 = base64::engine::general_purpose::STANDARD;
    logs.iter()
        .filter_map(|line| PREFIXES.iter().find_map(|p| line.strip_prefix(p)))
        .filter_map(|data| b64.decode(data).ok())
        .collect()
}

/// The events of type `E` among `raw` payloads.
pub fn events_of<E: Event + AnchorDeserialize>(raw: &[Vec<u8>]) -> Vec<E> {
    raw.iter()
        .filter_map(|data| {
            let body = data.strip_prefix(E::DISCRIMINATOR)?;
            E::deserialize(&mut &body[..]).ok()
        })
        .collect()
}

/// The events of type `E` in `logs`.
pub fn in_logs<E: Event + AnchorDeserialize>(logs: &[String]) -> Vec<E> {
    events_of(&raw_events(logs))
}
