//! Trigger orders (issue 26): stop-loss, take-profit and brackets, fired by anyone through the
//! one order path, and the atomic requote. Every path, refusal and event, a bracket, a trigger
//! racing a liquidation; conservation and zero-sum after each scenario.

use crate::program_test::env::{MarketKeys, TestEnv, Trader, assert_anchor_error, assert_error};
use crate::program_test::ix;
use crate::program_test::risk::price_e8;
use crate::program_test::solvency::long_at_150;
use crate::program_test::trading::{book_depth, consume, finish, order, place};
use perp::error::ErrorCode;
use perp::events::{TriggerExecuted, TriggerPlaced, TriggerRemovalReason, TriggerRemoved};
use perp::state::TriggerOrders;
use perp::{OrderArgs, OrderSide, OrderType, TriggerArgs, TriggerDirection, TriggerOrderKind};
use perp_sdk::pda::trigger_orders_pda;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_program_test::BanksClientError;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;

/// The preset's executor fee, quote lots (= native units: the preset's quote lot is one).
const FEE: i64 = 50_000;

/// A reduce-only stop-loss for a long: sell `lots` at market down to `limit` once the index is
/// at or below `at`.
fn stop_loss(at: u64, limit: u64, lots: u64) -> TriggerArgs {
    ix::trigger_args(OrderSide::Ask, TriggerDirection::AtOrBelow, at, limit, lots)
}

/// A reduce-only take-profit for a long: sell once the index is at or above `at`.
fn take_profit(at: u64, limit: u64, lots: u64) -> TriggerArgs {
    ix::trigger_args(OrderSide::Ask, TriggerDirection::AtOrAbove, at, limit, lots)
}

/// Opens `t`'s trigger-orders account (paid by `t`) and places `trigger` (and `bracket`);
/// returns the placed events.
async fn place_trigger(
    env: &mut TestEnv,
    t: &Trader,
    trigger: TriggerArgs,
    bracket: Option<TriggerArgs>,
) -> Vec<TriggerPlaced> {
    let owner = t.wallet.insecure_clone();
    place_trigger_as(env, &owner, owner.pubkey(), t, trigger, bracket).await
}

/// `signer` (the owner or its delegate) opens `t`'s trigger-orders account when it has none,
/// `payer` paying the rent, and places `trigger` (and `bracket`); returns the placed events.
async fn place_trigger_as(
    env: &mut TestEnv,
    signer: &Keypair,
    payer: Pubkey,
    t: &Trader,
    trigger: TriggerArgs,
    bracket: Option<TriggerArgs>,
) -> Vec<TriggerPlaced> {
    let key = signer.pubkey();
    let mut ixs = Vec::new();
    if !env.exists(&trigger_orders_pda(&t.margin_account)).await {
        ixs.push(ix::trigger_orders_create(key, payer, t.margin_account));
    }
    ixs.push(ix::trigger_place(
        key,
        t.market.market,
        t.margin_account,
        trigger,
        bracket,
    ));
    env.send_for_events::<TriggerPlaced>(&ixs, &[signer])
        .await
        .expect("trigger_place")
}

async fn triggers(env: &mut TestEnv, t: &Trader) -> TriggerOrders {
    let data = env
        .account_data(&trigger_orders_pda(&t.margin_account))
        .await;
    *bytemuck::from_bytes::<TriggerOrders>(&data[8..])
}

/// What one `trigger_execute` by `executor` logged: executions and removals.
struct Fired {
    executed: Vec<TriggerExecuted>,
    removed: Vec<TriggerRemoved>,
}

impl std::fmt::Debug for Fired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} executed, {} removed",
            self.executed.len(),
            self.removed.len()
        )
    }
}

async fn execute(
    env: &mut TestEnv,
    executor: &Trader,
    account: &Trader,
    id: u64,
    makers: &[&Trader],
) -> Result<Fired, BanksClientError> {
    let makers: Vec<_> = makers.iter().map(|m| m.margin_account).collect();
    let ix = ix::trigger_execute(&executor.executing(account.margin_account), id, &makers);
    let logs = env.send_for_logs(&[ix], &[&executor.wallet]).await?;
    Ok(Fired {
        executed: perp_sdk::events::events_of(&logs),
        removed: perp_sdk::events::events_of(&logs),
    })
}

async fn set_sources(env: &mut TestEnv, market: &MarketKeys, pyth: u64, switchboard: u64) {
    env.set_prices(market, price_e8(pyth), price_e8(switchboard))
        .await;
}

async fn realised(env: &mut TestEnv, t: &Trader) -> i64 {
    env.margin_account(&t.margin_account)
        .await
        .trader
        .realised_pnl
        .get()
}

