//! A builder for every instruction, from Anchor's generated account and data types (so account
//! order and argument encoding are the program's own). Structs of accounts exist where callers
//! (tests, keepers) substitute or reuse them.

use crate::pda::*;
use anchor_lang::{InstructionData, ToAccountMetas};
use perp::PriceAction;
use perp::client_accounts::{OracleAccounts, PendingChange, TradingAccounts};
use perp::state::{Change, Gate, MarketParams, MarketStatus, OracleConfig, Role};
use solana_sdk::instruction::{AccountMeta, Instruction};
use solana_sdk::pubkey::Pubkey;

fn build(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction {
        program_id: perp::ID,
        accounts: accounts.to_account_metas(None),
        data: data.data(),
    }
}

pub fn exchange_initialize(
    payer: Pubkey,
    governance: Pubkey,
    risk_council: Pubkey,
    guardian: Pubkey,
) -> Instruction {
    build(
        perp::accounts::ExchangeInitialize {
            payer,
            exchange: exchange_pda(),
            program: perp::ID,
            // Unused on a native host; any account will do.
            program_data: perp::ID,
            system_program: anchor_lang::system_program::ID,
        },
        perp::instruction::ExchangeInitialize {
            governance,
            risk_council,
            guardian,
        },
    )
}

/// The queued change an executing or cancelling instruction consumes.
fn pending(param_change: Pubkey, rent_payer: Pubkey) -> PendingChange {
    PendingChange {
        param_change,
        rent_payer,
    }
}

/// Accounts of `market_create`, so tests can substitute any of them.
pub struct MarketCreateAccounts {
    pub param_change: Pubkey,
    pub rent_payer: Pubkey,
    pub payer: Pubkey,
    pub market: Pubkey,
    pub quote_mint: Pubkey,
    pub token_program: Pubkey,
    pub book: Pubkey,
    pub event_queue: Pubkey,
}

pub fn market_create(a: &MarketCreateAccounts) -> Instruction {
    build(
        perp::accounts::MarketCreate {
            exchange: exchange_pda(),
            pending: pending(a.param_change, a.rent_payer),
            payer: a.payer,
            market: a.market,
            quote_mint: a.quote_mint,
            collateral_vault: collateral_vault_pda(&a.market),
            insurance_vault: insurance_vault_pda(&a.market),
            token_program: a.token_program,
            system_program: anchor_lang::system_program::ID,
            book: a.book,
            event_queue: a.event_queue,
        },
        perp::instruction::MarketCreate {},
    )
}

pub fn margin_account_create(
    owner: Pubkey,
    payer: Pubkey,
    market: Pubkey,
    sub_account_id: u16,
) -> Instruction {
    build(
        perp::accounts::MarginAccountCreate {
            exchange: exchange_pda(),
            owner,
            payer,
            market,
            margin_account: margin_account_pda(&market, &owner, sub_account_id),
            system_program: anchor_lang::system_program::ID,
        },
        perp::instruction::MarginAccountCreate { sub_account_id },
    )
}

/// `margin_account_close` by `a.signer` (the owner): any collateral left goes to `a.user_token`,
/// the rent to `rent_receiver` (who paid it; `MarginAccount::rent_receiver`).
pub fn margin_account_close(a: &CollateralAccounts, rent_receiver: Pubkey) -> Instruction {
    build(
        perp::accounts::MarginAccountClose {
            exchange: exchange_pda(),
            owner: a.signer,
            market: a.market,
            margin_account: a.margin_account,
            rent_receiver,
            collateral_vault: a.collateral_vault,
            quote_mint: a.quote_mint,
            destination: a.user_token,
            token_program: a.token_program,
            trigger_orders: trigger_orders_pda(&a.margin_account),
        },
        perp::instruction::MarginAccountClose {},
    )
}

pub fn margin_account_set_delegate(
    owner: Pubkey,
    margin_account: Pubkey,
    delegate: Pubkey,
) -> Instruction {
    build(
        perp::accounts::MarginAccountSetDelegate {
            owner,
            margin_account,
        },
        perp::instruction::MarginAccountSetDelegate { delegate },
    )
}

