//! The risk council's rule, shared by every parameter set: each field that changes must move in
//! its safe direction, and the first one that does not is named by its own error.

use crate::error::ErrorCode;
use anchor_lang::prelude::*;

/// Which way a field may move without adding risk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Safe {
    /// Not a risk field: only governance changes it.
    Fixed,
    /// Larger is safer (margins, windows, cool-downs).
    Higher,
    /// Smaller is safer (caps, limits, staleness, bands).
    Lower,
}

/// One field's old and new value, its safe direction, and the error that names it.
pub struct Field {
    old: i128,
    new: i128,
    safe: Safe,
    error: ErrorCode,
}

/// Builds a `Field` from any integer field.
pub fn field<T: Into<i128>>(old: T, new: T, safe: Safe, error: ErrorCode) -> Field {
    Field {
        old: old.into(),
        new: new.into(),
        safe,
        error,
    }
}

/// Refuses with the error of the first field that moved the unsafe way (or at all, if fixed).
pub fn check_fields(fields: &[Field]) -> Result<()> {
    for f in fields {
        let ok = match f.safe {
            Safe::Fixed => f.new == f.old,
            Safe::Higher => f.new >= f.old,
            Safe::Lower => f.new <= f.old,
        };
        if !ok {
            return Err(f.error.into());
        }
    }
    Ok(())
}