async fn position(env: &mut TestEnv, t: &Trader) -> i64 {
    env.margin_account(&t.margin_account)
        .await
        .trader
        .base_position
        .get()
}

fn resting_bid(ticks: u64, lots: u64) -> OrderArgs {
    order(OrderSide::Bid, OrderType::PostOnly, ticks, lots)
}

#[tokio::test]
async fn a_stop_loss_fires_only_once_every_source_has_crossed_and_pays_its_executor() {
    // Long 1,000 lots at 150.00 on 30M; the seller keeps a bid under the market.
    let (mut env, long, executor, seller) = long_at_150(30_000_000).await;
    let market = long.market;
    let placed = place_trigger(&mut env, &long, stop_loss(1_460, 1_400, 1_000), None).await;
    assert_eq!(placed.len(), 1);
    let id = placed[0].trigger_id;
    assert_eq!(placed[0].linked_id, 0);
    place(&mut env, &seller, resting_bid(1_455, 1_000), &[]).await;

    // At 150 the stop is not due.
    assert_error(
        execute(&mut env, &executor, &long, id, &[&seller]).await,
        ErrorCode::TriggerNotDue,
    );
    // One valid source still above the stop holds it back: a single feed cannot fire it.
    set_sources(&mut env, &market, 1_455, 1_462).await;
    assert_error(
        execute(&mut env, &executor, &long, id, &[&seller]).await,
        ErrorCode::TriggerNotDue,
    );

    set_sources(&mut env, &market, 1_455, 1_458).await;
    let (long_before, executor_before) = (
        realised(&mut env, &long).await,
        realised(&mut env, &executor).await,
    );
    let fired = execute(&mut env, &executor, &long, id, &[&seller])
        .await
        .expect("the stop fires");
    assert_eq!(fired.executed.len(), 1);
    let e = &fired.executed[0];
    assert_eq!(
        (e.trigger_id, e.executor_account, e.fee_quote_lots),
        (id, executor.margin_account, FEE as u64)
    );
    assert!(fired.removed.is_empty());
    assert_eq!(
        position(&mut env, &long).await,
        0,
        "sold at the seller's bid"
    );
    assert_eq!(realised(&mut env, &executor).await, executor_before + FEE);
    // The long paid the fee, the loss from 150.00 to 145.50 and the taker fee.
    let loss = 1_000 * 45 * 100;
    let taker_fee = (1_000u64 * 1_455 * 100).div_ceil(2_000) as i64;
    assert_eq!(
        realised(&mut env, &long).await,
        long_before - FEE - loss - taker_fee
    );
    assert_eq!(triggers(&mut env, &long).await.triggers.count(), 0);
    // Executed once: it is gone.
    assert_error(
        execute(&mut env, &executor, &long, id, &[&seller]).await,
        ErrorCode::TriggerNotFound,
    );
    finish(&mut env, &market, &[&seller]).await;
}

#[tokio::test]
async fn a_bracket_removes_its_other_leg_when_one_executes() {
    let (mut env, long, executor, seller) = long_at_150(30_000_000).await;
    let market = long.market;
    let placed = place_trigger(
        &mut env,
        &long,
        take_profit(1_540, 1_530, 1_000),
        Some(stop_loss(1_460, 1_400, 1_000)),
    )
    .await;
    let (tp, sl) = (placed[0].trigger_id, placed[1].trigger_id);
    assert_eq!((placed[0].linked_id, placed[1].linked_id), (sl, tp));

    env.follow_price(&market, 1_545).await;
    place(&mut env, &seller, resting_bid(1_540, 1_000), &[]).await;
    let fired = execute(&mut env, &executor, &long, tp, &[&seller])
        .await
        .expect("the take-profit fires");
    assert_eq!(fired.executed[0].trigger_id, tp);
    assert_eq!(fired.removed.len(), 1);
    assert_eq!(
        (fired.removed[0].trigger_id, fired.removed[0].reason),
        (sl, TriggerRemovalReason::BracketFilled)
    );
    assert_eq!(triggers(&mut env, &long).await.triggers.count(), 0);
    assert_eq!(position(&mut env, &long).await, 0);
    finish(&mut env, &market, &[&seller]).await;
}

