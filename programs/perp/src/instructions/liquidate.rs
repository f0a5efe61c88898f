//! `liquidate` (any keeper, DESIGN §8): for an account below its maintenance margin, settles its
//! own queued fills and outs wherever they sit in the event queue (nothing queued ahead of them, by
//! anyone, can hold a liquidation back), cancels its orders (the book and the queue are passed
//! only when it holds an order slot: otherwise neither has anything of it), then moves just
//! enough of its position
//! into the keeper's own margin account in the same market at the price most favourable to the
//! account (among valid sources), less the liquidation discount. The fee splits between the keeper
//! and the market's insurance fund; the keeper's account must still cover its initial margin,
//! judged on what the transfer adds: the base fraction and size premium, at least maintenance,
//! never the open-interest or volatility terms that price new risk (a liquidation never raises open
//! interest). A healthy account is refused with `NotLiquidatable` and nothing changes.
//!
//! Bankruptcy: when the account ends flat with negative equity, its shortfall is paid from this
//! market's insurance fund first and the rest is socialised over this market's positions on the
//! side opposite the account's last position (their funding index moves against them, so they pay
//! it as they settle). Nothing outside this market is touched.

use crate::constants::TRIGGER_ORDERS_SEED;
use crate::error::ErrorCode;
use crate::events::{Bankruptcy, FundingPayments, Liquidated, TriggerRemoved, log_event};
// Glob: the nested `OracleAccounts` derive needs its generated client modules in scope.
use crate::oracle::*;
use crate::state::{EventQueueAccount, MarginAccount, Market, OrderBookAccount, TriggerOrders};
use crate::util::token::TokenMove;
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};
use perp_engine::book::{OneMaker, consume_events};
use perp_engine::oracle::{Action, PriceBand};
use perp_engine::risk::liquidation::liquidate;
use perp_engine::risk::trader_margin::MarginError;
use perp_engine::trigger::Removal;

#[derive(Accounts)]
pub struct Liquidate<'info> {
    /// Owner of `keeper_account`, never its delegate: the transfer's price is chosen in favour of
    /// the liquidated account (the valid source best for it), so a delegate liquidating its own
    /// account into the owner's would move the sources' spread from the owner to itself.
    pub keeper: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    /// The account being liquidated.
    #[account(mut, has_one = market @ ErrorCode::WrongMarket)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The keeper's own margin account in this market: it takes over the position.
    #[account(mut, has_one = market @ ErrorCode::WrongMarket,
        constraint = keeper_account.key() != margin_account.key() @ ErrorCode::SelfLiquidation,
        constraint = keeper_account.load()?.owner == keeper.key() @ ErrorCode::NotAccountOwner)]
    pub keeper_account: AccountLoader<'info, MarginAccount>,
    /// The market's book, needed (with the event queue) only when the account holds an order
    /// slot: a resting order, or a filled one whose fill or out is still queued (see
    /// `settle_and_cancel`). Without them such an account is refused (`BookRequired`) and
    /// nothing changes; one holding no slot is liquidated without the 1 MB book and the queue
    /// copied in and out of the program or write-locked against traders.
    #[account(mut, address = market.load()?.book @ ErrorCode::WrongBook)]
    pub book: Option<AccountLoader<'info, OrderBookAccount>>,
    /// The account's queued fills and outs settle from here first (when it holds a slot).
    #[account(mut, address = market.load()?.event_queue @ ErrorCode::WrongEventQueue)]
    pub event_queue: Option<AccountLoader<'info, EventQueueAccount>>,
    #[account(mut, address = market.load()?.collateral_vault @ ErrorCode::WrongVault)]
    pub collateral_vault: InterfaceAccount<'info, TokenAccount>,
    #[account(mut, address = market.load()?.insurance_vault @ ErrorCode::WrongVault)]
    pub insurance_vault: InterfaceAccount<'info, TokenAccount>,
    #[account(address = market.load()?.quote_mint @ ErrorCode::WrongMint)]
    pub quote_mint: InterfaceAccount<'info, Mint>,
    #[account(address = market.load()?.quote_token_program @ ErrorCode::WrongTokenProgram)]
    pub token_program: Interface<'info, TokenInterface>,
    pub oracles: OracleAccounts<'info>,
    /// CHECK: the account's trigger-orders address (its seeds), read only when an account of
    /// this program is there: the liquidation then removes the triggers its new position leaves
    /// nothing to reduce. Optional, and never refused for what is (or is no longer) at that
    /// address, so a trigger account can never stand in the way of a liquidation (an account
    /// closing and reopening its trigger account every slot cannot make a keeper's transaction
    /// fail); a trigger left behind is removed unpaid when it is next executed.
    #[account(mut, seeds = [TRIGGER_ORDERS_SEED, margin_account.key().as_ref()], bump)]
    pub trigger_orders: Option<UncheckedAccount<'info>>,
}

