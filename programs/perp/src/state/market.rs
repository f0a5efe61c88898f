//! A market: its own vaults, parameters and collateral accounting. Zero-copy because later
//! capabilities (oracle config, price and funding state, open interest) make it large.

use crate::error::ErrorCode;
use crate::events::FundingPayments;
use crate::state::{MarginAccount, MarketParams, OracleConfig};
use anchor_lang::prelude::*;
use perp_engine::collateral::{OutflowWindow, WINDOW_HOURS};
use perp_engine::oracle::{Breaker, PriceBand, PriceTracker, Published, StablePrice};
use perp_engine::price::LotScale;
use perp_engine::risk::account::{AccountState, MarketRules};
use perp_engine::risk::funding::{Funding, FundingSample};
use perp_engine::risk::health::Health;
use perp_engine::risk::open_interest::OpenInterest;
use perp_engine::risk::position::Ledger;
use perp_engine::risk::state::MarketRisk;
use perp_engine::risk::trader_margin::MarginScale;
use perp_engine::trader::{FeeRates, Trader};
use perp_engine::units::SignedQuoteLots;
use perp_engine::{
    BaseLots, Bps, Price, QuoteLotsPerBaseLotPerTick, QuoteNative, QuoteNativePerQuoteLot,
};

/// Trading status of a market, in increasing strictness (the byte value is the rank).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
// Encoded by variant index, which the explicit values equal (the IDL has no custom
// discriminants); the values are what `as u8` stores.
#[borsh(use_discriminant = false)]
#[repr(u8)]
pub enum MarketStatus {
    /// Everything allowed.
    Active = 0,
    /// Only risk-reducing actions.
    ReduceOnly = 1,
    /// No deposits, new accounts or risk-increasing orders; cancels, reduce-only orders,
    /// liquidations and withdrawals of free collateral go on (nobody can trap a position).
    Paused = 2,
}

impl MarketStatus {
    /// Decodes the stored byte; an unknown value reads as `Paused` (fail closed).
    pub fn from_byte(b: u8) -> Self {
        match b {
            0 => MarketStatus::Active,
            1 => MarketStatus::ReduceOnly,
            _ => MarketStatus::Paused,
        }
    }

    /// Whether moving from `self` to `to` allows nothing new (same or stricter).
    pub fn is_tightening_to(self, to: MarketStatus) -> bool {
        to as u8 >= self as u8
    }
}

/// The market's own view of its price: the stable price and the circuit breaker, refreshed by
/// `market_update_price` (stored form of the engine's `StablePrice` and `Breaker`).
#[zero_copy]
#[derive(Debug, PartialEq, Eq)]
pub struct PriceState {
    /// Stable price (`Price` raw value); zero until the first agreeing oracle update.
    pub stable_price: u64,
    /// Unix time the stable price last moved.
    pub stable_updated_at: i64,
    /// The last aggregate of agreeing sources `market_update_price` saw (`Price` raw value).
    pub index_price: u64,
    /// Unix time of `index_price`.
    pub index_updated_at: i64,
    /// Earliest unix time an in-band observation may release the breaker.
    pub breaker_cooldown_until: i64,
    /// 1 while the breaker holds the market reduce-only.
    pub breaker_engaged: u8,
    /// Explicit padding.
    pub padding: [u8; 7],
}

impl PriceState {
    /// The stable price and breaker as the engine's type.
    pub fn tracker(&self) -> PriceTracker {
        PriceTracker {
            stable: StablePrice {
                price: Price::from_raw(self.stable_price),
                updated_at: self.stable_updated_at,
            },
            breaker: Breaker {
                engaged: self.breaker_engaged != 0,
                cooldown_until: self.breaker_cooldown_until,
            },
        }
    }

    /// Stores the engine's stable price and breaker.
    pub fn set_tracker(&mut self, t: PriceTracker) {
        self.stable_price = t.stable.price.raw();
        self.stable_updated_at = t.stable.updated_at;
        self.breaker_engaged = u8::from(t.breaker.engaged);
        self.breaker_cooldown_until = t.breaker.cooldown_until;
    }
}