#[tokio::test]
async fn triggers_that_can_no_longer_execute_are_removed_unpaid() {
    let (mut env, long, executor, seller) = long_at_150(30_000_000).await;
    let market = long.market;
    let now = env.clock().await.unix_timestamp;
    // Expires in a minute; a buy far beyond the account's margin; a stop on a position that will
    // be gone.
    let expiring = TriggerArgs {
        expires_at: now + 60,
        ..stop_loss(1_460, 1_400, 1_000)
    };
    let too_big = TriggerArgs {
        side: OrderSide::Bid,
        kind: TriggerOrderKind::Limit,
        direction: TriggerDirection::AtOrBelow,
        trigger_price_ticks: 1_460,
        limit_price_ticks: 1_460,
        base_lots: 100_000,
        reduce_only: false,
        client_order_id: 7,
        expires_at: 0,
    };
    let a = place_trigger(&mut env, &long, expiring, None).await[0].trigger_id;
    let b = place_trigger(&mut env, &long, too_big, None).await[0].trigger_id;
    let c =
        place_trigger(&mut env, &long, stop_loss(1_460, 1_400, 1_000), None).await[0].trigger_id;
    env.warp_seconds(61).await;
    env.follow_price(&market, 1_455).await;
    let executor_before = realised(&mut env, &executor).await;

    let fired = execute(&mut env, &executor, &long, a, &[]).await.unwrap();
    assert!(fired.executed.is_empty());
    assert_eq!(fired.removed[0].reason, TriggerRemovalReason::Expired);
    let fired = execute(&mut env, &executor, &long, b, &[]).await.unwrap();
    assert_eq!(
        (fired.removed[0].reason, fired.removed[0].client_order_id),
        (TriggerRemovalReason::MarginRefused, 7)
    );
    // The long closes by hand; its stop has nothing left to reduce.
    place(&mut env, &seller, resting_bid(1_455, 1_000), &[]).await;
    let close = OrderArgs {
        reduce_only: true,
        ..order(OrderSide::Ask, OrderType::ImmediateOrCancel, 1_455, 1_000)
    };
    place(&mut env, &long, close, &[&seller]).await;
    let fired = execute(&mut env, &executor, &long, c, &[]).await.unwrap();
    assert_eq!(
        fired.removed[0].reason,
        TriggerRemovalReason::NothingToReduce
    );

    assert_eq!(realised(&mut env, &executor).await, executor_before);
    assert_eq!(triggers(&mut env, &long).await.triggers.count(), 0);
    finish(&mut env, &market, &[&seller]).await;
}

#[tokio::test]
async fn a_market_trigger_that_fills_nothing_stays_and_a_limit_one_rests() {
    let (mut env, long, executor, seller) = long_at_150(30_000_000).await;
    let market = long.market;
    let stop =
        place_trigger(&mut env, &long, stop_loss(1_460, 1_400, 1_000), None).await[0].trigger_id;
    let limit = TriggerArgs {
        kind: TriggerOrderKind::Limit,
        ..stop_loss(1_460, 1_470, 400)
    };
    let resting = place_trigger(&mut env, &long, limit, None).await[0].trigger_id;
    env.follow_price(&market, 1_455).await;
    let (bids, asks) = book_depth(&mut env, &market).await;
    assert_eq!(bids, 0, "nobody bids");
    let before = realised(&mut env, &executor).await;
    assert_error(
        execute(&mut env, &executor, &long, stop, &[]).await,
        ErrorCode::TriggerNotFilled,
    );
    assert_eq!(triggers(&mut env, &long).await.triggers.count(), 2);
    assert_eq!(realised(&mut env, &executor).await, before, "unpaid");
    // A limit trigger executes by resting; its executor is paid.
    let fired = execute(&mut env, &executor, &long, resting, &[])
        .await
        .unwrap();
    assert_eq!(fired.executed.len(), 1);
    assert_eq!(book_depth(&mut env, &market).await, (bids, asks + 1));
    assert_eq!(realised(&mut env, &executor).await, before + FEE);
    finish(&mut env, &market, &[&seller]).await;
}

