//! Test vectors for clients that show the engine's numbers (the web app's margin, health,
//! liquidation price and withdrawable amount must equal the program's): deterministic inputs
//! and the engine's outputs, written to `app/vectors/engine.json`.
//!
//! The committed file must be what the engine computes now, so a change to the math that is
//! not carried to the clients fails here. After an intended change, regenerate it with
//! `UPDATE_VECTORS=1 cargo test -p perp-engine --test vectors`.
//!
//! Every integer is a decimal string (equity and exposure are 128-bit, beyond JSON numbers);
//! an output the engine refuses to compute (overflow) is `"error"`.

use perp_engine::error::MathError;
use perp_engine::oracle::{
    Action, Graded, Now, OracleError, PriceBand, PriceRules, Published, SourceFault, SourceLimits,
    agreed_price, price_for,
};
use perp_engine::price::LotScale;
use perp_engine::price::ScaledQuote;
use perp_engine::risk::account::{AccountState, MarketRules, OrderIntent};
use perp_engine::risk::funding::{Funding, FundingParams, FundingSnapshot};
use perp_engine::risk::health::Health;
use perp_engine::risk::liquidation::liquidation_price;
use perp_engine::risk::margin::MarginParams;
use perp_engine::risk::open_interest::OpenInterest;
use perp_engine::risk::state::MarketRisk;
use perp_engine::risk::volatility::Volatility;
use perp_engine::side::Side;
use perp_engine::trader::{FeeRates, Trader};
use perp_engine::{
    BaseLots, Price, QuoteLotsPerBaseLotPerTick, QuoteNative, QuoteNativePerQuoteLot, Ticks,
};
use perp_engine::{Bps, QuoteLots, SignedBaseLots, SignedQuoteLots};
use rand::{Rng as _, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt::Display;
use std::path::PathBuf;

const CASES: usize = 200;

/// A seeded generator, so the file only changes with the math.
struct Rng(ChaCha8Rng);

impl Rng {
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        self.0.random_range(lo..=hi)
    }

    fn signed(&mut self, magnitude: u64) -> i64 {
        let v = self.range(0, magnitude) as i64;
        if self.0.random_bool(0.5) { v } else { -v }
    }

    fn pick(&mut self, options: &[u64]) -> u64 {
        options[self.0.random_range(0..options.len())]
    }
}

fn s(v: impl Display) -> String {
    format!("\"{v}\"")
}

fn out<T: Display>(r: Result<T, MathError>) -> String {
    r.map_or_else(|_| s("error"), s)
}

fn object(fields: &[(&str, String)]) -> String {
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("\"{k}\": {v}"))
        .collect();
    format!("{{{}}}", body.join(", "))
}

fn margin_params(rng: &mut Rng) -> MarginParams {
    let initial = rng.range(500, 3_000);
    let soft = rng.range(1_000, 100_000);
    MarginParams {
        initial_margin_bps: Bps::new(initial),
        maintenance_margin_bps: Bps::new(initial / 2),
        size_premium_bps: Bps::new(rng.pick(&[0, 250, 1_000, 2_000])),
        size_unit_lots: BaseLots::new(rng.pick(&[0, 100, 1_000])),
        reference_vol_bps: Bps::new(rng.range(50, 200)),
        max_vol_multiplier_bps: Bps::new(rng.range(10_000, 40_000)),
        vol_time_constant_secs: 600,
        oi_soft_cap_lots: BaseLots::new(soft),
        oi_hard_cap_lots: BaseLots::new(soft * 2),
        maintenance_ramp_bps_per_hour: Bps::new(100),
    }
}

fn params_json(p: &MarginParams) -> String {
    object(&[
        ("initialMarginBps", s(p.initial_margin_bps)),
        ("maintenanceMarginBps", s(p.maintenance_margin_bps)),
        ("sizePremiumBps", s(p.size_premium_bps)),
        ("sizeUnitLots", s(p.size_unit_lots)),
        ("referenceVolBps", s(p.reference_vol_bps)),
        ("maxVolMultiplierBps", s(p.max_vol_multiplier_bps)),
        ("oiSoftCapLots", s(p.oi_soft_cap_lots)),
        ("oiHardCapLots", s(p.oi_hard_cap_lots)),
    ])
}

