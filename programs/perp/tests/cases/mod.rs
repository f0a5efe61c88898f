//! Scenarios, one module per domain.

mod adversarial;
mod audit;
mod audit2;
mod audit21;
mod audit3;
mod bad_debt;
mod book_limits;
mod collateral;
mod crank_invariance;
mod exchange;
mod governance;
mod governance_matrix;
mod insurance;
mod liquidation_capacity;
mod margin_account;
mod market;
mod market_status;
mod oracle;
mod orders;
mod pending_authority;
mod queue_attack;
mod risk;
mod risk_council;
mod role_lanes;
mod stress;
mod substitution;