#[tokio::test]
async fn refusals_are_named_and_change_nothing() {
    let (mut env, long, stranger, seller) = long_at_150(30_000_000).await;
    let market = long.market;
    let owner = long.wallet.pubkey();
    // A stranger can neither open nor fill the owner's slots.
    assert_error(
        env.send(
            &[ix::trigger_orders_create(
                stranger.wallet.pubkey(),
                stranger.wallet.pubkey(),
                long.margin_account,
            )],
            &[&stranger.wallet],
        )
        .await,
        ErrorCode::NotOwnerOrDelegate,
    );
    let id =
        place_trigger(&mut env, &long, stop_loss(1_460, 1_400, 1_000), None).await[0].trigger_id;
    let snapshot = triggers(&mut env, &long).await;
    let bad =
        |t: TriggerArgs| ix::trigger_place(owner, market.market, long.margin_account, t, None);
    let cases = [
        (
            ix::trigger_place(
                stranger.wallet.pubkey(),
                market.market,
                long.margin_account,
                stop_loss(1_460, 1_400, 1),
                None,
            ),
            ErrorCode::NotOwnerOrDelegate,
        ),
        (bad(stop_loss(1_460, 1_400, 0)), ErrorCode::InvalidTrigger),
        (bad(stop_loss(0, 1_400, 1)), ErrorCode::InvalidTrigger),
        (
            bad(stop_loss(u64::MAX, 1_400, 1)),
            ErrorCode::InvalidTrigger,
        ),
        (
            bad(TriggerArgs {
                expires_at: env.clock().await.unix_timestamp,
                ..stop_loss(1_460, 1_400, 1)
            }),
            ErrorCode::TriggerAlreadyExpired,
        ),
        (
            ix::trigger_cancel(owner, long.margin_account, Some(id + 100)),
            ErrorCode::TriggerNotFound,
        ),
        (
            ix::trigger_cancel(stranger.wallet.pubkey(), long.margin_account, None),
            ErrorCode::NotOwnerOrDelegate,
        ),
    ];
    for (ix, expected) in cases {
        let signer = if ix.accounts[0].pubkey == owner {
            &long.wallet
        } else {
            &stranger.wallet
        };
        assert_error(env.send(&[ix], &[signer]).await, expected);
        assert_eq!(triggers(&mut env, &long).await.triggers, snapshot.triggers);
    }
    // Seven more fill the eight slots; a ninth is refused.
    for _ in 0..7 {
        place_trigger(&mut env, &long, stop_loss(1_460, 1_400, 1), None).await;
    }
    assert_error(
        env.send(&[bad(stop_loss(1_460, 1_400, 1))], &[&long.wallet])
            .await,
        ErrorCode::TriggerSlotsFull,
    );
    // The executor's fee goes to an account of its own, never the one it fires.
    let own = ix::TriggerExecuteAccounts {
        executor_account: long.margin_account,
        ..long.executing(long.margin_account)
    };
    assert_error(
        env.send(&[ix::trigger_execute(&own, id, &[])], &[&long.wallet])
            .await,
        ErrorCode::ExecutorIsTriggerAccount,
    );
    // A margin account cannot close under its triggers; closing them returns the rent.
    let close = ix::trigger_orders_close(owner, long.margin_account, owner);
    assert_error(
        env.send(
            &[ix::trigger_orders_close(
                owner,
                long.margin_account,
                stranger.wallet.pubkey(),
            )],
            &[&long.wallet],
        )
        .await,
        ErrorCode::WrongRentReceiver,
    );
    let rent = env
        .lamports(&trigger_orders_pda(&long.margin_account))
        .await;
    let before = env.lamports(&owner).await;
    let removed = env
        .send_for_events::<TriggerRemoved>(&[close], &[&long.wallet])
        .await
        .unwrap();
    assert_eq!(removed.len(), 8);
    assert_eq!(
        env.margin_account(&long.margin_account)
            .await
            .trigger_orders,
        0,
        "the margin account no longer says it has triggers"
    );
    assert!(
        removed
            .iter()
            .all(|r| r.reason == TriggerRemovalReason::Cancelled)
    );
    assert_eq!(env.lamports(&owner).await, before + rent);
    finish(&mut env, &market, &[&seller]).await;
}

#[tokio::test]
async fn a_margin_account_closes_only_after_its_trigger_account() {
    let mut env = TestEnv::new().await;
    let market = env.create_market().await;
    env.update_price(&market).await.expect("price");
    let t = env.funded_trader(&market, 1_000).await;
    env.withdraw(&t, 1_000).await.expect("withdraw");
    place_trigger(&mut env, &t, stop_loss(1_460, 1_400, 1), None).await;
    assert_eq!(
        env.margin_account(&t.margin_account).await.trigger_orders,
        1,
        "the margin account says it has triggers (what a keeper reads)"
    );
    let rent_receiver = env.margin_account(&t.margin_account).await.rent_receiver();
    let close = ix::margin_account_close(&t.collateral_accounts(), rent_receiver);
    assert_error(
        env.send(&[close.clone()], &[&t.wallet]).await,
        ErrorCode::TriggerOrdersOpen,
    );
    let owner = t.wallet.pubkey();
    env.send(
        &[
            ix::trigger_orders_close(owner, t.margin_account, owner),
            close,
        ],
        &[&t.wallet],
    )
    .await
    .expect("both close");
}

#[tokio::test]
async fn a_delegates_trigger_keeps_the_delegate_price_rule() {
    let (mut env, long, executor, seller) = long_at_150(30_000_000).await;
    let market = long.market;
    let delegate = Keypair::new();
    env.set_delegate(&long, &delegate.pubkey()).await;
    let payer = env.payer();
    let id = place_trigger_as(
        &mut env,
        &delegate,
        payer,
        &long,
        stop_loss(1_460, 1_400, 1_000),
        None,
    )
    .await[0]
        .trigger_id;
    env.follow_price(&market, 1_455).await;
    place(&mut env, &seller, resting_bid(1_450, 1_000), &[]).await;
    // Selling below the index is what the delegate may never do for the owner.
    assert_error(
        execute(&mut env, &executor, &long, id, &[&seller]).await,
        ErrorCode::DelegatePriceWorseThanIndex,
    );
    assert_eq!(triggers(&mut env, &long).await.triggers.count(), 1);
    finish(&mut env, &market, &[&seller]).await;
}

