//! The state file of `errscan watch --state`: for each followed file its identity, offset and
//! head fingerprint, and the counters themselves, so that a restart continues where the last
//! run stopped. Written atomically (a temporary file in the same directory, synced, then
//! renamed over the old one), so a crash leaves the previous state whole.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::metrics::Metrics;
use super::tailer::Fingerprint;
use crate::catalog::Catalog;
use crate::matcher::CodeRef;
use crate::report::counts::Counts;

/// The format version written; a file of another version is not read.
pub const VERSION: u32 = 1;

/// Everything saved.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// [`VERSION`].
    pub version: u32,
    /// The paths `errscan watch` was given, as given: a state file only continues a run over
    /// the same paths.
    pub paths: Vec<PathBuf>,
    /// The files followed when the state was saved.
    pub files: Vec<FileState>,
    /// Content that was truncated away (copytruncate) while it was counted up to an offset:
    /// a copy of it that shows up later is read from that offset, not again from the start.
    pub orphans: Vec<Orphan>,
    /// The counters.
    pub counters: Counters,
}

/// One followed file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileState {
    /// The path it was last seen under.
    pub path: PathBuf,
    /// Its device.
    pub dev: u64,
    /// Its inode.
    pub ino: u64,
    /// The end of its last complete line counted.
    pub offset: u64,
    /// Its head's fingerprint.
    pub head: Fingerprint,
    /// True when its path named another file already and it was being finished.
    pub rotated: bool,
}

/// Content counted up to `offset` and then truncated away.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Orphan {
    /// Its head's fingerprint.
    pub head: Fingerprint,
    /// How far it had been counted.
    pub offset: u64,
}

/// The counters of [`Metrics`] that a restart continues.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Complete lines counted.
    pub lines: u64,
    /// Bytes counted.
    pub bytes: u64,
    /// Failed reads.
    pub read_errors: u64,
    /// Rename rotations.
    pub renames: u64,
    /// Truncations.
    pub truncations: u64,
    /// Hits per code.
    pub errors: Vec<ErrorCount>,
}

/// The hits of one code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorCount {
    /// The vendor the hits were counted under.
    pub vendor: String,
    /// The code.
    pub code: String,
    /// For a code attributed to another vendor than the one documenting it, that one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documented_by: Option<String>,
    /// False for a code the catalog lacks.
    pub known: bool,
    /// How many.
    pub count: u64,
}

/// Why a state file was not used.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// It could not be read.
    #[error("{path}: cannot be read: {cause}")]
    Read {
        /// The state file.
        path: String,
        /// Why.
        cause: std::io::Error,
    },
    /// It is not a state file of this version.
    #[error("{path}: not an errscan watch state file ({message})")]
    Corrupt {
        /// The state file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// It was written for other paths.
    #[error("{path}: written for other paths ({theirs}), not for {ours}")]
    Foreign {
        /// The state file.
        path: String,
        /// The paths it was written for.
        theirs: String,
        /// The paths given now.
        ours: String,
    },
    /// It could not be written.
    #[error("{path}: cannot be saved: {cause}")]
    Write {
        /// The state file.
        path: String,
        /// Why.
        cause: std::io::Error,
    },
}

fn joined(paths: &[PathBuf]) -> String {
    let v: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    v.join(", ")
}

impl State {
    /// Reads the state file at `path` for a run over `paths`. `Ok(None)` when there is none.
    ///
    /// # Errors
    /// When it cannot be read, is not a state file of this version, or was written for
    /// other paths.
    pub fn load(path: &Path, paths: &[PathBuf]) -> Result<Option<State>, StateError> {
        let shown = path.display().to_string();
        let text = match std::fs::read(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(cause) => return Err(StateError::Read { path: shown, cause }),
        };
        let state: State = serde_json::from_slice(&text).map_err(|e| StateError::Corrupt {
            path: shown.clone(),
            message: e.to_string(),
        })?;
        if state.version != VERSION {
            return Err(StateError::Corrupt {
                path: shown,
                message: format!("version {}, expected {VERSION}", state.version),
            });
        }
        if state.paths != paths {
            return Err(StateError::Foreign {
                path: shown,
                theirs: joined(&state.paths),
                ours: joined(paths),
            });
        }
        Ok(Some(state))
    }

    /// Writes the state to `path` atomically.
    ///
    /// # Errors
    /// When the temporary file cannot be written or renamed.
    pub fn save(&self, path: &Path) -> Result<(), StateError> {
        let fail = |cause| StateError::Write {
            path: path.display().to_string(),
            cause,
        };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let mut tmp = tempfile::Builder::new()
            .prefix(".errscan-state")
            .tempfile_in(dir)
            .map_err(fail)?;
        let json = serde_json::to_vec(self).map_err(|e| fail(std::io::Error::other(e)))?;
        tmp.write_all(&json).map_err(fail)?;
        tmp.as_file().sync_all().map_err(fail)?;
        tmp.persist(path).map_err(|e| fail(e.error))?;
        // The rename is durable once the directory is synced: what was served from this
        // state must survive a power loss.
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(fail)?;
        Ok(())
    }
}

