//! `perp-sim SCENARIO.toml [--report PATH.json]`: runs the scenario, prints a summary, writes
//! the JSON report. Exit status 0 when the run completed, whatever its figures.

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use perp_cli::{exit_code, init_logs};
use perp_sim::runner::Runner;
use perp_sim::scenario::Scenario;
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "perp-sim",
    about = "Runs a stress scenario against the real program and keeper."
)]
struct Args {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// Where to write the JSON report.
    #[arg(long)]
    report: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    exit_code(run(Args::parse()).await)
}

async fn run(args: Args) -> anyhow::Result<()> {
    // The keeper tasks log through `tracing`: warnings (failed liquidations) by default.
    init_logs("warn,tarpc=error", false);
    let scenario = Scenario::load(&args.scenario)?;
    eprintln!(
        "setting up {} (bank, market, {} trader groups)…",
        scenario.name,
        scenario.traders.len()
    );
    let runner = Runner::new(&scenario).await?;
    let bar = ProgressBar::new(runner.steps() + 1);
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:40}] step {pos}/{len} {msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let step_s = scenario.step_s;
    // Without a terminal the bar does not draw: print a line every tenth of the run instead.
    let plain = !std::io::stderr().is_terminal();
    let tenth = (runner.steps() / 10).max(1);
    let report = runner
        .run(|step, r| {
            let line = format!(
                "t={}s fills={} liquidations={} bankruptcies={}",
                step as i64 * step_s,
                r.fills,
                r.liquidations,
                r.bankruptcies
            );
            bar.set_position(step + 1);
            if plain && step % tenth == 0 {
                eprintln!("step {}/{} {line}", step + 1, bar.length().unwrap_or(0));
            }
            bar.set_message(line);
        })
        .await?;
    bar.finish_and_clear();
    println!("{}", report.summary());
    if let Some(path) = args.report {
        std::fs::write(&path, serde_json::to_string_pretty(&report)?)?;
        println!("report written to {}", path.display());
    }
    Ok(())
}
