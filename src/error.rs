//! The one error type that reaches `main`: each prints as one line (plus an optional hint) and
//! exits with code 2, per the CLI contract.

use std::path::PathBuf;

/// Everything that stops a command before it can report findings.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line is wrong (bad target syntax, conflicting flags, …).
    #[error("{0}")]
    Usage(String),
    /// An input file could not be read or is not in a format we know.
    #[error("{}: {message}", path.display())]
    Input { path: PathBuf, message: String },
    /// The cluster could not be reached or refused us entirely.
    #[error("{message}")]
    Cluster {
        message: String,
        hint: Option<String>,
    },
    /// The thing the user asked about does not exist.
    #[error("{0}")]
    NotFound(String),
    /// Writing output (a dump) failed.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Error {
    /// A hint printed under the error line, when there is a useful next step.
    pub fn hint(&self) -> Option<&str> {
        match self {
            Error::Cluster { hint, .. } => hint.as_deref(),
            _ => None,
        }
    }

    /// Builds an [`Error::Input`].
    pub fn input(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Input {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Result alias for the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
