//! The two oracle account layouts, read from an account's owner and bytes: a Pyth pull-oracle
//! `PriceUpdateV2` and a Switchboard On-Demand `PullFeedAccountData`. The program reads the
//! accounts an instruction passes with these, and the web app (through the WebAssembly module)
//! the same accounts it subscribes to, so both see the same reading from the same bytes.
//!
//! Pure byte decoding: no Solana types (owners are 32-byte keys). Values are read with
//! `from_le_bytes`, never by casting, so alignment never matters.

use super::source::{Published, SourceFault, SourceReading};

/// A 32-byte account address.
pub type Key = [u8; 32];

/// Pyth's receiver program (`rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ`), the only valid owner
/// of a `PriceUpdateV2`. The program checks it against `pyth_solana_receiver_sdk::ID`.
pub const PYTH_RECEIVER_PROGRAM: Key = [
    12, 183, 250, 187, 82, 247, 166, 72, 187, 91, 49, 125, 154, 1, 139, 144, 87, 203, 2, 71, 116,
    250, 254, 1, 230, 196, 223, 152, 204, 56, 88, 129,
];

/// The Switchboard On-Demand program on mainnet (`SBondMDrcV3K4kxZR1HNVT7osZxAHVHgYXL5Ze1oMUv`),
/// the only valid owner of a pull feed.
pub const SWITCHBOARD_ON_DEMAND_PROGRAM: Key = [
    6, 115, 189, 70, 242, 228, 126, 4, 241, 43, 217, 47, 183, 49, 150, 142, 205, 157, 151, 87, 194,
    116, 218, 135, 71, 111, 70, 92, 4, 12, 101, 115,
];

/// Pyth's `PriceUpdateV2`, as Anchor and borsh lay it out.
pub mod pyth {
    /// Anchor discriminator (sha256("account:PriceUpdateV2")[..8]).
    pub const DISCRIMINATOR: [u8; 8] = [34, 241, 35, 99, 157, 126, 244, 205];
    /// `verification_level`'s borsh tag, after the discriminator and `write_authority`.
    pub const LEVEL: usize = 8 + 32;
    /// Tag of `VerificationLevel::Partial { num_signatures: u8 }` (one more byte follows).
    pub const PARTIAL: u8 = 0;
    /// Tag of `VerificationLevel::Full`.
    pub const FULL: u8 = 1;
    /// `PriceFeedMessage`: feed id, price, conf, exponent, publish time, previous publish
    /// time, EMA price, EMA conf.
    pub const MESSAGE_LEN: usize = 32 + 8 + 8 + 4 + 8 + 8 + 8 + 8;
    /// The account's size (`PriceUpdateV2::LEN`: room for the longer verification level).
    pub const ACCOUNT_LEN: usize = LEVEL + 2 + MESSAGE_LEN + 8;
}