/// The newest publication a market has used from each source (zero: none yet). A reading older
/// than it is refused (`SourceFault::Regressed`): within a staleness window several signed
/// updates are valid, and a caller must not pick a favourable older one.
#[zero_copy]
#[derive(Debug, PartialEq, Eq)]
pub struct OracleSeen {
    /// Pyth: the newest `publish_time` used (unix seconds).
    pub pyth_publish_time: i64,
    /// Switchboard: the newest result slot used.
    pub switchboard_slot: u64,
    /// The market price as last seen while a source was valid (`Price` raw values; the agreed
    /// aggregate, else the valid sources' range; zero: none yet): the order band's reference
    /// once every source is down.
    pub reference_low: u64,
    /// Upper end of that range.
    pub reference_high: u64,
}

impl OracleSeen {
    /// The newest stamp used of the same kind as `like` (a Pyth time or a Switchboard slot).
    pub fn newest(&self, like: Published) -> Option<Published> {
        match like {
            Published::UnixTime(_) if self.pyth_publish_time != 0 => {
                Some(Published::UnixTime(self.pyth_publish_time))
            }
            Published::Slot(_) if self.switchboard_slot != 0 => {
                Some(Published::Slot(self.switchboard_slot))
            }
            _ => None,
        }
    }

    /// The recorded reference range, if any.
    pub fn reference(&self) -> Option<PriceBand> {
        (self.reference_low != 0).then(|| PriceBand {
            low: Price::from_raw(self.reference_low),
            high: Price::from_raw(self.reference_high),
        })
    }

    /// Records `published` as used, if it is newer than what was.
    pub fn record(&mut self, published: Published) {
        match published {
            Published::UnixTime(t) => self.pyth_publish_time = self.pyth_publish_time.max(t),
            Published::Slot(s) => self.switchboard_slot = self.switchboard_slot.max(s),
        }
    }
}

/// The market PDA's seeds, owned, so a transfer can be signed after the market is unborrowed.
pub struct MarketSigner {
    index: [u8; 2],
    bump: [u8; 1],
}

impl MarketSigner {
    /// `["market", index, bump]`.
    pub fn seeds(&self) -> [&[u8]; 3] {
        [crate::constants::MARKET_SEED, &self.index, &self.bump]
    }
}

/// Net outflow of the collateral vault per clock hour (stored form of `OutflowWindow`).
#[zero_copy]
#[derive(Debug, PartialEq, Eq)]
pub struct WithdrawWindow {
    /// Hour index (unix seconds / 3600) of the newest bucket.
    pub hour: i64,
    /// Net outflow per hour, indexed by `hour % 24`.
    pub buckets: [i64; WINDOW_HOURS],
}

impl From<WithdrawWindow> for OutflowWindow {
    fn from(w: WithdrawWindow) -> Self {
        OutflowWindow {
            hour: w.hour,
            buckets: w.buckets,
        }
    }
}

impl From<OutflowWindow> for WithdrawWindow {
    fn from(w: OutflowWindow) -> Self {
        WithdrawWindow {
            hour: w.hour,
            buckets: w.buckets,
        }
    }
}

