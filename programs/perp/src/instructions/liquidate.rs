//! `liquidate` (any keeper, DESIGN §8): for an account below its maintenance margin, cancels its
//! orders, then moves just enough of its position into the keeper's own margin account in the
//! same market at the price most favourable to the account (among valid sources), less the
//! liquidation discount. The fee splits between the keeper and the market's insurance fund; the
//! keeper's account must still cover its initial margin. A healthy account is refused with
//! `NotLiquidatable` and nothing changes.
//!
//! Bankruptcy: when the account ends flat with negative equity, its shortfall is paid from this
//! market's insurance fund first and the rest is socialised over this market's positions on the
//! side opposite the account's last position (their funding index moves against them, so they
//! pay it as they settle). Nothing outside this market is touched.

use crate::error::ErrorCode;
use crate::events::{Bankruptcy, Liquidated, log_event};
// Glob: the nested `OracleAccounts` derive needs its generated client modules in scope.
use crate::oracle::*;
use crate::state::{MarginAccount, Market, OrderBookAccount, settle_realised};
use crate::util::token::TokenMove;
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};
use perp_engine::oracle::Action;
use perp_engine::risk::funding::{PositionSide, shortfall};
use perp_engine::risk::health::Health;
use perp_engine::risk::liquidation::liquidate;

#[derive(Accounts)]
pub struct Liquidate<'info> {
    /// Owner or delegate of `keeper_account`.
    pub keeper: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    /// The account being liquidated.
    #[account(mut, has_one = market @ ErrorCode::WrongMarket)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The keeper's own margin account in this market: it takes over the position.
    #[account(mut, has_one = market @ ErrorCode::WrongMarket,
        constraint = keeper_account.key() != margin_account.key() @ ErrorCode::SelfLiquidation,
        constraint = keeper_account.load()?.may_trade(keeper.key) @ ErrorCode::NotOwnerOrDelegate)]
    pub keeper_account: AccountLoader<'info, MarginAccount>,
    #[account(mut, address = market.load()?.book @ ErrorCode::WrongBook)]
    pub book: AccountLoader<'info, OrderBookAccount>,
    #[account(mut, address = market.load()?.collateral_vault @ ErrorCode::WrongVault)]
    pub collateral_vault: InterfaceAccount<'info, TokenAccount>,
    #[account(mut, address = market.load()?.insurance_vault @ ErrorCode::WrongVault)]
    pub insurance_vault: InterfaceAccount<'info, TokenAccount>,
    #[account(address = market.load()?.quote_mint @ ErrorCode::WrongMint)]
    pub quote_mint: InterfaceAccount<'info, Mint>,
    #[account(address = market.load()?.quote_token_program @ ErrorCode::WrongTokenProgram)]
    pub token_program: Interface<'info, TokenInterface>,
    pub oracles: OracleAccounts<'info>,
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
    let market_key = ctx.accounts.market.key();
    let account_key = ctx.accounts.margin_account.key();
    let insurance_before = ctx.accounts.insurance_vault.amount;
    let (flows, index, bump) = {
        let mut market = ctx.accounts.market.load_mut()?;
        let mut account = ctx.accounts.margin_account.load_mut()?;
        let mut keeper = ctx.accounts.keeper_account.load_mut()?;
        let qls = market.quote_lot_size();

        let orders_cancelled = ctx
            .accounts
            .book
            .load_mut()?
            .book
            .cancel_matching(
                &account_key.to_bytes(),
                &mut account.trader,
                None,
                None,
                market.tick_size(),
            )
            .map_err(ErrorCode::from)?;
        require!(account.trader.slots_in_use == 0, ErrorCode::OrdersOpen);
        market.settle_funding(&mut account)?;
        market.settle_funding(&mut keeper)?;

        let position = account.trader.base_position;
        let mut to_insurance = 0;
        if position != 0 {
            let band = price_for_action(&market, &ctx.accounts.oracles, &clock, Action::Liquidate)?
                .ok_or(ErrorCode::MathOverflow)?;
            let price = if position > 0 { band.high } else { band.low };
            let keeper_position = keeper.trader.base_position;
            let margin = market.params.margin();
            let balance = i64::try_from(account.collateral).map_err(|_| ErrorCode::MathOverflow)?;
            let out = liquidate(
                &mut account.trader,
                balance,
                &mut keeper.trader,
                price,
                |lots| market.risk.maintenance_bps(&margin, lots),
                &market.params.liquidation(),
                qls,
            )
            .map_err(ErrorCode::from)?;
            let oi = &mut market.open_interest;
            oi.record(position, account.trader.base_position)
                .map_err(ErrorCode::from)?;
            oi.record(keeper_position, keeper.trader.base_position)
                .map_err(ErrorCode::from)?;
            require_initial_health(&market, &keeper, [band.low, band.high])?;
            // The insurance share leaves the account's equity and the collateral vault.
            to_insurance = out
                .insurance_fee
                .checked_mul(qls.get())
                .ok_or(ErrorCode::MathOverflow)?;
            log_event(&Liquidated {
                market: market_key,
                margin_account: account_key,
                keeper_account: ctx.accounts.keeper_account.key(),
                base_lots: position - account.trader.base_position,
                price: price.raw(),
                quote_lots: out.quote_lots,
                keeper_fee: out.keeper_fee,
                insurance_fee: out.insurance_fee,
                position_after: account.trader.base_position,
                orders_cancelled,
            });
        }

        let mut from_insurance = 0;
        if account.trader.is_flat() {
            settle_realised(&mut market, &mut account)?;
            let loss =
                shortfall(&account.trader, account.collateral, qls).map_err(ErrorCode::from)?;
            if loss > 0 {
                // The fee just paid in is part of the fund that pays.
                let available = insurance_before
                    .checked_add(to_insurance)
                    .ok_or(ErrorCode::MathOverflow)?;
                from_insurance = loss.min(available);
                let side = match position {
                    p if p > 0 => Some(PositionSide::Short),
                    p if p < 0 => Some(PositionSide::Long),
                    _ => None,
                };
                let oi = market.open_interest;
                let socialised = market
                    .funding
                    .socialise_over(side, loss - from_insurance, &oi)
                    .map_err(ErrorCode::from)?;
                // Made whole: what it owed is now paid by the fund and the positions charged.
                let unresolved_lots = socialised.unresolved.div_ceil(qls.get());
                market.collateral_total = market
                    .collateral_total
                    .checked_sub(account.collateral)
                    .ok_or(ErrorCode::MathOverflow)?;
                account.collateral = 0;
                account.trader.realised_pnl =
                    -i64::try_from(unresolved_lots).map_err(|_| ErrorCode::MathOverflow)?;
                log_event(&Bankruptcy {
                    market: market_key,
                    margin_account: account_key,
                    loss,
                    insurance_paid: from_insurance,
                    socialised: loss - from_insurance - socialised.unresolved,
                    socialised_long_per_lot: socialised.long_per_lot,
                    socialised_short_per_lot: socialised.short_per_lot,
                    unresolved: socialised.unresolved,
                });
            } else {
                require!(position != 0, ErrorCode::NotLiquidatable);
            }
        }
        (
            VaultFlows {
                to_insurance,
                from_insurance,
            },
            market.index,
            market.bump,
        )
    };
    move_between_vaults(ctx.accounts, &flows, index, bump)
}

