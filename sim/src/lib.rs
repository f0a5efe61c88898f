//! `perp-sim`: runs a stress scenario on an in-process bank with the real program, real SPL
//! Token, real oracle account layouts, a trader population and the real keeper tasks.

pub mod params;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod world;
