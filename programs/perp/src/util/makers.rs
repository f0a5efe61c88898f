//! Maker margin accounts passed in `remaining_accounts`: fills and outs for them settle inside
//! the instruction (`order_place`) or from the queue (`events_consume`). Each is checked to be
//! a writable margin account of this program in this market, named once and not the taker's own
//! (which the instruction already holds); anything else is refused.

use crate::error::ErrorCode;
use crate::events::{BookEventLogged, log_event};
use crate::state::MarginAccount;
use anchor_lang::Discriminator;
use anchor_lang::prelude::*;
use core::cell::RefMut;
use perp_engine::book::Makers;
use perp_engine::book::events::Event;
use perp_engine::book::order::TraderKey;
use perp_engine::trader::Trader;

/// Borrowed maker accounts, looked up by address.
pub struct MakerAccounts<'a> {
    market: Pubkey,
    accounts: Vec<(Pubkey, RefMut<'a, MarginAccount>)>,
}

impl<'a> MakerAccounts<'a> {
    /// Borrows every account in `remaining` as a margin account of `market` other than
    /// `taker`.
    pub fn load(remaining: &'a [AccountInfo<'_>], market: Pubkey, taker: Pubkey) -> Result<Self> {
        let mut accounts: Vec<(Pubkey, RefMut<'a, MarginAccount>)> =
            Vec::with_capacity(remaining.len());
        for info in remaining {
            require!(
                info.owner == &crate::ID
                    && info.is_writable
                    && *info.key != taker
                    && accounts.iter().all(|(key, _)| key != info.key),
                ErrorCode::WrongMakerAccount
            );
            let data = info.try_borrow_mut_data()?;
            require!(
                data.len() >= MarginAccount::SPACE && data[..8] == *MarginAccount::DISCRIMINATOR,
                ErrorCode::WrongMakerAccount
            );
            let account = RefMut::map(data, |d| {
                bytemuck::from_bytes_mut::<MarginAccount>(&mut d[8..MarginAccount::SPACE])
            });
            require_keys_eq!(account.market, market, ErrorCode::WrongMakerAccount);
            accounts.push((info.key(), account));
        }
        Ok(MakerAccounts { market, accounts })
    }
}

impl Makers for MakerAccounts<'_> {
    fn get(&mut self, owner: &TraderKey) -> Option<&mut Trader> {
        self.accounts
            .iter_mut()
            .find(|(key, _)| key.to_bytes() == *owner)
            .map(|(_, account)| &mut account.trader)
    }

    fn record(&mut self, e: &Event) {
        log_event(&BookEventLogged {
            market: self.market,
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
}
