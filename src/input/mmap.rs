//! When a file is memory-mapped, and the mapping itself: the module's `unsafe` lives here.

use std::fs::{File, Metadata};
use std::time::SystemTime;

use memmap2::{Mmap, MmapOptions};

use super::{MmapPolicy, QUIET_PERIOD};

/// Whether a regular file is mapped under `policy`: with `Auto`, only when it has been quiet
/// (unmodified) for [`QUIET_PERIOD`], since a live file may shrink under the map.
pub(super) fn should_map(policy: MmapPolicy, meta: &Metadata) -> bool {
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

/// Maps the first `len` bytes of `file` (its size when opened, so that what it gained since is
/// not scanned), or returns `None` (and the caller reads instead) when the OS refuses.
pub(super) fn map(file: &File, len: u64) -> Option<Mmap> {
    let len = usize::try_from(len).ok()?;
    // SAFETY: the map is only read. Another process truncating the file while it is mapped
    // would make reads fault (SIGBUS); `MmapPolicy::Auto` maps only files that have been quiet
    // for `QUIET_PERIOD`, and `Always` is an explicit user choice documented as unsafe for
    // live files.
    unsafe { MmapOptions::new().len(len).map(file) }.ok()
}
