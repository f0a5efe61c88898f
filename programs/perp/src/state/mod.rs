//! Account layouts. Stored fields are plain integers and keys (so the IDL describes them and
//! clients decode them); typed engine quantities are built from them at the boundary.

pub mod book;
pub mod exchange;
pub mod margin_account;
pub mod market;
pub mod market_params;
pub mod oracle_config;
pub mod param_change;
pub mod tighten;

pub use book::*;
pub use exchange::*;
pub use margin_account::*;
pub use market::*;
pub use market_params::*;
pub use oracle_config::*;
pub use param_change::*;