/// Switchboard's `PullFeedAccountData` (SDK 0.13, `#[repr(C)]` as laid out on SBF).
pub mod switchboard {
    /// Anchor discriminator (sha256("account:PullFeedAccountData")[..8]).
    pub const DISCRIMINATOR: [u8; 8] = [196, 27, 108, 196, 10, 215, 219, 40];
    /// Switchboard values (and their std-dev) are fixed-point with 18 decimals.
    pub const EXPO: i32 = -18;
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

/// `N` bytes of `data` at `at`, or `WrongAccountType` when the account is too short.
fn le<const N: usize>(data: &[u8], at: usize) -> Result<[u8; N], SourceFault> {
    let bytes = data.get(at..at + N).ok_or(SourceFault::WrongAccountType)?;
    let mut out = [0u8; N];
    out.copy_from_slice(bytes);
    Ok(out)
}

/// Decodes a fully verified `PriceUpdateV2` for `feed_id`. Faults in the order the account is
/// judged: owner, account type (discriminator, verification tag, length), feed, verification.
/// Staleness and confidence are graded later (`SourceReading::grade`).
pub fn decode_pyth(owner: &Key, data: &[u8], feed_id: &Key) -> Result<SourceReading, SourceFault> {
    use pyth::*;
    if *owner != PYTH_RECEIVER_PROGRAM {
        return Err(SourceFault::WrongOwner);
    }
    if le::<8>(data, 0)? != DISCRIMINATOR {
        return Err(SourceFault::WrongAccountType);
    }
    let [level] = le::<1>(data, LEVEL)?;
    let message = match level {
        PARTIAL => LEVEL + 2,
        FULL => LEVEL + 1,
        _ => return Err(SourceFault::WrongAccountType),
    };
    // The whole struct must be there (the posted slot follows the message), as borsh reads it.
    le::<8>(data, message + MESSAGE_LEN)?;
    if le::<32>(data, message)? != *feed_id {
        return Err(SourceFault::WrongFeed);
    }
    // Partial verification means fewer guardians than the 2/3 quorum signed: refuse it.
    if level != FULL {
        return Err(SourceFault::Unverified);
    }
    let at = message + 32;
    Ok(SourceReading {
        mantissa: i128::from(i64::from_le_bytes(le(data, at)?)),
        confidence: u128::from(u64::from_le_bytes(le(data, at + 8)?)),
        expo: i32::from_le_bytes(le(data, at + 16)?),
        published: Published::UnixTime(i64::from_le_bytes(le(data, at + 20)?)),
    })
}

/// Decodes a Switchboard pull feed's current result. A feed without a result yet reads as stale.
pub fn decode_switchboard(owner: &Key, data: &[u8]) -> Result<SourceReading, SourceFault> {
    use switchboard::*;
    if *owner != SWITCHBOARD_ON_DEMAND_PROGRAM {
        return Err(SourceFault::WrongOwner);
    }
    if data.len() < ACCOUNT_LEN || le::<8>(data, 0)? != DISCRIMINATOR {
        return Err(SourceFault::WrongAccountType);
    }
    let slot = u64::from_le_bytes(le(data, SLOT)?);
    if slot == 0 || le::<1>(data, NUM_SAMPLES)? == [0] {
        return Err(SourceFault::Stale);
    }
    let value = i128::from_le_bytes(le(data, VALUE)?);
    let std_dev = i128::from_le_bytes(le(data, STD_DEV)?);
    Ok(SourceReading {
        mantissa: value,
        confidence: std_dev.unsigned_abs(),
        expo: EXPO,
        published: Published::Slot(slot),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FEED: Key = [7; 32];

    fn pyth_bytes(level: &[u8], price: i64, conf: u64, expo: i32, time: i64) -> [u8; 134] {
        let mut d = [0u8; pyth::ACCOUNT_LEN];
        d[..8].copy_from_slice(&pyth::DISCRIMINATOR);
        let mut at = pyth::LEVEL;
        d[at..at + level.len()].copy_from_slice(level);
        at += level.len();
        d[at..at + 32].copy_from_slice(&FEED);
        d[at + 32..at + 40].copy_from_slice(&price.to_le_bytes());
        d[at + 40..at + 48].copy_from_slice(&conf.to_le_bytes());
        d[at + 48..at + 52].copy_from_slice(&expo.to_le_bytes());
        d[at + 52..at + 60].copy_from_slice(&time.to_le_bytes());
        d
    }

    #[test]
    fn pyth_reads_a_full_update_and_judges_the_rest_in_order() {
        let full = pyth_bytes(&[pyth::FULL], 15_000_000_000, 7_500_000, -8, 1_700);
        let owner = PYTH_RECEIVER_PROGRAM;
        assert_eq!(
            decode_pyth(&owner, &full, &FEED),
            Ok(SourceReading {
                mantissa: 15_000_000_000,
                confidence: 7_500_000,
                expo: -8,
                published: Published::UnixTime(1_700),
            })
        );
        let partial = pyth_bytes(&[pyth::PARTIAL, 13], 1, 0, -8, 1);
        assert_eq!(
            decode_pyth(&owner, &partial, &FEED),
            Err(SourceFault::Unverified)
        );
        assert_eq!(
            decode_pyth(&[0; 32], &full, &FEED),
            Err(SourceFault::WrongOwner)
        );
        assert_eq!(
            decode_pyth(&owner, &full, &[8; 32]),
            Err(SourceFault::WrongFeed)
        );
        let mut bad_tag = full;
        bad_tag[pyth::LEVEL] = 2;
        let mut bad_disc = full;
        bad_disc[0] ^= 1;
        // A full update one byte shorter still holds its posted slot; two bytes do not.
        for data in [
            &bad_tag[..],
            &bad_disc[..],
            &full[..pyth::ACCOUNT_LEN - 2],
            &[][..],
        ] {
            assert_eq!(
                decode_pyth(&owner, data, &FEED),
                Err(SourceFault::WrongAccountType)
            );
        }
        assert!(decode_pyth(&owner, &full[..pyth::ACCOUNT_LEN - 1], &FEED).is_ok());
    }

    #[test]
    fn switchboard_reads_the_current_result() {
        let mut d = [0u8; switchboard::ACCOUNT_LEN];
        d[..8].copy_from_slice(&switchboard::DISCRIMINATOR);
        let owner = SWITCHBOARD_ON_DEMAND_PROGRAM;
        assert_eq!(decode_switchboard(&owner, &d), Err(SourceFault::Stale));
        d[switchboard::VALUE..switchboard::VALUE + 16].copy_from_slice(&150i128.to_le_bytes());
        d[switchboard::STD_DEV..switchboard::STD_DEV + 16].copy_from_slice(&(-2i128).to_le_bytes());
        d[switchboard::NUM_SAMPLES] = 3;
        d[switchboard::SLOT..switchboard::SLOT + 8].copy_from_slice(&99u64.to_le_bytes());
        assert_eq!(
            decode_switchboard(&owner, &d),
            Ok(SourceReading {
                mantissa: 150,
                confidence: 2,
                expo: -18,
                published: Published::Slot(99),
            })
        );
        assert_eq!(
            decode_switchboard(&[1; 32], &d),
            Err(SourceFault::WrongOwner)
        );
        assert_eq!(
            decode_switchboard(&owner, &d[..switchboard::ACCOUNT_LEN - 1]),
            Err(SourceFault::WrongAccountType)
        );
    }
}
