//! A local Solana cluster for the perp exchange: the in-process bank (the program natively,
//! real SPL Token) advancing a slot every 400 ms, served over Solana JSON-RPC and PubSub, and
//! the exchange brought up on it (`exchange`).

pub mod app;
pub mod bank;
pub mod exchange;
pub mod http_client;
pub mod ledger;
pub mod origin;
pub mod pubsub;
pub mod rpc;
pub mod server;

pub use ledger::Ledger;
pub use server::{Localnet, ServerConfig};

#[cfg(test)]
mod limits_tests;
#[cfg(test)]
mod tests;