/// Margin fractions: size and volatility multipliers, initial (with open interest) and
/// maintenance.
fn margin_case(rng: &mut Rng) -> String {
    let p = margin_params(rng);
    let lots = BaseLots::new(rng.range(0, 100_000));
    let vol = Bps::new(rng.range(0, 800));
    let oi = BaseLots::new(rng.range(0, p.oi_hard_cap_lots.get() * 6 / 5));
    let market_bps = Bps::new(rng.range(
        p.maintenance_margin_bps.get(),
        2 * p.maintenance_margin_bps.get(),
    ));
    object(&[
        ("params", params_json(&p)),
        (
            "input",
            object(&[
                ("lots", s(lots)),
                ("volBps", s(vol)),
                ("oiLots", s(oi)),
                ("marketMaintenanceBps", s(market_bps)),
            ]),
        ),
        (
            "output",
            object(&[
                ("sizeMultiplierBps", out(p.size_multiplier_bps(lots))),
                ("volMultiplierBps", out(p.vol_multiplier_bps(vol))),
                ("initialBps", out(p.initial_bps(lots, vol, oi))),
                ("maintenanceTargetBps", out(p.maintenance_target_bps(vol))),
                ("maintenanceBps", out(p.maintenance_bps(market_bps, lots))),
            ]),
        ),
    ])
}

/// An account valued at a price: equity, unrealised PnL, exposure, and what initial and
/// maintenance margin leave.
fn health_case(rng: &mut Rng) -> String {
    let mut t: Trader = bytemuck::Zeroable::zeroed();
    let entry_ticks = rng.range(1, 200_000) as i64;
    t.base_position = SignedBaseLots::new(rng.signed(50_000));
    t.quote_entry = SignedQuoteLots::new(t.base_position.get() * entry_ticks);
    t.realised_pnl = SignedQuoteLots::new(rng.signed(5_000_000));
    let bids = rng.range(1, 20_000);
    t.bids_base_lots = BaseLots::new(rng.pick(&[0, bids]));
    t.bids_quote_lots = QuoteLots::new(t.bids_base_lots.get() * rng.range(1, 200_000));
    let asks = rng.range(1, 20_000);
    t.asks_base_lots = BaseLots::new(rng.pick(&[0, asks]));
    t.asks_quote_lots = QuoteLots::new(t.asks_base_lots.get() * rng.range(1, 200_000));
    let balance = rng.range(0, 2_000_000_000) as i64 - 100_000_000;
    let quote_lot_size = rng.pick(&[1, 10, 100]);
    let price = rng.range(1, 20_000_000_000);
    let (initial_bps, maintenance_bps) = (rng.range(500, 3_000), rng.range(250, 1_500));
    let health = Health::of(
        &t,
        balance,
        QuoteNativePerQuoteLot::new(quote_lot_size),
        Price::from_raw(price),
    );
    let output = match health {
        Err(_) => s("error"),
        Ok(h) => object(&[
            ("equity", s(h.equity)),
            ("unrealised", s(h.unrealised)),
            ("exposure", s(h.exposure)),
            ("exposureLots", s(h.exposure_lots)),
            ("coversInitial", out(h.covers(Bps::new(initial_bps)))),
            (
                "maintenanceSurplus",
                out(h.surplus(Bps::new(maintenance_bps))),
            ),
            ("withdrawable", out(h.withdrawable(Bps::new(initial_bps)))),
        ]),
    };
    object(&[
        (
            "input",
            object(&[
                ("basePosition", s(t.base_position.get())),
                ("quoteEntry", s(t.quote_entry.get())),
                ("realisedPnl", s(t.realised_pnl.get())),
                ("bidsBaseLots", s(t.bids_base_lots.get())),
                ("bidsQuoteLots", s(t.bids_quote_lots.get())),
                ("asksBaseLots", s(t.asks_base_lots.get())),
                ("asksQuoteLots", s(t.asks_quote_lots.get())),
                ("balance", s(balance)),
                ("quoteLotSize", s(quote_lot_size)),
                ("price", s(price)),
                ("initialBps", s(initial_bps)),
                ("maintenanceBps", s(maintenance_bps)),
            ]),
        ),
        ("output", output),
    ])
}

