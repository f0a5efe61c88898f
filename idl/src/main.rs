//! `perp-idl`: the program's Anchor IDL, built as `anchor idl build` builds it (the program's
//! `idl-build` test printing its parts, assembled by `anchor-lang-idl`), written to
//! `app/idl/perp.json` — or, with `--check`, compared with the committed file, failing when the
//! program and the IDL the app is generated from disagree.

use anchor_lang_idl::build::IdlBuilder;
use clap::Parser;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "perp-idl", about = "Builds or checks the program's IDL.")]
struct Args {
    /// Compare with the committed IDL instead of writing it.
    #[arg(long)]
    check: bool,
}

/// The workspace, from `CARGO_MANIFEST_DIR` as `cargo run` sets it at run time: cargo reuses a
/// binary built in another checkout sharing the target directory, and `env!` would hold that
/// checkout's path (measured: a cached build from another checkout failed with "No such file").
fn workspace() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), PathBuf::from)
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let root = workspace();
    // The IDL build compiles the program with `idl-build` features: its own target directory
    // keeps that from invalidating the workspace's normal build.
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target"))
        .with_extension("idl");
    // `anchor-lang-idl` turns a RUSTUP_TOOLCHAIN (which rustup's cargo sets for its children)
    // into a `cargo +toolchain` argument it does not format; the toolchain in use is the one
    // wanted anyway.
    // SAFETY: single-threaded here, before anything else reads the environment.
    unsafe { std::env::remove_var("RUSTUP_TOOLCHAIN") };
    let idl = IdlBuilder::new()
        .program_path(root.join("programs/perp"))
        .cargo_args(vec![
            "--lib".into(),
            "--target-dir".into(),
            target.display().to_string(),
        ])
        .build()?;
    let json = serde_json::to_string_pretty(&idl)? + "\n";
    let path = root.join("app/idl/perp.json");
    if args.check {
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        anyhow::ensure!(
            committed == json,
            "{} is not the program's IDL: run `cargo run -p perp-idl` and commit it",
            path.display()
        );
        println!("{} matches the program", path.display());
    } else {
        std::fs::create_dir_all(path.parent().unwrap_or(&root))?;
        std::fs::write(&path, json)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
