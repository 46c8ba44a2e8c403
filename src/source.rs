//! Opening inputs: a memory map for files that are safe to map, a reader otherwise, standard
//! input as a stream. This module holds the crate's only `unsafe`.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use memmap2::Mmap;

use crate::error::{Error, Result};

/// When to memory-map a file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MmapPolicy {
    /// Map regular files that have not been modified for [`QUIET_PERIOD`]; read the others.
    /// A file that is still being written may be truncated under us (logrotate's
    /// `copytruncate`), and touching a truncated mapping kills the process with SIGBUS, so
    /// live files are read with `read()` instead. This is the default.
    #[default]
    Auto,
    /// Map every regular file (fastest; unsafe for files that can shrink during the scan).
    Always,
    /// Never map; read every file with `read()`.
    Never,
}

/// A file modified more recently than this is treated as live by [`MmapPolicy::Auto`].
pub const QUIET_PERIOD: Duration = Duration::from_secs(30);

/// Files smaller than this are read into memory rather than mapped: a map costs more than a
/// read at that size.
const SMALL_FILE: u64 = 1 << 20;

/// One input named on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// Standard input (no path, or `-`).
    Stdin,
    /// A file path.
    Path(PathBuf),
}

impl Input {
    /// The name used in reports and messages (`<stdin>` or the path as given).
    pub fn name(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".to_string(),
            Input::Path(p) => p.display().to_string(),
        }
    }
}

/// An opened input.
pub enum Opened {
    /// The whole content, mapped or read into memory.
    Bytes(Content),
    /// A stream to read in blocks.
    Stream(Box<dyn Read + Send>),
}

/// File content held in memory.
pub enum Content {
    /// A memory map.
    Mapped(Mmap),
    /// Bytes read into memory.
    Owned(Vec<u8>),
}

impl std::ops::Deref for Content {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Content::Mapped(m) => m,
            Content::Owned(v) => v,
        }
    }
}

/// Opens an input according to `policy`.
///
/// # Errors
/// When the path cannot be opened or is not a regular file, FIFO or character device that can
/// be read (a directory, for instance); the error names the path.
pub fn open(input: &Input, policy: MmapPolicy) -> Result<Opened> {
    let path = match input {
        Input::Stdin => return Ok(Opened::Stream(Box::new(io::stdin()))),
        Input::Path(p) => p,
    };
    let err = |source| Error::Input {
        path: path.display().to_string(),
        source,
    };
    let file = File::open(path).map_err(err)?;
    let meta = file.metadata().map_err(err)?;
    if meta.is_dir() {
        return Err(err(io::Error::other("is a directory")));
    }
    if !meta.is_file() {
        // FIFOs and devices have no stable size: stream them.
        return Ok(Opened::Stream(Box::new(file)));
    }
    let len = meta.len();
    if len < SMALL_FILE {
        let mut buf = Vec::with_capacity(len as usize + 1);
        // `take` guards against a file that grows while it is read: scan what it held at open.
        (&file).take(len).read_to_end(&mut buf).map_err(err)?;
        return Ok(Opened::Bytes(Content::Owned(buf)));
    }
    if should_map(policy, &meta) {
        if let Some(map) = map(&file, path) {
            return Ok(Opened::Bytes(Content::Mapped(map)));
        }
    }
    Ok(Opened::Stream(Box::new(file.take(len))))
}

fn should_map(policy: MmapPolicy, meta: &std::fs::Metadata) -> bool {
    match policy {
        MmapPolicy::Never => false,
        MmapPolicy::Always => true,
        MmapPolicy::Auto => meta
            .modified()
            .ok()
            .and_then(|m| SystemTime::now().duration_since(m).ok())
            .is_some_and(|age| age >= QUIET_PERIOD),
    }
}

/// Maps `file`, or returns `None` (and the caller reads instead) when the OS refuses.
fn map(file: &File, _path: &Path) -> Option<Mmap> {
    // SAFETY: the map is only read. Another process truncating the file while it is mapped
    // would make reads fault (SIGBUS); `MmapPolicy::Auto` maps only files that have been quiet
    // for `QUIET_PERIOD`, and `Always` is an explicit user choice documented as unsafe for
    // live files.
    unsafe { Mmap::map(file) }.ok()
}
