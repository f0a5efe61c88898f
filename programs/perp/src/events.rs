//! Events, emitted to the program log so indexers and the keeper can follow every state change.

use crate::instructions::{OrderSide, OrderType, TriggerArgs};
use crate::state::{Change, MarketParams, OracleConfig, Role};
use anchor_lang::prelude::*;
use perp_engine::trigger::{Removal, TriggerOrder};

/// The exchange was created with its three authorities.
#[event]
pub struct ExchangeInitialized {
    pub governance: Pubkey,
    pub risk_council: Pubkey,
    pub guardian: Pubkey,
}

/// A market was listed with its own vaults and parameters.
#[event]
pub struct MarketCreated {
    pub market: Pubkey,
    pub index: u16,
    pub quote_mint: Pubkey,
    pub collateral_vault: Pubkey,
    pub insurance_vault: Pubkey,
    pub params: MarketParams,
    pub oracle: OracleConfig,
}

/// A margin account was opened.
#[event]
pub struct MarginAccountCreated {
    pub margin_account: Pubkey,
    pub market: Pubkey,
    pub owner: Pubkey,
    pub sub_account_id: u16,
}

/// An empty margin account was closed and its rent returned to the owner.
#[event]
pub struct MarginAccountClosed {
    pub margin_account: Pubkey,
    pub market: Pubkey,
    pub owner: Pubkey,
}

/// The owner set or cleared (default key) the account's trading delegate.
#[event]
pub struct DelegateSet {
    pub margin_account: Pubkey,
    pub old_delegate: Pubkey,
    pub new_delegate: Pubkey,
}

/// Collateral entered a market's vault for a margin account.
#[event]
pub struct CollateralDeposited {
    pub market: Pubkey,
    pub margin_account: Pubkey,
    pub depositor: Pubkey,
    pub amount: u64,
    pub collateral_after: u64,
}

/// Collateral left a market's vault from a margin account.
#[event]
pub struct CollateralWithdrawn {
    pub market: Pubkey,
    pub margin_account: Pubkey,
    pub destination: Pubkey,
    pub amount: u64,
    pub collateral_after: u64,
}

/// `market_update_price` refreshed a market's price state.
#[event]
pub struct PriceUpdated {
    pub market: Pubkey,
    /// The aggregate of agreeing sources (`Price` raw value), or 0 if they did not agree.
    pub index_price: u64,
    /// The stable price after the update (`Price` raw value).
    pub stable_price: u64,
    /// How many configured sources were valid.
    pub valid_sources: u8,
}

/// The circuit breaker engaged, extended its cool-down, or released.
#[event]
pub struct BreakerChanged {
    pub market: Pubkey,
    pub engaged: bool,
    pub cooldown_until: i64,
    /// The stable price the sources were judged against (`Price` raw value).
    pub stable_price: u64,
}

/// A market's governance/guardian status changed (`MarketStatus` bytes).
#[event]
pub struct MarketStatusChanged {
    pub market: Pubkey,
    pub authority: Pubkey,
    pub old_status: u8,
    pub new_status: u8,
}

/// Governance queued a change. `current` holds the target's values now (none for a listing or
/// an insurance withdrawal), so anyone can see old → new before `eta`.
#[event]
pub struct ChangeQueued {
    pub id: u64,
    pub param_change: Pubkey,
    pub change: Change,
    pub current: Option<Change>,
    pub queued_at: i64,
    pub eta: i64,
    pub expires_at: i64,
}

/// A queued change took effect; `previous` holds the values it replaced.
#[event]
pub struct ChangeExecuted {
    pub id: u64,
    pub param_change: Pubkey,
    pub change: Change,
    pub previous: Option<Change>,
}

/// A queued change was cancelled and will never execute; `current` is what stays in force.
#[event]
pub struct ChangeCancelled {
    pub id: u64,
    pub param_change: Pubkey,
    pub authority: Pubkey,
    pub change: Change,
    pub current: Option<Change>,
}