#[tokio::test]
async fn a_due_stop_never_blocks_a_liquidation_and_then_fires_on_what_is_left() {
    // 9× long: a crash puts it below maintenance while its stop is due.
    let (mut env, long, keeper, seller) = long_at_150(16_000_000).await;
    let market = long.market;
    let id =
        place_trigger(&mut env, &long, stop_loss(1_460, 1_300, 1_000), None).await[0].trigger_id;
    env.set_price_ticks(&market, 1_380).await;
    // The keeper liquidates first, passing the trigger account; whatever is left of the
    // position, the stop stays only while it can still reduce it.
    let mut accounts = keeper.liquidating(long.margin_account);
    accounts.trigger_orders = Some(trigger_orders_pda(&long.margin_account));
    let logs = env
        .send_for_logs(&[ix::liquidate(&accounts)], &[&keeper.wallet])
        .await
        .expect("the liquidation is not blocked by the trigger account");
    let removed: Vec<TriggerRemoved> = perp_sdk::events::events_of(&logs);
    let left = position(&mut env, &long).await;
    assert!(left > 0 && left < 1_000, "partly taken over: {left} left");
    assert!(
        removed.is_empty(),
        "a position remains for the stop to reduce"
    );
    // Once the stable price has followed the crash, the stop fires on what is left. The seller
    // (short) bids to close: reduce-only passes the breaker the crash tripped.
    env.follow_price(&market, 1_380).await;
    let bid = OrderArgs {
        reduce_only: true,
        ..resting_bid(1_375, left as u64)
    };
    place(&mut env, &seller, bid, &[]).await;
    let fired = execute(&mut env, &keeper, &long, id, &[&seller])
        .await
        .unwrap();
    assert_eq!(fired.executed.len(), 1);
    assert_eq!(position(&mut env, &long).await, 0);
    // The liquidation fee's insurance share left trading: tokens are conserved.
    consume(&mut env, &market, &[&seller]).await;
    env.assert_conservation(&market).await;
}

#[tokio::test]
async fn a_liquidation_that_leaves_the_account_flat_removes_its_reduce_only_triggers() {
    // 10× long on 15.1M: a gap to 134 leaves it bankrupt, so the keeper takes all of it.
    let (mut env, long, keeper, seller) = long_at_150(15_100_000).await;
    let market = long.market;
    place_trigger(&mut env, &long, stop_loss(1_460, 1_300, 1_000), None).await;
    env.set_price_ticks(&market, 1_340).await;
    let mut accounts = keeper.liquidating(long.margin_account);
    accounts.trigger_orders = Some(trigger_orders_pda(&long.margin_account));
    let logs = env
        .send_for_logs(&[ix::liquidate(&accounts)], &[&keeper.wallet])
        .await
        .expect("liquidated");
    assert_eq!(position(&mut env, &long).await, 0, "taken over in full");
    let removed: Vec<TriggerRemoved> = perp_sdk::events::events_of(&logs);
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].reason, TriggerRemovalReason::Liquidated);
    assert_eq!(triggers(&mut env, &long).await.triggers.count(), 0);
    // Bankrupt: the insurance fund paid, so trading alone is not zero-sum; tokens still are.
    consume(&mut env, &market, &[&seller]).await;
    env.assert_conservation(&market).await;
}