/// A perpetual market at `["market", index]`. Its vaults pay only this market's accounts.
#[account(zero_copy)]
#[derive(Debug)]
pub struct Market {
    /// The collateral (quote) mint.
    pub quote_mint: Pubkey,
    /// The token program that owns the quote mint (SPL Token or Token-2022).
    pub quote_token_program: Pubkey,
    /// This market's own collateral vault (PDA token account, authority = this market).
    pub collateral_vault: Pubkey,
    /// This market's own insurance-fund vault (PDA token account, authority = this market).
    pub insurance_vault: Pubkey,
    /// Parameters, within the program's hard bounds.
    pub params: MarketParams,
    /// Oracle sources and limits, within the program's hard bounds.
    pub oracle: OracleConfig,
    /// Sum of the collateral of all this market's margin accounts, in native quote units.
    pub collateral_total: u64,
    /// Rolling 24 h record of the collateral vault's net outflow.
    pub withdraw_window: WithdrawWindow,
    /// Stable price and circuit breaker.
    pub price: PriceState,
    /// This market's order book account.
    pub book: Pubkey,
    /// This market's event queue account.
    pub event_queue: Pubkey,
    /// The market's index (its PDA seed).
    pub index: u16,
    /// Bump of the market PDA.
    pub bump: u8,
    /// `MarketStatus` as a byte.
    pub status: u8,
    /// Decimals of the quote mint.
    pub quote_decimals: u8,
    /// Explicit padding to keep the layout free of implicit holes.
    pub padding: [u8; 3],
    /// Volatility and the ramped maintenance fraction (`market_update_risk`).
    pub risk: MarketRisk,
    /// Funding indices and the open interval's TWAP sums (`funding_update`).
    pub funding: Funding,
    /// Applied positions per side.
    pub open_interest: OpenInterest,
    /// The newest publication of each source the market has used, and the last reference.
    pub oracle_seen: OracleSeen,
    /// The last funding sample, which counts until the next (`funding_update`; zeroed, as in a
    /// market listed before it existed: none pending).
    pub funding_sample: FundingSample,
    /// Room for later fields without a migration.
    pub reserved: [u8; 200],
}
static_assertions::const_assert_eq!(
    core::mem::size_of::<Market>(),
    4 * 32 + 144 + 128 + 8 + 200 + 48 + 64 + 8 + 40 + 56 + 16 + 32 + 16 + 200
);
static_assertions::const_assert_eq!(core::mem::align_of::<Market>(), 8);

impl Market {
    /// Account size including Anchor's discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<Market>();

    /// Total collateral as the engine's typed unit.
    pub fn collateral_total(&self) -> QuoteNative {
        QuoteNative::new(self.collateral_total)
    }

    /// The status instructions obey: the governance/guardian status, tightened to ReduceOnly
    /// while the circuit breaker is engaged.
    pub fn effective_status(&self) -> MarketStatus {
        match MarketStatus::from_byte(self.status) {
            MarketStatus::Active if self.price.breaker_engaged != 0 => MarketStatus::ReduceOnly,
            status => status,
        }
    }

    /// Quote lot size as the engine's unit.
    pub fn quote_lot_size(&self) -> QuoteNativePerQuoteLot {
        QuoteNativePerQuoteLot::new(self.params.quote_lot_size)
    }

    /// Tick size as the engine's unit.
    pub fn tick_size(&self) -> QuoteLotsPerBaseLotPerTick {
        QuoteLotsPerBaseLotPerTick::new(self.params.tick_size)
    }