impl Counters {
    /// The counters of `metrics`, sorted by vendor and code so that the file is stable.
    pub fn of(metrics: &Metrics, catalog: &Catalog) -> Counters {
        let mut errors: Vec<ErrorCount> = metrics
            .errors
            .rows(catalog)
            .into_iter()
            .map(|(code, _, count)| {
                let vendor = catalog.vendor(code.vendor(catalog)).id.clone();
                match &code {
                    CodeRef::Known(id) => ErrorCount {
                        vendor,
                        code: catalog.entry(*id).code.clone(),
                        documented_by: None,
                        known: true,
                        count,
                    },
                    CodeRef::Attributed { entry, .. } => {
                        let e = catalog.entry(*entry);
                        ErrorCount {
                            vendor,
                            code: e.code.clone(),
                            documented_by: Some(catalog.vendor(e.vendor).id.clone()),
                            known: true,
                            count,
                        }
                    }
                    CodeRef::Unknown { code, .. } => ErrorCount {
                        vendor,
                        code: code.to_string(),
                        documented_by: None,
                        known: false,
                        count,
                    },
                }
            })
            .collect();
        errors.sort_by(|a, b| (&a.vendor, &a.code).cmp(&(&b.vendor, &b.code)));
        Counters {
            lines: metrics.lines,
            bytes: metrics.bytes,
            read_errors: metrics.read_errors,
            renames: metrics.renames,
            truncations: metrics.truncations,
            errors,
        }
    }

    /// Adds the saved counters into `metrics`. A code whose vendor the catalog no longer has
    /// is dropped and named in the returned messages; a code it no longer documents is
    /// counted as unknown.
    pub fn restore(&self, metrics: &mut Metrics, catalog: &Catalog) -> Vec<String> {
        let mut dropped = Vec::new();
        metrics.lines += self.lines;
        metrics.bytes += self.bytes;
        metrics.read_errors += self.read_errors;
        metrics.renames += self.renames;
        metrics.truncations += self.truncations;
        let mut counts = Counts::new(catalog.entries().len());
        for e in &self.errors {
            let Some(vendor) = catalog.vendor_id(&e.vendor) else {
                dropped.push(format!(
                    "{} {}: vendor not in the catalog, count dropped",
                    e.vendor, e.code
                ));
                continue;
            };
            let documenting = e
                .documented_by
                .as_deref()
                .map_or(Some(vendor), |v| catalog.vendor_id(v));
            let entry = documenting
                .filter(|_| e.known)
                .and_then(|v| catalog.lookup_code(v, &e.code));
            let code = match (entry, &e.documented_by) {
                (Some(entry), Some(_)) => CodeRef::Attributed { vendor, entry },
                (Some(id), None) => CodeRef::Known(id),
                (None, _) => CodeRef::Unknown {
                    vendor,
                    code: e.code.as_str().into(),
                },
            };
            counts.add_n(&code, None, e.count);
        }
        metrics.errors.merge(counts);
        dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_survive_a_round_trip() {
        let cat = Catalog::embedded().unwrap();
        let okta = cat.vendor_id("okta").unwrap();
        let id = cat.lookup_code(okta, "E0000011").unwrap();
        let mut m = Metrics {
            errors: Counts::new(cat.entries().len()),
            lines: 10,
            bytes: 100,
            ..Metrics::default()
        };
        m.errors.add_n(&CodeRef::Known(id), None, 3);
        m.errors.add_n(
            &CodeRef::Unknown {
                vendor: okta,
                code: "E9999999".into(),
            },
            None,
            2,
        );
        let saved = Counters::of(&m, &cat);
        let mut back = Metrics {
            errors: Counts::new(cat.entries().len()),
            ..Metrics::default()
        };
        assert!(saved.restore(&mut back, &cat).is_empty());
        assert_eq!(back.errors, m.errors);
        assert_eq!((back.lines, back.bytes), (10, 100));
    }

    #[test]
    fn a_state_file_for_other_paths_or_garbage_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let state = State {
            version: VERSION,
            paths: vec![PathBuf::from("/var/log/a.log")],
            ..State::default()
        };
        state.save(&path).unwrap();
        let ours = [PathBuf::from("/var/log/a.log")];
        assert_eq!(State::load(&path, &ours).unwrap(), Some(state));
        let other = [PathBuf::from("/var/log/b.log")];
        assert!(matches!(
            State::load(&path, &other),
            Err(StateError::Foreign { .. })
        ));
        std::fs::write(&path, "{\"version\": 1, \"paths\": [").unwrap();
        assert!(matches!(
            State::load(&path, &ours),
            Err(StateError::Corrupt { .. })
        ));
        assert_eq!(State::load(&dir.path().join("none"), &ours).unwrap(), None);
    }
}
