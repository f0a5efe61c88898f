//! A governance `params_queue` instruction for a DAO proposal: the DAO's governance account
//! signs it when the proposal executes, so the bootstrap cannot send it; it prints it instead.

use anchor_lang::AnchorSerialize;
use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use perp_sdk::perp::state::Change;
use serde::Serialize;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;

/// SPL Governance's `InstructionData` (what a Realms proposal stores and executes), borsh.
#[derive(AnchorSerialize)]
struct GovernanceInstruction {
    program_id: Pubkey,
    accounts: Vec<GovernanceAccountMeta>,
    data: Vec<u8>,
}

#[derive(AnchorSerialize)]
struct GovernanceAccountMeta {
    pubkey: Pubkey,
    is_signer: bool,
    is_writable: bool,
}

#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AccountJson {
    pub pubkey: String,
    pub is_signer: bool,
    pub is_writable: bool,
}

/// The instruction in the forms proposal tools take.
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Proposal {
    pub program_id: String,
    pub accounts: Vec<AccountJson>,
    /// The instruction data alone, base64.
    pub data: String,
    /// The whole instruction as SPL Governance `InstructionData` (borsh), base64.
    pub governance_instruction: String,
}

impl Proposal {
    pub fn of(ix: &Instruction) -> Self {
        let borsh = GovernanceInstruction {
            program_id: ix.program_id,
            accounts: ix
                .accounts
                .iter()
                .map(|a| GovernanceAccountMeta {
                    pubkey: a.pubkey,
                    is_signer: a.is_signer,
                    is_writable: a.is_writable,
                })
                .collect(),
            data: ix.data.clone(),
        };
        let mut bytes = Vec::new();
        // Writing to a Vec cannot fail.
        let _ = borsh.serialize(&mut bytes);
        Proposal {
            program_id: ix.program_id.to_string(),
            accounts: ix
                .accounts
                .iter()
                .map(|a| AccountJson {
                    pubkey: a.pubkey.to_string(),
                    is_signer: a.is_signer,
                    is_writable: a.is_writable,
                })
                .collect(),
            data: BASE64_STANDARD.encode(&ix.data),
            governance_instruction: BASE64_STANDARD.encode(bytes),
        }
    }
}

/// `params_queue` of `change`, signed by `governance`, rent paid by `payer`.
pub fn params_queue(governance: Pubkey, payer: Pubkey, change: Change) -> Proposal {
    let market = match change {
        Change::MarketParams { market_index, .. }
        | Change::MarketOracle { market_index, .. }
        | Change::InsuranceWithdraw { market_index, .. } => {
            Some(perp_sdk::pda::market_pda(market_index))
        }
        _ => None,
    };
    Proposal::of(&perp_sdk::ix::params_queue(
        governance, payer, change, market,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proposal_carries_the_programs_own_instruction() {
        let governance = Pubkey::new_unique();
        let change = Change::Timelock {
            delay_secs: 86_400,
            window_secs: 86_400,
        };
        let p = params_queue(governance, governance, change);
        let ix = perp_sdk::ix::params_queue(governance, governance, change, None);
        assert_eq!(p.program_id, perp_sdk::perp::ID.to_string());
        assert_eq!(BASE64_STANDARD.decode(&p.data).unwrap(), ix.data);
        assert!(
            p.accounts
                .iter()
                .any(|a| a.pubkey == governance.to_string() && a.is_signer)
        );
        // InstructionData = program id, then u32-counted metas (32 + 1 + 1 bytes each), then data.
        let bytes = BASE64_STANDARD.decode(&p.governance_instruction).unwrap();
        assert_eq!(&bytes[..32], perp_sdk::perp::ID.as_ref());
        let n = u32::from_le_bytes(bytes[32..36].try_into().unwrap()) as usize;
        assert_eq!(n, ix.accounts.len());
        assert_eq!(bytes.len(), 36 + 34 * n + 4 + ix.data.len());
    }
}
