//! The perp exchange's keeper: liquidations, funding, fill settlement and risk cranks, over one
//! or more RPC endpoints with failover (or any other [`perp_sdk::Cluster`]).

pub mod backoff;
pub mod config;
pub mod daemon;
pub mod error;
pub mod metrics;
pub mod pool;
pub mod sender;
pub mod server;
pub mod snapshot;
pub mod stream;
pub mod tasks;

pub use error::KeeperError;
pub use tasks::Keeper;
