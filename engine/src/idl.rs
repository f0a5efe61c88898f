//! IDL descriptions of the engine types that live inside the program's accounts (the margin
//! account's trader state, the market's risk and funding state, the order book and the event
//! queue), so Anchor's IDL build can describe those accounts to clients. Only with the
//! `idl-build` feature, which the program's own `idl-build` turns on; the engine proper stays
//! free of Solana and Anchor.
//!
//! Each description lists the struct's fields in declaration order; `tests::layouts_match`
//! checks every described size against `size_of`, so a field added to a struct and not here
//! fails.

// The engine is `no_std`; IDL generation runs on a host.
extern crate std;

use crate::book::OrderBook;
use crate::book::critbit::{CritbitTree, Node};
use crate::book::side::BookSide;
use crate::events::{Event, EventQueue};
use crate::order::RestingOrder;
use crate::risk::funding::{Funding, FundingSample, FundingSnapshot};
use crate::risk::open_interest::OpenInterest;
use crate::risk::state::MarketRisk;
use crate::risk::volatility::Volatility;
use crate::trader::{OpenOrder, Trader};
use crate::trigger::{TriggerOrder, TriggerSlots};
use anchor_lang_idl::build::IdlBuild;
use anchor_lang_idl::types::{
    IdlArrayLen, IdlDefinedFields, IdlField, IdlRepr, IdlReprModifier, IdlSerialization, IdlType,
    IdlTypeDef, IdlTypeDefTy,
};
use std::boxed::Box;
use std::collections::BTreeMap;
use std::string::String;
use std::vec::Vec;
use std::{format, vec};

/// How a field's type appears in the IDL, and the definitions it needs.
pub trait Described {
    fn idl() -> IdlType;
    fn register(_types: &mut BTreeMap<String, IdlTypeDef>) {}
}

macro_rules! primitive {
    ($($t:ty => $v:ident),* $(,)?) => {$(
        impl Described for $t {
            fn idl() -> IdlType {
                IdlType::$v
            }
        }
    )*};
}

primitive!(u8 => U8, u32 => U32, u64 => U64, i64 => I64, u128 => U128);

impl<T: Described, const N: usize> Described for [T; N] {
    fn idl() -> IdlType {
        IdlType::Array(Box::new(T::idl()), IdlArrayLen::Value(N))
    }
    fn register(types: &mut BTreeMap<String, IdlTypeDef>) {
        T::register(types);
    }
}

/// A `#[repr(C)]` bytemuck struct named `$name` with `$field: $ty` in declaration order.
fn struct_def(name: String, fields: Vec<IdlField>) -> IdlTypeDef {
    IdlTypeDef {
        name,
        docs: Vec::new(),
        serialization: IdlSerialization::Bytemuck,
        repr: Some(IdlRepr::C(IdlReprModifier {
            packed: false,
            align: None,
        })),
        generics: Vec::new(),
        ty: IdlTypeDefTy::Struct {
            fields: Some(IdlDefinedFields::Named(fields)),
        },
    }
}

/// Registers `T`'s definition (and its own) under its path.
fn register<T: IdlBuild>(types: &mut BTreeMap<String, IdlTypeDef>) {
    if let Some(def) = T::create_type() {
        types.insert(T::get_full_path(), def);
        T::insert_types(types);
    }
}

macro_rules! describe {
    ([$($generics:tt)*] $ty:ty, $path:expr, { $($field:ident: $fty:ty),* $(,)? }) => {
        impl<$($generics)*> IdlBuild for $ty {
            fn create_type() -> Option<IdlTypeDef> {
                Some(struct_def(
                    Self::get_full_path(),
                    vec![$(IdlField {
                        name: stringify!($field).into(),
                        docs: Vec::new(),
                        ty: <$fty as Described>::idl(),
                    }),*],
                ))
            }
            fn insert_types(types: &mut BTreeMap<String, IdlTypeDef>) {
                $(<$fty as Described>::register(types);)*
            }
            fn get_full_path() -> String {
                $path
            }
        }

        impl<$($generics)*> Described for $ty {
            fn idl() -> IdlType {
                IdlType::Defined {
                    name: <$ty as IdlBuild>::get_full_path(),
                    generics: Vec::new(),
                }
            }
            fn register(types: &mut BTreeMap<String, IdlTypeDef>) {
                register::<$ty>(types);
            }
        }
    };
}