#[tokio::test]
async fn a_requote_replaces_quotes_atomically() {
    let (mut env, maker, _, _) = long_at_150(30_000_000).await;
    let market = maker.market;
    let quote = |side, ticks, id| OrderArgs {
        client_order_id: id,
        ..order(side, OrderType::PostOnly, ticks, 10)
    };
    for i in 0..3 {
        place(
            &mut env,
            &maker,
            quote(OrderSide::Bid, 1_490 - i, 1 + i),
            &[],
        )
        .await;
    }
    let (bids, asks) = book_depth(&mut env, &market).await;
    // Twelve new quotes (the most one transaction carries), six a side, the old bids gone.
    let fresh: Vec<_> = (0..6)
        .flat_map(|i| {
            [
                quote(OrderSide::Bid, 1_480 - i, 100 + i),
                quote(OrderSide::Ask, 1_520 + i, 200 + i),
            ]
        })
        .collect();
    assert_eq!(fresh.len(), perp::MAX_REQUOTE_ORDERS);
    let requote = ix::order_requote(&maker.orders(), true, vec![], fresh.clone(), &[]);
    // With a keeper's compute-unit limit and price, signed by a fee payer and the owner, it
    // fits one legacy transaction.
    let budget = [
        ComputeBudgetInstruction::set_compute_unit_limit(1_400_000),
        ComputeBudgetInstruction::set_compute_unit_price(1),
    ];
    let mut all = budget.to_vec();
    all.push(requote.clone());
    let message = solana_sdk::message::Message::new(&all, Some(&env.payer()));
    let signatures = usize::from(message.header.num_required_signatures);
    let size = 1 + 64 * signatures + message.serialize().len();
    println!("a 12-order requote transaction: {size} bytes of 1,232");
    assert!(size <= 1_232, "{size} bytes");
    env.send(&[requote], &[&maker.wallet])
        .await
        .expect("requote");
    assert_eq!(
        book_depth(&mut env, &market).await,
        (bids - 3 + 6, asks + 6)
    );

    // One refused order (a post-only bid crossing its own new ask) undoes all of it.
    let mut crossing = fresh.clone();
    crossing.truncate(4);
    crossing.push(quote(OrderSide::Bid, 1_530, 999));
    let before = env.margin_account(&maker.margin_account).await;
    let requote = ix::order_requote(&maker.orders(), true, vec![], crossing, &[]);
    assert_error(
        env.send(&[requote], &[&maker.wallet]).await,
        ErrorCode::PostOnlyWouldCross,
    );
    assert_eq!(book_depth(&mut env, &market).await, (bids + 3, asks + 6));
    assert_eq!(
        env.margin_account(&maker.margin_account).await.trader,
        before.trader
    );

    // Cancelling by client id: two named bids go, an id with no order is not an error.
    let requote = ix::order_requote(&maker.orders(), false, vec![100, 101, 5_000], vec![], &[]);
    env.send(&[requote], &[&maker.wallet])
        .await
        .expect("requote by id");
    assert_eq!(book_depth(&mut env, &market).await, (bids + 1, asks + 6));
    // Too many orders is refused by name.
    let many = vec![quote(OrderSide::Bid, 1_400, 1); perp::MAX_REQUOTE_ORDERS + 1];
    assert_error(
        env.send(
            &[ix::order_requote(&maker.orders(), false, vec![], many, &[])],
            &[&maker.wallet],
        )
        .await,
        ErrorCode::TooManyRequoteOrders,
    );
    env.assert_conservation(&market).await;
}

/// Review of issue 26 (H1): a delegate placing and firing its own triggers on the owner's account
/// earned the executor's fee each time, draining the owner. A delegate's trigger earns nothing.
#[tokio::test]
async fn a_delegate_cannot_pay_itself_from_the_owner_through_triggers() {
    let (mut env, owner, delegate, _seller) = long_at_150(30_000_000).await;
    let market = owner.market;
    let d = delegate.wallet.pubkey();
    env.set_delegate(&owner, &d).await;
    env.send(
        &[ix::trigger_orders_create(
            d,
            env.payer(),
            owner.margin_account,
        )],
        &[&delegate.wallet],
    )
    .await
    .expect("the delegate opens the owner's trigger account");
    let (o0, d0) = (
        realised(&mut env, &owner).await,
        realised(&mut env, &delegate).await,
    );
    for i in 0..5u64 {
        // Always due, a sale above the index: the delegate rule lets it rest.
        let bait = TriggerArgs {
            kind: TriggerOrderKind::Limit,
            client_order_id: 100 + i,
            ..take_profit(1, 1_540, 1)
        };
        let placed = env
            .send_for_events::<TriggerPlaced>(
                &[ix::trigger_place(
                    d,
                    market.market,
                    owner.margin_account,
                    bait,
                    None,
                )],
                &[&delegate.wallet],
            )
            .await
            .expect("placed");
        let fired = execute(&mut env, &delegate, &owner, placed[0].trigger_id, &[])
            .await
            .expect("fired");
        assert_eq!(fired.executed[0].fee_quote_lots, 0);
        env.send(
            &[ix::order_cancel_by_client_id(
                &owner.orders_signed_by(d),
                100 + i,
            )],
            &[&delegate.wallet],
        )
        .await
        .expect("cancelled");
    }
    assert_eq!(realised(&mut env, &owner).await, o0);
    assert_eq!(realised(&mut env, &delegate).await, d0);
}