/// The risk council tightened a market at once.
#[event]
pub struct MarketTightened {
    pub market: Pubkey,
    pub old_params: MarketParams,
    pub new_params: MarketParams,
    pub old_oracle: OracleConfig,
    pub new_oracle: OracleConfig,
}

/// An instruction gate was closed or reopened (`Exchange::closed_gates` before and after).
#[event]
pub struct GatesChanged {
    pub authority: Pubkey,
    pub old_closed_gates: u32,
    pub new_closed_gates: u32,
}

/// A timelocked transfer named `pending` for `role`; it takes effect when that key accepts.
#[event]
pub struct AuthorityProposed {
    pub role: Role,
    pub current: Pubkey,
    pub pending: Pubkey,
}

/// A pending key for `role` was revoked before it accepted.
#[event]
pub struct AuthorityRevoked {
    pub role: Role,
    pub revoked: Pubkey,
    pub authority: Pubkey,
}

/// The pending key accepted `role`.
#[event]
pub struct AuthorityAccepted {
    pub role: Role,
    pub old: Pubkey,
    pub new: Pubkey,
}

/// Tokens were added to a market's insurance fund.
#[event]
pub struct InsuranceDeposited {
    pub market: Pubkey,
    pub depositor: Pubkey,
    pub amount: u64,
    pub insurance_after: u64,
}

/// An executed governance change paid out of a market's insurance vault.
#[event]
pub struct InsuranceWithdrawn {
    pub market: Pubkey,
    pub destination: Pubkey,
    pub amount: u64,
    pub insurance_after: u64,
}

/// Emits `event` to the program log as `Program data: <base64>` (what Anchor's `emit!` does on
/// chain). Anchor 1.x's `emit!` compiles to nothing off-chain, which would hide every event from
/// program-test and the native local cluster; `sol_log_data` is the same syscall on chain and
/// goes through the runtime's syscall stubs natively.
///
/// The event is encoded into a buffer on the stack, not through `Event::data()`, which allocates
/// a `Vec` per event: the on-chain heap is a 32 KiB bump allocator that never frees, and an
/// instruction may log an event per fill (issue 22). An event larger than the buffer (none of the
/// per-fill ones; only a governance event could be) falls back to `data()`.
pub fn log_event<E: anchor_lang::Event>(event: &E) {
    let mut buf = [0u8; EVENT_BUFFER];
    match encode_event(event, &mut buf) {
        Some(bytes) => solana_program::log::sol_log_data(&[bytes]),
        None => solana_program::log::sol_log_data(&[&event.data()]),
    }
}

/// Bytes of the stack buffer an event is encoded into (well inside an SBF stack frame's 4 KiB).
pub const EVENT_BUFFER: usize = 512;

/// `event` as `Event::data()` encodes it (discriminator, then Borsh), written into `buf`;
/// `None` when it does not fit.
pub fn encode_event<'a, E: anchor_lang::Event>(event: &E, buf: &'a mut [u8]) -> Option<&'a [u8]> {
    let disc = E::DISCRIMINATOR;
    let head = buf.get_mut(..disc.len())?;
    head.copy_from_slice(disc);
    let mut rest = &mut buf[disc.len()..];
    let room = rest.len();
    event.serialize(&mut rest).ok()?;
    let used = room - rest.len();
    Some(&buf[..disc.len() + used])
}

/// A fill or out from the book (`kind` 1 = fill, 2 = out), logged once when the book makes it,
/// whether settled into the maker's account at once or queued (settling it from the queue later
/// logs nothing more).
#[event]
pub struct BookEventLogged {
    pub market: Pubkey,
    pub kind: u8,
    pub maker_side: u8,
    pub maker: Pubkey,
    pub taker: Pubkey,
    pub order_id: u128,
    pub client_order_id: u64,
    pub price_ticks: u64,
    pub base_lots: u64,
    pub maker_fee: i64,
    pub timestamp: i64,
}

