//! Margin accounts: creation per owner × market × sub-account, delegate, close when empty.

use crate::program_test::*;
use perp::error::ErrorCode;
use perp_sdk::pda;
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

#[tokio::test]
async fn close_only_when_empty_and_only_by_owner_with_rent_back() {
    let mut env = TestEnv::new().await;
    let market = env.create_market().await;
    let trader = env.trader(&market, 1_000).await;
    let delegate = Keypair::new();
    env.set_delegate(&trader, &delegate.pubkey()).await;
    env.deposit(&trader, 1_000).await.unwrap();

    let close = ix::margin_account_close(trader.wallet.pubkey(), trader.margin_account);
    assert_error(
        env.send(std::slice::from_ref(&close), &[&trader.wallet])
            .await,
        ErrorCode::AccountNotEmpty,
    );
    for signer in [delegate.insecure_clone(), Keypair::new()] {
        let ix = ix::margin_account_close(signer.pubkey(), trader.margin_account);
        assert_error(
            env.send(&[ix], &[&signer]).await,
            ErrorCode::NotAccountOwner,
        );
    }

    env.withdraw(&trader, 1_000).await.unwrap();
    let rent = env.lamports(&trader.margin_account).await;
    let before = env.lamports(&trader.wallet.pubkey()).await;
    env.send(&[close], &[&trader.wallet]).await.unwrap();
    assert_eq!(
        env.lamports(&trader.margin_account).await,
        0,
        "account closed"
    );
    assert_eq!(
        env.lamports(&trader.wallet.pubkey()).await,
        before + rent,
        "rent back to owner"
    );
    env.assert_conservation(&market).await;

    // The address can be used again.
    let again = env
        .try_create_margin_account(&trader.wallet, &market.market, 0)
        .await
        .unwrap();
    assert_eq!(env.margin_account(&again).await.collateral, 0);
}