/// Review of issue 26 (L1): a trigger outlives no change of delegate.
#[tokio::test]
async fn a_former_delegates_trigger_is_removed_unpaid() {
    let (mut env, owner, executor, seller) = long_at_150(30_000_000).await;
    let market = owner.market;
    let delegate = Keypair::new();
    env.set_delegate(&owner, &delegate.pubkey()).await;
    let payer = env.payer();
    let id = place_trigger_as(
        &mut env,
        &delegate,
        payer,
        &owner,
        take_profit(1, 1_540, 10),
        None,
    )
    .await[0]
        .trigger_id;
    env.set_delegate(&owner, &solana_sdk::pubkey::Pubkey::default())
        .await;
    let fired = execute(&mut env, &executor, &owner, id, &[]).await.unwrap();
    assert!(fired.executed.is_empty());
    assert_eq!(
        fired.removed[0].reason,
        TriggerRemovalReason::DelegateChanged
    );
    finish(&mut env, &market, &[&seller]).await;
}

/// Second review of issue 26 (L-A): appointing the same key again is a new appointment; the
/// triggers the earlier one placed do not come back to life.
#[tokio::test]
async fn a_delegate_appointed_again_does_not_revive_its_old_triggers() {
    let (mut env, owner, executor, seller) = long_at_150(30_000_000).await;
    let delegate = Keypair::new();
    env.set_delegate(&owner, &delegate.pubkey()).await;
    let payer = env.payer();
    let id = place_trigger_as(
        &mut env,
        &delegate,
        payer,
        &owner,
        take_profit(1, 1_540, 10),
        None,
    )
    .await[0]
        .trigger_id;
    env.set_delegate(&owner, &solana_sdk::pubkey::Pubkey::default())
        .await;
    env.set_delegate(&owner, &delegate.pubkey()).await;
    let fired = execute(&mut env, &executor, &owner, id, &[]).await.unwrap();
    assert!(fired.executed.is_empty());
    assert_eq!(
        fired.removed[0].reason,
        TriggerRemovalReason::DelegateChanged
    );
    finish(&mut env, &owner.market, &[&seller]).await;
}

/// Review of issue 26 (M1): whoever executes a market trigger chooses what it meets — here a
/// wall of one-lot bids, so it fills 32 lots of 1,000. The rest stays for a later execution, and
/// the executor earns the fee pro rata.
#[tokio::test]
async fn a_stop_filled_in_part_stays_for_the_rest() {
    let (mut env, long, executor, seller) = long_at_150(30_000_000).await;
    let market = long.market;
    let placed = place_trigger(
        &mut env,
        &long,
        stop_loss(1_460, 1_400, 1_000),
        Some(take_profit(1_540, 1_530, 1_000)),
    )
    .await;
    let (stop, tp) = (placed[0].trigger_id, placed[1].trigger_id);
    set_sources(&mut env, &market, 1_455, 1_458).await;
    let wall: Vec<_> = (0..32)
        .map(|i| OrderArgs {
            client_order_id: 1_000 + i,
            ..resting_bid(1_456, 1)
        })
        .collect();
    crate::program_test::trading::place_all(&mut env, &executor, &wall).await;
    let fired = execute(&mut env, &executor, &long, stop, &[&executor])
        .await
        .expect("fires into the wall");
    let e = &fired.executed[0];
    assert_eq!((e.base_lots, e.done), (32, false));
    assert_eq!(e.fee_quote_lots, FEE as u64 * 32 / 1_000);
    assert_eq!(position(&mut env, &long).await, 1_000 - 32);
    // The bracket's other leg went at the first execution; the stop stays for 968 lots.
    assert_eq!(fired.removed[0].trigger_id, tp);
    let left = triggers(&mut env, &long).await;
    assert_eq!(left.triggers.get(stop).unwrap().remaining_lots(), 968);
    // The seller's bid takes the rest; the fees sum to the fee once.
    place(&mut env, &seller, resting_bid(1_455, 1_000), &[]).await;
    let fired = execute(&mut env, &executor, &long, stop, &[&seller])
        .await
        .expect("the rest");
    let e = &fired.executed[0];
    assert_eq!((e.base_lots, e.done), (968, true));
    assert_eq!(e.fee_quote_lots + FEE as u64 * 32 / 1_000, FEE as u64);
    assert_eq!(position(&mut env, &long).await, 0);
    assert_eq!(triggers(&mut env, &long).await.triggers.count(), 0);
    finish(&mut env, &market, &[&seller, &executor]).await;
}

