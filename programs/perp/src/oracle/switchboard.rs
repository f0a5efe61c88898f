//! Reads a Switchboard On-Demand `PullFeedAccountData` account from its documented byte layout.
//!
//! We do not link `switchboard-on-demand`: for four fields it would pull ~35 crates (protobuf
//! code generation, secp256k1) into the program. The offsets below are those of the SDK 0.13
//! `#[repr(C)]` struct as laid out on SBF (i128 aligned to 8); the struct's explicit padding makes
//! them identical on x86-64, checked against the SDK with `offset_of!`. Values are read with
//! `from_le_bytes`, never by casting, so alignment never matters.

use anchor_lang::prelude::*;
use perp_engine::oracle::{Published, SourceFault, SourceReading};

/// The Switchboard On-Demand program (mainnet), the only valid owner of a pull feed.
pub const ON_DEMAND_PROGRAM_ID: Pubkey = pubkey!("SBondMDrcV3K4kxZR1HNVT7osZxAHVHgYXL5Ze1oMUv");

/// Anchor discriminator of `PullFeedAccountData` (sha256("account:PullFeedAccountData")[..8]).
pub const DISCRIMINATOR: [u8; 8] = [196, 27, 108, 196, 10, 215, 219, 40];

/// Switchboard values (and their std-dev) are fixed-point with 18 decimals.
pub const EXPO: i32 = -18;

/// Byte offsets in the account (discriminator included).
pub mod offsets {
    /// Start of the struct after the 8-byte discriminator.
    const BODY: usize = 8;
    /// `result: CurrentResult` (after 32 submissions of 64 bytes and the feed's metadata).
    const RESULT: usize = BODY + 2256;
    /// `result.value: i128`, the median of the quorum's submissions.
    pub const VALUE: usize = RESULT;
    /// `result.std_dev: i128`.
    pub const STD_DEV: usize = RESULT + 16;
    /// `result.num_samples: u8`.
    pub const NUM_SAMPLES: usize = RESULT + 96;
    /// `result.slot: u64`, the slot the result was produced at (0 = never).
    pub const SLOT: usize = RESULT + 104;
    /// Whole account length.
    pub const ACCOUNT_LEN: usize = BODY + 3200;
}

fn le<const N: usize>(data: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&data[at..at + N]);
    out
}

/// Decodes `info` as a pull feed's current result. A feed without a result yet reads as stale.
pub fn read(info: &AccountInfo) -> core::result::Result<SourceReading, SourceFault> {
    let data = info
        .try_borrow_data()
        .map_err(|_| SourceFault::WrongAccountType)?;
    decode(info.owner, &data)
}

/// `read` over an account's owner and bytes (what clients fetch).
pub fn decode(owner: &Pubkey, data: &[u8]) -> core::result::Result<SourceReading, SourceFault> {
    if *owner != ON_DEMAND_PROGRAM_ID {
        return Err(SourceFault::WrongOwner);
    }
    if data.len() < offsets::ACCOUNT_LEN || data[..8] != DISCRIMINATOR {
        return Err(SourceFault::WrongAccountType);
    }
    let slot = u64::from_le_bytes(le(data, offsets::SLOT));
    if slot == 0 || data[offsets::NUM_SAMPLES] == 0 {
        return Err(SourceFault::Stale);
    }
    let value = i128::from_le_bytes(le(data, offsets::VALUE));
    let std_dev = i128::from_le_bytes(le(data, offsets::STD_DEV));
    Ok(SourceReading {
        mantissa: value,
        confidence: std_dev.unsigned_abs(),
        expo: EXPO,
        published: Published::Slot(slot),
    })
}
