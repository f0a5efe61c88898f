//! PDA seeds. Every account the program owns or signs for lives at a PDA derived from these,
//! so an instruction can recompute an address instead of trusting one it was handed.

/// `["exchange"]`: the singleton Exchange.
pub const EXCHANGE_SEED: &[u8] = b"exchange";
/// `["market", index as u16 LE]`: a Market.
pub const MARKET_SEED: &[u8] = b"market";
/// `["collateral_vault", market]`: the market's own collateral token account.
pub const COLLATERAL_VAULT_SEED: &[u8] = b"collateral_vault";
/// `["insurance_vault", market]`: the market's own insurance-fund token account.
pub const INSURANCE_VAULT_SEED: &[u8] = b"insurance_vault";
/// `["margin_account", market, owner, sub_account_id as u16 LE]`: a trader's margin account.
pub const MARGIN_ACCOUNT_SEED: &[u8] = b"margin_account";
/// `["trigger_orders", margin_account]`: a margin account's trigger orders.
pub const TRIGGER_ORDERS_SEED: &[u8] = b"trigger_orders";
/// `["param_change", kind, market index as u16 LE]`: the pending governance change of a target.
pub const PARAM_CHANGE_SEED: &[u8] = b"param_change";
