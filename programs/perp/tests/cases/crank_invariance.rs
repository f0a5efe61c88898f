//! Regressions of the crank findings (docs/cranks.md): funding cannot be bought with a quote
//! cancelled in its own transaction, a crank lapse pays nothing for the missed intervals (never a
//! fresh sample times their number), and volatility, margin and the stable price do not depend
//! on how often anyone cranks.

use crate::program_test::env::{TestEnv, Trader, default_params};
use crate::program_test::ix;
use crate::program_test::risk::engine_price;
use crate::program_test::trading::{funded_market, order, place};
use perp::events::FundingUpdated;
use perp::{OrderSide, OrderType};
use perp_engine::BaseLots;
use perp_engine::crank::CRANK_SLOT_SECS;
use perp_engine::risk::funding::FUNDING_SAMPLE_MAX_SECS;
use solana_sdk::instruction::Instruction;

const TICKS: u64 = 1_500;
const HOUR: i64 = 3_600;

/// The rate cap per lot at the index (0.5% of 150,000 native per lot), `Price` raw.
fn cap_per_lot() -> i64 {
    let rate = i64::from(default_params().funding_max_rate_bps);
    engine_price(TICKS).raw() as i64 * rate / 10_000
}

/// Warps to the start of the next crank slot.
async fn align_to_slot(env: &mut TestEnv) {
    let now = env.clock().await.unix_timestamp;
    env.warp_seconds((CRANK_SLOT_SECS - now.rem_euclid(CRANK_SLOT_SECS)) % CRANK_SLOT_SECS)
        .await;
}

/// Warps `seconds`, republishes the index at 150 and runs the funding crank.
async fn crank_after(env: &mut TestEnv, t: &Trader, seconds: i64) -> FundingUpdated {
    env.warp_seconds(seconds).await;
    env.set_price_ticks(&t.market, TICKS).await;
    env.update_funding(&t.market).await.expect("funding crank")
}

/// A market with the index at 150, an honest two-size-unit-deep book at 149 / 151 (mid = index)
/// and 50 lots of open interest a side; returns the env, the maker and the attacker.
async fn honest_market() -> (TestEnv, Trader, Trader) {
    let (mut env, maker, taker) = funded_market(100_000_000).await;
    let market = taker.market;
    let attacker = env.funded_trader(&market, 100_000_000).await;
    place(
        &mut env,
        &maker,
        order(OrderSide::Ask, OrderType::Limit, TICKS, 50),
        &[],
    )
    .await;
    let fill = place(
        &mut env,
        &taker,
        order(OrderSide::Bid, OrderType::ImmediateOrCancel, TICKS, 50),
        &[&maker],
    )
    .await;
    assert_eq!(fill.filled_base_lots, 50);
    let depth = 2 * default_params().size_unit_lots;
    place(
        &mut env,
        &maker,
        order(OrderSide::Bid, OrderType::PostOnly, 1_490, depth),
        &[],
    )
    .await;
    place(
        &mut env,
        &maker,
        order(OrderSide::Ask, OrderType::PostOnly, 1_510, depth),
        &[],
    )
    .await;
    (env, maker, attacker)
}

/// The attack of the finding, as one transaction: a post-only bid of `lots` at 150.9 (inside the
/// 149 / 151 spread), the funding crank, and a cancel of everything.
fn quote_crank_cancel(attacker: &Trader, lots: u64) -> [Instruction; 3] {
    let m = attacker.market;
    [
        ix::order_place(
            &attacker.orders(),
            order(OrderSide::Bid, OrderType::PostOnly, 1_509, lots),
            &[],
        ),
        ix::funding_update(m.market, m.book, m.oracle_metas()),
        ix::order_cancel_all(&attacker.orders(), None),
    ]
}

async fn attack(env: &mut TestEnv, attacker: &Trader, lots: u64, after: i64) -> FundingUpdated {
    env.warp_seconds(after).await;
    env.set_price_ticks(&attacker.market, TICKS).await;
    let mut events = env
        .send_for_events::<FundingUpdated>(&quote_crank_cancel(attacker, lots), &[&attacker.wallet])
        .await
        .expect("the attack transaction");
    events.pop().expect("FundingUpdated")
}

#[tokio::test]
async fn a_quote_cancelled_in_its_own_transaction_buys_at_most_one_capped_sample() {
    let (mut env, _maker, attacker) = honest_market().await;
    align_to_slot(&mut env).await;
    let opened = crank_after(&mut env, &attacker, 0).await;
    assert_eq!(
        opened.mark_price,
        engine_price(TICKS).raw(),
        "mid 150 = index"
    );

    // One lot inside the spread no longer moves the mark: it is the impact mid over a size unit.
    let small = attack(&mut env, &attacker, 1, CRANK_SLOT_SECS).await;
    assert!(small.sampled);
    assert_eq!(small.mark_price, engine_price(TICKS).raw());

    // A size unit does (mid of 150.9 and 151: +0.63%, clamped to the 0.5% cap), at the end of
    // 57 quiet minutes that backward weighting paid it for, in full (750 native per lot).
    let big = attack(
        &mut env,
        &attacker,
        default_params().size_unit_lots,
        57 * 60,
    )
    .await;
    assert!(big.sampled && big.payment_per_lot.is_none());
    assert_eq!(
        big.mark_price,
        (engine_price(1_509).raw() + engine_price(1_510).raw()) / 2
    );
    // The honest keeper's next crank a minute later ends it; the interval closes at the hour.
    let next = crank_after(&mut env, &attacker, CRANK_SLOT_SECS).await;
    assert_eq!(
        next.mark_price,
        engine_price(TICKS).raw(),
        "the quote is gone"
    );
    let closed = crank_after(&mut env, &attacker, CRANK_SLOT_SECS).await;
    // Stated bound: one sample weighs at most the cap × 120 s / interval = 1/30 of the cap
    // (25 native per lot, 0.017% of the index); this one counted its 60 s: 12.5 native per lot.
    let paid = closed.payment_per_lot.expect("the interval closed");
    let bound = cap_per_lot() * FUNDING_SAMPLE_MAX_SECS / HOUR;
    assert!(paid <= bound, "{paid} > {bound}");
    assert_eq!(paid, cap_per_lot() * CRANK_SLOT_SECS / HOUR);
    assert_eq!(paid, 12_500_000);
}

