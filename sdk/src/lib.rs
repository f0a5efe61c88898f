//! Client SDK of the perp exchange: program-derived addresses, a builder for every instruction,
//! account and event decoding, the account risk numbers a trader watches (health, liquidation
//! price, withdrawable) computed by the program's and engine's own code, and a [`Cluster`]
//! abstraction so the same client code runs against any JSON-RPC endpoint or an in-process bank.

pub mod accounts;
pub mod cluster;
pub mod events;
pub mod ix;
pub mod oracle;
pub mod pda;
pub mod presets;
pub mod quote;
pub mod risk;

pub use cluster::{AccountFilter, Cluster, ClusterError, TxOutcome};
pub use perp;
pub use perp_engine;
