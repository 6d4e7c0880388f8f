//! `dump DIR [TARGET]`: save what `why` reads, in kubectl's own formats.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::{why::snapshot_for, GlobalArgs};
use crate::chain::Target;
use crate::error::Result;
use crate::snapshot::write;

pub const AFTER_HELP: &str =
    "The files are typed Lists as `kubectl get -o yaml` prints them, one per kind, so
`kubectl storage why TARGET --snapshot DIR` (and kubectl itself) can read them back.

Examples:
  kubectl storage dump ./bundle pod/db-0 -n prod
  kubectl storage why pod/db-0 -n prod --snapshot ./bundle";

#[derive(Debug, Args)]
pub struct DumpArgs {
    /// Directory to write (created if missing).
    pub dir: PathBuf,
    /// Scope it like `why`: pod/NAME, pvc/NAME, pv/NAME, sts/NAME.
    pub target: Option<String>,
}

pub fn run(global: &GlobalArgs, args: &DumpArgs) -> Result<ExitCode> {
    let target = args.target.as_deref().map(Target::parse).transpose()?;
    let (snap, _) = snapshot_for(global, target.as_ref())?;
    let files = write::write_dir(&snap, &args.dir)?;
    eprintln!("wrote {} files to {}", files.len(), args.dir.display());
    for f in files {
        global.note(1, format!("  {f}"));
    }
    Ok(ExitCode::from(super::Exit::Clean))
}