/// The price at which a position reaches maintenance (`null`: flat or never).
fn liquidation_case(rng: &mut Rng) -> String {
    let position = rng.signed(50_000);
    // One case in twenty is beyond 128-bit arithmetic, where the engine refuses.
    let equity_ex = if rng.range(0, 19) == 0 {
        i128::MAX / 3
    } else {
        i128::from(rng.signed(1 << 62)) * i128::from(rng.range(1, 1_000))
    };
    let maintenance_bps = rng.range(100, 5_000);
    let output = match liquidation_price(
        position,
        ScaledQuote::new(equity_ex),
        Bps::new(maintenance_bps),
    ) {
        Ok(Some(p)) => s(p.raw()),
        Ok(None) => "null".to_string(),
        Err(_) => s("error"),
    };
    object(&[
        (
            "input",
            object(&[
                ("position", s(position)),
                ("equityExPosition", s(equity_ex)),
                ("maintenanceBps", s(maintenance_bps)),
            ]),
        ),
        ("output", object(&[("price", output)])),
    ])
}

/// `Some(v)` as a decimal string, `None` as `null`, a refusal as `"error"`.
fn opt<T: Display>(r: Result<Option<T>, MathError>) -> String {
    match r {
        Ok(Some(v)) => s(v),
        Ok(None) => "null".to_string(),
        Err(_) => s("error"),
    }
}

/// A market's rules as a client decodes them: its parameters by their names in the app's
/// generated `MarketParams`, and its stored risk, funding and open-interest state.
fn market_json(r: &MarketRules) -> String {
    let m = &r.margin;
    let f = &r.funding;
    object(&[
        (
            "params",
            object(&[
                ("initialMarginBps", s(m.initial_margin_bps)),
                ("maintenanceMarginBps", s(m.maintenance_margin_bps)),
                ("sizePremiumBps", s(m.size_premium_bps)),
                ("sizeUnitLots", s(m.size_unit_lots)),
                ("referenceVolBps", s(m.reference_vol_bps)),
                ("maxVolMultiplierBps", s(m.max_vol_multiplier_bps)),
                ("volTimeConstantSecs", s(m.vol_time_constant_secs)),
                ("oiSoftCapLots", s(m.oi_soft_cap_lots)),
                ("oiHardCapLots", s(m.oi_hard_cap_lots)),
                (
                    "maintenanceRampBpsPerHour",
                    s(m.maintenance_ramp_bps_per_hour),
                ),
                ("tickSize", s(r.tick_size.get())),
                ("quoteLotSize", s(r.quote_lot_size.get())),
                ("makerFeeBps", s(r.fees.maker_bps)),
                ("takerFeeBps", s(r.fees.taker_bps)),
                ("fundingIntervalSecs", s(r.funding_params.interval_secs)),
                ("fundingMaxRateBps", s(r.funding_params.max_rate_bps)),
            ]),
        ),
        (
            "risk",
            object(&[
                (
                    "vol",
                    object(&[
                        ("lastPrice", s(r.risk.vol.last_price)),
                        ("lastAt", s(r.risk.vol.last_at)),
                        ("varianceE18", s(r.risk.vol.variance_e18)),
                    ]),
                ),
                ("maintenanceBps", s(r.risk.maintenance_bps)),
                ("updatedAt", s(r.risk.updated_at)),
            ]),
        ),
        (
            "funding",
            object(&[
                ("longIndex", s(f.long_index)),
                ("shortIndex", s(f.short_index)),
                ("intervalStart", s(f.interval_start)),
                ("lastSampleAt", s(f.last_sample_at)),
                ("premiumSum", s(f.premium_sum)),
                ("indexSum", s(f.index_sum)),
                ("sampledSecs", s(f.sampled_secs)),
            ]),
        ),
        (
            "openInterest",
            object(&[
                ("longLots", s(r.open_interest.long_lots)),
                ("shortLots", s(r.open_interest.short_lots)),
            ]),
        ),
    ])
}

