//! Issue 22, finding 3: a pending authority key never expired and could not be revoked — a
//! mistyped, superseded or stolen-before-acceptance key could take the role a year later. Now it
//! must accept within the execution window that starts when the transfer executes, and whoever
//! may cancel such a transfer may revoke it before then.

use crate::program_test::*;
use perp::error::ErrorCode;
use perp::state::{Change, Role};
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;

/// An executed transfer of `role` to a new key (funded to sign).
async fn pending(env: &mut TestEnv, role: Role) -> Keypair {
    let new = Keypair::new();
    env.airdrop(&new.pubkey(), 1_000_000_000).await;
    let change = Change::Authority {
        role,
        new: new.pubkey(),
    };
    env.govern(change, None).await.expect("transfer executes");
    assert_eq!(env.exchange().await.pending[role as usize], new.pubkey());
    new
}

async fn accept(env: &mut TestEnv, key: &Keypair, role: Role) -> TxResult {
    env.send(&[ix::authority_accept(key.pubkey(), role)], &[key])
        .await
}

async fn revoke(env: &mut TestEnv, by: &Keypair, role: Role) -> TxResult {
    env.send(&[ix::authority_revoke(by.pubkey(), role)], &[by])
        .await
}

#[tokio::test]
async fn a_pending_key_expires_with_the_execution_window() {
    let mut env = TestEnv::new().await;
    let key = pending(&mut env, Role::RiskCouncil).await;
    let window = env.exchange().await.execution_window_secs;
    env.warp_seconds(i64::from(window) + 1).await;
    let before = env.exchange().await;
    assert_error(
        accept(&mut env, &key, Role::RiskCouncil).await,
        ErrorCode::PendingAuthorityExpired,
    );
    let after = env.exchange().await;
    assert_eq!(after.risk_council, before.risk_council);
    // Inside the window it takes the role.
    let fresh = pending(&mut env, Role::RiskCouncil).await;
    env.warp_seconds(i64::from(window)).await;
    accept(&mut env, &fresh, Role::RiskCouncil)
        .await
        .expect("accepted at the window's last second");
    assert_eq!(env.exchange().await.risk_council, fresh.pubkey());
}

#[tokio::test]
async fn whoever_may_cancel_a_transfer_may_revoke_its_pending_key() {
    let mut env = TestEnv::new().await;
    let (governance, council, guardian) = (
        env.governance.insecure_clone(),
        env.risk_council.insecure_clone(),
        env.guardian.insecure_clone(),
    );
    let stranger = Keypair::new();
    env.airdrop(&stranger.pubkey(), 1_000_000_000).await;

    // The council's slot: governance or the guardian; not the council, not a stranger.
    let key = pending(&mut env, Role::RiskCouncil).await;
    for (who, error) in [
        (&stranger, ErrorCode::NotCanceller),
        (&council, ErrorCode::NotCanceller),
    ] {
        assert_error(revoke(&mut env, who, Role::RiskCouncil).await, error);
    }
    revoke(&mut env, &guardian, Role::RiskCouncil)
        .await
        .expect("the guardian revokes");
    assert_error(
        accept(&mut env, &key, Role::RiskCouncil).await,
        ErrorCode::NotPendingAuthority,
    );
    assert_error(
        revoke(&mut env, &governance, Role::RiskCouncil).await,
        ErrorCode::NoPendingAuthority,
    );

    // The guardian's own slot: governance or the council, never the guardian.
    let key = pending(&mut env, Role::Guardian).await;
    assert_error(
        revoke(&mut env, &guardian, Role::Guardian).await,
        ErrorCode::GuardianCannotCancelOwnReplacement,
    );
    revoke(&mut env, &council, Role::Guardian)
        .await
        .expect("the council revokes the guardian's replacement");
    assert_error(
        accept(&mut env, &key, Role::Guardian).await,
        ErrorCode::NotPendingAuthority,
    );
    // Governance clears either slot.
    for role in [Role::RiskCouncil, Role::Guardian] {
        let key = pending(&mut env, role).await;
        revoke(&mut env, &governance, role)
            .await
            .expect("governance revokes");
        assert_error(
            accept(&mut env, &key, role).await,
            ErrorCode::NotPendingAuthority,
        );
    }
    let ex = env.exchange().await;
    assert_eq!(ex.guardian, guardian.pubkey());
    assert_eq!(ex.risk_council, council.pubkey());
    assert_eq!(ex.pending, [solana_sdk::pubkey::Pubkey::default(); 3]);
    assert_eq!(ex.pending_expires_at, [0; 3]);
}
