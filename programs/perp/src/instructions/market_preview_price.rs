//! `market_preview_price`: read-only; returns (as return data) the prices an action would be
//! valued at right now, or fails with the exact error that action would get. Keepers simulate it
//! before liquidating; the app shows it beside an order. It runs the same rules as the gate
//! every instruction that consumes a price goes through (`oracle::price_for_action`), without
//! recording the publications it read.

// Glob: the nested `OracleAccounts` derive needs its generated client modules in scope.
use crate::oracle::*;
use crate::state::Market;
use anchor_lang::prelude::*;

#[derive(Accounts)]
pub struct MarketPreviewPrice<'info> {
    pub market: AccountLoader<'info, Market>,
    pub oracles: OracleAccounts<'info>,
}

pub fn handler(
    ctx: Context<MarketPreviewPrice>,
    action: PriceAction,
) -> Result<Option<ActionPrice>> {
    let market = ctx.accounts.market.load()?;
    let band = preview_price(
        &market,
        &ctx.accounts.oracles,
        &Clock::get()?,
        action.into(),
    )?;
    let preview = band.map(|b| ActionPrice {
        low: b.low.raw(),
        high: b.high.raw(),
    });
    // Anchor sets the return data through solana-cpi, which is a no-op off-chain; solana-program's
    // setter also reaches the syscall stubs of native hosts (program-test, the local cluster).
    // The deployable build leaves it to Anchor.
    #[cfg(feature = "native-host")]
    solana_program::program::set_return_data(&borsh::to_vec(&preview)?);
    Ok(preview)
}
