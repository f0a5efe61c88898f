//! Makes the program's events visible where it runs natively (program-test and the local
//! exchange's bank). There `sol_log_data` (what `emit!` calls) goes to program-test's syscall
//! stubs, which do not implement it: the default prints to stdout and the transaction's logs never
//! see it. This wrapper keeps every program-test stub and routes event data through `sol_log`,
//! tagged with a random per-process secret: `Program log: <tag> <base64>`. Every log a client can
//! see first passes through [`to_cluster_form`], which turns exactly those lines into what a
//! validator writes, `Program data: <base64>`. Clients therefore read one form only, and a
//! program that prints `data: …` with `sol_log` cannot pass for an event: it cannot know the tag.

use base64::Engine;
use solana_program::program_stubs::{SyscallStubs, set_syscall_stubs};
use solana_sdk::account_info::AccountInfo;
use solana_sdk::entrypoint::ProgramResult;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use std::sync::{Once, OnceLock};

/// The prefix of a natively written event line (after `Program log: `): random per process (a
/// fresh key's address), so it never appears in a log any program wrote itself.
fn event_tag() -> &'static str {
    static TAG: OnceLock<String> = OnceLock::new();
    TAG.get_or_init(|| format!("event:{}", Keypair::new().pubkey()))
}

/// `logs` as a validator would have written them: the natively written event lines become
/// `Program data: <base64>`; every other line is left as it is. Call on every log collected from
/// a native bank before anything else reads it (the tag must never leave the process).
pub fn to_cluster_form(mut logs: Vec<String>) -> Vec<String> {
    let prefix = format!("Program log: {} ", event_tag());
    for line in &mut logs {
        if let Some(data) = line.strip_prefix(&prefix) {
            *line = format!("Program data: {data}");
        }
    }
    logs
}

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
        self.0
            .sol_log(&format!("{} {}", event_tag(), encoded.join(" ")));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tagged_lines_become_event_lines() {
        let logs = vec![
            format!("Program log: {} AQID", event_tag()),
            "Program log: data: AQID".to_string(),
            "Program log: event:1111 AQID".to_string(),
            "Program data: BAUG".to_string(),
        ];
        assert_eq!(
            to_cluster_form(logs),
            vec![
                "Program data: AQID",
                "Program log: data: AQID",
                "Program log: event:1111 AQID",
                "Program data: BAUG",
            ]
        );
    }
}
