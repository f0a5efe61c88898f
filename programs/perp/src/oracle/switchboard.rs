//! Reads a Switchboard On-Demand `PullFeedAccountData` account with the engine's decoder (the
//! layout lives in `perp_engine::oracle::accounts`, which the web app runs too).
//!
//! We do not link `switchboard-on-demand`: for four fields it would pull ~35 crates (protobuf
//! code generation, secp256k1) into the program. The engine's offsets are those of the SDK 0.13
//! `#[repr(C)]` struct as laid out on SBF (i128 aligned to 8); the struct's explicit padding makes
//! them identical on x86-64, checked against the SDK with `offset_of!` (the SDK's `SbPullFeed` writer).

use anchor_lang::prelude::*;
use perp_engine::oracle::accounts::{SWITCHBOARD_ON_DEMAND_PROGRAM, decode_switchboard};
use perp_engine::oracle::{SourceFault, SourceReading};

/// The Switchboard On-Demand program (mainnet), the only valid owner of a pull feed.
pub const ON_DEMAND_PROGRAM_ID: Pubkey = Pubkey::new_from_array(SWITCHBOARD_ON_DEMAND_PROGRAM);

/// Decodes `info` as a pull feed's current result. A feed without a result yet reads as stale.
pub fn read(info: &AccountInfo) -> core::result::Result<SourceReading, SourceFault> {
    let data = info
        .try_borrow_data()
        .map_err(|_| SourceFault::WrongAccountType)?;
    decode(info.owner, &data)
}

/// `read` over an account's owner and bytes (what clients fetch).
pub fn decode(owner: &Pubkey, data: &[u8]) -> core::result::Result<SourceReading, SourceFault> {
    decode_switchboard(&owner.to_bytes(), data)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_owner_is_switchboards_mainnet_program() {
        assert_eq!(
            super::ON_DEMAND_PROGRAM_ID,
            anchor_lang::prelude::pubkey!("SBondMDrcV3K4kxZR1HNVT7osZxAHVHgYXL5Ze1oMUv")
        );
    }
}
