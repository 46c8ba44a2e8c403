//! Writing a report to a named file (`-o FILE`) so that a reader never sees half of it and the
//! file system is left as the operator arranged it.
//!
//! What happens depends on what the path names once symbolic links are followed:
//!
//! | the path is (after links)          | what is written                                        |
//! |------------------------------------|--------------------------------------------------------|
//! | nothing yet                        | a new file, mode `0666 & !umask`, created atomically   |
//! | a regular file                     | replaced atomically; its mode and group are kept       |
//! | a symbolic link (any depth)        | the link is kept; its final target is treated as above |
//! | a FIFO, device, socket, terminal   | opened and written directly: no atomicity              |
//! | `/dev/stdout`, `/proc/self/fd/N`   | the open file it names, written directly (appending)   |
//! | a directory                        | an error                                               |
//!
//! "Atomically" means: the report is written into a temporary file in the target's own
//! directory (so the rename never crosses file systems), flushed to disk, then renamed over
//! the target. A collector reading the target sees the old report or the new one, never a
//! mix, and a run that fails midway leaves the old file untouched and removes its temporary
//! file. (A run killed by a signal that runs no destructor, SIGKILL for instance, can leave a
//! `.errscan-*` temporary file behind; the target is still whole.)
//!
//! A replaced file keeps its permission bits and, where the process may set it, its group
//! (`fchown` with the owner left as is: root may always, another user only to a group it is a
//! member of); its owner becomes the user running errscan, as with any file written anew.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, BufWriter, Write};
#[cfg(unix)]
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::error::{Error, Result};

/// Most symbolic links followed before giving up, as the kernel does (`ELOOP`).
const MAX_LINKS: usize = 40;

/// Mode requested for a new report; the kernel applies the umask to it.
#[cfg(unix)]
const NEW_FILE_MODE: u32 = 0o666;

/// A report being written to a path; nothing is final until [`OutputFile::commit`].
///
/// Writes are buffered. Dropping an `OutputFile` without committing it removes the temporary
/// file of an atomic replacement and leaves the target as it was (a file written directly
/// keeps what was written).
pub struct OutputFile {
    /// The path as given, for messages.
    shown: String,
    sink: Sink,
}

enum Sink {
    /// A temporary file to be renamed over `target`.
    Atomic {
        out: BufWriter<NamedTempFile>,
        target: PathBuf,
    },
    /// A FIFO, device or other file that is not replaced but written into.
    Direct(BufWriter<File>),
}

/// Where a path leads once its symbolic links are followed.
enum Resolved {
    /// A path that names a file or nothing yet, with its metadata when it exists.
    Final(PathBuf, Option<Metadata>),
    /// A link in `/proc` (`/dev/stdout` → `/proc/self/fd/1`) that names an open file rather
    /// than a path: opened as it is, never replaced.
    OpenFileLink(PathBuf),
}

impl OutputFile {
    /// Prepares to write to `path`: follows its symbolic links, then either creates a
    /// temporary file beside the final target or, for a FIFO, a device or an open-file link
    /// (`/dev/stdout`), opens the target for writing. Opening a FIFO waits for a reader, as
    /// a shell redirection does.
    ///
    /// # Errors
    /// [`Error::Output`] naming `path`: a directory, a link loop, a directory that cannot be
    /// written (named in the message), or any other failure to open.
    pub fn create(path: &Path) -> Result<OutputFile> {
        let shown = path.display().to_string();
        let fail = |cause: io::Error| Error::Output {
            path: shown.clone(),
            cause,
        };
        let sink = match resolve(path).map_err(fail)? {
            Resolved::OpenFileLink(link) => {
                Sink::Direct(BufWriter::new(open_direct(&link, true).map_err(fail)?))
            }
            Resolved::Final(_, Some(meta)) if meta.is_dir() => {
                return Err(fail(io::Error::new(
                    io::ErrorKind::IsADirectory,
                    "is a directory",
                )))
            }
            Resolved::Final(target, Some(meta)) if !meta.is_file() => {
                Sink::Direct(BufWriter::new(open_direct(&target, false).map_err(fail)?))
            }
            Resolved::Final(target, existing) => {
                let tmp = temporary_beside(&target, existing.as_ref()).map_err(fail)?;
                Sink::Atomic {
                    out: BufWriter::with_capacity(1 << 16, tmp),
                    target,
                }
            }
        };
        Ok(OutputFile { shown, sink })
    }

    /// The path as given, for messages.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// Finishes the report: flushes it and, for an atomic replacement, syncs the temporary
    /// file to disk and renames it over the target.
    ///
    /// # Errors
    /// [`Error::Output`] naming the path when a write, the sync or the rename fails; the
    /// temporary file is removed and the target left as it was.
    pub fn commit(self) -> Result<()> {
        let shown = self.shown;
        let fail = |cause: io::Error| Error::Output {
            path: shown.clone(),
            cause,
        };
        match self.sink {
            Sink::Direct(mut out) => out.flush().map_err(fail),
            Sink::Atomic { out, target } => {
                let tmp = out.into_inner().map_err(|e| fail(e.into_error()))?;
                tmp.as_file().sync_all().map_err(fail)?;
                tmp.persist(&target).map_err(|e| fail(e.error))?;
                Ok(())
            }
        }
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.sink {
            Sink::Atomic { out, .. } => out.write(buf),
            Sink::Direct(out) => out.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.sink {
            Sink::Atomic { out, .. } => out.write_all(buf),
            Sink::Direct(out) => out.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Atomic { out, .. } => out.flush(),
            Sink::Direct(out) => out.flush(),
        }
    }
}

/// The directory a path is in (`.` for a bare name).
fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Follows the symbolic links of `path`, every level, to the path that names a file (or
/// nothing yet). A relative link is read from the real directory of the link.
fn resolve(path: &Path) -> io::Result<Resolved> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        let meta = match std::fs::symlink_metadata(&current) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(Resolved::Final(current, None))
            }
            Err(e) => return Err(e),
        };
        if !meta.file_type().is_symlink() {
            return Ok(Resolved::Final(current, Some(meta)));
        }
        let dir = std::fs::canonicalize(parent_of(&current))?;
        // The links of /proc/<pid>/fd (and so /dev/stdout, /dev/fd/N) name open files, which
        // may be pipes or terminals with no path at all: they are opened through the link.
        if dir.starts_with("/proc") {
            return Ok(Resolved::OpenFileLink(current));
        }
        let target = std::fs::read_link(&current)?;
        current = dir.join(target);
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// Opens a file that is not to be replaced (a FIFO, a device, an open-file link) for writing,
/// never creating it and never making a terminal the controlling one. An open-file link is
/// opened for appending, so that `-o /dev/stdout` onto a file continues it as the shell's
/// redirection does instead of overwriting what is there.
fn open_direct(path: &Path, append: bool) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).append(append);
    #[cfg(target_os = "linux")]
    options.custom_flags(libc::O_NOCTTY);
    options.open(path)
}

