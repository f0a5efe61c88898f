//! Issue 22, finding 2: a delegate "may trade, never withdraw", but it traded the owner's account
//! against its own — buying at the top of the order band from its own resting ask, selling back
//! at the bottom into its own resting bid — then withdrew from its own account (the owner's
//! 1,500,000 became 22,649). Now a delegate only trades at prices at least as good for the owner
//! as the oracle reference (`PriceBand::no_worse_than`): at an unchanged index the owner's
//! equity falls by fees at most, whatever the delegate does.
//!
//! The same audit's open question: `liquidate` accepted the keeper account's delegate as the
//! keeper. The transfer is priced at the valid source most favourable to the liquidated account,
//! so a delegate liquidating its own underwater account into the owner's moved the sources'
//! spread (up to the divergence limit) from the owner to itself. Only the owner may now take a
//! liquidation into an account.

use crate::program_test::risk::engine_price;
use crate::program_test::solvency::*;
use crate::program_test::trading::{funded_market, order, place};
use crate::program_test::*;
use perp::error::ErrorCode;
use perp::{OrderArgs, OrderSide, OrderType};
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;

/// The index: 150.
const INDEX: u64 = 1_500;

async fn as_delegate(
    env: &mut TestEnv,
    owner: &Trader,
    delegate: &Keypair,
    args: OrderArgs,
) -> TxResult {
    let ix = ix::order_place(&owner.orders_signed_by(delegate.pubkey()), args, &[]);
    env.send(&[ix], &[delegate]).await
}

#[tokio::test]
async fn a_delegate_cannot_move_value_out_of_the_owners_account() {
    let (mut env, market, _) = listed_with(default_params()).await;
    env.update_price(&market).await.expect("price");
    let owner = env.funded_trader(&market, 1_500_000).await;
    // The delegate's own account, well funded, and its wallet signing for the owner too.
    let attacker = env.funded_trader(&market, 200_000_000).await;
    env.set_delegate(&owner, &attacker.wallet.pubkey()).await;
    let delegate = attacker.wallet.insecure_clone();
    let equity_before = equity(&mut env, &owner, engine_price(INDEX)).await;

    // Its own ask at the band's top; the owner's account buys into it: refused.
    place(
        &mut env,
        &attacker,
        order(OrderSide::Ask, OrderType::PostOnly, 1_570, 9),
        &[],
    )
    .await;
    let top = order(OrderSide::Bid, OrderType::ImmediateOrCancel, 1_570, 9);
    assert_error(
        as_delegate(&mut env, &owner, &delegate, top).await,
        ErrorCode::DelegatePriceWorseThanIndex,
    );
    // A market order (limit = the band's edge) needs an explicit limit.
    let market_buy = order(OrderSide::Bid, OrderType::Market, 0, 9);
    assert_error(
        as_delegate(&mut env, &owner, &delegate, market_buy).await,
        ErrorCode::DelegatePriceWorseThanIndex,
    );
    // Its own bid at the band's bottom; the owner's account sells into it: refused.
    place(
        &mut env,
        &attacker,
        order(OrderSide::Bid, OrderType::PostOnly, 1_430, 9),
        &[],
    )
    .await;
    let bottom = order(OrderSide::Ask, OrderType::ImmediateOrCancel, 1_430, 9);
    assert_error(
        as_delegate(&mut env, &owner, &delegate, bottom).await,
        ErrorCode::DelegatePriceWorseThanIndex,
    );
    // Resting for the owner just past the index is refused too: it would fill at a loss.
    let rest = order(OrderSide::Ask, OrderType::PostOnly, INDEX - 1, 9);
    assert_error(
        as_delegate(&mut env, &owner, &delegate, rest).await,
        ErrorCode::DelegatePriceWorseThanIndex,
    );
    // At the index or better it still runs the account: a bid at the index rests.
    let bid = order(OrderSide::Bid, OrderType::PostOnly, INDEX, 9);
    as_delegate(&mut env, &owner, &delegate, bid)
        .await
        .expect("a delegate's bid at the index");
    // The attacker lifts it from its own account: the owner buys at the index, no worse.
    let lift = order(OrderSide::Ask, OrderType::ImmediateOrCancel, INDEX, 9);
    place(&mut env, &attacker, lift, &[&owner]).await;
    assert_eq!(
        env.margin_account(&owner.margin_account)
            .await
            .trader
            .base_position
            .get(),
        9
    );
    let equity_after = equity(&mut env, &owner, engine_price(INDEX)).await;
    // Only the (maker) fee could have been charged; the preset's maker fee is a rebate or zero.
    assert!(
        equity_after >= equity_before - 1,
        "the owner lost {} at an unchanged index",
        equity_before - equity_after
    );
    // The owner itself may still trade wherever the band allows.
    let own = order(OrderSide::Ask, OrderType::ImmediateOrCancel, 1_430, 9);
    place(&mut env, &owner, own, &[&attacker]).await;
}

#[tokio::test]
async fn a_delegate_cannot_liquidate_into_the_owners_account() {
    let (mut env, maker, attacker) = funded_market(1_500_000).await;
    let market = attacker.market;
    let owner = env.funded_trader(&market, 10_000_000).await;
    env.set_delegate(&owner, &attacker.wallet.pubkey()).await;
    // The attacker's own account: 9x long, underwater after the index falls to 139.
    place(
        &mut env,
        &maker,
        order(OrderSide::Ask, OrderType::Limit, INDEX, 90),
        &[],
    )
    .await;
    place(
        &mut env,
        &attacker,
        order(OrderSide::Bid, OrderType::ImmediateOrCancel, INDEX, 90),
        &[&maker],
    )
    .await;
    env.set_price_ticks(&market, 1_390).await;
    let into_owner = ix::LiquidateAccounts {
        keeper: attacker.wallet.pubkey(),
        ..owner.liquidating(attacker.margin_account)
    };
    let before = env.margin_account(&owner.margin_account).await;
    assert_error(
        env.send(&[ix::liquidate(&into_owner)], &[&attacker.wallet])
            .await,
        ErrorCode::NotAccountOwner,
    );
    let after = env.margin_account(&owner.margin_account).await;
    assert_eq!(
        after.trader.base_position.get(),
        before.trader.base_position.get()
    );
    assert_eq!(after.collateral, before.collateral);
    // The owner itself may take the same liquidation.
    let out = env
        .liquidate(&owner, &attacker.margin_account)
        .await
        .expect("the owner liquidates into its own account");
    assert!(out.liquidated.is_some());
}