/// Native units that move between the market's two vaults.
struct VaultFlows {
    /// Liquidation fee share into the insurance fund.
    to_insurance: u64,
    /// Bankruptcy shortfall paid by the insurance fund.
    from_insurance: u64,
}

pub fn handler(ctx: Context<Liquidate>) -> Result<()> {
    let clock = Clock::get()?;
    let (flows, signer) = {
        let a = &ctx.accounts;
        let mut market = a.market.load_mut()?;
        let mut account = a.margin_account.load_mut()?;
        // Judged on the slots as stored, before anything settles: what the liquidation needs,
        // and so what it costs, is known from the account alone.
        let holds_slots = account.trader.slots_in_use != 0;
        require!(
            !holds_slots || (a.book.is_some() && a.event_queue.is_some()),
            ErrorCode::BookRequired
        );
        let mut keeper = a.keeper_account.load_mut()?;
        // Both positions change: opened on the ledger now, closed once the transfer is done
        // (before a bankruptcy spreads its loss over the open interest).
        let (opened, keeper_opened) = {
            let ledger = market.ledger();
            let (acc, kee) = (&mut *account, &mut *keeper);
            (
                ledger
                    .open(&mut acc.trader, &mut acc.funding)
                    .map_err(ErrorCode::from)?,
                ledger
                    .open(&mut kee.trader, &mut kee.funding)
                    .map_err(ErrorCode::from)?,
            )
        };
        let mut funding = FundingPayments::new(a.market.key(), market.params.quote_lot_size, 2);
        funding.opened(a.margin_account.key(), &opened);
        funding.opened(a.keeper_account.key(), &keeper_opened);
        funding.log(clock.unix_timestamp);
        let orders_cancelled = match (&a.book, &a.event_queue) {
            (Some(book), Some(queue)) if holds_slots => {
                settle_and_cancel(a.margin_account.key(), book, queue, &market, &mut account)?
            }
            // Holding no slot, it has nothing queued and nothing resting (required above).
            _ => 0,
        };
        // Settled and cancelled, nothing can hold a slot any more.
        require!(account.trader.slots_in_use == 0, ErrorCode::OrdersOpen);

        let position = account.trader.base_position;
        let to_insurance = if !position.is_zero() {
            let band = price_band(&mut market, &a.oracles, &clock, Action::Liquidate)?;
            transfer_position(
                a,
                &market,
                &mut account,
                &mut keeper,
                band,
                orders_cancelled,
            )?
        } else {
            0
        };
        let mut ledger = market.ledger();
        ledger
            .close(opened, &account.trader)
            .map_err(ErrorCode::from)?;
        ledger
            .close(keeper_opened, &keeper.trader)
            .map_err(ErrorCode::from)?;
        let mut from_insurance = 0;
        if account.trader.is_flat() {
            let fund = a
                .insurance_vault
                .amount
                .checked_add(to_insurance)
                .ok_or(ErrorCode::MathOverflow)?;
            match settle_bankruptcy(a, &mut market, &mut account, position.get(), fund)? {
                Some(paid) => from_insurance = paid,
                None => require!(!position.is_zero(), ErrorCode::NotLiquidatable),
            }
        }
        if let Some(info) = a.trigger_orders.as_ref().filter(|i| i.owner == &crate::ID) {
            let mut data = info.try_borrow_mut_data()?;
            let at = 8.min(data.len());
            let (disc, body) = data.split_at_mut(at);
            if disc == TriggerOrders::DISCRIMINATOR
                && let Ok(orders) = bytemuck::try_from_bytes_mut::<TriggerOrders>(body)
            {
                let (market_key, account_key) = (a.market.key(), a.margin_account.key());
                orders.triggers.remove_meaningless(&account.trader, |t| {
                    TriggerRemoved::log(market_key, account_key, t, Removal::Liquidated)
                });
            }
        }
        let flows = VaultFlows {
            to_insurance,
            from_insurance,
        };
        (flows, market.signer())
    };
    move_between_vaults(ctx.accounts, &flows, &signer.seeds())
}

/// Settles every queued fill and out of the liquidated account `key`, in queue order, into it
/// (it is open on the ledger), then cancels its resting orders; returns how many it cancelled.
///
/// Only an account holding an order slot can have anything in either: an order takes a slot
/// when placed and frees it only when its last lots are released — cancelled by the account
/// itself, or by settling the fill or out that took them, which names the order (a queued event
/// whose order the maker does not hold is a `StateMismatch`). So an account holding no slot
/// is liquidated without the book and the queue, at a cost nobody else's orders or fills can
/// raise.
fn settle_and_cancel(
    key: Pubkey,
    book: &AccountLoader<OrderBookAccount>,
    queue: &AccountLoader<EventQueueAccount>,
    market: &Market,
    account: &mut MarginAccount,
) -> Result<u32> {
    let mut own = OneMaker {
        key: key.to_bytes(),
        trader: &mut account.trader,
    };
    let mut queue = queue.load_mut()?;
    consume_events(&mut queue.queue, &mut own, usize::MAX, market.tick_size())
        .map_err(ErrorCode::from)?;
    Ok(book
        .load_mut()?
        .cancel_every_order(&key, &mut account.trader, market.tick_size())?)
}