describe!([] OpenOrder, "perp_engine::trader::OpenOrder".into(), {
    order_id: [u64; 2],
    client_order_id: u64,
    price: u64,
    base_lots: u64,
    side: u8,
    padding: [u8; 3],
    book_leaf: u32,
});

describe!([] Trader, "perp_engine::trader::Trader".into(), {
    base_position: i64,
    quote_entry: i64,
    realised_pnl: i64,
    fees_paid: i64,
    bids_base_lots: u64,
    bids_quote_lots: u64,
    asks_base_lots: u64,
    asks_quote_lots: u64,
    slots_in_use: u32,
    padding: u32,
    orders: [OpenOrder; crate::trader::MAX_OPEN_ORDERS],
});

describe!([] TriggerOrder, "perp_engine::trigger::TriggerOrder".into(), {
    id: u64,
    client_order_id: u64,
    trigger_price_ticks: u64,
    limit_price_ticks: u64,
    base_lots: u64,
    expires_at: i64,
    linked_id: u64,
    filled_lots: u64,
    placed_by: [u8; 32],
    direction: u8,
    side: u8,
    kind: u8,
    reduce_only: u8,
    by_delegate: u8,
    padding: [u8; 3],
    delegation: u32,
    padding2: [u8; 4],
});

describe!([] TriggerSlots, "perp_engine::trigger::TriggerSlots".into(), {
    next_id: u64,
    slots: [TriggerOrder; crate::trigger::MAX_TRIGGERS],
});

describe!([] FundingSnapshot, "perp_engine::risk::funding::FundingSnapshot".into(), {
    long_index: i64,
    short_index: i64,
});

describe!([] Funding, "perp_engine::risk::funding::Funding".into(), {
    long_index: i64,
    short_index: i64,
    interval_start: i64,
    last_sample_at: i64,
    premium_sum: i64,
    index_sum: u64,
    sampled_secs: u64,
});

describe!([] FundingSample, "perp_engine::risk::funding::FundingSample".into(), {
    premium: i64,
    index: u64,
});

describe!([] OpenInterest, "perp_engine::risk::open_interest::OpenInterest".into(), {
    long_lots: u64,
    short_lots: u64,
});

describe!([] Volatility, "perp_engine::risk::volatility::Volatility".into(), {
    last_price: u64,
    last_at: i64,
    variance_e18: u64,
});

describe!([] MarketRisk, "perp_engine::risk::state::MarketRisk".into(), {
    vol: Volatility,
    maintenance_bps: u64,
    updated_at: i64,
});

describe!([] Node, "perp_engine::book::critbit::Node".into(), {
    words: [u64; 2],
    links: [u32; 2],
    parent: u32,
    crit_bit: u8,
    tag: u8,
    padding: [u8; 2],
});

describe!([] RestingOrder, "perp_engine::book::order::RestingOrder".into(), {
    owner: [u8; 32],
    base_lots: u64,
    client_order_id: u64,
    expires_at: i64,
    reserved: [u8; 8],
});

describe!([] Event, "perp_engine::book::events::Event".into(), {
    kind: u8,
    maker_side: u8,
    padding: [u8; 6],
    timestamp: i64,
    seq: u64,
    maker: [u8; 32],
    taker: [u8; 32],
    order_id: [u64; 2],
    client_order_id: u64,
    price: u64,
    base_lots: u64,
    maker_fee: i64,
});

