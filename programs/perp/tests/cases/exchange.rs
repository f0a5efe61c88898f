//! `exchange_initialize`: three distinct authorities, created once.

use crate::program_test::*;
use perp::error::ErrorCode;
use perp_sdk::pda;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;

#[tokio::test]
async fn initialize_records_three_authorities() {
    let mut env = TestEnv::new().await;
    let ex = env.exchange().await;
    assert_eq!(ex.governance, env.governance.pubkey());
    assert_eq!(ex.risk_council, env.risk_council.pubkey());
    assert_eq!(ex.guardian, env.guardian.pubkey());
    assert_eq!(ex.market_count, 0);
}

#[tokio::test]
async fn equal_or_empty_authorities_are_refused() {
    let mut env = TestEnv::uninitialized().await;
    let (a, b) = (Keypair::new().pubkey(), Keypair::new().pubkey());
    for (g, r, gu) in [(a, a, b), (a, b, a), (b, a, a), (a, a, a)] {
        let ix = ix::exchange_initialize(env.payer(), g, r, gu);
        assert_error(env.send(&[ix], &[]).await, ErrorCode::DuplicateAuthority);
    }
    // Nobody holds the default key's secret: a role given to it would be lost for good.
    let none = Pubkey::default();
    for (g, r, gu) in [(none, a, b), (a, none, b), (a, b, none)] {
        let ix = ix::exchange_initialize(env.payer(), g, r, gu);
        assert_error(env.send(&[ix], &[]).await, ErrorCode::InvalidAuthority);
    }
    assert!(
        env.ctx
            .banks_client
            .get_account(pda::exchange_pda())
            .await
            .unwrap()
            .is_none(),
        "nothing created"
    );
}

#[tokio::test]
async fn cannot_initialize_twice() {
    let mut env = TestEnv::new().await;
    let attacker = Keypair::new();
    let ix = ix::exchange_initialize(
        env.payer(),
        attacker.pubkey(),
        Keypair::new().pubkey(),
        Keypair::new().pubkey(),
    );
    assert_error(
        env.send(&[ix], &[]).await,
        ErrorCode::AccountAlreadyInitialized,
    );
    assert_eq!(
        env.exchange().await.governance,
        env.governance.pubkey(),
        "governance unchanged"
    );
}

#[tokio::test]
async fn prefunded_exchange_address_does_not_block_initialize() {
    let mut env = TestEnv::uninitialized().await;
    env.prefund(&pda::exchange_pda()).await;
    let (g, r, gu) = (
        env.governance.pubkey(),
        env.risk_council.pubkey(),
        env.guardian.pubkey(),
    );
    env.send(&[ix::exchange_initialize(env.payer(), g, r, gu)], &[])
        .await
        .expect("initialize despite prefunding");
    assert_eq!(env.exchange().await.governance, g);
}