    /// The ledger every change of a position in this market goes through: funding settled
    /// before, open interest recorded after (`perp_engine::risk::position`).
    pub fn ledger(&mut self) -> Ledger<'_> {
        let quote_lot_size = self.quote_lot_size();
        Ledger::new(&self.funding, &mut self.open_interest, quote_lot_size)
    }

    /// The engine's view of this market's risk rules (`perp_engine::risk::account`): every
    /// margin, health, withdrawal and funding number below is computed there, once, for the
    /// program and every client.
    pub fn rules(&self) -> MarketRules {
        MarketRules {
            margin: self.params.margin(),
            risk: self.risk,
            funding: self.funding,
            funding_params: self.params.funding(),
            open_interest: self.open_interest,
            tick_size: self.tick_size(),
            quote_lot_size: self.quote_lot_size(),
            fees: FeeRates {
                maker_bps: self.params.maker_fee_bps,
                taker_bps: self.params.taker_fee_bps,
            },
        }
    }

    /// `account` as the engine's risk rules read it (collateral, trader, funding snapshot).
    pub fn account_state(account: &MarginAccount) -> AccountState {
        AccountState {
            collateral: account.collateral(),
            trader: account.trader,
            funding: account.funding,
        }
    }

    /// Settles `account`'s funding since its snapshot into its realised PnL, before its health
    /// is judged (a change of its position settles it through `ledger` instead); returns what
    /// it paid (negative: received). Pure: clients call it to see an account as the program will.
    pub fn settle_funding(&self, account: &mut MarginAccount) -> Result<SignedQuoteLots> {
        // The engine's `Funding::settle` in place (what `MarketRules::settle_funding` calls),
        // without copying the 1.6 kB trader in and out on every instruction.
        Ok(self
            .funding
            .settle(
                &mut account.trader,
                &mut account.funding,
                self.quote_lot_size(),
            )
            .map_err(ErrorCode::from)?)
    }

    /// `settle_funding` inside an instruction: also logs what `account` (at `key`) paid
    /// (`FundingPaid`) at unix time `now`.
    pub fn settle_funding_logged(
        &self,
        key: Pubkey,
        account: &mut MarginAccount,
        now: i64,
    ) -> Result<()> {
        let paid = self.settle_funding(account)?;
        let mut payments = FundingPayments::new(account.market, self.params.quote_lot_size, 1);
        payments.add(key, account.trader.base_position.get(), paid.get());
        payments.log(now);
        Ok(())
    }

    /// Moves `account`'s realised PnL into its collateral (all of a profit; of a loss what the
    /// collateral can pay, the rest stays owed) and keeps the collateral total in step.
    pub fn settle_realised(&mut self, account: &mut MarginAccount) -> Result<()> {
        let before = account.collateral;
        let after = account
            .trader
            .fold_realised(account.collateral(), self.quote_lot_size())
            .map_err(ErrorCode::from)?
            .get();
        self.collateral_total = self
            .collateral_total
            .checked_sub(before)
            .and_then(|t| t.checked_add(after))
            .ok_or(ErrorCode::MathOverflow)?;
        account.collateral = after;
        Ok(())
    }

    /// Whether anyone may cancel `account`'s orders (`order_cancel_at_risk`; funding settled):
    /// filled at their limits they would put it below maintenance at the index and at both ends
    /// of `band`, the liquidation prices (`Trader::orders_breach_maintenance`).
    pub fn orders_at_risk(&self, account: &MarginAccount, band: PriceBand) -> Result<bool> {
        Ok(self
            .rules()
            .orders_at_risk(&account.trader, account.collateral(), band)
            .map_err(ErrorCode::from)?)
    }

    /// Debits `amount` from `account` (funding and realised PnL settled) for a payout from the
    /// collateral vault holding `vault_before`: refused beyond its collateral, beyond `free` (what
    /// its margin leaves, `withdrawable`) and beyond the rolling 24-hour outflow limit, which
    /// bounds how fast any vault can be drained whoever withdraws. Every payout to an owner goes
    /// through here (`collateral_withdraw`, and `margin_account_close` for what is left).
    /// Returns the account's collateral after.
    pub fn pay_out(
        &mut self,
        account: &mut MarginAccount,
        amount: QuoteNative,
        free: QuoteNative,
        vault_before: u64,
        now: i64,
    ) -> Result<u64> {
        let before = perp_engine::collateral::Balances {
            account: account.collateral(),
            market_total: self.collateral_total(),
        };
        let after = perp_engine::collateral::withdraw(before, amount).map_err(ErrorCode::from)?;
        require!(amount <= free, ErrorCode::WithdrawalBreaksInitialMargin);
        let mut window: OutflowWindow = self.withdraw_window.into();
        window
            .record_outflow(
                now,
                amount,
                QuoteNative::new(vault_before),
                self.params.withdraw_limit_bps,
            )
            .map_err(ErrorCode::from)?;
        self.withdraw_window = window.into();
        self.collateral_total = after.market_total.get();
        account.collateral = after.account.get();
        Ok(account.collateral)
    }

    /// The initial margin fraction (bps) for a worst-case exposure of `lots` now: base × size ×
    /// volatility, raised toward 100% as open interest nears its hard cap.
    pub fn initial_margin_bps(&self, lots: BaseLots) -> Result<Bps> {
        Ok(self
            .rules()
            .initial_margin_bps(lots)
            .map_err(ErrorCode::from)?)
    }

    /// What initial margin is checked against for `trader` now: this market's sizes and the
    /// dynamic fraction for the trader's worst-case exposure.
    pub fn margin_scale(&self, trader: &Trader) -> Result<MarginScale> {
        Ok(self.rules().margin_scale(trader).map_err(ErrorCode::from)?)
    }

    /// What a keeper's account is checked against after a liquidation (`keeper_initial_bps`:
    /// neither open interest nor volatility beyond what maintenance already follows).
    pub fn keeper_margin_scale(&self, trader: &Trader) -> Result<MarginScale> {
        Ok(self
            .rules()
            .keeper_margin_scale(trader)
            .map_err(ErrorCode::from)?)
    }

    /// `account` valued at `price` (its funding already settled).
    pub fn health(&self, account: &MarginAccount, price: Price) -> Result<Health> {
        Ok(self
            .rules()
            .health(&account.trader, account.collateral(), price)
            .map_err(ErrorCode::from)?)
    }

    /// What `account` (funding and realised PnL settled) may withdraw: what initial margin leaves
    /// at both ends of `band` (the increase-risk prices) once what its resting orders could cost
    /// is set aside, or all realised equity when flat (`band` then unused, may be `None`).
    pub fn withdrawable(
        &self,
        account: &MarginAccount,
        band: Option<PriceBand>,
    ) -> Result<QuoteNative> {
        let (low, high) = match band {
            _ if account.trader.is_flat() => (Price::ZERO, Price::ZERO),
            Some(band) => (band.low, band.high),
            None => return err!(ErrorCode::OracleNoValidSource),
        };
        Ok(self
            .rules()
            .withdrawable(&account.trader, account.collateral(), low, high)
            .map_err(ErrorCode::from)?)
    }

    /// The market PDA's signer seeds (it is the authority of both vaults).
    pub fn signer(&self) -> MarketSigner {
        MarketSigner {
            index: self.index.to_le_bytes(),
            bump: [self.bump],
        }
    }

    /// Replaces the market's parameters at `now` (a council tightening or an executed governance
    /// change). The risk state is rebased onto the old parameters first, so a higher listed
    /// maintenance margin ramps up from the maintenance in force instead of applying at once
    /// (`MarketRisk::rebase`); every path that changes parameters goes through here.
    pub fn set_params(&mut self, params: MarketParams, now: i64) -> Result<()> {
        self.risk
            .rebase(now, &self.params.margin())
            .map_err(ErrorCode::from)?;
        self.params = params;
        Ok(())
    }

    /// The parameter–oracle rules (`require_consistent`) against the maintenance margin in
    /// force, which lags a raised listed margin while it ramps: a band or liquidation discount
    /// chosen to fit the new listed margin must also fit the one liquidations use today.
    pub fn require_consistent_now(&self) -> Result<()> {
        let in_force = self
            .risk
            .market_maintenance_bps(&self.params.margin())
            .map_err(ErrorCode::from)?
            .min(Bps::from_u32(self.params.maintenance_margin_bps));
        let params = MarketParams {
            maintenance_margin_bps: u32::try_from(in_force.get())
                .map_err(|_| ErrorCode::MathOverflow)?,
            ..self.params
        };
        crate::state::require_consistent(&params, &self.oracle)
    }

    /// The maintenance fraction (bps) for a position of `lots` now (ramped, with size premium).
    pub fn maintenance_margin_bps(&self, lots: BaseLots) -> Result<Bps> {
        Ok(self
            .rules()
            .maintenance_margin_bps(lots)
            .map_err(ErrorCode::from)?)
    }

    /// How this market's lots relate to whole units, for reading external prices.
    pub fn lot_scale(&self) -> Result<LotScale> {
        Ok(LotScale {
            base_lot_size: self.params.base_lot_size,
            base_decimals: u8::try_from(self.params.base_decimals)
                .map_err(|_| ErrorCode::InvalidBaseDecimals)?,
            quote_decimals: self.quote_decimals,
        })
    }
}
