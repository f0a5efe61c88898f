//! Decoding the program's accounts from fetched bytes, with the discriminator checked first so
//! a wrong account is an error, never a misread.

use anchor_lang::{AccountDeserialize, Discriminator, ZeroCopy};
use perp::state::{MarginAccount, Market, TriggerOrders};
use solana_sdk::account::Account;
use solana_sdk::pubkey::Pubkey;

/// Why bytes are not the account asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("account is owned by {0}, not the perp program")]
    WrongOwner(Pubkey),
    #[error("account discriminator is not {0}'s")]
    WrongType(&'static str),
    #[error("account data is {got} bytes, {want} expected")]
    TooShort { got: usize, want: usize },
    #[error("account data does not decode: {0}")]
    Invalid(String),
}

/// A zero-copy account's body, copied out of `data` (heap-allocated: books are large).
pub fn zero_copy<T: ZeroCopy + Discriminator>(data: &[u8]) -> Result<Box<T>, DecodeError> {
    let name = std::any::type_name::<T>()
        .rsplit("::")
        .next()
        .unwrap_or("account");
    let disc = T::DISCRIMINATOR;
    if !data.starts_with(disc) {
        return Err(DecodeError::WrongType(name));
    }
    let want = disc.len() + std::mem::size_of::<T>();
    if data.len() < want {
        return Err(DecodeError::TooShort {
            got: data.len(),
            want,
        });
    }
    let mut out: Box<T> = bytemuck::zeroed_box();
    bytemuck::bytes_of_mut(&mut *out).copy_from_slice(&data[disc.len()..want]);
    Ok(out)
}

/// A zero-copy account of the perp program (owner checked).
pub fn program_zero_copy<T: ZeroCopy + Discriminator>(
    account: &Account,
) -> Result<Box<T>, DecodeError> {
    if account.owner != perp::ID {
        return Err(DecodeError::WrongOwner(account.owner));
    }
    zero_copy(&account.data)
}

/// A borsh (non-zero-copy) account of the perp program, e.g. `Exchange` or `ParamChange`.
pub fn borsh<T: AccountDeserialize>(account: &Account) -> Result<T, DecodeError> {
    if account.owner != perp::ID {
        return Err(DecodeError::WrongOwner(account.owner));
    }
    T::try_deserialize(&mut &account.data[..]).map_err(|e| DecodeError::Invalid(e.to_string()))
}

/// A market account.
pub fn market(account: &Account) -> Result<Box<Market>, DecodeError> {
    program_zero_copy(account)
}

/// A margin account.
pub fn margin_account(account: &Account) -> Result<Box<MarginAccount>, DecodeError> {
    program_zero_copy(account)
}

/// Byte offsets of `MarginAccount::owner` and `::market` in the account (discriminator
/// included), for `getProgramAccounts` memcmp filters.
pub const MARGIN_ACCOUNT_OWNER_OFFSET: usize = 8 + std::mem::offset_of!(MarginAccount, owner);
pub const MARGIN_ACCOUNT_MARKET_OFFSET: usize = 8 + std::mem::offset_of!(MarginAccount, market);

/// Total size of a margin account, for `dataSize` filters.
pub const MARGIN_ACCOUNT_LEN: usize = 8 + std::mem::size_of::<MarginAccount>();

/// `getProgramAccounts` filters selecting `market`'s margin accounts.
pub fn margin_account_filters(market: &Pubkey) -> [crate::AccountFilter; 2] {
    [
        crate::AccountFilter::DataSize(MARGIN_ACCOUNT_LEN as u64),
        crate::AccountFilter::Memcmp {
            offset: MARGIN_ACCOUNT_MARKET_OFFSET,
            bytes: market.to_bytes().to_vec(),
        },
    ]
}

/// A margin account's trigger orders.
pub fn trigger_orders(account: &Account) -> Result<Box<TriggerOrders>, DecodeError> {
    program_zero_copy(account)
}

/// Total size of a trigger-orders account, for `dataSize` filters.
pub const TRIGGER_ORDERS_LEN: usize = TriggerOrders::SPACE;
/// Byte offset of `TriggerOrders::market` in the account (discriminator included).
pub const TRIGGER_ORDERS_MARKET_OFFSET: usize = 8 + std::mem::offset_of!(TriggerOrders, market);

/// `getProgramAccounts` filters selecting `market`'s trigger-orders accounts.
pub fn trigger_orders_filters(market: &Pubkey) -> [crate::AccountFilter; 2] {
    [
        crate::AccountFilter::DataSize(TRIGGER_ORDERS_LEN as u64),
        crate::AccountFilter::Memcmp {
            offset: TRIGGER_ORDERS_MARKET_OFFSET,
            bytes: market.to_bytes().to_vec(),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_other_types_and_short_data() {
        let mut data = MarginAccount::DISCRIMINATOR.to_vec();
        data.resize(MARGIN_ACCOUNT_LEN, 0);
        assert!(zero_copy::<MarginAccount>(&data).is_ok());
        assert_eq!(
            zero_copy::<Market>(&data).err(),
            Some(DecodeError::WrongType("Market"))
        );
        assert!(matches!(
            zero_copy::<MarginAccount>(&data[..MARGIN_ACCOUNT_LEN - 1]),
            Err(DecodeError::TooShort { .. })
        ));
        let foreign = Account {
            owner: Pubkey::new_unique(),
            data,
            ..Account::default()
        };
        assert!(matches!(
            margin_account(&foreign),
            Err(DecodeError::WrongOwner(_))
        ));
    }
}
