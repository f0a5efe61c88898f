//! Reads a Pyth pull-oracle `PriceUpdateV2` account with the engine's decoder (the layout lives
//! in `perp_engine::oracle::accounts`, which the web app runs too).

use anchor_lang::prelude::*;
use perp_engine::oracle::SourceFault;
use perp_engine::oracle::SourceReading;
use perp_engine::oracle::accounts::{PYTH_RECEIVER_PROGRAM, decode_pyth};

/// The Pyth receiver program, the only valid owner of a `PriceUpdateV2`.
pub const RECEIVER_PROGRAM_ID: Pubkey = Pubkey::new_from_array(PYTH_RECEIVER_PROGRAM);

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
    decode_pyth(&owner.to_bytes(), data, feed_id)
}

#[cfg(test)]
mod tests {
    //! The engine's decoder against the receiver SDK's own type, on real and mangled bytes.
    use super::*;
    use perp_engine::oracle::Published;
    use pyth_solana_receiver_sdk::price_update::{
        PriceFeedMessage, PriceUpdateV2, VerificationLevel,
    };
    use rand::{RngCore, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// What the program decoded before the engine owned the layout: the SDK's type.
    fn sdk_decode(
        owner: &Pubkey,
        data: &[u8],
        feed_id: &[u8; 32],
    ) -> core::result::Result<SourceReading, SourceFault> {
        if *owner != pyth_solana_receiver_sdk::ID {
            return Err(SourceFault::WrongOwner);
        }
        let update = PriceUpdateV2::try_deserialize(&mut &data[..])
            .map_err(|_| SourceFault::WrongAccountType)?;
        let m = &update.price_message;
        if m.feed_id != *feed_id {
            return Err(SourceFault::WrongFeed);
        }
        if update.verification_level != VerificationLevel::Full {
            return Err(SourceFault::Unverified);
        }
        Ok(SourceReading {
            mantissa: i128::from(m.price),
            confidence: u128::from(m.conf),
            expo: m.exponent,
            published: Published::UnixTime(m.publish_time),
        })
    }

    #[test]
    fn the_owner_is_the_receiver_sdks() {
        assert_eq!(RECEIVER_PROGRAM_ID, pyth_solana_receiver_sdk::ID);
    }

    #[test]
    fn the_engine_decodes_as_the_receiver_sdk() {
        let feed = [9u8; 32];
        let mut rng = ChaCha8Rng::seed_from_u64(0x2545_f491_4f6c_dd1d);
        let mut next = move || rng.next_u64();
        for case in 0..4_000u64 {
            let level = match case % 3 {
                0 => VerificationLevel::Full,
                _ => VerificationLevel::Partial {
                    num_signatures: (next() % 20) as u8,
                },
            };
            let update = PriceUpdateV2 {
                write_authority: Pubkey::new_from_array([3; 32]),
                verification_level: level,
                price_message: PriceFeedMessage {
                    feed_id: if case % 5 == 0 { [8; 32] } else { feed },
                    price: next() as i64,
                    conf: next(),
                    exponent: next() as i32,
                    publish_time: next() as i64,
                    prev_publish_time: 0,
                    ema_price: 0,
                    ema_conf: 0,
                },
                posted_slot: next(),
            };
            let mut data = Vec::new();
            update.try_serialize(&mut data).unwrap();
            data.resize(PriceUpdateV2::LEN, 0);
            // Mangle some: cut short, flip a byte (discriminator, tag, anywhere).
            match case % 7 {
                1 => data.truncate((next() as usize) % data.len()),
                2 => {
                    let i = (next() as usize) % 48;
                    data[i] ^= 1 << (next() % 8);
                }
                3 => data[40] = (next() % 4) as u8,
                _ => {}
            }
            let owner = if case % 11 == 0 {
                Pubkey::new_from_array([1; 32])
            } else {
                RECEIVER_PROGRAM_ID
            };
            assert_eq!(
                decode(&owner, &data, &feed),
                sdk_decode(&owner, &data, &feed),
                "case {case}"
            );
        }
    }

    #[test]
    fn the_engine_decodes_every_tag_length_and_feed_offset_as_the_receiver_sdk() {
        // An independent review's sweep: every verification tag, every length up to 40 bytes
        // past the account's, the feed where a full, a partial or neither update puts it.
        let feed = [9u8; 32];
        let mut rng = ChaCha8Rng::seed_from_u64(0x9e37_79b9_7f4a_7c15);
        let mut next = move || rng.next_u64();
        for tag in 0..=u8::MAX {
            for feed_at in [41usize, 42, 43] {
                for len in 0..=PriceUpdateV2::LEN + 40 {
                    for fill in [0u8, 0xff, 1] {
                        let mut d: Vec<u8> = (0..len)
                            .map(|_| if fill == 1 { next() as u8 } else { fill })
                            .collect();
                        let head = perp_engine::oracle::accounts::pyth::DISCRIMINATOR;
                        d.iter_mut().zip(head).for_each(|(b, h)| *b = h);
                        if len > 40 {
                            d[40] = tag;
                        }
                        d.iter_mut()
                            .skip(feed_at)
                            .zip(feed)
                            .for_each(|(b, f)| *b = f);
                        let owner = RECEIVER_PROGRAM_ID;
                        assert_eq!(
                            decode(&owner, &d, &feed),
                            sdk_decode(&owner, &d, &feed),
                            "tag {tag}, feed at {feed_at}, {len} bytes"
                        );
                    }
                }
            }
        }
    }
}