/// Accounts of a deposit or withdrawal; `user_token` is the source or the destination.
#[derive(Clone, Copy, Debug)]
pub struct CollateralAccounts {
    pub signer: Pubkey,
    pub market: Pubkey,
    pub margin_account: Pubkey,
    pub collateral_vault: Pubkey,
    pub quote_mint: Pubkey,
    pub user_token: Pubkey,
    pub token_program: Pubkey,
    /// Read by withdrawals while the account has a position or orders.
    pub oracles: OracleMetas,
}

pub fn collateral_deposit(a: &CollateralAccounts, amount: u64) -> Instruction {
    build(
        perp::accounts::CollateralDeposit {
            exchange: exchange_pda(),
            depositor: a.signer,
            market: a.market,
            margin_account: a.margin_account,
            collateral_vault: a.collateral_vault,
            quote_mint: a.quote_mint,
            source: a.user_token,
            token_program: a.token_program,
        },
        perp::instruction::CollateralDeposit { amount },
    )
}

/// `insurance_deposit` from the trader's token account into `a.market`'s insurance vault.
pub fn insurance_deposit(
    a: &CollateralAccounts,
    insurance_vault: Pubkey,
    amount: u64,
) -> Instruction {
    build(
        perp::accounts::InsuranceDeposit {
            depositor: a.signer,
            market: a.market,
            insurance_vault,
            quote_mint: a.quote_mint,
            source: a.user_token,
            token_program: a.token_program,
        },
        perp::instruction::InsuranceDeposit { amount },
    )
}

pub fn collateral_withdraw(a: &CollateralAccounts, amount: u64) -> Instruction {
    build(
        perp::accounts::CollateralWithdraw {
            exchange: exchange_pda(),
            owner: a.signer,
            market: a.market,
            margin_account: a.margin_account,
            collateral_vault: a.collateral_vault,
            quote_mint: a.quote_mint,
            destination: a.user_token,
            token_program: a.token_program,
            oracles: a.oracles.accounts(),
        },
        perp::instruction::CollateralWithdraw { amount },
    )
}

/// The oracle accounts an instruction passes; `None` is Anchor's "absent optional account".
#[derive(Clone, Copy, Debug)]
pub struct OracleMetas {
    pub pyth: Option<Pubkey>,
    pub switchboard: Option<Pubkey>,
}

impl OracleMetas {
    fn accounts(self) -> OracleAccounts {
        OracleAccounts {
            pyth_price_update: self.pyth,
            switchboard_feed: self.switchboard,
        }
    }
}

pub fn market_update_price(market: Pubkey, oracles: OracleMetas) -> Instruction {
    build(
        perp::accounts::MarketUpdatePrice {
            market,
            oracles: oracles.accounts(),
        },
        perp::instruction::MarketUpdatePrice {},
    )
}

pub fn market_preview_price(
    market: Pubkey,
    oracles: OracleMetas,
    action: PriceAction,
) -> Instruction {
    build(
        perp::accounts::MarketPreviewPrice {
            market,
            oracles: oracles.accounts(),
        },
        perp::instruction::MarketPreviewPrice { action },
    )
}

pub fn market_set_status(authority: Pubkey, market: Pubkey, status: MarketStatus) -> Instruction {
    build(
        perp::accounts::MarketSetStatus {
            exchange: exchange_pda(),
            authority,
            market,
        },
        perp::instruction::MarketSetStatus { status },
    )
}

/// `params_queue`; a listing passes its quote mint, a market change `market`.
pub fn params_queue(
    governance: Pubkey,
    payer: Pubkey,
    change: Change,
    market: Option<Pubkey>,
) -> Instruction {
    let quote_mint = match change {
        Change::ListMarket { quote_mint, .. } => Some(quote_mint),
        _ => None,
    };
    build(
        perp::accounts::ParamsQueue {
            exchange: exchange_pda(),
            governance,
            payer,
            param_change: param_change_pda(&change),
            market,
            quote_mint,
            system_program: anchor_lang::system_program::ID,
        },
        perp::instruction::ParamsQueue { change },
    )
}

pub fn params_execute(
    param_change: Pubkey,
    rent_payer: Pubkey,
    market: Option<Pubkey>,
) -> Instruction {
    build(
        perp::accounts::ParamsExecute {
            exchange: exchange_pda(),
            pending: pending(param_change, rent_payer),
            market,
        },
        perp::instruction::ParamsExecute {},
    )
}

