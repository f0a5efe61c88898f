//! The exchange's history for clients: trades followed from the program's events over PubSub,
//! kept in SQLite, served with candles over HTTP.

pub mod follow;
pub mod http;
pub mod store;

#[cfg(test)]
mod tests;