/// An order was placed: what it took, and whether a remainder rests.
#[event]
pub struct OrderPlaced {
    pub market: Pubkey,
    pub margin_account: Pubkey,
    pub client_order_id: u64,
    pub filled_base_lots: u64,
    pub filled_quote_lots: u64,
    pub taker_fee: i64,
    pub fills: u32,
    /// The final limit in ticks (a sliding post-only order may have moved).
    pub price_ticks: u64,
    /// The resting order's id, if a remainder rests.
    pub resting_order_id: Option<u128>,
    /// Size cancelled instead of resting.
    pub cancelled_base_lots: u64,
    /// What was asked, so an order's history reads from its event alone: the side, the type,
    /// the size and the limit sent (0 for a market order at the band's edge), reduce-only, and
    /// the program's clock.
    pub side: OrderSide,
    pub order_type: OrderType,
    pub base_lots: u64,
    pub limit_ticks: u64,
    pub reduce_only: bool,
    pub timestamp: i64,
}

/// Funding settled into margin accounts of one market in one instruction: what each position
/// owed since its account last settled, moved into its realised PnL. Funding settles lazily —
/// whenever an account's position changes (as taker or maker), it is liquidated, withdraws or
/// closes, or its orders are cancelled at risk — so one payment may cover several intervals.
/// One event per instruction (per nine accounts), listing only the accounts that paid or
/// received something, so an order touching many makers adds a line per nine makers, not one
/// per maker.
#[event]
pub struct FundingPaid {
    pub market: Pubkey,
    pub timestamp: i64,
    pub payments: Vec<FundingPayment>,
}

/// One account's funding payment in `FundingPaid`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct FundingPayment {
    pub margin_account: Pubkey,
    /// The position the funding was owed on, base lots (negative: short).
    pub base_lots: i64,
    /// Paid, native quote units (negative: received).
    pub amount: i64,
}

/// Payments per `FundingPaid`: 8 + 32 + 8 + 4 + 48 × 9 = 484 bytes, inside `EVENT_BUFFER`.
pub const PAYMENTS_PER_EVENT: usize = 9;
const _: () = assert!(8 + 32 + 8 + 4 + 48 * PAYMENTS_PER_EVENT <= EVENT_BUFFER);

/// The funding payments of one instruction, logged together (`log`) as `FundingPaid` events.
pub struct FundingPayments {
    market: Pubkey,
    quote_lot_size: u64,
    payments: Vec<FundingPayment>,
}

impl FundingPayments {
    /// Payments in `market`, whose quote lots are `quote_lot_size` native units, of at most
    /// `accounts` accounts (sized once: the on-chain heap never frees).
    pub fn new(market: Pubkey, quote_lot_size: u64, accounts: usize) -> Self {
        FundingPayments {
            market,
            quote_lot_size,
            payments: Vec::with_capacity(accounts),
        }
    }

    /// Adds what `margin_account`, holding `base_lots`, paid (`paid_lots` quote lots;
    /// negative: received), unless it is nothing.
    pub fn add(&mut self, margin_account: Pubkey, base_lots: i64, paid_lots: i64) {
        if paid_lots == 0 {
            return;
        }
        // Saturating: a log line must never fail an instruction the ledger already accepted.
        let amount = i64::try_from(i128::from(paid_lots) * i128::from(self.quote_lot_size))
            .unwrap_or(if paid_lots > 0 { i64::MAX } else { i64::MIN });
        self.payments.push(FundingPayment {
            margin_account,
            base_lots,
            amount,
        });
    }

    /// Adds what opening `margin_account` on the ledger settled.
    pub fn opened(&mut self, margin_account: Pubkey, opened: &perp_engine::risk::position::Opened) {
        self.add(
            margin_account,
            opened.position(),
            opened.funding_paid().get(),
        );
    }

    /// Logs the payments as `FundingPaid` events at unix time `timestamp` (nothing when none),
    /// at most `PAYMENTS_PER_EVENT` each, so every event is encoded on the stack, never through
    /// the heap (`log_event`).
    pub fn log(self, timestamp: i64) {
        for chunk in self.payments.chunks(PAYMENTS_PER_EVENT) {
            log_event(&FundingPaid {
                market: self.market,
                timestamp,
                payments: chunk.to_vec(),
            });
        }
    }
}