pub fn params_cancel(
    authority: Pubkey,
    param_change: Pubkey,
    rent_payer: Pubkey,
    market: Option<Pubkey>,
) -> Instruction {
    build(
        perp::accounts::ParamsCancel {
            exchange: exchange_pda(),
            authority,
            pending: pending(param_change, rent_payer),
            market,
        },
        perp::instruction::ParamsCancel {},
    )
}

pub fn params_tighten(
    risk_council: Pubkey,
    market: Pubkey,
    params: MarketParams,
    oracle: OracleConfig,
) -> Instruction {
    build(
        perp::accounts::ParamsTighten {
            exchange: exchange_pda(),
            risk_council,
            market,
        },
        perp::instruction::ParamsTighten { params, oracle },
    )
}

pub fn authority_accept(new_authority: Pubkey, role: Role) -> Instruction {
    build(
        perp::accounts::AuthorityAccept {
            exchange: exchange_pda(),
            new_authority,
        },
        perp::instruction::AuthorityAccept { role },
    )
}

pub fn authority_revoke(authority: Pubkey, role: Role) -> Instruction {
    build(
        perp::accounts::AuthorityRevoke {
            exchange: exchange_pda(),
            authority,
        },
        perp::instruction::AuthorityRevoke { role },
    )
}

pub fn exchange_set_gate(authority: Pubkey, gate: Gate, open: bool) -> Instruction {
    build(
        perp::accounts::ExchangeSetGate {
            exchange: exchange_pda(),
            authority,
        },
        perp::instruction::ExchangeSetGate { gate, open },
    )
}

/// Accounts of `insurance_withdraw`.
pub struct InsuranceWithdrawAccounts {
    pub param_change: Pubkey,
    pub rent_payer: Pubkey,
    pub market: Pubkey,
    pub insurance_vault: Pubkey,
    pub quote_mint: Pubkey,
    pub destination: Pubkey,
    pub token_program: Pubkey,
}

pub fn insurance_withdraw(a: &InsuranceWithdrawAccounts) -> Instruction {
    build(
        perp::accounts::InsuranceWithdraw {
            exchange: exchange_pda(),
            pending: pending(a.param_change, a.rent_payer),
            market: a.market,
            insurance_vault: a.insurance_vault,
            quote_mint: a.quote_mint,
            destination: a.destination,
            token_program: a.token_program,
        },
        perp::instruction::InsuranceWithdraw {},
    )
}

/// The accounts every order instruction names for one trader.
pub struct OrderAccounts {
    pub signer: Pubkey,
    pub market: Pubkey,
    pub margin_account: Pubkey,
    pub book: Pubkey,
    pub event_queue: Pubkey,
    pub oracles: OracleMetas,
}

/// `order_place`, with `makers` (margin accounts) appended for inline settlement.
/// A plain order: not reduce-only, no client id or expiry, self-trades decrement the taker, up
/// to 8 fills.
pub fn order_args(
    side: perp::OrderSide,
    order_type: perp::OrderType,
    price_ticks: u64,
    base_lots: u64,
) -> perp::OrderArgs {
    perp::OrderArgs {
        side,
        order_type,
        price_ticks,
        base_lots,
        reduce_only: false,
        client_order_id: 0,
        expires_at: 0,
        self_trade: perp::SelfTradeBehavior::DecrementTake,
        fill_limit: 8,
    }
}

pub fn order_place(a: &OrderAccounts, args: perp::OrderArgs, makers: &[Pubkey]) -> Instruction {
    let mut ix = build(
        perp::accounts::OrderPlace {
            exchange: exchange_pda(),
            trading: trading(a),
            event_queue: a.event_queue,
            oracles: a.oracles.accounts(),
        },
        perp::instruction::OrderPlace { args },
    );
    ix.accounts
        .extend(makers.iter().map(|m| AccountMeta::new(*m, false)));
    ix
}

fn trading(a: &OrderAccounts) -> TradingAccounts {
    TradingAccounts {
        signer: a.signer,
        market: a.market,
        margin_account: a.margin_account,
        book: a.book,
    }
}

fn order_cancel_accounts(a: &OrderAccounts) -> perp::accounts::OrderCancel {
    perp::accounts::OrderCancel {
        trading: trading(a),
    }
}

