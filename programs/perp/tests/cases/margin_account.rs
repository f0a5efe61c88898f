//! Margin accounts: creation per owner × market × sub-account, delegate, close when flat.

use crate::program_test::*;
use perp::error::ErrorCode;
use perp_sdk::pda;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;

#[tokio::test]
async fn create_records_owner_market_and_sub_account() {
    let mut env = TestEnv::new().await;
    let market = env.create_market().await;
    let owner = Keypair::new();
    let first = env
        .try_create_margin_account(&owner, &market.market, 0)
        .await
        .unwrap();
    let second = env
        .try_create_margin_account(&owner, &market.market, 7)
        .await
        .unwrap();
    assert_ne!(first, second);
    let acc = env.margin_account(&second).await;
    assert_eq!(
        (acc.owner, acc.market, acc.sub_account_id),
        (owner.pubkey(), market.market, 7)
    );
    assert_eq!(acc.delegate, Default::default());
    assert_eq!(acc.collateral, 0);
    // The same sub-account cannot be created twice.
    let again = env
        .try_create_margin_account(&owner, &market.market, 7)
        .await
        .map(|_| ());
    assert_error(again, ErrorCode::AccountAlreadyInitialized);
}

#[tokio::test]
async fn prefunded_margin_account_address_does_not_block_creation() {
    let mut env = TestEnv::new().await;
    let market = env.create_market().await;
    let owner = Keypair::new();
    env.prefund(&pda::margin_account_pda(&market.market, &owner.pubkey(), 0))
        .await;
    let key = env
        .try_create_margin_account(&owner, &market.market, 0)
        .await
        .expect("created despite prefunding");
    assert_eq!(env.margin_account(&key).await.owner, owner.pubkey());
}

#[tokio::test]
async fn only_the_owner_sets_the_delegate() {
    let mut env = TestEnv::new().await;
    let market = env.create_market().await;
    let trader = env.trader(&market, 0).await;
    let delegate = Keypair::new();
    env.set_delegate(&trader, &delegate.pubkey()).await;
    assert_eq!(
        env.margin_account(&trader.margin_account).await.delegate,
        delegate.pubkey()
    );

    // Neither the delegate nor a stranger can change it.
    for signer in [delegate.insecure_clone(), Keypair::new()] {
        let ix = ix::margin_account_set_delegate(
            signer.pubkey(),
            trader.margin_account,
            signer.pubkey(),
        );
        assert_error(
            env.send(&[ix], &[&signer]).await,
            ErrorCode::NotAccountOwner,
        );
    }
    assert_eq!(
        env.margin_account(&trader.margin_account).await.delegate,
        delegate.pubkey()
    );

    // Clearing with the default key.
    let ix = ix::margin_account_set_delegate(
        trader.wallet.pubkey(),
        trader.margin_account,
        Default::default(),
    );
    env.send(&[ix], &[&trader.wallet]).await.unwrap();
    assert_eq!(
        env.margin_account(&trader.margin_account).await.delegate,
        Default::default()
    );
}

/// Issue 22, finding 7: the rent went to the owner, not to whoever paid it; and anyone could
/// keep an account open by depositing 1 unit into it (`AccountNotEmpty`). Now a flat account
/// closes with whatever collateral is left paid out to the owner, and the rent goes back to
/// its payer.
#[tokio::test]
async fn close_pays_out_what_is_left_and_returns_the_rent_to_its_payer() {
    let mut env = TestEnv::new().await;
    let market = env.create_market().await;
    // The owner's account, its rent paid by a sponsor (as an app's relayer would).
    let sponsor = Keypair::new();
    env.airdrop(&sponsor.pubkey(), 1_000_000_000).await;
    let trader = env.sponsored_trader(&market, 1_000_000, &sponsor).await;
    assert_eq!(
        env.margin_account(&trader.margin_account).await.rent_payer,
        sponsor.pubkey()
    );
    let delegate = Keypair::new();
    env.set_delegate(&trader, &delegate.pubkey()).await;
    env.deposit(&trader, 1_000_000).await.unwrap();
    // Someone else's dust lands in the account.
    let griefer = env.trader(&market, 1).await;
    let dust = ix::collateral_deposit(
        &ix::CollateralAccounts {
            margin_account: trader.margin_account,
            ..griefer.collateral_accounts()
        },
        1,
    );
    env.send(&[dust], &[&griefer.wallet]).await.unwrap();

    let close_by = |signer: Pubkey, rent_receiver: Pubkey| {
        ix::margin_account_close(
            &ix::CollateralAccounts {
                signer,
                ..trader.collateral_accounts()
            },
            rent_receiver,
        )
    };
    for signer in [delegate.insecure_clone(), Keypair::new()] {
        assert_error(
            env.send(&[close_by(signer.pubkey(), sponsor.pubkey())], &[&signer])
                .await,
            ErrorCode::NotAccountOwner,
        );
    }
    let owner_key = trader.wallet.pubkey();
    assert_error(
        env.send(&[close_by(owner_key, owner_key)], &[&trader.wallet])
            .await,
        ErrorCode::WrongRentReceiver,
    );
    // With an order resting it is not flat.
    let bid = perp_sdk::ix::order_args(perp::OrderSide::Bid, perp::OrderType::PostOnly, 1_490, 1);
    env.update_price(&market).await.expect("price");
    env.send(
        &[ix::order_place(&trader.orders(), bid, &[])],
        &[&trader.wallet],
    )
    .await
    .unwrap();
    assert_error(
        env.send(&[close_by(owner_key, sponsor.pubkey())], &[&trader.wallet])
            .await,
        ErrorCode::AccountNotEmpty,
    );
    env.send(
        &[ix::order_cancel_all(&trader.orders(), None)],
        &[&trader.wallet],
    )
    .await
    .unwrap();

    let rent = env.lamports(&trader.margin_account).await;
    let sponsor_before = env.lamports(&sponsor.pubkey()).await;
    env.send(&[close_by(owner_key, sponsor.pubkey())], &[&trader.wallet])
        .await
        .unwrap();
    assert_eq!(env.lamports(&trader.margin_account).await, 0, "closed");
    assert_eq!(
        env.lamports(&sponsor.pubkey()).await,
        sponsor_before + rent,
        "rent back to its payer"
    );
    assert_eq!(
        env.token_balance(&trader.token_account).await,
        1_000_001,
        "the collateral and the dust paid out to the owner"
    );
    env.assert_conservation(&market).await;

    // The address can be used again.
    let again = env
        .try_create_margin_account(&trader.wallet, &market.market, 0)
        .await
        .unwrap();
    assert_eq!(env.margin_account(&again).await.collateral, 0);
}
