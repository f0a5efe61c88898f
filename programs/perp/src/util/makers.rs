//! Maker margin accounts passed in `remaining_accounts`: fills and outs for them settle inside
//! the instruction (`order_place`) or from the queue (`events_consume`). Each is checked to be
//! a writable margin account of this program in this market, named once and not the taker's own
//! (which the instruction already holds); anything else is refused. Each is opened on the
//! market's ledger as it is loaded (funding settled: its position may change), and closed on it
//! once the book is done (`close`), so open interest follows what the book did to them.

use crate::error::ErrorCode;
use crate::events::{BookEventLogged, FundingPayments, log_event};
use crate::state::MarginAccount;
use anchor_lang::Discriminator;
use anchor_lang::prelude::*;
use core::cell::RefMut;
use perp_engine::book::Makers;
use perp_engine::book::events::Event;
use perp_engine::book::order::TraderKey;
use perp_engine::risk::position::{Ledger, Opened};
use perp_engine::trader::Trader;

/// The most maker accounts one instruction takes. Each may pay or receive funding, logged as
/// `FundingPaid` lines (nine payments a line); with the taker and 32 fills the worst case stays
/// under a validator's 10 KB of logs whatever the transaction's format (a lookup table could
/// otherwise name 60 makers). It is also the most a legacy transaction can name beside
/// `order_place`'s own accounts.
pub const MAX_MAKER_ACCOUNTS: usize = 24;

/// A borrowed maker account, opened on the ledger.
type Loaded<'a> = (Pubkey, RefMut<'a, MarginAccount>, Opened);

/// Borrowed maker accounts, looked up by address.
pub struct MakerAccounts<'a> {
    market: Pubkey,
    accounts: Vec<Loaded<'a>>,
}

impl<'a> MakerAccounts<'a> {
    /// Borrows every account in `remaining` as a margin account of the market at `market_key`
    /// other than `taker`, opening each on the market's `ledger` (what funding settles is added
    /// to `funding`).
    pub fn load(
        remaining: &'a [AccountInfo<'_>],
        ledger: &Ledger,
        market_key: Pubkey,
        taker: Pubkey,
        funding: &mut FundingPayments,
    ) -> Result<Self> {
        require!(
            remaining.len() <= MAX_MAKER_ACCOUNTS,
            ErrorCode::TooManyMakerAccounts
        );
        let mut accounts: Vec<Loaded<'a>> = Vec::with_capacity(remaining.len());
        for info in remaining {
            require!(
                info.owner == &crate::ID
                    && info.is_writable
                    && *info.key != taker
                    && *info.key != market_key
                    && accounts.iter().all(|(key, _, _)| key != info.key),
                ErrorCode::WrongMakerAccount
            );
            let data = info.try_borrow_mut_data()?;
            require!(
                data.len() >= MarginAccount::SPACE && data[..8] == *MarginAccount::DISCRIMINATOR,
                ErrorCode::WrongMakerAccount
            );
            let mut account = RefMut::map(data, |d| {
                bytemuck::from_bytes_mut::<MarginAccount>(&mut d[8..MarginAccount::SPACE])
            });
            require_keys_eq!(account.market, market_key, ErrorCode::WrongMakerAccount);
            let account_ref = &mut *account;
            let opened = ledger
                .open(&mut account_ref.trader, &mut account_ref.funding)
                .map_err(ErrorCode::from)?;
            funding.opened(info.key(), &opened);
            accounts.push((info.key(), account, opened));
        }
        Ok(MakerAccounts {
            market: market_key,
            accounts,
        })
    }

    /// Closes every maker on `ledger`: open interest follows how each one's position moved.
    pub fn close(&self, ledger: &mut Ledger) -> Result<()> {
        for (_, account, opened) in &self.accounts {
            ledger
                .close(*opened, &account.trader)
                .map_err(ErrorCode::from)?;
        }
        Ok(())
    }
}

impl Makers for MakerAccounts<'_> {
    fn get(&mut self, owner: &TraderKey) -> Option<&mut Trader> {
        self.accounts
            .iter_mut()
            .find(|(key, _, _)| key.to_bytes() == *owner)
            .map(|(_, account, _)| &mut account.trader)
    }

    fn record(&mut self, e: &Event) {
        log_book_event(self.market, e);
    }
}

/// Logs a fill or out of `market` when the book makes it (once: settling it later from the
/// queue logs nothing more, so an indexer records each fill once).
fn log_book_event(market: Pubkey, e: &Event) {
    log_event(&BookEventLogged {
        market,
        kind: e.kind,
        maker_side: e.maker_side,
        maker: Pubkey::new_from_array(e.maker),
        taker: Pubkey::new_from_array(e.taker),
        order_id: e.order_id().0,
        client_order_id: e.client_order_id,
        price_ticks: e.price,
        base_lots: e.base_lots,
        maker_fee: e.maker_fee,
        timestamp: e.timestamp,
    });
}
