//! One file per instruction, named `domain_verb`: the `#[derive(Accounts)]` struct (every
//! account validated there) and its handler, which reads load → validate → engine → CPI → emit.
//! Anchor's `#[program]` needs the account structs at the crate root, hence the glob re-exports;
//! the `handler` names they also re-export are never used unqualified.
#![allow(ambiguous_glob_reexports)]

pub mod authority_accept;
pub mod authority_revoke;
pub mod collateral_deposit;
pub mod collateral_withdraw;
pub mod events_consume;
pub mod exchange_initialize;
pub mod exchange_set_gate;
pub mod funding_update;
pub mod insurance_deposit;
pub mod insurance_withdraw;
pub mod liquidate;
pub mod margin_account_close;
pub mod margin_account_create;
pub mod margin_account_set_delegate;
pub mod market_create;
pub mod market_preview_price;
pub mod market_set_status;
pub mod market_update_price;
pub mod market_update_risk;
pub mod order_cancel;
pub mod order_cancel_all;
pub mod order_cancel_at_risk;
pub mod order_cancel_by_client_id;
pub mod order_place;
pub mod params_cancel;
pub mod params_execute;
pub mod params_queue;
pub mod params_tighten;

pub use authority_accept::*;
pub use authority_revoke::*;
pub use collateral_deposit::*;
pub use collateral_withdraw::*;
pub use events_consume::*;
pub use exchange_initialize::*;
pub use exchange_set_gate::*;
pub use funding_update::*;
pub use insurance_deposit::*;
pub use insurance_withdraw::*;
pub use liquidate::*;
pub use margin_account_close::*;
pub use margin_account_create::*;
pub use margin_account_set_delegate::*;
pub use market_create::*;
pub use market_preview_price::*;
pub use market_set_status::*;
pub use market_update_price::*;
pub use market_update_risk::*;
pub use order_cancel::*;
pub use order_cancel_at_risk::*;
pub use order_place::*;
pub use params_cancel::*;
pub use params_execute::*;
pub use params_queue::*;
pub use params_tighten::*;
