//! Makes the program's events visible to tests. Natively, `sol_log_data` (what `emit!` calls)
//! goes to program-test's syscall stubs, which do not implement it: the default prints to stdout
//! and the transaction's logs never see it. This wrapper keeps every program-test stub and routes
//! event data through `sol_log`, so it lands in the logs as `Program log: data: <base64>`.

use base64::Engine;
use solana_program::program_stubs::{SyscallStubs, set_syscall_stubs};
use solana_sdk::account_info::AccountInfo;
use solana_sdk::entrypoint::ProgramResult;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use std::sync::Once;

/// The log prefix an event line carries after `Program log: `.
pub const EVENT_LOG_PREFIX: &str = "Program log: data: ";

struct EventLogStubs(Box<dyn SyscallStubs>);

/// Wraps the stubs program-test installed (call after the first `ProgramTest` has started).
pub fn route_events_to_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let placeholder: Box<dyn SyscallStubs> = Box::new(EventLogStubs(Box::new(Unset)));
        let program_test = set_syscall_stubs(placeholder);
        set_syscall_stubs(Box::new(EventLogStubs(program_test)));
    });
}

/// Only ever sits in the global slot between two `set_syscall_stubs` calls inside `ONCE`.
struct Unset;
impl SyscallStubs for Unset {}

impl SyscallStubs for EventLogStubs {
    fn sol_log_data(&self, fields: &[&[u8]]) {
        let b64 = base64::engine::general_purpose::STANDARD;
        let encoded: Vec<String> = fields.iter().map(|f| b64.encode(f)).collect();
        self.0.sol_log(&format!("data: {}", encoded.join(" ")));
    }

    fn sol_log(&self, message: &str) {
        self.0.sol_log(message)
    }
    fn sol_log_compute_units(&self) {
        self.0.sol_log_compute_units()
    }
    fn sol_remaining_compute_units(&self) -> u64 {
        self.0.sol_remaining_compute_units()
    }
    fn sol_invoke_signed(
        &self,
        instruction: &Instruction,
        account_infos: &[AccountInfo],
        signers_seeds: &[&[&[u8]]],
    ) -> ProgramResult {
        self.0
            .sol_invoke_signed(instruction, account_infos, signers_seeds)
    }
    fn sol_get_sysvar(&self, id: *const u8, var: *mut u8, offset: u64, length: u64) -> u64 {
        self.0.sol_get_sysvar(id, var, offset, length)
    }
    fn sol_get_clock_sysvar(&self, var: *mut u8) -> u64 {
        self.0.sol_get_clock_sysvar(var)
    }
    fn sol_get_epoch_schedule_sysvar(&self, var: *mut u8) -> u64 {
        self.0.sol_get_epoch_schedule_sysvar(var)
    }
    fn sol_get_fees_sysvar(&self, var: *mut u8) -> u64 {
        self.0.sol_get_fees_sysvar(var)
    }
    fn sol_get_rent_sysvar(&self, var: *mut u8) -> u64 {
        self.0.sol_get_rent_sysvar(var)
    }
    fn sol_get_epoch_rewards_sysvar(&self, var: *mut u8) -> u64 {
        self.0.sol_get_epoch_rewards_sysvar(var)
    }
    fn sol_get_last_restart_slot(&self, var: *mut u8) -> u64 {
        self.0.sol_get_last_restart_slot(var)
    }
    fn sol_get_epoch_stake(&self, vote_address: *const u8) -> u64 {
        self.0.sol_get_epoch_stake(vote_address)
    }
    unsafe fn sol_memcpy(&self, dst: *mut u8, src: *const u8, n: usize) {
        unsafe { self.0.sol_memcpy(dst, src, n) }
    }
    unsafe fn sol_memmove(&self, dst: *mut u8, src: *const u8, n: usize) {
        unsafe { self.0.sol_memmove(dst, src, n) }
    }
    unsafe fn sol_memcmp(&self, s1: *const u8, s2: *const u8, n: usize, result: *mut i32) {
        unsafe { self.0.sol_memcmp(s1, s2, n, result) }
    }
    unsafe fn sol_memset(&self, s: *mut u8, c: u8, n: usize) {
        unsafe { self.0.sol_memset(s, c, n) }
    }
    fn sol_get_return_data(&self) -> Option<(Pubkey, Vec<u8>)> {
        self.0.sol_get_return_data()
    }
    fn sol_set_return_data(&self, data: &[u8]) {
        self.0.sol_set_return_data(data)
    }
    fn sol_get_processed_sibling_instruction(&self, index: usize) -> Option<Instruction> {
        self.0.sol_get_processed_sibling_instruction(index)
    }
    fn sol_get_stack_height(&self) -> u64 {
        self.0.sol_get_stack_height()
    }
}
