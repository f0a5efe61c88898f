//! One table per parameter set: each field is written once, with its documentation, its hard
//! bound and the error naming it, the directions the risk council may move it, and whether it
//! is fixed once a market is listed. The struct, its per-field validation, the council's
//! tightening rule, the fixed-after-listing rule and the names off-chain tools set from TOML all
//! follow from the table, so adding a parameter means adding one row.

/// Declares `pub struct $name` from a table of rows
/// `field: type [valid |p| <bound on p> => InvalidError; council Safe => Error, ...; listing fixed|free]`
/// and derives:
/// - `validate_fields`: every row's bound, in layout order, refusing with the first failing
///   row's error (a bound may read other fields of `p`: the maker fee is bounded by the taker
///   fee);
/// - `require_tightening`: every changed field must move in each of its council directions
///   (`Fixed`: not at all; two opposite directions with their own errors: likewise, each named);
/// - `require_same_listing`: the `listing fixed` fields (the units positions are denominated
///   in) must not change, refusing with `$fixed_error`;
/// - `FIELDS` and `set_field`: the field names, and setting one by name (TOML overrides).
macro_rules! params_table {
    (
        $(#[$meta:meta])*
        pub struct $name:ident fixed_after_listing $fixed_error:ident {
            $(
                $(#[doc = $doc:literal])*
                $field:ident : $ty:ident [
                    valid |$p:ident| $valid:expr => $invalid:ident;
                    council $($safe:ident => $council_error:ident),+;
                    listing $listing:ident
                ],
            )*
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $(
                $(#[doc = $doc])*
                pub $field: $ty,
            )*
        }

        impl $name {
            /// Every field's name, in layout order.
            pub const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];

            /// Checks every field against its hard bound, in layout order, naming the first
            /// that is out of bounds.
            pub fn validate_fields(&self) -> anchor_lang::Result<()> {
                $(
                    let $p = self;
                    anchor_lang::prelude::require!(
                        $valid,
                        crate::error::ErrorCode::$invalid
                    );
                )*
                Ok(())
            }

            /// Refuses `new` unless every field that differs moves in its risk-reducing
            /// direction, naming the first field that does not (the risk council's rule).
            pub fn require_tightening(&self, new: &Self) -> anchor_lang::Result<()> {
                use crate::state::tighten::{Safe::*, check_fields, field};
                check_fields(&[
                    $($(
                        field(self.$field, new.$field, $safe, crate::error::ErrorCode::$council_error),
                    )+)*
                ])
            }

            /// Refuses a change of the fields fixed once listed: the units positions and
            /// orders are denominated in (changing them would silently rescale every position).
            pub fn require_same_listing(&self, listed: &Self) -> anchor_lang::Result<()> {
                $(
                    anchor_lang::prelude::require!(
                        !params_table!(@fixed $listing) || self.$field == listed.$field,
                        crate::error::ErrorCode::$fixed_error
                    );
                )*
                Ok(())
            }

            /// Sets the field called `name` to `value` (off-chain tools: TOML overrides). The
            /// error says whether the name is unknown or the value does not fit the field.
            pub fn set_field(
                &mut self,
                name: &str,
                value: i64,
            ) -> core::result::Result<(), crate::state::params_table::SetFieldError> {
                use crate::state::params_table::SetFieldError;
                match name {
                    $(
                        stringify!($field) => {
                            self.$field = value.try_into().map_err(|_| SetFieldError::OutOfRange)?;
                        }
                    )*
                    _ => return Err(SetFieldError::Unknown),
                }
                Ok(())
            }
        }
    };
    (@fixed fixed) => { true };
    (@fixed free) => { false };
}

/// Why `set_field` refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetFieldError {
    /// No field has that name.
    Unknown,
    /// The value does not fit the field's type.
    OutOfRange,
}

pub(crate) use params_table;
