//! Reads a Pyth pull-oracle `PriceUpdateV2` account with the receiver SDK's own type.

use anchor_lang::prelude::*;
use perp_engine::oracle::{Published, SourceFault, SourceReading};
use pyth_solana_receiver_sdk::price_update::{PriceUpdateV2, VerificationLevel};

/// The Pyth receiver program, the only valid owner of a `PriceUpdateV2`.
pub const RECEIVER_PROGRAM_ID: Pubkey = pyth_solana_receiver_sdk::ID;

/// Decodes `info` as a fully verified `PriceUpdateV2` for `feed_id`. Staleness and confidence are
/// graded by the engine.
pub fn read(
    info: &AccountInfo,
    feed_id: &[u8; 32],
) -> core::result::Result<SourceReading, SourceFault> {
    let data = info
        .try_borrow_data()
        .map_err(|_| SourceFault::WrongAccountType)?;
    decode(info.owner, &data, feed_id)
}

/// `read` over an account's owner and bytes (what clients fetch).
pub fn decode(
    owner: &Pubkey,
    data: &[u8],
    feed_id: &[u8; 32],
) -> core::result::Result<SourceReading, SourceFault> {
    if *owner != RECEIVER_PROGRAM_ID {
        return Err(SourceFault::WrongOwner);
    }
    // Checks the account discriminator, then borsh-decodes the fixed-size body.
    let update = PriceUpdateV2::try_deserialize(&mut &data[..])
        .map_err(|_| SourceFault::WrongAccountType)?;
    let message = &update.price_message;
    if message.feed_id != *feed_id {
        return Err(SourceFault::WrongFeed);
    }
    // Partial verification means fewer guardians than the 2/3 quorum signed: refuse it.
    if update.verification_level != VerificationLevel::Full {
        return Err(SourceFault::Unverified);
    }
    Ok(SourceReading {
        mantissa: i128::from(message.price),
        confidence: u128::from(message.conf),
        expo: message.exponent,
        published: Published::UnixTime(message.publish_time),
    })
}
