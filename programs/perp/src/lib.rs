//! The perp exchange program: account validation, token CPIs and events over `perp-engine`.
//!
//! `lib.rs` only delegates; each instruction lives in `instructions/<domain_verb>.rs`.

// Anchor's macros expand to cfg names it does not declare.
#![allow(unexpected_cfgs)]

use anchor_lang::prelude::*;

pub mod constants;
pub mod error;
pub mod events;
pub mod governance;
pub mod instructions;
pub mod oracle;
pub mod state;
pub mod trading;
pub mod util;

pub use instructions::*;

/// The client forms of the account groups several instructions share (`TradingAccounts`,
/// `OracleAccounts`, `PendingChange`). Anchor generates them inside modules it names
/// `__client_accounts_*`; clients name them here instead of reaching into those internals.
pub mod client_accounts {
    pub use crate::governance::__client_accounts_pending_change::PendingChange;
    pub use crate::oracle::__client_accounts_oracle_accounts::OracleAccounts;
    pub use crate::trading::__client_accounts_trading_accounts::TradingAccounts;
}
pub use oracle::{ActionPrice, PriceAction};
pub use state::{MarketParams, OracleConfig};

declare_id!("PerpXQ6Pq5cCHVbVTm9ssBPc6kPqJfqjJ2P8eyLLcXp");

#[program]
pub mod perp {
    use super::*;

    /// Creates the singleton Exchange with three distinct authorities.
    pub fn exchange_initialize(
        ctx: Context<ExchangeInitialize>,
        governance: Pubkey,
        risk_council: Pubkey,
        guardian: Pubkey,
    ) -> Result<()> {
        instructions::exchange_initialize::handler(ctx, governance, risk_council, guardian)
    }

    /// Queues a change for one target behind the timelock (governance signs).
    pub fn params_queue(ctx: Context<ParamsQueue>, change: state::Change) -> Result<()> {
        instructions::params_queue::handler(ctx, change)
    }

    /// Applies a queued parameter, oracle, authority or timelock change in its window
    /// (permissionless).
    pub fn params_execute(ctx: Context<ParamsExecute>) -> Result<()> {
        instructions::params_execute::handler(ctx)
    }

    /// Drops a queued change (governance or guardian).
    pub fn params_cancel(ctx: Context<ParamsCancel>) -> Result<()> {
        instructions::params_cancel::handler(ctx)
    }

    /// Applies risk-reducing parameter and oracle changes at once (risk council signs).
    pub fn params_tighten(
        ctx: Context<ParamsTighten>,
        params: MarketParams,
        oracle: OracleConfig,
    ) -> Result<()> {
        instructions::params_tighten::handler(ctx, params, oracle)
    }

    /// Takes a role the pending-authority slot names (the named key signs).
    pub fn authority_accept(ctx: Context<AuthorityAccept>, role: state::Role) -> Result<()> {
        instructions::authority_accept::handler(ctx, role)
    }

    /// Clears a role's pending key before it accepts (who may cancel such a transfer).
    pub fn authority_revoke(ctx: Context<AuthorityRevoke>, role: state::Role) -> Result<()> {
        instructions::authority_revoke::handler(ctx, role)
    }

    /// Closes an instruction gate (guardian or governance) or reopens it (governance).
    pub fn exchange_set_gate(
        ctx: Context<ExchangeSetGate>,
        gate: state::Gate,
        open: bool,
    ) -> Result<()> {
        instructions::exchange_set_gate::handler(ctx, gate, open)
    }

    /// Executes a queued listing: the market with its own vaults (permissionless).
    pub fn market_create(ctx: Context<MarketCreate>) -> Result<()> {
        instructions::market_create::handler(ctx)
    }

    /// Adds tokens to a market's insurance fund (anyone).
    pub fn insurance_deposit(ctx: Context<InsuranceDeposit>, amount: u64) -> Result<()> {
        instructions::insurance_deposit::handler(ctx, amount)
    }

    /// Executes a queued insurance-fund withdrawal (permissionless).
    pub fn insurance_withdraw(ctx: Context<InsuranceWithdraw>) -> Result<()> {
        instructions::insurance_withdraw::handler(ctx)
    }

    /// Restricts a market (guardian or governance) or loosens it (governance only).
    pub fn market_set_status(
        ctx: Context<MarketSetStatus>,
        status: state::MarketStatus,
    ) -> Result<()> {
        instructions::market_set_status::handler(ctx, status)
    }

    /// Refreshes a market's stable price and circuit breaker from its oracles (permissionless).
    pub fn market_update_price(ctx: Context<MarketUpdatePrice>) -> Result<()> {
        instructions::market_update_price::handler(ctx)
    }

    /// Refreshes a market's volatility estimate and maintenance ramp (permissionless).
    pub fn market_update_risk(ctx: Context<MarketUpdateRisk>) -> Result<()> {
        instructions::market_update_risk::handler(ctx)
    }

    /// Samples mark against index and closes funding intervals (permissionless).
    pub fn funding_update(ctx: Context<FundingUpdate>) -> Result<()> {
        instructions::funding_update::handler(ctx)
    }

    /// Liquidates part of an unhealthy account into the keeper's account; settles a bankrupt
    /// one from the insurance fund, then its market's opposite side (any keeper).
    pub fn liquidate(ctx: Context<Liquidate>) -> Result<()> {
        instructions::liquidate::handler(ctx)
    }