/// Review of issue 26 (M2a): a take-profit resting for the whole position leaves a reduce-only
/// order nothing to take, but the position is still there: the stop stays.
#[tokio::test]
async fn a_resting_take_profit_does_not_cost_the_position_its_stop() {
    let (mut env, long, executor, seller) = long_at_150(30_000_000).await;
    let market = long.market;
    place(
        &mut env,
        &long,
        OrderArgs {
            reduce_only: true,
            ..order(OrderSide::Ask, OrderType::PostOnly, 1_540, 1_000)
        },
        &[],
    )
    .await;
    let stop =
        place_trigger(&mut env, &long, stop_loss(1_460, 1_400, 1_000), None).await[0].trigger_id;
    set_sources(&mut env, &market, 1_455, 1_458).await;
    place(&mut env, &seller, resting_bid(1_455, 1_000), &[]).await;
    assert_error(
        execute(&mut env, &executor, &long, stop, &[&seller]).await,
        ErrorCode::ReduceOnlyNothingToReduce,
    );
    assert_eq!(triggers(&mut env, &long).await.triggers.count(), 1);
    // Once the take-profit is cancelled, the stop fires.
    env.send(
        &[ix::order_cancel_all(&long.orders(), None)],
        &[&long.wallet],
    )
    .await
    .expect("cancel");
    let fired = execute(&mut env, &executor, &long, stop, &[&seller])
        .await
        .expect("fires");
    assert_eq!(fired.executed.len(), 1);
    finish(&mut env, &market, &[&seller]).await;
}

/// Review of issue 26 (M2b): a small position's stop with a deep worst price is not refused for
/// the executor's fee. Closing one lot at the band's edge frees less maintenance health than
/// the 50,000 fee; the order's margin rule judges the order from the account with the fee paid,
/// as the real check does, so the stop fires.
#[tokio::test]
async fn a_small_positions_stop_with_a_deep_limit_fires() {
    let mut env = TestEnv::new().await;
    let market = env.create_market().await;
    env.update_price(&market).await.expect("price");
    let long = env.funded_trader(&market, 30_000_000).await;
    let seller = env.funded_trader(&market, 30_000_000).await;
    let executor = env.funded_trader(&market, 30_000_000).await;
    crate::program_test::solvency::open_long(&mut env, &long, &seller, 1_500, 1).await;
    let stop = place_trigger(&mut env, &long, stop_loss(1_460, 1, 1), None).await[0].trigger_id;
    set_sources(&mut env, &market, 1_455, 1_458).await;
    place(&mut env, &seller, resting_bid(1_455, 1), &[]).await;
    let fired = execute(&mut env, &executor, &long, stop, &[&seller])
        .await
        .expect("fires");
    assert_eq!(
        fired.executed.len(),
        1,
        "removed: {:?}",
        fired.removed.first().map(|r| r.reason)
    );
    assert_eq!(position(&mut env, &long).await, 0);
    finish(&mut env, &market, &[&seller]).await;
}

/// Second review of issue 26 (M-A): a reduce-only market stop larger than the position closes
/// it and is done — it must not stay armed for a position opened later — and earns all of its
/// fee.
#[tokio::test]
async fn a_stop_larger_than_its_position_is_done_once_the_position_is_closed() {
    let (mut env, long, executor, seller) = long_at_150(30_000_000).await;
    let market = long.market;
    let id =
        place_trigger(&mut env, &long, stop_loss(1_460, 1_400, 2_000), None).await[0].trigger_id;
    set_sources(&mut env, &market, 1_455, 1_458).await;
    place(&mut env, &seller, resting_bid(1_455, 2_000), &[]).await;
    let fired = execute(&mut env, &executor, &long, id, &[&seller])
        .await
        .expect("fires");
    let e = &fired.executed[0];
    assert_eq!((e.base_lots, e.done), (1_000, true));
    assert_eq!(e.fee_quote_lots, FEE as u64);
    assert_eq!(position(&mut env, &long).await, 0);
    assert_eq!(triggers(&mut env, &long).await.triggers.count(), 0);
    finish(&mut env, &market, &[&seller]).await;
}

/// Second review of issue 26 (M-B): what is at the trigger-orders address never makes a
/// liquidation fail — here the keeper passes it after the owner closed it (a keeper's view a
/// slot old, or an owner flipping it to stall liquidations).
#[tokio::test]
async fn a_closed_trigger_account_passed_to_liquidate_does_not_stop_it() {
    let (mut env, long, keeper, _seller) = long_at_150(16_000_000).await;
    let owner = long.wallet.pubkey();
    place_trigger(&mut env, &long, stop_loss(1_460, 1_300, 1_000), None).await;
    env.send(
        &[ix::trigger_orders_close(owner, long.margin_account, owner)],
        &[&long.wallet],
    )
    .await
    .expect("closed");
    env.set_price_ticks(&long.market, 1_380).await;
    let mut accounts = keeper.liquidating(long.margin_account);
    accounts.trigger_orders = Some(trigger_orders_pda(&long.margin_account));
    env.send(&[ix::liquidate(&accounts)], &[&keeper.wallet])
        .await
        .expect("the liquidation lands");
    // Any other account there is refused by its address, never read.
    accounts.trigger_orders = Some(keeper.margin_account);
    assert_anchor_error(
        env.send(&[ix::liquidate(&accounts)], &[&keeper.wallet])
            .await,
        anchor_lang::error::ErrorCode::ConstraintSeeds,
    );
}
