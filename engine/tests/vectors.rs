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
use perp_engine::oracle::PriceBand;
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

fn list(rng: &mut Rng, case: fn(&mut Rng) -> String) -> String {
    let cases: Vec<String> = (0..CASES).map(|_| format!("    {}", case(rng))).collect();
    format!("[\n{}\n  ]", cases.join(",\n"))
}

fn vectors() -> String {
    let mut rng = Rng(ChaCha8Rng::seed_from_u64(0x005E_ED0F_7E57_0001));
    format!(
        "{{\n  \"priceScale\": \"{}\",\n  \"margin\": {},\n  \"health\": {},\n  \"liquidationPrice\": {},\n  \"account\": {}\n}}\n",
        perp_engine::price::PRICE_SCALE,
        list(&mut rng, margin_case),
        list(&mut rng, health_case),
        list(&mut rng, liquidation_case),
        list(&mut rng, account_case),
    )
}

fn path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../app/vectors/engine.json")
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
    ] {
        assert!(v.contains(needle), "no case with {needle}");
    }
}
