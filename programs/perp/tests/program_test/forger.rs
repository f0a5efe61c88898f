//! Another program on the same cluster that prints the program's events: what a forger deploys
//! to put fake fills into indexers and charts (issue 22, finding 4). It writes its instruction
//! data both ways a program can — as event data (`sol_log_data`, `Program data:` on a
//! validator) and as a `Program log: data: <base64>` line — and clients must read neither.

use base64::Engine;
use solana_sdk::account_info::AccountInfo;
use solana_sdk::entrypoint::ProgramResult;
use solana_sdk::instruction::{AccountMeta, Instruction};
use solana_sdk::pubkey::Pubkey;

/// The forger's program id.
pub const FORGER_ID: Pubkey = Pubkey::new_from_array([0xf0; 32]);

/// Its entrypoint: prints `data` as event data and as a log line.
pub fn process(_program_id: &Pubkey, _accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    solana_program::log::sol_log_data(&[data]);
    let b64 = base64::engine::general_purpose::STANDARD.encode(data);
    solana_program::msg!("data: {}", b64);
    Ok(())
}

/// An instruction that prints `payload` (an encoded event), listing our program and `market`
/// so that the transaction mentions them.
pub fn forge(payload: Vec<u8>, market: Pubkey) -> Instruction {
    Instruction {
        program_id: FORGER_ID,
        accounts: vec![
            AccountMeta::new_readonly(perp::ID, false),
            AccountMeta::new_readonly(market, false),
        ],
        data: payload,
    }
}
