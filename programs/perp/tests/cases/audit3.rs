//! Third independent audit of issue 20, after the second audit's fixes (`audit2.rs`): the order
//! band's reference with every source stale is the last agreed aggregate the market recorded.
//! Each test states the invariant DESIGN §13 asks for and replays an attacker sequence against
//! it; a program that refuses any step of the sequence (or ends with the invariant holding)
//! passes.

use crate::program_test::risk::{engine_price, price_e8};
use crate::program_test::solvency::*;
use crate::program_test::trading::{order, place};
use perp::{OrderArgs, OrderSide, OrderType};

const TICKS: u64 = 1_500;

/// Finding 1. `record_used` records `Market.price.index_price` only when *every* source is valid
/// and they agree; a print by a lone valid source (the other stale) is the band's reference
/// while it is fresh but is never recorded. When that source then goes stale too, the reference
/// falls back to the last *agreed* aggregate — older than the lone print — and the band
/// re-centres on a price the market had already left. The second audit's revival therefore
/// comes back through one source: M rests a bid for 1,000 lots at the band's top (157.3) with
/// the margin it needs; Switchboard goes quiet, Pyth alone prints the crash to 130 (the band is
/// empty, nothing trades: as designed); Pyth goes quiet too, the reference is the 150 agreed
/// before the crash, the band is 142.7–157.3 again, and L sells into M's bid reduce-only
/// (judged at 150, a sale at 157.3 only improves L). When both sources print 130 again, M is
/// about −4.2M: bad debt out of a fill the band had excluded (docs/bad-debt.md: "resting
/// orders the band has left never fill").
#[tokio::test]
async fn audit3_a_lone_source_crash_is_not_recorded_so_stale_sources_revive_the_pre_crash_band() {
    revive_through_an_unrecorded_crash(None).await;
}

/// Finding 1, second face: the crash printed by both sources, fresh but disagreeing by more than
/// the 1.5% deviation (130 and 133): `agreed_price` fails, nothing is recorded, and once both go
/// quiet the band is the pre-crash one again. The same fill leaves M about −4.2M at 130.
#[tokio::test]
async fn audit3_a_crash_the_sources_disagree_on_is_not_recorded_so_stale_sources_revive_the_pre_crash_band()
 {
    revive_through_an_unrecorded_crash(Some(1_330)).await;
}

/// Finding 1's sequence; `switchboard`: Switchboard's crash print (ticks), `None` for quiet.
async fn revive_through_an_unrecorded_crash(switchboard: Option<u64>) {
    let (mut env, l, m, c) = long_at_150(50_000_000).await;
    let market = l.market;
    env.withdraw(&m, 176_900_000)
        .await
        .expect("withdraw while flat");
    let top = 1_573;
    place(
        &mut env,
        &m,
        order(OrderSide::Bid, OrderType::PostOnly, top, 1_000),
        &[],
    )
    .await;
    assert_eq!(
        env.market(&market.market).await.price.index_price,
        engine_price(TICKS).raw(),
        "the last agreed aggregate is 150"
    );

    // Switchboard goes quiet (two minutes, 300 slots); Pyth alone prints the crash to 130.
    let crash = 1_300;
    env.warp(120, 300).await;
    let q = env.pyth_quote(&market.oracles, price_e8(crash)).await;
    env.set_pyth(&market.oracles.pyth, q).await;
    if let Some(ticks) = switchboard {
        let q = env.switchboard_quote(price_e8(ticks)).await;
        env.set_switchboard(&market.oracles.switchboard, q).await;
    }
    env.update_price(&market).await.expect("price crank");
    let sell = OrderArgs {
        reduce_only: true,
        ..order(OrderSide::Ask, OrderType::ImmediateOrCancel, top, 1_000)
    };
    assert!(
        !try_place_with(&mut env, &l, sell, &[&m]).await,
        "while the crash print is fresh the band is empty"
    );
    let oracle = engine_price(crash);
    let e = equity(&mut env, &m, oracle).await;
    assert!(e > 0, "M solvent (and flat) at 130: {e}");

    // Pyth goes quiet as well: every source is stale.
    env.warp(120, 300).await;
    let filled = try_place_with(&mut env, &l, sell, &[&m]).await;
    // The market is still at 130: both sources say so when they return.
    env.warp_seconds(1).await;
    env.set_price_ticks(&market, crash).await;
    env.update_price(&market).await.expect("price crank");
    for (name, t) in [("M", &m), ("L", &l), ("C", &c)] {
        let e = equity(&mut env, t, oracle).await;
        assert!(
            e >= 0,
            "{name}'s equity is {e} native units at 130 (L's sale accepted: {filled})"
        );
    }
}
