//! Maker margin accounts passed in `remaining_accounts`: fills and outs for them settle inside
//! the instruction (`order_place`) or from the queue (`events_consume`). Each is checked to be
//! a writable margin account of this program in this market, named once and not the taker's own
//! (which the instruction already holds); anything else is refused. Each has its funding settled
//! as it is loaded (its position may change), and the positions it had then are kept so the
//! market's open interest can follow what the book did to them.

use crate::error::ErrorCode;
use crate::events::{BookEventLogged, log_event};
use crate::state::{MarginAccount, Market};
use anchor_lang::Discriminator;
use anchor_lang::prelude::*;
use core::cell::RefMut;
use perp_engine::book::Makers;
use perp_engine::book::events::Event;
use perp_engine::book::order::TraderKey;
use perp_engine::risk::open_interest::OpenInterest;
use perp_engine::trader::Trader;

/// A borrowed maker account and its position when loaded.
type Loaded<'a> = (Pubkey, RefMut<'a, MarginAccount>, i64);

/// Borrowed maker accounts, looked up by address.
pub struct MakerAccounts<'a> {
    market: Pubkey,
    accounts: Vec<Loaded<'a>>,
}

impl<'a> MakerAccounts<'a> {
    /// Borrows every account in `remaining` as a margin account of `market` (at `market_key`)
    /// other than `taker`, settling each one's funding.
    pub fn load(
        remaining: &'a [AccountInfo<'_>],
        market: &Market,
        market_key: Pubkey,
        taker: Pubkey,
    ) -> Result<Self> {
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
            market.settle_funding(&mut account)?;
            let position = account.trader.base_position;
            accounts.push((info.key(), account, position));
        }
        Ok(MakerAccounts {
            market: market_key,
            accounts,
        })
    }

    /// Records in `oi` how each maker's position changed since it was loaded.
    pub fn record_open_interest(&self, oi: &mut OpenInterest) -> Result<()> {
        for (_, account, before) in &self.accounts {
            oi.record(*before, account.trader.base_position)
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

/// One account as the only maker at hand: `liquidate` settles the liquidated account's own
/// queued events with it, wherever they sit in the queue.
pub struct OwnEvents<'a> {
    pub key: Pubkey,
    pub trader: &'a mut Trader,
}

impl Makers for OwnEvents<'_> {
    fn get(&mut self, owner: &TraderKey) -> Option<&mut Trader> {
        (self.key.to_bytes() == *owner).then_some(&mut *self.trader)
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