#[tokio::test]
async fn a_crank_lapse_pays_nothing_for_the_missed_intervals() {
    let (mut env, _maker, attacker) = honest_market().await;
    align_to_slot(&mut env).await;
    crank_after(&mut env, &attacker, 0).await;
    // An honest hour cranked every minute: the book's mid is the index, the rate 0.
    let mut last = None;
    for _ in 0..60 {
        last = crank_after(&mut env, &attacker, CRANK_SLOT_SECS)
            .await
            .payment_per_lot;
    }
    assert_eq!(last, Some(0), "the last recorded rate");

    // Ten hours without a crank, ended by the attack: the old rule paid its fresh sample for
    // every missed interval (0.5% × 10 = 7,500 native per lot, to positions however new). Now
    // the closing interval pays what its samples covered (the honest one's 120 s at 0) and the
    // missed intervals pay nothing.
    let late = attack(
        &mut env,
        &attacker,
        default_params().size_unit_lots,
        10 * HOUR,
    )
    .await;
    assert_eq!(late.payment_per_lot, Some(0));
    let m = env.market(&attacker.market.market).await;
    assert_eq!((m.funding.long_index, m.funding.short_index), (0, 0));
    // The attacker's sample only opens the next interval, for one capped minute of it.
    let mut closed = None;
    for _ in 0..60 {
        closed = closed.or(crank_after(&mut env, &attacker, CRANK_SLOT_SECS)
            .await
            .payment_per_lot);
    }
    assert_eq!(closed, Some(cap_per_lot() * CRANK_SLOT_SECS / HOUR));
}

/// Uniform noise in ±5 bps, a fixed function of the second `k` of the hour.
fn noise_ppm(k: i64) -> i64 {
    let mut x = k as u64 ^ 0x5DEE_CE66_D1CE_4E5B;
    x = (x ^ (x >> 31)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 29)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^= x >> 32;
    (x % 1_001) as i64 - 500
}

/// What the risk and price cranks leave after an hour on a flat index at 150 with ±5 bps of
/// noise, cranked every `step` seconds starting `phase` seconds into the hour:
/// (volatility bps/√h, initial bps, maintenance bps, stable price raw).
async fn crank_for_an_hour(step: i64, phase: i64) -> (u64, u64, u64, u64) {
    let mut env = TestEnv::new().await;
    let market = env.create_market().await;
    align_to_slot(&mut env).await;
    let mut k = 0;
    let mut target = phase;
    while target <= HOUR {
        env.warp_seconds(target - k).await;
        k = target;
        let e8 = 15_000_000_000i64;
        let price = e8 + e8 * noise_ppm(k) / 1_000_000;
        env.set_prices(&market, price, price).await;
        let cranks = [
            ix::market_update_price(market.market, market.oracle_metas()),
            ix::market_update_risk(market.market, market.oracle_metas()),
        ];
        env.send(&cranks, &[]).await.expect("cranks");
        target += step;
    }
    let m = env.market(&market.market).await;
    (
        m.risk.vol.vol_bps().get(),
        m.initial_margin_bps(BaseLots::ZERO).unwrap().get(),
        m.maintenance_margin_bps(BaseLots::ZERO).unwrap().get(),
        m.price.stable_price,
    )
}

#[tokio::test]
async fn volatility_margin_and_the_stable_price_do_not_depend_on_crank_frequency() {
    // Before the crank grid: 268 bps/√h and 26.8% initial margin cranked every second, 35 and
    // 10% every minute. Now the first crank of each minute is the only one that counts.
    let each_second = crank_for_an_hour(1, 0).await;
    let each_minute = crank_for_an_hour(CRANK_SLOT_SECS, 0).await;
    // Tolerance zero when both crank at each slot's start: the same observations.
    assert_eq!(each_second, each_minute);
    let (vol, im, mm, _) = each_second;
    assert!((20..=50).contains(&vol), "{each_second:?}");
    assert_eq!((im, mm), (1_000, 500));
    // A keeper at another phase samples the same path later in each minute: volatility within
    // ±15 bps/√h (the same margins below the 1%/√h reference), stable price within 5 bps.
    let (vol_b, im_b, mm_b, stable_b) = crank_for_an_hour(CRANK_SLOT_SECS, 30).await;
    assert!(vol_b.abs_diff(vol) <= 15, "{vol_b} vs {vol}");
    assert_eq!((im_b, mm_b), (im, mm));
    let stable = each_second.3;
    assert!(
        stable_b.abs_diff(stable) * 10_000 <= 5 * stable,
        "{stable_b} vs {stable}"
    );
}