/// Creates the temporary file that will replace `target`, in `target`'s directory: with mode
/// `0666 & !umask` for a new file, or with the mode and group of `existing`.
fn temporary_beside(target: &Path, existing: Option<&Metadata>) -> io::Result<NamedTempFile> {
    let dir = parent_of(target);
    let mut builder = tempfile::Builder::new();
    builder.prefix(".errscan-");
    #[cfg(unix)]
    builder.permissions(std::fs::Permissions::from_mode(NEW_FILE_MODE));
    let tmp = builder.tempfile_in(dir).map_err(|e| {
        // The error of the OS alone: tempfile appends the name of the temporary file it
        // tried, which was never created and would only confuse.
        let text = e.to_string();
        let why = text.split(" at path ").next().unwrap_or(&text);
        io::Error::new(
            e.kind(),
            format!("cannot create a file in directory {}: {why}", dir.display()),
        )
    })?;
    if let Some(meta) = existing {
        keep_mode_and_group(tmp.as_file(), meta)?;
    }
    Ok(tmp)
}

/// Gives `file` the permission bits of `old` and, where the process may, its group. The
/// group is set first: changing it can clear set-group-ID bits, which the mode then restores.
#[cfg(unix)]
fn keep_mode_and_group(file: &File, old: &Metadata) -> io::Result<()> {
    let gid = old.gid();
    if file.metadata()?.gid() != gid {
        match std::os::unix::fs::fchown(file, None, Some(gid)) {
            Ok(()) => {}
            // Not a member of the group: the file keeps the process's group.
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {}
            Err(e) => return Err(e),
        }
    }
    file.set_permissions(std::fs::Permissions::from_mode(old.mode() & 0o7777))
}

/// Elsewhere, the permissions the system has (the read-only flag) are copied.
#[cfg(not(unix))]
fn keep_mode_and_group(file: &File, old: &Metadata) -> io::Result<()> {
    file.set_permissions(old.permissions())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::fs::Permissions;
    use std::os::unix::fs::symlink;

    fn write_report(path: &Path, text: &str) -> Result<()> {
        let mut out = OutputFile::create(path)?;
        out.write_all(text.as_bytes()).unwrap();
        out.commit()
    }

    /// Names in `dir`, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_chain_of_relative_links_is_followed_to_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        std::fs::create_dir(&real).unwrap();
        std::fs::write(real.join("report.csv"), "old").unwrap();
        symlink("real/report.csv", dir.path().join("one")).unwrap();
        symlink("one", dir.path().join("two")).unwrap();
        write_report(&dir.path().join("two"), "new").unwrap();
        assert_eq!(
            std::fs::read_to_string(real.join("report.csv")).unwrap(),
            "new"
        );
        assert!(std::fs::symlink_metadata(dir.path().join("one"))
            .unwrap()
            .file_type()
            .is_symlink());
        assert!(std::fs::symlink_metadata(dir.path().join("two"))
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(names(&real), ["report.csv"]);
    }

    #[test]
    fn a_dangling_link_creates_its_target() {
        let dir = tempfile::tempdir().unwrap();
        symlink("made.csv", dir.path().join("link")).unwrap();
        write_report(&dir.path().join("link"), "x").unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("made.csv")).unwrap(),
            "x"
        );
    }

    #[test]
    fn a_link_loop_and_a_directory_are_errors_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        symlink("b", dir.path().join("a")).unwrap();
        symlink("a", dir.path().join("b")).unwrap();
        let err = write_report(&dir.path().join("a"), "x").unwrap_err();
        assert!(err.to_string().contains("symbolic links"), "{err}");
        let err = write_report(dir.path(), "x").unwrap_err();
        assert!(err.to_string().contains("is a directory"), "{err}");
        assert!(err
            .to_string()
            .starts_with(&dir.path().display().to_string()));
    }

    #[test]
    fn an_uncommitted_report_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("r.csv");
        std::fs::write(&target, "old").unwrap();
        let mut out = OutputFile::create(&target).unwrap();
        out.write_all(b"half a rep").unwrap();
        drop(out);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        assert_eq!(names(dir.path()), ["r.csv"]);
    }

    #[test]
    fn a_replaced_file_keeps_its_mode_including_special_bits() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("r.prom");
        std::fs::write(&target, "old").unwrap();
        std::fs::set_permissions(&target, Permissions::from_mode(0o2640)).unwrap();
        write_report(&target, "new").unwrap();
        let meta = std::fs::metadata(&target).unwrap();
        assert_eq!(meta.mode() & 0o7777, 0o2640);
    }
}