/// A market with random rules: quote lots of 1, 10 or 100 native, fees that round, a risk
/// state and funding (settled indices and an open interval) that move the numbers.
fn market_rules(rng: &mut Rng) -> MarketRules {
    let index = rng.range(1_000, 5_000_000_000);
    let secs = rng.pick(&[0, 60, 1_800, 3_600]);
    let cap = index / 100;
    let premium = rng.signed(cap);
    MarketRules {
        margin: margin_params(rng),
        risk: MarketRisk {
            vol: Volatility {
                last_price: index,
                last_at: 1_000,
                variance_e18: rng.range(0, 100_000_000_000),
            },
            maintenance_bps: Bps::new(rng.range(200, 2_000)),
            updated_at: rng.pick(&[0, 1_000]) as i64,
        },
        funding: Funding {
            long_index: rng.signed(50_000_000),
            short_index: rng.signed(50_000_000),
            interval_start: 1_000,
            last_sample_at: 1_000,
            premium_sum: premium * secs as i64,
            index_sum: index * secs,
            sampled_secs: secs,
        },
        funding_params: FundingParams {
            interval_secs: 3_600,
            max_rate_bps: Bps::new(rng.range(10, 100)),
            max_backfill_intervals: 0,
        },
        open_interest: OpenInterest {
            long_lots: rng.range(0, 150_000),
            short_lots: rng.range(0, 150_000),
        },
        tick_size: QuoteLotsPerBaseLotPerTick::new(rng.pick(&[1, 10, 100])),
        quote_lot_size: QuoteNativePerQuoteLot::new(rng.pick(&[1, 10, 100])),
        fees: FeeRates {
            maker_bps: rng.signed(3) as i32,
            taker_bps: rng.range(3, 10) as i32,
        },
    }
}

/// One account of a random market: its risk at a price with funding settled, what it may
/// withdraw there, the market's funding rate, and an order's preview (fee in whole quote lots).
fn account_case(rng: &mut Rng) -> String {
    let rules = market_rules(rng);
    let mut trader: Trader = bytemuck::Zeroable::zeroed();
    let entry_ticks = rng.range(1, 20_000) as i64;
    let lots = rng.range(1, 50_000) as i64;
    trader.base_position = SignedBaseLots::new(rng.pick(&[0, 1]) as i64 * lots);
    if rng.range(0, 1) == 0 {
        trader.base_position = SignedBaseLots::new(-trader.base_position.get());
    }
    trader.quote_entry = SignedQuoteLots::new(
        trader.base_position.get() * entry_ticks * rules.tick_size.get() as i64,
    );
    trader.realised_pnl = SignedQuoteLots::new(rng.signed(5_000_000));
    let account = AccountState {
        collateral: QuoteNative::new(rng.range(0, 5_000_000_000)),
        trader,
        funding: FundingSnapshot {
            long_index: rng.signed(50_000_000),
            short_index: rng.signed(50_000_000),
        },
    };
    let tick_native = rules.tick_size.get() * rules.quote_lot_size.get();
    let price_ticks = rng.range(1, 20_000);
    let price = Price::from_raw(price_ticks * tick_native * perp_engine::price::PRICE_SCALE);
    let order = OrderIntent {
        side: if rng.range(0, 1) == 0 {
            Side::Bid
        } else {
            Side::Ask
        },
        lots: BaseLots::new(rng.range(1, 20_000)),
        price: Ticks::new(rng.range(1, 20_000)),
        takes: rng.range(0, 1) == 0,
    };
    let risk = rules.account_risk(&account, price);
    let preview = rules.preview_order(&account, &order, price);
    let band = PriceBand {
        low: price,
        high: price,
    };
    let risk_out = match risk {
        Err(_) => s("error"),
        Ok(r) => object(&[
            ("equity", s(r.equity)),
            ("unrealisedPnl", s(r.unrealised)),
            ("entryPrice", opt(Ok(r.entry_price.map(|p| p.raw())))),
            ("maintenanceBps", s(r.maintenance_bps)),
            ("maintenanceSurplus", s(r.maintenance_surplus)),
            ("marginRatioBps", opt(Ok(r.margin_ratio_bps))),
            (
                "liquidationPrice",
                opt(Ok(r.liquidation_price.map(|p| p.raw()))),
            ),
            ("shortfall", s(r.shortfall)),
            ("withdrawable", out(rules.withdrawable_now(&account, band))),
        ]),
    };
    let preview_out = match preview {
        Err(_) => s("error"),
        Ok(p) => object(&[
            ("notional", s(p.notional)),
            ("fee", s(p.fee)),
            ("initialMargin", s(p.initial_margin)),
            ("initialMarginNow", s(p.initial_margin_now)),
            ("equityAfter", s(p.equity_after)),
            (
                "liquidationPrice",
                opt(Ok(p.liquidation_price.map(|p| p.raw()))),
            ),
            ("positionAfter", s(p.position_after)),
        ]),
    };
    let t = &account.trader;
    object(&[
        ("market", market_json(&rules)),
        (
            "account",
            object(&[
                ("collateral", s(account.collateral.get())),
                (
                    "trader",
                    object(&[
                        ("basePosition", s(t.base_position.get())),
                        ("quoteEntry", s(t.quote_entry.get())),
                        ("realisedPnl", s(t.realised_pnl.get())),
                    ]),
                ),
                (
                    "funding",
                    object(&[
                        ("longIndex", s(account.funding.long_index)),
                        ("shortIndex", s(account.funding.short_index)),
                    ]),
                ),
            ]),
        ),
        ("price", s(price.raw())),
        (
            "order",
            object(&[
                ("isBid", (order.side == Side::Bid).to_string()),
                ("lots", s(order.lots.get())),
                ("priceTicks", s(order.price.get())),
                ("takes", order.takes.to_string()),
            ]),
        ),
        (
            "output",
            object(&[
                ("risk", risk_out),
                ("preview", preview_out),
                ("fundingRateBps", out(rules.funding_rate_bps())),
            ]),
        ),
    ])
}

