//! The order book's building blocks. `critbit` is the ordered index of one side.

pub mod critbit;
