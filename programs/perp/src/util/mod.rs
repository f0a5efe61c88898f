//! Helpers shared by instructions: PDA creation and token movements.

pub mod makers;
pub mod pda;
pub mod placement;
pub mod token;