/// A trigger order was stored (`trigger_place`; a bracket logs one per leg, each naming the
/// other as `linked_id`).
#[event]
pub struct TriggerPlaced {
    pub market: Pubkey,
    pub margin_account: Pubkey,
    pub trigger_id: u64,
    pub linked_id: u64,
    pub args: TriggerArgs,
}

/// Why a trigger left its slot without executing (the engine's `Removal`).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriggerRemovalReason {
    /// Its owner or delegate cancelled it, or the owner closed the trigger account.
    Cancelled,
    /// The other leg of its bracket executed.
    BracketFilled,
    /// It was due after its expiry.
    Expired,
    /// Reduce-only, with nothing left to reduce.
    NothingToReduce,
    /// Its order, filled in full at its limit with the fees, would fail the order's margin rule.
    MarginRefused,
    /// A liquidation left a position it cannot reduce.
    Liquidated,
    /// Placed by a delegate the account no longer has.
    DelegateChanged,
}

/// A trigger left its slot without executing; its executor, if any, was not paid.
#[event]
pub struct TriggerRemoved {
    pub market: Pubkey,
    pub margin_account: Pubkey,
    pub trigger_id: u64,
    pub client_order_id: u64,
    pub reason: TriggerRemovalReason,
}

impl From<Removal> for TriggerRemovalReason {
    fn from(r: Removal) -> Self {
        match r {
            Removal::Cancelled => TriggerRemovalReason::Cancelled,
            Removal::BracketFilled => TriggerRemovalReason::BracketFilled,
            Removal::Expired => TriggerRemovalReason::Expired,
            Removal::NothingToReduce => TriggerRemovalReason::NothingToReduce,
            Removal::MarginRefused => TriggerRemovalReason::MarginRefused,
            Removal::Liquidated => TriggerRemovalReason::Liquidated,
            Removal::DelegateChanged => TriggerRemovalReason::DelegateChanged,
        }
    }
}

impl TriggerRemoved {
    /// Logs that `trigger` of `margin_account` left for `reason`.
    pub fn log(market: Pubkey, margin_account: Pubkey, trigger: &TriggerOrder, reason: Removal) {
        log_event(&TriggerRemoved {
            market,
            margin_account,
            trigger_id: trigger.id,
            client_order_id: trigger.client_order_id,
            reason: reason.into(),
        });
    }
}

/// A trigger fired: its order was placed (its `OrderPlaced` precedes this event) for
/// `base_lots` (a market order: what filled; a limit order: all of it, what did not fill
/// rests), and `executor_account` earned `fee_quote_lots` from the account, as realised PnL.
/// A market order that filled part stays for the rest (`done` false).
#[event]
pub struct TriggerExecuted {
    pub market: Pubkey,
    pub margin_account: Pubkey,
    pub trigger_id: u64,
    pub client_order_id: u64,
    pub executor_account: Pubkey,
    pub base_lots: u64,
    pub done: bool,
    pub fee_quote_lots: u64,
}

/// Orders of one account left the book at its request.
#[event]
pub struct OrdersCancelled {
    pub market: Pubkey,
    pub margin_account: Pubkey,
    pub count: u32,
}

/// A keeper cancelled an account's orders because, filled at the current prices, they would put
/// it below maintenance (`order_cancel_at_risk`).
#[event]
pub struct OrdersCancelledAtRisk {
    pub market: Pubkey,
    pub margin_account: Pubkey,
    pub count: u32,
}

/// Queued events were settled into their makers' accounts.
#[event]
pub struct EventsConsumed {
    pub market: Pubkey,
    pub count: u32,
    pub remaining: u32,
}