/// Refuses unless the keeper's account covers its dynamic initial margin at every price in
/// `prices`.
fn require_initial_health(
    market: &Market,
    keeper: &MarginAccount,
    prices: [perp_engine::Price; 2],
) -> Result<()> {
    let lots = keeper.trader.worst_case_lots().map_err(ErrorCode::from)?;
    let im = market.initial_margin_bps(lots)?;
    let balance = i64::try_from(keeper.collateral).map_err(|_| ErrorCode::MathOverflow)?;
    for price in prices {
        let health = Health::of(&keeper.trader, balance, market.quote_lot_size(), price)
            .map_err(ErrorCode::from)?;
        require!(
            health.covers(im).map_err(ErrorCode::from)?,
            ErrorCode::KeeperUnhealthy
        );
    }
    Ok(())
}

/// Settles the net of the fee share and the bankruptcy payment in one checked transfer.
fn move_between_vaults(a: &mut Liquidate, flows: &VaultFlows, index: u16, bump: u8) -> Result<()> {
    let index_bytes = index.to_le_bytes();
    let market_seeds: &[&[u8]] = &[crate::constants::MARKET_SEED, &index_bytes, &[bump]];
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
        &[market_seeds],
        &mut a.insurance_vault,
        expected.ok_or(ErrorCode::MathOverflow)?,
    )
}
