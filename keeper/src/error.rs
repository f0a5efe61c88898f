//! What stops a task's pass (it logs, counts and tries again next pass).

use perp_sdk::ClusterError;
use perp_sdk::accounts::DecodeError;
use perp_sdk::risk::RiskError;
use solana_sdk::pubkey::Pubkey;

#[derive(Debug, thiserror::Error)]
pub enum KeeperError {
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error("{0}")]
    Decode(#[from] DecodeError),
    #[error("{0}")]
    Risk(#[from] RiskError),
    #[error("account {0} does not exist")]
    Missing(Pubkey),
}
