//! When a file is memory-mapped, and the mapping itself: the module's `unsafe` lives here.

use std::fs::{File, Metadata};
use std::time::SystemTime;

use memmap2::{Mmap, MmapOptions};

use super::{Content, MmapPolicy, QUIET_PERIOD};

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

impl Content {
    /// Lets the OS drop the page mappings of `range` of a memory map, which the caller will
    /// not read again (a later read maps the pages again, so nothing is lost). Does nothing
    /// for owned bytes.
    ///
    /// Why: unmapping a map costs time per mapped page (about 55 ms for 1 GiB), spent
    /// serially after the scan when the whole map is dropped; released chunk by chunk, the
    /// same work is shared by the scanning threads. Only the pages wholly inside `range` are
    /// released, so that a neighbouring chunk still being scanned keeps its pages.
    pub fn release(&self, range: std::ops::Range<usize>) {
        #[cfg(target_os = "linux")]
        if let Content::Mapped(map) = self {
            let page = rustix::param::page_size();
            let start = range.start.next_multiple_of(page);
            let end = range.end.min(map.len()) / page * page;
            if start < end {
                // SAFETY: the map is a read-only mapping of a file (`MAP_SHARED`): dropping
                // its page mappings discards nothing, and a later read maps the same bytes
                // again from the page cache. The range is within the map and page-aligned.
                let _ = unsafe {
                    map.unchecked_advise_range(
                        memmap2::UncheckedAdvice::DontNeed,
                        start,
                        end - start,
                    )
                };
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = range;
    }
}