pub fn order_cancel(a: &OrderAccounts, order_id: u128) -> Instruction {
    build(
        order_cancel_accounts(a),
        perp::instruction::OrderCancel { order_id },
    )
}

pub fn order_cancel_by_client_id(a: &OrderAccounts, client_order_id: u64) -> Instruction {
    build(
        order_cancel_accounts(a),
        perp::instruction::OrderCancelByClientId { client_order_id },
    )
}

pub fn order_cancel_all(a: &OrderAccounts, side: Option<perp::OrderSide>) -> Instruction {
    build(
        order_cancel_accounts(a),
        perp::instruction::OrderCancelAll { side },
    )
}

/// `order_requote`: cancels the account's orders (all, or by client id), then places `orders`,
/// all or nothing; `makers` as for `order_place`.
pub fn order_requote(
    a: &OrderAccounts,
    cancel_all: bool,
    cancel_client_ids: Vec<u64>,
    orders: Vec<perp::OrderArgs>,
    makers: &[Pubkey],
) -> Instruction {
    let mut ix = build(
        perp::accounts::OrderPlace {
            exchange: exchange_pda(),
            trading: trading(a),
            event_queue: a.event_queue,
            oracles: a.oracles.accounts(),
        },
        perp::instruction::OrderRequote {
            cancel_all,
            cancel_client_ids,
            orders,
        },
    );
    ix.accounts
        .extend(makers.iter().map(|m| AccountMeta::new(*m, false)));
    ix
}

/// `trigger_orders_create` for `margin_account`, by its owner or delegate; `payer` pays the rent.
pub fn trigger_orders_create(signer: Pubkey, payer: Pubkey, margin_account: Pubkey) -> Instruction {
    build(
        perp::accounts::TriggerOrdersCreate {
            signer,
            payer,
            margin_account,
            trigger_orders: trigger_orders_pda(&margin_account),
            system_program: anchor_lang::system_program::ID,
        },
        perp::instruction::TriggerOrdersCreate {},
    )
}

/// `trigger_orders_close` by the owner; the rent goes to `rent_receiver` (who paid it).
pub fn trigger_orders_close(
    owner: Pubkey,
    margin_account: Pubkey,
    rent_receiver: Pubkey,
) -> Instruction {
    build(
        perp::accounts::TriggerOrdersClose {
            owner,
            margin_account,
            trigger_orders: trigger_orders_pda(&margin_account),
            rent_receiver,
        },
        perp::instruction::TriggerOrdersClose {},
    )
}

/// A reduce-only trigger: a market order down to `limit_price_ticks` once the index crosses
/// `trigger_price_ticks` in `direction`; no client id, no expiry.
pub fn trigger_args(
    side: perp::OrderSide,
    direction: perp::TriggerDirection,
    trigger_price_ticks: u64,
    limit_price_ticks: u64,
    base_lots: u64,
) -> perp::TriggerArgs {
    perp::TriggerArgs {
        side,
        kind: perp::TriggerOrderKind::Market,
        direction,
        trigger_price_ticks,
        limit_price_ticks,
        base_lots,
        reduce_only: true,
        client_order_id: 0,
        expires_at: 0,
    }
}

/// `trigger_place` (with `bracket`: two linked triggers) by the owner or delegate.
pub fn trigger_place(
    signer: Pubkey,
    market: Pubkey,
    margin_account: Pubkey,
    trigger: perp::TriggerArgs,
    bracket: Option<perp::TriggerArgs>,
) -> Instruction {
    build(
        perp::accounts::TriggerPlace {
            signer,
            market,
            margin_account,
            trigger_orders: trigger_orders_pda(&margin_account),
        },
        perp::instruction::TriggerPlace { trigger, bracket },
    )
}

/// `trigger_cancel` of one trigger, or all (`None`), by the owner or delegate.
pub fn trigger_cancel(
    signer: Pubkey,
    margin_account: Pubkey,
    trigger_id: Option<u64>,
) -> Instruction {
    build(
        perp::accounts::TriggerCancel {
            signer,
            margin_account,
            trigger_orders: trigger_orders_pda(&margin_account),
        },
        perp::instruction::TriggerCancel { trigger_id },
    )
}