    /// Returns the prices `action` would use now, or fails with the error it would get.
    pub fn market_preview_price(
        ctx: Context<MarketPreviewPrice>,
        action: PriceAction,
    ) -> Result<Option<ActionPrice>> {
        instructions::market_preview_price::handler(ctx, action)
    }

    /// Opens a margin account for the signer in a market.
    pub fn margin_account_create(
        ctx: Context<MarginAccountCreate>,
        sub_account_id: u16,
    ) -> Result<()> {
        instructions::margin_account_create::handler(ctx, sub_account_id)
    }

    /// Closes an empty margin account, returning its rent to the owner.
    pub fn margin_account_close(ctx: Context<MarginAccountClose>) -> Result<()> {
        instructions::margin_account_close::handler(ctx)
    }

    /// Sets or clears (default key) the account's trading delegate.
    pub fn margin_account_set_delegate(
        ctx: Context<MarginAccountSetDelegate>,
        delegate: Pubkey,
    ) -> Result<()> {
        instructions::margin_account_set_delegate::handler(ctx, delegate)
    }

    /// Deposits quote tokens as collateral into a margin account.
    pub fn collateral_deposit(ctx: Context<CollateralDeposit>, amount: u64) -> Result<()> {
        instructions::collateral_deposit::handler(ctx, amount)
    }

    /// Withdraws collateral to any token account of the quote mint (owner only).
    pub fn collateral_withdraw(ctx: Context<CollateralWithdraw>, amount: u64) -> Result<()> {
        instructions::collateral_withdraw::handler(ctx, amount)
    }

    /// Places an order for a margin account (owner or delegate). Maker margin accounts in
    /// `remaining_accounts` settle inline.
    pub fn order_place<'info>(
        ctx: Context<'info, OrderPlace<'info>>,
        args: OrderArgs,
    ) -> Result<()> {
        instructions::order_place::handler(ctx, args)
    }

    /// Cancels the account's orders (all, or by client id) and places up to 12 new ones, all or
    /// nothing, each by `order_place`'s rules (a market maker's atomic requote).
    pub fn order_requote<'info>(
        ctx: Context<'info, OrderPlace<'info>>,
        cancel_all: bool,
        cancel_client_ids: Vec<u64>,
        orders: Vec<OrderArgs>,
    ) -> Result<()> {
        instructions::order_requote::handler(ctx, cancel_all, cancel_client_ids, orders)
    }

    /// Opens a margin account's trigger-orders account (owner or delegate; `payer` pays the
    /// rent).
    pub fn trigger_orders_create(ctx: Context<TriggerOrdersCreate>) -> Result<()> {
        instructions::trigger_orders_create::handler(ctx)
    }

    /// Closes a margin account's trigger-orders account (owner), removing its triggers.
    pub fn trigger_orders_close(ctx: Context<TriggerOrdersClose>) -> Result<()> {
        instructions::trigger_orders_close::handler(ctx)
    }

    /// Stores a trigger order, or with `bracket` two linked ones (owner or delegate).
    pub fn trigger_place(
        ctx: Context<TriggerPlace>,
        trigger: TriggerArgs,
        bracket: Option<TriggerArgs>,
    ) -> Result<()> {
        instructions::trigger_place::handler(ctx, trigger, bracket)
    }

    /// Removes one trigger by id, or all (`None`) (owner or delegate).
    pub fn trigger_cancel(ctx: Context<TriggerCancel>, trigger_id: Option<u64>) -> Result<()> {
        instructions::trigger_cancel::handler(ctx, trigger_id)
    }

    /// Fires a due trigger through the order path, paying its executor (anyone); removes one
    /// that can no longer execute.
    pub fn trigger_execute<'info>(
        ctx: Context<'info, TriggerExecute<'info>>,
        trigger_id: u64,
    ) -> Result<()> {
        instructions::trigger_execute::handler(ctx, trigger_id)
    }

    /// Cancels one order by id.
    pub fn order_cancel(ctx: Context<OrderCancel>, order_id: u128) -> Result<()> {
        instructions::order_cancel::handler(ctx, order_id)
    }

    /// Cancels the account's orders with this client order id.
    pub fn order_cancel_by_client_id(
        ctx: Context<OrderCancel>,
        client_order_id: u64,
    ) -> Result<()> {
        instructions::order_cancel_by_client_id::handler(ctx, client_order_id)
    }

    /// Cancels all the account's orders (or one side's).
    pub fn order_cancel_all(ctx: Context<OrderCancel>, side: Option<OrderSide>) -> Result<()> {
        instructions::order_cancel_all::handler(ctx, side)
    }

    /// Cancels every order of an account whose orders would put it below maintenance at the
    /// liquidation prices (permissionless).
    pub fn order_cancel_at_risk(ctx: Context<OrderCancelAtRisk>) -> Result<()> {
        instructions::order_cancel_at_risk::handler(ctx)
    }

    /// Settles queued fills and outs into the maker accounts passed (permissionless).
    pub fn events_consume<'info>(
        ctx: Context<'info, EventsConsume<'info>>,
        limit: u16,
    ) -> Result<()> {
        instructions::events_consume::handler(ctx, limit)
    }
}