/// Bytes as the runs of non-zero bytes in them (an oracle account is mostly zeros):
/// `{"len": n, "runs": [[offset, "hex"], …]}`.
fn sparse(data: &[u8]) -> String {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < data.len() {
        if data[i] == 0 {
            i += 1;
            continue;
        }
        let start = i;
        while i < data.len() && data[start..=i].iter().rev().take(8).any(|b| *b != 0) {
            i += 1;
        }
        let hex: String = data[start..i].iter().map(|b| format!("{b:02x}")).collect();
        runs.push(format!("[{start}, \"{hex}\"]"));
    }
    format!(
        "{{\"len\": {}, \"runs\": [{}]}}",
        data.len(),
        runs.join(", ")
    )
}

fn hex(bytes: &[u8]) -> String {
    s(bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// A source's grade as the clients name it: its price, or its fault.
fn graded_json(g: Graded) -> String {
    match g {
        Ok(p) => object(&[("price", s(p.raw()))]),
        Err(f) => object(&[("fault", s(format!("{f:?}")))]),
    }
}

/// One oracle account (mostly valid, some of every fault) read and graded as the program does.
/// Returns the case and its grade (for the index cases).
fn oracle_case(rng: &mut Rng) -> (String, Graded) {
    use perp_engine::oracle::accounts::{self, pyth, switchboard};
    let kind = rng.range(0, 1);
    let (now, slot) = (
        1_700_000_000 + rng.range(0, 1_000) as i64,
        rng.range(1_000, 9_000),
    );
    let mut feed = [0u8; 32];
    feed.iter_mut().for_each(|b| *b = rng.range(0, 255) as u8);
    let price_e8 = if rng.range(0, 19) == 0 {
        -(rng.range(0, 100) as i64)
    } else {
        rng.range(1, 10_000_000_000_000) as i64
    };
    let conf_e8 = price_e8.unsigned_abs() / rng.pick(&[30, 100, 1_000, 10_000, 100_000]);
    let mut data;
    let (owner, published) = if kind == 0 {
        data = vec![0u8; pyth::ACCOUNT_LEN];
        data[..8].copy_from_slice(&pyth::DISCRIMINATOR);
        let partial = rng.range(0, 9) == 0;
        data[pyth::LEVEL] = if partial { pyth::PARTIAL } else { pyth::FULL };
        let m = pyth::LEVEL + if partial { 2 } else { 1 };
        let mut message_feed = feed;
        if rng.range(0, 14) == 0 {
            message_feed[0] ^= 1;
        }
        let published = now - rng.range(0, 40) as i64;
        data[m..m + 32].copy_from_slice(&message_feed);
        data[m + 32..m + 40].copy_from_slice(&price_e8.to_le_bytes());
        data[m + 40..m + 48].copy_from_slice(&conf_e8.to_le_bytes());
        data[m + 48..m + 52].copy_from_slice(&(-8i32).to_le_bytes());
        data[m + 52..m + 60].copy_from_slice(&published.to_le_bytes());
        (accounts::PYTH_RECEIVER_PROGRAM, published)
    } else {
        data = vec![0u8; switchboard::ACCOUNT_LEN];
        data[..8].copy_from_slice(&switchboard::DISCRIMINATOR);
        let e18 = |v: i128| v * 10_000_000_000;
        data[switchboard::VALUE..switchboard::VALUE + 16]
            .copy_from_slice(&e18(i128::from(price_e8)).to_le_bytes());
        data[switchboard::STD_DEV..switchboard::STD_DEV + 16]
            .copy_from_slice(&e18(i128::from(conf_e8)).to_le_bytes());
        data[switchboard::NUM_SAMPLES] = rng.pick(&[0, 1, 3, 3, 3, 3, 3, 3, 3, 3]) as u8;
        let published = slot - rng.range(0, 120);
        data[switchboard::SLOT..switchboard::SLOT + 8].copy_from_slice(&published.to_le_bytes());
        (accounts::SWITCHBOARD_ON_DEMAND_PROGRAM, published as i64)
    };
    let owner = if rng.range(0, 14) == 0 {
        [9u8; 32]
    } else {
        owner
    };
    if rng.range(0, 19) == 0 {
        data.truncate(data.len() - 10);
    }
    let rules = (
        rng.range(10, 60) as u32,
        rng.range(20, 100) as u32,
        rng.range(5, 200) as u32,
        rng.pick(&[1, 100_000, 10_000_000]),
        rng.pick(&[6, 8, 9]) as u8,
        6u8,
    );
    let newest_used = match rng.range(0, 5) {
        0 => published + 1,
        1 | 2 => 0,
        _ => published - rng.range(0, 5) as i64,
    };
    let reading = if kind == 0 {
        accounts::decode_pyth(&owner, &data, &feed)
    } else {
        accounts::decode_switchboard(&owner, &data)
    };
    let limits = SourceLimits {
        max_age_secs: rules.0,
        max_age_slots: rules.1,
        max_confidence_bps: rules.2,
    };
    let scale = LotScale {
        base_lot_size: rules.3,
        base_decimals: rules.4,
        quote_decimals: rules.5,
    };
    let used = match (kind, newest_used) {
        (_, 0) => None,
        (0, t) => Some(Published::UnixTime(t)),
        (_, s) => Some(Published::Slot(s as u64)),
    };
    let graded = reading.and_then(|r| {
        let price = r.grade(
            limits,
            Now {
                unix_time: now,
                slot,
            },
            scale,
        )?;
        r.not_older_than(used)?;
        Ok(price)
    });
    let stamp = reading.ok().map(|r| match r.published {
        Published::UnixTime(t) => t.to_string(),
        Published::Slot(s) => s.to_string(),
    });
    let case = object(&[
        ("kind", kind.to_string()),
        ("owner", hex(&owner)),
        ("feed", hex(&feed)),
        ("data", sparse(&data)),
        (
            "rules",
            object(&[
                ("maxAgeSecs", rules.0.to_string()),
                ("maxAgeSlots", rules.1.to_string()),
                ("maxConfidenceBps", rules.2.to_string()),
                ("baseLotSize", s(rules.3)),
                ("baseDecimals", rules.4.to_string()),
                ("quoteDecimals", rules.5.to_string()),
            ]),
        ),
        ("now", s(now)),
        ("slot", s(slot)),
        ("newestUsed", s(newest_used)),
        (
            "output",
            object(&[
                ("grade", graded_json(graded)),
                ("published", stamp.map_or_else(|| "null".into(), s)),
            ]),
        ),
    ]);
    (case, graded)
}

/// The index and the new-risk verdict over one or two graded sources (some agreeing, some not,
/// some beyond the breaker band, some faulty), as `price_for` reaches them.
fn index_case(rng: &mut Rng) -> String {
    let base = rng.range(1_000_000, 100_000_000_000);
    let n = rng.range(1, 2) as usize;
    let sources: Vec<Graded> = (0..n)
        .map(|_| match rng.range(0, 9) {
            0 => Err([
                SourceFault::Stale,
                SourceFault::TooUncertain,
                SourceFault::WrongOwner,
            ][rng.range(0, 2) as usize]),
            _ => Ok(Price::from_raw(base + base * rng.range(0, 400) / 10_000)),
        })
        .collect();
    let rules = PriceRules {
        max_deviation_bps: rng.range(50, 300) as u32,
        band_bps: rng.range(100, 1_500) as u32,
    };
    let stable = match rng.range(0, 9) {
        0 => None,
        _ => Some(Price::from_raw(base + base * rng.range(0, 2_000) / 10_000)),
    };
    let name = |e: OracleError| match e {
        OracleError::Source(f) => format!("{f:?}"),
        OracleError::Math(_) => "Math".into(),
        e => format!("{e:?}"),
    };
    let index = agreed_price(&sources, rules.max_deviation_bps);
    let risk = price_for(Action::IncreaseRisk, &sources, stable, rules);
    let sources_json: Vec<String> = sources.iter().map(|g| graded_json(*g)).collect();
    object(&[
        ("sources", format!("[{}]", sources_json.join(", "))),
        ("maxDeviationBps", rules.max_deviation_bps.to_string()),
        ("bandBps", rules.band_bps.to_string()),
        ("stable", s(stable.map_or(0, |p| p.raw()))),
        (
            "output",
            object(&[
                (
                    "index",
                    index.map_or_else(
                        |e| object(&[("fault", s(name(e)))]),
                        |p| object(&[("price", s(p.raw()))]),
                    ),
                ),
                (
                    "newRiskRefused",
                    risk.map_or_else(|e| s(name(e)), |_| "null".into()),
                ),
            ]),
        ),
    ])
}

fn list(rng: &mut Rng, case: fn(&mut Rng) -> String) -> String {
    let cases: Vec<String> = (0..CASES).map(|_| format!("    {}", case(rng))).collect();
    format!("[\n{}\n  ]", cases.join(",\n"))
}

fn vectors() -> String {
    let mut rng = Rng(ChaCha8Rng::seed_from_u64(0x005E_ED0F_7E57_0001));
    format!(
        "{{\n  \"priceScale\": \"{}\",\n  \"margin\": {},\n  \"health\": {},\n  \"liquidationPrice\": {},\n  \"account\": {},\n  \"oracleSource\": {},\n  \"oracleIndex\": {}\n}}\n",
        perp_engine::price::PRICE_SCALE,
        list(&mut rng, margin_case),
        list(&mut rng, health_case),
        list(&mut rng, liquidation_case),
        list(&mut rng, account_case),
        list(&mut rng, |rng| oracle_case(rng).0),
        list(&mut rng, index_case),
    )
}

/// Read at run time (`cargo test` sets `CARGO_MANIFEST_DIR`): cargo reuses a test binary built
/// in another checkout sharing the target directory, and `env!` would hold that checkout's path.
fn path() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), PathBuf::from)
        .join("../app/vectors/engine.json")
}

