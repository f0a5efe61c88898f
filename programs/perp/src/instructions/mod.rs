//! One file per instruction, named `domain_verb`: the `#[derive(Accounts)]` struct (every
//! account validated there) and its handler, which reads load → validate → engine → CPI → emit.
//! Anchor's `#[program]` needs the account structs at the crate root, hence the glob re-exports;
//! the `handler` names they also re-export are never used unqualified.
#![allow(ambiguous_glob_reexports)]

pub mod collateral_deposit;
pub mod collateral_withdraw;
pub mod exchange_initialize;
pub mod margin_account_close;
pub mod margin_account_create;
pub mod margin_account_set_delegate;
pub mod market_create;
pub mod market_preview_price;
pub mod market_set_status;
pub mod market_update_price;

pub use collateral_deposit::*;
pub use collateral_withdraw::*;
pub use exchange_initialize::*;
pub use margin_account_close::*;
pub use margin_account_create::*;
pub use margin_account_set_delegate::*;
pub use market_create::*;
pub use market_preview_price::*;
pub use market_set_status::*;
pub use market_update_price::*;