/// The accounts of `trigger_execute`.
#[derive(Clone, Copy, Debug)]
pub struct TriggerExecuteAccounts {
    pub executor: Pubkey,
    pub market: Pubkey,
    pub margin_account: Pubkey,
    pub executor_account: Pubkey,
    pub book: Pubkey,
    pub event_queue: Pubkey,
    pub oracles: OracleMetas,
}

/// `trigger_execute` (anyone), with `makers` (margin accounts) appended for inline settlement.
pub fn trigger_execute(
    a: &TriggerExecuteAccounts,
    trigger_id: u64,
    makers: &[Pubkey],
) -> Instruction {
    let mut ix = build(
        perp::accounts::TriggerExecute {
            exchange: exchange_pda(),
            executor: a.executor,
            market: a.market,
            margin_account: a.margin_account,
            executor_account: a.executor_account,
            trigger_orders: trigger_orders_pda(&a.margin_account),
            book: a.book,
            event_queue: a.event_queue,
            oracles: a.oracles.accounts(),
        },
        perp::instruction::TriggerExecute { trigger_id },
    );
    ix.accounts
        .extend(makers.iter().map(|m| AccountMeta::new(*m, false)));
    ix
}

pub fn events_consume(
    market: Pubkey,
    event_queue: Pubkey,
    limit: u16,
    makers: &[Pubkey],
) -> Instruction {
    let mut ix = build(
        perp::accounts::EventsConsume {
            market,
            event_queue,
        },
        perp::instruction::EventsConsume { limit },
    );
    ix.accounts
        .extend(makers.iter().map(|m| AccountMeta::new(*m, false)));
    ix
}

pub fn market_update_risk(market: Pubkey, oracles: OracleMetas) -> Instruction {
    build(
        perp::accounts::MarketUpdateRisk {
            market,
            oracles: oracles.accounts(),
        },
        perp::instruction::MarketUpdateRisk {},
    )
}

pub fn funding_update(market: Pubkey, book: Pubkey, oracles: OracleMetas) -> Instruction {
    build(
        perp::accounts::FundingUpdate {
            market,
            book,
            oracles: oracles.accounts(),
        },
        perp::instruction::FundingUpdate {},
    )
}

/// `order_cancel_at_risk`: cancels `margin_account`'s orders when, filled at the liquidation
/// prices, they would put it below maintenance (permissionless).
pub fn order_cancel_at_risk(
    market: Pubkey,
    margin_account: Pubkey,
    book: Pubkey,
    oracles: OracleMetas,
) -> Instruction {
    build(
        perp::accounts::OrderCancelAtRisk {
            market,
            margin_account,
            book,
            oracles: oracles.accounts(),
        },
        perp::instruction::OrderCancelAtRisk {},
    )
}

/// The accounts of `liquidate`.
#[derive(Clone, Copy, Debug)]
pub struct LiquidateAccounts {
    pub keeper: Pubkey,
    pub market: Pubkey,
    pub margin_account: Pubkey,
    pub keeper_account: Pubkey,
    /// The market's book and event queue: needed only when the account holds an order slot
    /// (a resting order, or a fill or out still queued; `BookRequired` otherwise); without them
    /// neither is copied in and out of the program or write-locked.
    pub book: Option<Pubkey>,
    pub event_queue: Option<Pubkey>,
    pub collateral_vault: Pubkey,
    pub insurance_vault: Pubkey,
    pub quote_mint: Pubkey,
    pub token_program: Pubkey,
    pub oracles: OracleMetas,
    /// The account's trigger orders when it has a trigger-orders account (`trigger_orders_pda`).
    pub trigger_orders: Option<Pubkey>,
}

pub fn liquidate(a: &LiquidateAccounts) -> Instruction {
    build(
        perp::accounts::Liquidate {
            keeper: a.keeper,
            market: a.market,
            margin_account: a.margin_account,
            keeper_account: a.keeper_account,
            book: a.book,
            event_queue: a.event_queue,
            collateral_vault: a.collateral_vault,
            insurance_vault: a.insurance_vault,
            quote_mint: a.quote_mint,
            token_program: a.token_program,
            oracles: a.oracles.accounts(),
            trigger_orders: a.trigger_orders,
        },
        perp::instruction::Liquidate {},
    )
}
