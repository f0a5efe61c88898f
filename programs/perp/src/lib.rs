use anchor_lang::prelude::*;
declare_id!("PerpXQ6Pq5cCHVbVTm9ssBPc6kPqJfqjJ2P8eyLLcXp");
#[program]
pub mod perp {
    use super::*;
    pub fn noop(_ctx: Context<Noop>) -> Result<()> {
        Ok(())
    }
}
#[derive(Accounts)]
pub struct Noop {}
