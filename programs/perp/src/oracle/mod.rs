//! The program's side of oracle aggregation: which accounts an instruction must pass, and turning
//! them into graded sources for the engine. Account faults (owner, type, feed, verification) make
//! a source invalid; passing an account other than the configured one is the caller's error.

pub mod pyth;
pub mod switchboard;

use crate::error::ErrorCode;
use crate::state::{Market, MarketStatus};
use anchor_lang::prelude::*;
use perp_engine::oracle::{
    Action, Graded, MAX_SOURCES, Now, OracleError, OrderBand, PriceBand, Published, SourceFault,
    SourceReading, order_band, price_for, reference_range,
};

/// The oracle accounts of a market, passed to every instruction that needs a price. Each is
/// optional only when the market does not configure that source; a configured one must be passed
/// (otherwise a liquidator could drop the source most favourable to the account).
#[derive(Accounts)]
pub struct OracleAccounts<'info> {
    /// CHECK: must equal the market's `oracle.pyth_price_update`; decoded by `pyth::read`.
    pub pyth_price_update: Option<UncheckedAccount<'info>>,
    /// CHECK: must equal the market's `oracle.switchboard_feed`; decoded by `switchboard::read`.
    pub switchboard_feed: Option<UncheckedAccount<'info>>,
}

/// A source's reading, or why its account could not be read.
pub type Reading = core::result::Result<SourceReading, SourceFault>;

/// The configured sources, graded, in configuration order (Pyth, then Switchboard).
pub struct GradedSources {
    graded: [Graded; MAX_SOURCES],
    /// When each valid source's reading was published (what the market records as used).
    published: [Option<Published>; MAX_SOURCES],
    len: usize,
}

impl GradedSources {
    /// Grades `readings` (named, in configuration order) against `market`'s limits at `now`,
    /// telling `refused` which source was refused and why. Clients call this with the accounts
    /// they fetched, so they price exactly as the program.
    pub fn grade<'a>(
        market: &Market,
        readings: impl IntoIterator<Item = (&'a str, Reading)>,
        now: Now,
        mut refused: impl FnMut(&str, SourceFault),
    ) -> Result<Self> {
        let scale = market.lot_scale()?;
        let limits = market.oracle.source_limits();
        let mut sources = GradedSources {
            graded: [Err(SourceFault::WrongAccountType); MAX_SOURCES],
            published: [None; MAX_SOURCES],
            len: 0,
        };
        for (name, reading) in readings.into_iter().take(MAX_SOURCES) {
            // Graded first (a stale print reads as stale), then refused if the market has
            // already used a newer one.
            let graded = reading.and_then(|r| {
                let price = r.grade(limits, now, scale)?;
                r.not_older_than(market.oracle_seen.newest(r.published))?;
                Ok(price)
            });
            match graded {
                Err(fault) => refused(name, fault),
                Ok(_) => sources.published[sources.len] = reading.ok().map(|r| r.published),
            }
            sources.graded[sources.len] = graded;
            sources.len += 1;
        }
        Ok(sources)
    }

    /// Remembers, per source, the newest publication used (so an older one is refused later),
    /// and, while any source is valid, the market price as far as it can be trusted (the agreed
    /// aggregate, else the valid sources' range): the order band's reference once every source
    /// is down. A lone or disagreeing print counts, so a crash only one source shows is not
    /// forgotten in favour of an older agreed price.
    pub fn record_used(&self, market: &mut Market) -> Result<()> {
        for published in self.published[..self.len].iter().flatten() {
            market.oracle_seen.record(*published);
        }
        let reference = reference_range(self.all(), market.oracle.max_deviation_bps)
            .map_err(ErrorCode::from)?;
        if let Some(r) = reference {
            market.oracle_seen.reference_low = r.low.raw();
            market.oracle_seen.reference_high = r.high.raw();
        }
        Ok(())
    }

    /// The band every order must lie in now (the engine's `order_band`).
    pub fn order_band(&self, market: &Market) -> core::result::Result<OrderBand, OracleError> {
        order_band(
            self.all(),
            market.price.tracker().stable.get(),
            market.oracle_seen.reference(),
            market.oracle.max_deviation_bps,
            market.oracle.breaker_band_bps,
        )
    }

    /// Every configured source's grade.
    pub fn all(&self) -> &[Graded] {
        &self.graded[..self.len]
    }

    /// The engine's verdict for `action` over these sources and `market`'s stable price.
    pub fn band(
        &self,
        market: &Market,
        action: Action,
    ) -> core::result::Result<Option<PriceBand>, perp_engine::oracle::OracleError> {
        price_for(
            action,
            self.all(),
            market.price.tracker().stable.get(),
            market.oracle.price_rules(),
        )
    }
}

/// Checks that `passed` is the configured account, or absent when nothing is configured (the
/// default key is the system program's, so it must never match "not configured").
fn configured<'a, 'info>(
    configured: Pubkey,
    passed: &'a Option<UncheckedAccount<'info>>,
) -> Result<Option<&'a AccountInfo<'info>>> {
    let is_configured = configured != Pubkey::default();
    match passed {
        None if is_configured => err!(ErrorCode::MissingOracleAccount),
        None => Ok(None),
        Some(acc) if is_configured && acc.key() == configured => Ok(Some(acc.as_ref())),
        Some(_) => err!(ErrorCode::WrongOracleAccount),
    }
}

