//! One table per parameter set: each field is written once, with its documentation, its hard
//! bound and the error naming it, the directions the risk council may move it, and whether it
//! is fixed once a market is listed. The struct, its per-field validation, the council's
//! tightening rule, the fixed-after-listing rule and the names off-chain tools set from TOML all
//! follow from the table, so adding a parameter means adding one row.

/// Declares `pub struct $name` from a table of rows
/// `field: type [valid |p| <bound on p> => InvalidError; council Safe => Error, ...; listing fixed|free]`
/// (`listing` may be left out: free), optionally preceded by an `@sources council Error { .. }`
/// block of fields that are not limits (account keys: validated by the struct's own rule, never
/// the council's to change, not set by name), and derives:
/// - `validate_fields`: every row's bound, in layout order, refusing with the first failing
///   row's error (a bound may read other fields of `p`: the maker fee is bounded by the taker
///   fee);
/// - `require_tightening`: the sources unchanged, then every changed row must move in each of
///   its council directions (`Fixed`: not at all; two opposite directions with their own
///   errors: likewise, each named);
/// - `fixed_fields_unchanged`, and with `fixed_after_listing Error`, `require_same_listing`:
///   the `listing fixed` rows (the units positions are denominated in) must not change;
/// - `FIELDS` and `set_field`: the rows' names, and setting one by name (TOML overrides).
macro_rules! params_table {
    (
        $(#[$meta:meta])*
        pub struct $name:ident $(fixed_after_listing $fixed_error:ident)? {
            $(
                @sources council $sources_error:ident {
                    $(
                        $(#[doc = $sdoc:literal])*
                        $sfield:ident : $sty:tt,
                    )*
                }
            )?
            $(
                $(#[doc = $doc:literal])*
                $field:ident : $ty:ident [
                    valid |$p:ident| $valid:expr => $invalid:ident;
                    council $($safe:ident => $council_error:ident),+
                    $(; listing $listing:ident)?
                ],
            )*
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $($(
                $(#[doc = $sdoc])*
                pub $sfield: $sty,
            )*)?
            $(
                $(#[doc = $doc])*
                pub $field: $ty,
            )*
        }

        impl $name {
            /// Every row's name, in layout order (the fields off-chain tools may set by name).
            pub const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];

            /// Checks every row against its hard bound, in layout order, naming the first that
            /// is out of bounds.
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

            /// Refuses `new` unless its sources are unchanged and every row that differs moves
            /// in its risk-reducing direction, naming the first that does not (the risk
            /// council's rule).
            pub fn require_tightening(&self, new: &Self) -> anchor_lang::Result<()> {
                use crate::state::tighten::{Safe::*, check_fields, field};
                $(
                    anchor_lang::prelude::require!(
                        true $(&& self.$sfield == new.$sfield)*,
                        crate::error::ErrorCode::$sources_error
                    );
                )?
                check_fields(&[
                    $($(
                        field(self.$field, new.$field, $safe, crate::error::ErrorCode::$council_error),
                    )+)*
                ])
            }

            /// Whether every `listing fixed` row equals `listed`'s: the units positions and
            /// orders are denominated in (changing them would silently rescale every position).
            pub fn fixed_fields_unchanged(&self, listed: &Self) -> bool {
                true $(&& (!params_table!(@fixed $($listing)?) || self.$field == listed.$field))*
            }

            $(
                /// Refuses a change of the rows fixed once listed (`fixed_fields_unchanged`).
                pub fn require_same_listing(&self, listed: &Self) -> anchor_lang::Result<()> {
                    anchor_lang::prelude::require!(
                        self.fixed_fields_unchanged(listed),
                        crate::error::ErrorCode::$fixed_error
                    );
                    Ok(())
                }
            )?

            /// Sets the row called `name` to `value` (off-chain tools: TOML overrides). The
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
    (@fixed) => { false };
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