/// The risk crank refreshed a market's volatility and maintenance ramp.
#[event]
pub struct RiskUpdated {
    pub market: Pubkey,
    pub index_price: u64,
    /// Realised volatility per √hour, bps.
    pub volatility_bps: u64,
    /// Initial margin of a small position now, bps.
    pub initial_margin_bps: u64,
    /// Maintenance margin of a small position now (ramped), bps.
    pub maintenance_margin_bps: u64,
    pub open_interest_long: u64,
    pub open_interest_short: u64,
}

/// The funding crank sampled (or skipped) and possibly closed an interval.
#[event]
pub struct FundingUpdated {
    pub market: Pubkey,
    /// 0 when skipped.
    pub mark_price: u64,
    /// 0 when skipped.
    pub index_price: u64,
    /// False when the oracle rules forbade a sample, or the crank was not the first of its
    /// minute slot (only that one samples).
    pub sampled: bool,
    /// Set when an interval closed: paid per lot by longs (negative: by shorts), `Price` units.
    pub payment_per_lot: Option<i64>,
    pub long_index: i64,
    pub short_index: i64,
}

/// Part of an account's position moved to a keeper at the price less the discount.
#[event]
#[derive(Debug)]
pub struct Liquidated {
    pub market: Pubkey,
    pub margin_account: Pubkey,
    pub keeper_account: Pubkey,
    /// Base lots moved (positive: the account was long).
    pub base_lots: i64,
    /// The price used (`Price` raw): the valid source most favourable to the account.
    pub price: u64,
    pub quote_lots: u64,
    pub keeper_fee: u64,
    pub insurance_fee: u64,
    /// The account's position after.
    pub position_after: i64,
    /// Orders of the account cancelled first.
    pub orders_cancelled: u32,
}

/// A flat account with negative equity was made whole: first from the market's insurance fund,
/// then by the opposite side's positions of the same market.
#[event]
#[derive(Debug)]
pub struct Bankruptcy {
    pub market: Pubkey,
    pub margin_account: Pubkey,
    /// The shortfall, native units.
    pub loss: u64,
    /// Paid by the insurance fund.
    pub insurance_paid: u64,
    /// Socialised over positions (long and short lots charged, in `Price` units per lot).
    pub socialised: u64,
    pub socialised_long_per_lot: i64,
    pub socialised_short_per_lot: i64,
    /// Left owed by the account (nobody holds a position to socialise over).
    pub unresolved: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::Event;

    fn fill() -> BookEventLogged {
        BookEventLogged {
            market: Pubkey::new_unique(),
            kind: 1,
            maker_side: 1,
            maker: Pubkey::new_unique(),
            taker: Pubkey::new_unique(),
            order_id: u128::MAX - 7,
            client_order_id: 42,
            price_ticks: 1_500,
            base_lots: 3,
            maker_fee: -2,
            timestamp: 1_700_000_000,
        }
    }

    #[test]
    fn events_encode_on_the_stack_exactly_as_anchor_does() {
        let mut buf = [0u8; EVENT_BUFFER];
        let e = fill();
        assert_eq!(encode_event(&e, &mut buf), Some(&e.data()[..]));
        let placed = OrderPlaced {
            market: Pubkey::new_unique(),
            margin_account: Pubkey::new_unique(),
            client_order_id: 7,
            filled_base_lots: 1,
            filled_quote_lots: 2,
            taker_fee: 3,
            fills: 4,
            price_ticks: 5,
            resting_order_id: Some(6),
            cancelled_base_lots: 0,
            side: OrderSide::Ask,
            order_type: OrderType::ImmediateOrCancel,
            base_lots: 9,
            limit_ticks: 10,
            reduce_only: true,
            timestamp: 11,
        };
        assert_eq!(encode_event(&placed, &mut buf), Some(&placed.data()[..]));
        // The per-fill event is 162 bytes: the 33 events one order may log (32 orders touched,
        // one eviction) need no heap at all.
        assert_eq!(e.data().len(), 162);
        // Too small a buffer: `None` (the caller falls back to the heap), never a panic.
        assert_eq!(encode_event(&e, &mut [0u8; 100]), None);
        assert_eq!(encode_event(&e, &mut [0u8; 4]), None);
    }
}
