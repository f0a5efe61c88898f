//! Deploying the exchange: bootstrap from a spec over any cluster, and governance proposals.

pub mod bootstrap;
pub mod params;
pub mod proposal;
pub mod spec;

pub use bootstrap::{Bootstrap, BootstrapError, Deployment, Status};
pub use spec::Spec;