// Generic containers are named with their sizes (an IDL defined type has no const generics
// of its own here): `OrderBook_4096_8192`.
describe!([const LEAVES: usize, const NODES: usize] CritbitTree<LEAVES, NODES>,
    format!("perp_engine::book::critbit::CritbitTree_{LEAVES}_{NODES}"), {
    root: u32,
    leaf_count: u32,
    free_head: u32,
    bump: u32,
    min_leaf: u32,
    padding: u32,
    nodes: [Node; NODES],
});

describe!([const CAP: usize, const NODES: usize] BookSide<CAP, NODES>,
    format!("perp_engine::book::side::BookSide_{CAP}_{NODES}"), {
    tree: CritbitTree<CAP, NODES>,
    free_head: u32,
    bump: u32,
    orders: [RestingOrder; CAP],
});

describe!([const CAP: usize, const NODES: usize] OrderBook<CAP, NODES>,
    format!("perp_engine::book::OrderBook_{CAP}_{NODES}"), {
    next_seq: u64,
    fees_accrued: i64,
    bids: BookSide<CAP, NODES>,
    asks: BookSide<CAP, NODES>,
});

describe!([const N: usize] EventQueue<N>, format!("perp_engine::book::events::EventQueue_{N}"), {
    head: u32,
    len: u32,
    next_seq: u64,
    queued_fill_lots: [u64; 2],
    events: [Event; N],
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::{MarketBook, MarketEventQueue};

    /// (size, alignment) of `ty` laid out as `#[repr(C)]`.
    fn layout(ty: &IdlType, types: &BTreeMap<String, IdlTypeDef>) -> (usize, usize) {
        match ty {
            IdlType::U8 => (1, 1),
            IdlType::U32 => (4, 4),
            IdlType::U64 | IdlType::I64 => (8, 8),
            IdlType::U128 => (16, 16),
            IdlType::Array(elem, IdlArrayLen::Value(n)) => {
                let (size, align) = layout(elem, types);
                (size * n, align)
            }
            IdlType::Defined { name, .. } => {
                let def = &types[name];
                let IdlTypeDefTy::Struct {
                    fields: Some(IdlDefinedFields::Named(fields)),
                } = &def.ty
                else {
                    panic!("{name} is not a struct");
                };
                let (mut offset, mut align) = (0usize, 1usize);
                for f in fields {
                    let (s, a) = layout(&f.ty, types);
                    offset = offset.next_multiple_of(a) + s;
                    align = align.max(a);
                }
                (offset.next_multiple_of(align), align)
            }
            other => panic!("no layout for {other:?}"),
        }
    }

    fn size_of_described<T: Described>() -> usize {
        let mut types = BTreeMap::new();
        T::register(&mut types);
        layout(&T::idl(), &types).0
    }

    #[test]
    fn layouts_match() {
        assert_eq!(
            size_of_described::<Trader>(),
            core::mem::size_of::<Trader>()
        );
        assert_eq!(
            size_of_described::<TriggerSlots>(),
            core::mem::size_of::<TriggerSlots>()
        );
        assert_eq!(
            size_of_described::<MarketRisk>(),
            core::mem::size_of::<MarketRisk>()
        );
        assert_eq!(
            size_of_described::<Funding>(),
            core::mem::size_of::<Funding>()
        );
        assert_eq!(
            size_of_described::<FundingSnapshot>(),
            core::mem::size_of::<FundingSnapshot>()
        );
        assert_eq!(
            size_of_described::<FundingSample>(),
            core::mem::size_of::<FundingSample>()
        );
        assert_eq!(
            size_of_described::<OpenInterest>(),
            core::mem::size_of::<OpenInterest>()
        );
        assert_eq!(
            size_of_described::<MarketBook>(),
            core::mem::size_of::<MarketBook>()
        );
        assert_eq!(
            size_of_described::<MarketEventQueue>(),
            core::mem::size_of::<MarketEventQueue>()
        );
    }
}
