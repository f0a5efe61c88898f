//! The cluster's bank, built the way `solana-program-test` builds one (genesis with all
//! features, the SPL and core BPF programs, the perp program as a native builtin) but owned
//! here, because the local cluster needs what `ProgramTestContext` hides: the bank itself, to
//! list accounts by owner, and control of its blockhashes. program-test registers a new
//! blockhash every 6.4 ms from a background task, so a blockhash would expire after about a
//! second; here a blockhash is registered once per slot, so it lives 150 slots (~60 s), as on
//! a real cluster.

// program-test 3.x marks its whole API as "unstable" (a warning, not a change of behaviour).
#![allow(deprecated)]

use perp_sdk::cluster::bank::{process, program_test};
use solana_accounts_db::accounts_db::ACCOUNTS_DB_CONFIG_FOR_TESTING;
use solana_program_runtime::invoke_context::BuiltinFunctionWithContext;
use solana_program_runtime::loaded_programs::ProgramCacheEntry;
use solana_runtime::bank::Bank;
use solana_runtime::bank_forks::BankForks;
use solana_runtime::genesis_utils::create_genesis_config_with_leader_ex;
use solana_runtime::runtime_config::RuntimeConfig;
use solana_sdk::account::AccountSharedData;
use solana_sdk::clock::Clock;
use solana_sdk::native_token::LAMPORTS_PER_SOL;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::rent::Rent;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use std::sync::{Arc, RwLock};
use tokio::sync::OnceCell;

/// Lamports the faucet (genesis mint) starts with.
const FAUCET_LAMPORTS: u64 = 500_000_000 * LAMPORTS_PER_SOL;

/// Natively, a program's syscalls go through process-wide stubs that program-test installs
/// when it builds its first bank; a throwaway one does it (its context is dropped at once,
/// which stops its blockhash task). Events are then routed into transaction logs.
async fn install_syscall_stubs() {
    static STUBS: OnceCell<()> = OnceCell::const_new();
    STUBS
        .get_or_init(|| async {
            // Quiet unless RUST_LOG asks; set again after `ProgramTest::new`, which replaces
            // the filter with its own (debug for every instruction).
            agave_logger::setup_with_default("error");
            let throwaway = program_test();
            agave_logger::setup_with_default("error");
            drop(throwaway.start_with_context().await);
            perp_sdk::cluster::stubs::route_events_to_logs();
        })
        .await;
}

pub struct LocalBank {
    /// One fork: every slot is rooted when the next starts (the program cache needs the forks).
    forks: Arc<RwLock<BankForks>>,
    /// Held for writing from the ended slot's last tick until the next bank is in place: in
    /// between, the working bank already has the new blockhash but not the new height.
    transition: RwLock<()>,
    faucet: Keypair,
}

impl LocalBank {
    /// A bank at slot 1 with the clock at `unix_timestamp`.
    pub async fn start(unix_timestamp: i64) -> anyhow::Result<Self> {
        install_syscall_stubs().await;
        let rent = Rent::default();
        let faucet = Keypair::new();
        let features = agave_feature_set::FeatureSet::all_enabled();
        let genesis = create_genesis_config_with_leader_ex(
            FAUCET_LAMPORTS,
            &faucet.pubkey(),
            &Pubkey::new_unique(),
            &Pubkey::new_unique(),
            &Pubkey::new_unique(),
            None,
            // The bootstrap validator's stake (rent-exempt vote account and then some).
            1_000_000 * LAMPORTS_PER_SOL,
            42,
            solana_fee_calculator::FeeRateGovernor {
                lamports_per_signature: solana_fee_calculator::DEFAULT_TARGET_LAMPORTS_PER_SIGNATURE
                    / 2,
                ..Default::default()
            },
            rent.clone(),
            solana_cluster_type::ClusterType::Development,
            &features,
            Vec::new(),
        );
        let bank = Bank::new_from_genesis(
            &genesis,
            Arc::new(RuntimeConfig::default()),
            Vec::new(),
            None,
            ACCOUNTS_DB_CONFIG_FOR_TESTING,
            None,
            None,
            Arc::default(),
            None,
            None,
        );
        for (id, account) in solana_program_binaries::spl_programs(&rent) {
            bank.store_account(&id, &account);
        }
        for (id, account) in solana_program_binaries::core_bpf_programs(&rent, |feature| {
            genesis.accounts.contains_key(feature)
        }) {
            bank.store_account(&id, &account);
        }
        // Typed where it is built, so the closure gets the runtime's higher-ranked signature.
        let builtin: Option<BuiltinFunctionWithContext> = solana_program_test::processor!(process);
        let builtin = builtin.ok_or_else(|| anyhow::anyhow!("no native entrypoint"))?;
        bank.add_builtin(
            perp_sdk::perp::ID,
            "perp",
            ProgramCacheEntry::new_builtin(0, "perp".len(), builtin),
        );
        bank.set_capitalization_for_tests(bank.calculate_capitalization_for_tests());
        let local = LocalBank {
            forks: BankForks::new_rw_arc(bank),
            transition: RwLock::new(()),
            faucet,
        };
        local.next_slot(unix_timestamp);
        Ok(local)
    }

    /// The bank transactions execute in now.
    pub fn current(&self) -> Arc<Bank> {
        self.forks.read().expect("bank forks").working_bank()
    }

    /// `f` of the working bank outside a slot change: blockhash, height and slot agree.
    pub fn settled<R>(&self, f: impl FnOnce(&Bank) -> R) -> R {
        let _settled = self.transition.read().expect("transition");
        f(&self.current())
    }

    /// The genesis mint, which pays airdrops.
    pub fn faucet(&self) -> &Keypair {
        &self.faucet
    }

    /// Ends the current slot (its last tick registers a new blockhash), starts the next with
    /// the clock at `unix_timestamp`, and roots the ended one. Callers serialise this with
    /// commits.
    ///
    /// Lock order, as in a validator's replay: the child bank is made outside the forks lock
    /// (making it takes the program cache's lock, and loading programs for a transaction holds
    /// that lock while it reads the forks), and rooting does not touch the program cache.
    pub fn next_slot(&self, unix_timestamp: i64) -> Clock {
        let _changing = self.transition.write().expect("transition");
        let parent = self.current();
        parent.fill_bank_with_ticks_for_tests();
        parent.freeze();
        let collector = *parent.collector_id();
        let child = Bank::new_from_parent(parent.clone(), &collector, parent.slot() + 1);
        let clock = Clock {
            unix_timestamp,
            ..child.clock()
        };
        child.set_sysvar_for_tests(&clock);
        {
            let mut forks = self.forks.write().expect("bank forks");
            forks.insert(child);
            forks.set_root(parent.slot(), None, Some(parent.slot()));
        }
        self.forks
            .read()
            .expect("bank forks")
            .prune_program_cache(parent.slot());
        clock
    }

    /// Writes `account` at `key`, outside any program.
    pub fn set_account(&self, key: &Pubkey, account: &AccountSharedData) {
        self.current().store_account(key, account);
    }
}
