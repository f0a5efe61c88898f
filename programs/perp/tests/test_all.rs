#![allow(deprecated)]
use solana_program_test::*;
#[tokio::test]
async fn boots() {
    let _ = ProgramTest::default();
}
