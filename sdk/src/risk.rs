//! The numbers a trader watches and a keeper acts on, computed by the program's own `Market`
//! methods and the engine (nothing re-implemented here): health and margin at a price, whether
//! `liquidate` would accept the account, its liquidation price, and what it may withdraw.

use perp::state::{MarginAccount, Market};
use perp_engine::book::order::BookError;
use perp_engine::book::{MarketEventQueue, OneMaker, consume_events};
use perp_engine::oracle::PriceBand;
use perp_engine::{Price, QuoteNative, error::MathError};
use solana_sdk::pubkey::Pubkey;

/// Why a risk number could not be computed (only overflow on absurd account states).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RiskError {
    #[error("program arithmetic: {0}")]
    Program(String),
    #[error("engine arithmetic: {0:?}")]
    Math(MathError),
    #[error("engine book: {0:?}")]
    Book(BookError),
}

impl From<anchor_lang::error::Error> for RiskError {
    fn from(e: anchor_lang::error::Error) -> Self {
        RiskError::Program(e.to_string())
    }
}

impl From<BookError> for RiskError {
    fn from(e: BookError) -> Self {
        RiskError::Book(e)
    }
}

impl From<MathError> for RiskError {
    fn from(e: MathError) -> Self {
        RiskError::Math(e)
    }
}

/// `account` as the program sees it once its funding is settled (every risk decision starts so).
pub fn settled(market: &Market, account: &MarginAccount) -> Result<MarginAccount, RiskError> {
    let mut copy = *account;
    market.settle_funding(&mut copy)?;
    Ok(copy)
}

/// `account` (at `key`) with its funding settled and then its own fills and outs waiting in
/// `queue` settled into it, in queue order: what `liquidate` judges (it settles them first, so
/// a fill queued at a stale price counts against the account at once).
pub fn with_own_events(
    market: &Market,
    key: &Pubkey,
    account: &MarginAccount,
    queue: &MarketEventQueue,
) -> Result<MarginAccount, RiskError> {
    let mut copy = settled(market, account)?;
    let mut queue = Box::new(*queue);
    let mut own = OneMaker {
        key: key.to_bytes(),
        trader: &mut copy.trader,
    };
    consume_events(&mut queue, &mut own, usize::MAX, market.tick_size())?;
    Ok(copy)
}

/// The margin accounts with fills or outs still waiting in `queue` (each once): the accounts
/// `with_own_events` changes.
pub fn queued_makers(queue: &MarketEventQueue) -> std::collections::HashSet<Pubkey> {
    (0..queue.len())
        .filter_map(|i| queue.get(i))
        .filter(|e| !e.is_settled())
        .map(|e| Pubkey::new_from_array(e.maker))
        .collect()
}

/// An account's risk at one price: the engine's `AccountRisk` (equity, maintenance surplus,
/// liquidation price, shortfall, margin ratio; its fields read through), computed by the
/// engine's `MarketRules` on the market's own rules (`Market::rules`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountRisk(pub perp_engine::risk::account::AccountRisk);

impl core::ops::Deref for AccountRisk {
    type Target = perp_engine::risk::account::AccountRisk;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl AccountRisk {
    /// `account` valued at `price` (funding settled first).
    pub fn at(market: &Market, account: &MarginAccount, price: Price) -> Result<Self, RiskError> {
        Ok(Self(
            market
                .rules()
                .account_risk(&Market::account_state(account), price)?,
        ))
    }

    /// Whether `liquidate` accepts `account` at `band` (its liquidation prices): a position
    /// below maintenance at the price most favourable to it, or a flat account with debt.
    pub fn liquidatable(
        market: &Market,
        account: &MarginAccount,
        band: PriceBand,
    ) -> Result<Option<Self>, RiskError> {
        Ok(market
            .rules()
            .liquidatable(&Market::account_state(account), band)?
            .map(Self))
    }
}

/// Whether `order_cancel_at_risk` accepts `account` at `band` (the liquidation prices): its
/// orders, filled at their limits, would put it below maintenance (`Market::orders_at_risk`).
pub fn orders_at_risk(
    market: &Market,
    account: &MarginAccount,
    band: PriceBand,
) -> Result<bool, RiskError> {
    Ok(market.orders_at_risk(&settled(market, account)?, band)?)
}

/// Native units `account` may withdraw now, given the increase-risk band (`None` is fine for a
/// flat account), exactly as `collateral_withdraw` computes it (before the market's daily
/// outflow limit, which applies on top).
pub fn withdrawable(
    market: &Market,
    account: &MarginAccount,
    band: Option<PriceBand>,
) -> Result<QuoteNative, RiskError> {
    let mut market = *market;
    let mut account = settled(&market, account)?;
    market.settle_realised(&mut account)?;
    Ok(market.withdrawable(&account, band)?)
}

/// One market's token conservation, from its accounts and vault balance. The collateral vault
/// must hold every account's claim — collateral plus net trading cash flow (realised PnL, fees,
/// liquidation fees) less funding and socialised losses not yet settled — plus the fees the
/// book kept, plus rounding dust that only ever favours the vault. Exact only with the event
/// queue drained (a queued fill is half applied).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conservation {
    /// The market's running collateral total, and the sum over its accounts.
    pub collateral_total: i128,
    pub collateral_sum: i128,
    /// What the accounts may claim, native units.
    pub claims: i128,
    /// Fees the book kept, native units.
    pub book_fees: i128,
    pub vault: i128,
}

impl Conservation {
    pub fn of(
        market: &Market,
        accounts: &[MarginAccount],
        vault: u64,
        book_fees_quote_lots: i64,
    ) -> Result<Self, RiskError> {
        let qls = i128::from(market.params.quote_lot_size);
        let (mut collateral_sum, mut claims) = (0i128, 0i128);
        for account in accounts {
            collateral_sum += i128::from(account.collateral);
            // Funding settled on a copy, exactly as the program will.
            let settled = settled(market, account)?;
            claims +=
                i128::from(settled.collateral) + i128::from(settled.trader.cash_flow()?) * qls;
        }
        Ok(Conservation {
            collateral_total: i128::from(market.collateral_total),
            collateral_sum,
            claims,
            book_fees: i128::from(book_fees_quote_lots) * qls,
            vault: i128::from(vault),
        })
    }

    /// What the vault holds beyond every claim (negative: tokens are missing).
    pub fn dust(&self) -> i128 {
        self.vault - self.claims - self.book_fees
    }

    /// The market's total matches its accounts and the vault is never short.
    pub fn holds(&self) -> bool {
        self.collateral_total == self.collateral_sum && self.dust() >= 0
    }
}