/// Moves part of `account`'s position into `keeper`'s at the price most favourable to the
/// account within `band`; returns the insurance share of the fee (native units).
fn transfer_position(
    a: &Liquidate,
    market: &Market,
    account: &mut MarginAccount,
    keeper: &mut MarginAccount,
    band: PriceBand,
    orders_cancelled: u32,
) -> Result<u64> {
    let position = account.trader.base_position;
    let price = band.favourable_to(position);
    let margin = market.params.margin();
    let balance = i64::try_from(account.collateral).map_err(|_| ErrorCode::MathOverflow)?;
    let out = liquidate(
        &mut account.trader,
        balance,
        &mut keeper.trader,
        price,
        |lots| market.risk.maintenance_bps(&margin, lots),
        &market.params.liquidation(),
        market.quote_lot_size(),
    )
    .map_err(ErrorCode::from)?;
    keeper
        .trader
        .require_initial_margin(
            keeper.collateral(),
            &market.keeper_margin_scale(&keeper.trader)?,
            band.low,
            band.high,
        )
        .map_err(|e| match e {
            MarginError::InsufficientMargin => ErrorCode::KeeperUnhealthy,
            other => ErrorCode::from(other),
        })?;
    log_event(&Liquidated {
        market: a.market.key(),
        margin_account: a.margin_account.key(),
        keeper_account: a.keeper_account.key(),
        base_lots: position
            .checked_sub(account.trader.base_position)
            .map_err(ErrorCode::from)?
            .get(),
        price: price.raw(),
        quote_lots: out.quote_lots.get(),
        keeper_fee: out.keeper_fee.get(),
        insurance_fee: out.insurance_fee.get(),
        position_after: account.trader.base_position.get(),
        orders_cancelled,
    });
    // The insurance share leaves the account's equity and the collateral vault.
    Ok(out
        .insurance_fee
        .checked_to_native(market.quote_lot_size())
        .map_err(ErrorCode::from)?
        .get())
}

/// Makes a flat account with negative equity whole (the engine's `settle_bankruptcy`: `fund`,
/// the insurance fund including what this call paid in, first, then the side opposite
/// `last_position`) and writes what it did. Returns what the fund paid, or `None` when the
/// account owes nothing.
fn settle_bankruptcy(
    a: &Liquidate,
    market: &mut Market,
    account: &mut MarginAccount,
    last_position: i64,
    fund: u64,
) -> Result<Option<u64>> {
    market.settle_realised(account)?;
    let oi = market.open_interest;
    let qls = market.quote_lot_size();
    let collateral = account.collateral();
    let Some(b) = perp_engine::risk::bankruptcy::settle_bankruptcy(
        &mut account.trader,
        collateral,
        last_position,
        fund,
        &mut market.funding,
        &oi,
        qls,
    )
    .map_err(ErrorCode::from)?
    else {
        return Ok(None);
    };
    market.collateral_total = market
        .collateral_total
        .checked_sub(b.collateral_spent)
        .ok_or(ErrorCode::MathOverflow)?;
    account.collateral = 0;
    log_event(&Bankruptcy {
        market: a.market.key(),
        margin_account: a.margin_account.key(),
        loss: b.loss,
        insurance_paid: b.insurance_paid,
        socialised: b.loss - b.insurance_paid - b.socialised.unresolved,
        socialised_long_per_lot: b.socialised.long_per_lot,
        socialised_short_per_lot: b.socialised.short_per_lot,
        unresolved: b.socialised.unresolved,
    });
    Ok(Some(b.insurance_paid))
}

/// Settles the net of the fee share and the bankruptcy payment in one checked transfer.
fn move_between_vaults(a: &mut Liquidate, flows: &VaultFlows, seeds: &[&[u8]]) -> Result<()> {
    let collateral = a.collateral_vault.to_account_info();
    let insurance = a.insurance_vault.to_account_info();
    let (amount, from, to, expected) = if flows.to_insurance >= flows.from_insurance {
        let amount = flows.to_insurance - flows.from_insurance;
        (
            amount,
            &collateral,
            &insurance,
            a.insurance_vault.amount.checked_add(amount),
        )
    } else {
        let amount = flows.from_insurance - flows.to_insurance;
        (
            amount,
            &insurance,
            &collateral,
            a.insurance_vault.amount.checked_sub(amount),
        )
    };
    if amount == 0 {
        return Ok(());
    }
    TokenMove {
        token_program: &a.token_program.to_account_info(),
        mint: &a.quote_mint.to_account_info(),
        decimals: a.quote_mint.decimals,
        from,
        to,
        authority: &a.market.to_account_info(),
    }
    .transfer_verified(
        amount,
        &[seeds],
        &mut a.insurance_vault,
        expected.ok_or(ErrorCode::MathOverflow)?,
    )
}