impl<'info> OracleAccounts<'info> {
    /// Reads and grades every source `market` configures against the bank clock.
    pub fn grade(&self, market: &Market, clock: &Clock) -> Result<GradedSources> {
        let cfg = &market.oracle;
        let now = Now {
            unix_time: clock.unix_timestamp,
            slot: clock.slot,
        };
        let pyth = configured(cfg.pyth_price_update, &self.pyth_price_update)?
            .map(|info| ("pyth", pyth::read(info, &cfg.pyth_feed_id)));
        let switchboard = configured(cfg.switchboard_feed, &self.switchboard_feed)?
            .map(|info| ("switchboard", switchboard::read(info)));
        let sources = [pyth, switchboard].into_iter().flatten();
        // Keepers and users see which source was refused and why.
        GradedSources::grade(market, sources, now, |name, fault| {
            msg!("oracle {} unusable: {:?}", name, fault)
        })
    }
}

/// An instruction's action class, as clients name it (the engine's `Action`).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PriceAction {
    /// Open or increase a position, place a risk-increasing order, withdraw.
    IncreaseRisk,
    /// Reduce a position, cancel, deposit.
    ReduceRisk,
    /// Liquidate an account.
    Liquidate,
    /// Sample the index for funding.
    Funding,
}

impl From<PriceAction> for Action {
    fn from(a: PriceAction) -> Self {
        match a {
            PriceAction::IncreaseRisk => Action::IncreaseRisk,
            PriceAction::ReduceRisk => Action::ReduceRisk,
            PriceAction::Liquidate => Action::Liquidate,
            PriceAction::Funding => Action::Funding,
        }
    }
}

/// The prices an action may use (`Price` raw values); see the engine's `PriceBand` for which end
/// applies to which side.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActionPrice {
    /// Lower end.
    pub low: u64,
    /// Upper end.
    pub high: u64,
}

/// New risk needs an `Active` market (not paused, not reduce-only, breaker not engaged).
fn require_active_for(market: &Market, action: Action) -> Result<()> {
    if action == Action::IncreaseRisk {
        require!(
            market.effective_status() == MarketStatus::Active,
            ErrorCode::MarketNotActive
        );
    }
    Ok(())
}

/// Grades `market`'s sources, records the publications used, and gates `action`: the market's
/// status for risk-increasing actions, then the per-action oracle rule. Account faults are the
/// outer error, the oracle rules' verdict the inner result.
fn engine_band(
    market: &mut Market,
    oracles: &OracleAccounts,
    clock: &Clock,
    action: Action,
) -> Result<core::result::Result<Option<PriceBand>, OracleError>> {
    require_active_for(market, action)?;
    let sources = oracles.grade(market, clock)?;
    sources.record_used(market)?;
    Ok(sources.band(market, action))
}

/// The one gate every price-consuming instruction goes through: the market's status for
/// risk-increasing actions, then the per-action oracle rule over freshly read sources (whose
/// publications the market records as used). `None`: the action needs no price (the oracle
/// accounts are not even read).
pub fn price_for_action(
    market: &mut Market,
    oracles: &OracleAccounts,
    clock: &Clock,
    action: Action,
) -> Result<Option<PriceBand>> {
    if action == Action::ReduceRisk {
        return Ok(None);
    }
    Ok(engine_band(market, oracles, clock, action)?.map_err(ErrorCode::from)?)
}

/// What `price_for_action` would answer, without recording anything (`market_preview_price`).
pub fn preview_price(
    market: &Market,
    oracles: &OracleAccounts,
    clock: &Clock,
    action: Action,
) -> Result<Option<PriceBand>> {
    if action == Action::ReduceRisk {
        return Ok(None);
    }
    require_active_for(market, action)?;
    Ok(oracles
        .grade(market, clock)?
        .band(market, action)
        .map_err(ErrorCode::from)?)
}

/// `price_for_action` for an action that always prices (increase risk, liquidate, funding).
pub fn price_band(
    market: &mut Market,
    oracles: &OracleAccounts,
    clock: &Clock,
    action: Action,
) -> Result<PriceBand> {
    Ok(price_for_action(market, oracles, clock, action)?.ok_or(ErrorCode::OracleNoValidSource)?)
}

/// The price `action` may use now, or `None` when the oracle rules refuse one (stale, uncertain
/// or disagreeing sources) — for cranks that skip rather than fail. Account faults (a wrong or
/// missing oracle account) still fail: they are the caller's error, not the market's state.
pub fn agreed_price(
    market: &mut Market,
    oracles: &OracleAccounts,
    clock: &Clock,
    action: Action,
) -> Result<Option<perp_engine::Price>> {
    Ok(engine_band(market, oracles, clock, action)?
        .ok()
        .flatten()
        .map(|band| band.low))
}

/// The prices an order is judged by: the band it must lie in (always; reduce-only orders and
/// oracle outages included) and, unless it is reduce-only, the increase-risk range its margin
/// is checked over (which needs the market Active and fresh agreeing sources inside the
/// breaker band).
pub struct OrderPrices {
    /// The order band and its reference.
    pub band: OrderBand,
    /// The increase-risk range, `None` for a reduce-only order.
    pub increase: Option<PriceBand>,
}

/// Reads `market`'s sources once and builds an order's prices (see `OrderPrices`).
pub fn order_prices(
    market: &mut Market,
    oracles: &OracleAccounts,
    clock: &Clock,
    reduce_only: bool,
) -> Result<OrderPrices> {
    let action = if reduce_only {
        Action::ReduceRisk
    } else {
        Action::IncreaseRisk
    };
    require_active_for(market, action)?;
    let sources = oracles.grade(market, clock)?;
    sources.record_used(market)?;
    let increase = sources.band(market, action).map_err(ErrorCode::from)?;
    let band = sources.order_band(market).map_err(ErrorCode::from)?;
    Ok(OrderPrices { band, increase })
}