#[test]
fn committed_vectors_are_what_the_engine_computes() {
    let fresh = vectors();
    let path = path();
    if std::env::var_os("UPDATE_VECTORS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{} is stale: regenerate with UPDATE_VECTORS=1 cargo test -p perp-engine --test vectors",
        path.display()
    );
}

#[test]
fn vectors_cover_every_branch_a_client_must_handle() {
    let v = vectors();
    // Liquidation prices found, absent and refused (overflow); margins above base and capped;
    // some accounts covering initial margin and some not.
    for needle in [
        "\"price\": null",
        "\"coversInitial\": \"true\"",
        "\"coversInitial\": \"false\"",
        "\"initialBps\": \"10000\"",
        "\"withdrawable\": \"0\"",
        "\"price\": \"error\"",
        // Quote lots of 100 native, funding that settles and a rate that is clamped, fees
        // charged and rebated.
        "\"quoteLotSize\": \"100\"",
        "\"fundingRateBps\": \"-",
        "\"fee\": \"-",
        "\"entryPrice\": null",
        // Oracle sources of every verdict, and an index refused every way.
        "\"fault\": \"Stale\"",
        "\"fault\": \"Regressed\"",
        "\"fault\": \"WrongOwner\"",
        "\"fault\": \"WrongFeed\"",
        "\"fault\": \"Unverified\"",
        "\"fault\": \"WrongAccountType\"",
        "\"fault\": \"TooUncertain\"",
        "\"fault\": \"NonPositive\"",
        "\"published\": null",
        "\"fault\": \"SourcesDiverge\"",
        "\"newRiskRefused\": \"BreakerTripped\"",
        "\"newRiskRefused\": \"StablePriceUnset\"",
        "\"newRiskRefused\": null",
    ] {
        assert!(v.contains(needle), "no case with {needle}");
    }
}
