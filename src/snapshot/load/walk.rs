//! Finding the data files of a snapshot path and reading one, bounded.

use std::path::{Path, PathBuf};

use super::stream::Pieces;
use super::Loader;
use crate::error::{Error, Result};

/// The data files under `path` (itself, or a directory's, recursively, in name order).
pub(super) fn collect_files(path: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::input(path, format!("cannot read: {}", io_reason(&e))))?;
    if meta.is_dir() {
        for entry in data_entries(path)? {
            collect_files(&entry, out)?;
        }
    } else {
        out.push(path.to_path_buf());
    }
    Ok(())
}

/// The default cap on one snapshot file: a 100,000-object dump fits; `/dev/zero` does not.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 2 * 1024 * 1024 * 1024;

/// `--max-file-size`, 0 when not given.
static MAX_FILE_SIZE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Sets the cap on one input file (`--max-file-size`), for snapshots and manifests alike.
pub fn set_max_file_size(bytes: u64) {
    MAX_FILE_SIZE.store(bytes, std::sync::atomic::Ordering::Relaxed);
}

/// The cap on one input file: `--max-file-size` when given, else `default`.
pub fn max_file_size(default: u64) -> u64 {
    match MAX_FILE_SIZE.load(std::sync::atomic::Ordering::Relaxed) {
        0 => default,
        n => n,
    }
}

/// Reads one input file whole, refusing what is not a regular file (devices such as
/// `/dev/zero`, FIFOs, sockets: they never end or block) and anything over `max` bytes (read
/// through a limit, so a file that grows while read stays bounded too). `flag` names the
/// setting that raises the limit.
pub fn read_file(path: &Path, max: u64, flag: &str) -> Result<Vec<u8>> {
    use std::io::Read;
    let (file, len) = open_file(path, max, flag)?;
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::input(path, format!("cannot read: {}", io_reason(&e))))?;
    if bytes.len() as u64 > max {
        return Err(too_big(path, bytes.len() as u64, max, flag));
    }
    Ok(bytes)
}

/// Opens one input file as [`read_file`] reads it (refusing what it refuses); returns its size.
fn open_file(path: &Path, max: u64, flag: &str) -> Result<(std::fs::File, u64)> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::input(path, format!("cannot read: {}", io_reason(&e))))?;
    if !meta.is_file() {
        let what = special_kind(&meta);
        return Err(Error::input(
            path,
            format!("is {what}, not a regular file: save the output to a file first"),
        ));
    }
    if meta.len() > max {
        return Err(too_big(path, meta.len(), max, flag));
    }
    let file = std::fs::File::open(path)
        .map_err(|e| Error::input(path, format!("cannot read: {}", io_reason(&e))))?;
    Ok((file, meta.len()))
}

fn too_big(path: &Path, size: u64, max: u64, flag: &str) -> Error {
    Error::input(
        path,
        format!(
            "file is {} bytes, over the {}-byte limit for one file (raise it with {flag})",
            crate::yaml::thousands(size as usize),
            crate::yaml::thousands(max as usize)
        ),
    )
}

/// "a FIFO", "a character device", … for a path that is not a regular file or directory.
fn special_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

/// The entries of directory `dir` worth reading, sorted: subdirectories and `.yaml`, `.yml`,
/// `.json` files. Shared by the snapshot loader and the manifest reader.
pub(crate) fn data_entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::input(dir, format!("cannot read directory: {}", io_reason(&e))))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_dir()
                || p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
        })
        .collect();
    entries.sort();
    Ok(entries)
}

/// An I/O error as a short reason for a one-line message.
pub(crate) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

impl Loader {
    pub(super) fn load_file(&mut self, path: &Path) -> Result<()> {
        const FLAG: &str = "--max-file-size";
        let max = max_file_size(DEFAULT_MAX_FILE_SIZE);
        let (file, _) = open_file(path, max, FLAG)?;
        // A JSON file is read piece by piece; should that fail, it is read whole, which says
        // what is wrong (and where) as it always did.
        if let Some(part) = self.stream(path, file, max) {
            self.stats.files += 1;
            self.merge(part);
            return Ok(());
        }
        let bytes = read_file(path, max, FLAG)?;
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::input(path, "binary file, not YAML or JSON"))?;
        self.stats.files += 1;
        self.load_text(path, &text)
    }

    /// A JSON file read piece by piece into a loader of its own, `None` when it is not JSON or
    /// cannot be read so (see [`super::stream`]).
    fn stream(&self, path: &Path, file: std::fs::File, max: u64) -> Option<Loader> {
        let mut pieces = Pieces::new(file, max);
        if !pieces.starts_object().ok()? {
            return None;
        }
        let mut part = Loader::with(self.filter.clone());
        part.stream_json(path, &mut pieces).ok()?;
        Some(part)
    }
}
