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

use perp_engine::Price;
use perp_engine::QuoteNativePerQuoteLot;
use perp_engine::error::MathError;
use perp_engine::risk::health::Health;
use perp_engine::risk::liquidation::liquidation_price;
use perp_engine::risk::margin::MarginParams;
use perp_engine::trader::Trader;
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
    let initial = rng.range(500, 3_000) as u32;
    let soft = rng.range(1_000, 100_000);
    MarginParams {
        initial_margin_bps: initial,
        maintenance_margin_bps: initial / 2,
        size_premium_bps: rng.pick(&[0, 250, 1_000, 2_000]) as u32,
        size_unit_lots: rng.pick(&[0, 100, 1_000]),
        reference_vol_bps: rng.range(50, 200) as u32,
        max_vol_multiplier_bps: rng.range(10_000, 40_000) as u32,
        vol_time_constant_secs: 600,
        oi_soft_cap_lots: soft,
        oi_hard_cap_lots: soft * 2,
        maintenance_ramp_bps_per_hour: 100,
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
    let lots = rng.range(0, 100_000);
    let vol = rng.range(0, 800);
    let oi = rng.range(0, p.oi_hard_cap_lots * 6 / 5);
    let market_bps = rng.range(
        u64::from(p.maintenance_margin_bps),
        2 * u64::from(p.maintenance_margin_bps),
    );
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
    t.base_position = rng.signed(50_000);
    t.quote_entry = t.base_position * entry_ticks;
    t.realised_pnl = rng.signed(5_000_000);
    let bids = rng.range(1, 20_000);
    t.bids_base_lots = rng.pick(&[0, bids]);
    t.bids_quote_lots = t.bids_base_lots * rng.range(1, 200_000);
    let asks = rng.range(1, 20_000);
    t.asks_base_lots = rng.pick(&[0, asks]);
    t.asks_quote_lots = t.asks_base_lots * rng.range(1, 200_000);
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
            ("coversInitial", out(h.covers(initial_bps))),
            ("maintenanceSurplus", out(h.surplus(maintenance_bps))),
            ("withdrawable", out(h.withdrawable(initial_bps))),
        ]),
    };
    object(&[
        (
            "input",
            object(&[
                ("basePosition", s(t.base_position)),
                ("quoteEntry", s(t.quote_entry)),
                ("realisedPnl", s(t.realised_pnl)),
                ("bidsBaseLots", s(t.bids_base_lots)),
                ("bidsQuoteLots", s(t.bids_quote_lots)),
                ("asksBaseLots", s(t.asks_base_lots)),
                ("asksQuoteLots", s(t.asks_quote_lots)),
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
    let output = match liquidation_price(position, equity_ex, maintenance_bps) {
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

fn list(rng: &mut Rng, case: fn(&mut Rng) -> String) -> String {
    let cases: Vec<String> = (0..CASES).map(|_| format!("    {}", case(rng))).collect();
    format!("[\n{}\n  ]", cases.join(",\n"))
}

fn vectors() -> String {
    let mut rng = Rng(ChaCha8Rng::seed_from_u64(0x005E_ED0F_7E57_0001));
    format!(
        "{{\n  \"priceScale\": \"{}\",\n  \"margin\": {},\n  \"health\": {},\n  \"liquidationPrice\": {}\n}}\n",
        perp_engine::price::PRICE_SCALE,
        list(&mut rng, margin_case),
        list(&mut rng, health_case),
        list(&mut rng, liquidation_case),
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
    ] {
        assert!(v.contains(needle), "no case with {needle}");
    }
}
