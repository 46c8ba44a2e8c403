//! Expanding the paths named on the command line into [`Input`]s: a directory is walked
//! recursively in file-name order (so that runs are reproducible), keeping regular files;
//! hidden entries, symbolic links and `--glob` filters apply to what the walk finds, never to
//! a file named explicitly.

use std::io;
use std::path::{Path, PathBuf};

use globset::{Candidate, GlobBuilder, GlobSet, GlobSetBuilder};
use walkdir::WalkDir;

use super::Input;
use crate::error::{Error, Result};

/// How directories are walked. By default: hidden files and directories are skipped,
/// symbolic links inside directories are skipped, and every regular file is kept.
#[derive(Clone, Debug, Default)]
pub struct WalkOptions {
    /// Also walk hidden files and directories (names starting with `.`).
    pub hidden: bool,
    /// Follow symbolic links found inside directories; a link back to one of its own parent
    /// directories is reported as an error rather than followed.
    pub follow: bool,
    /// Which of the files found by walking are kept.
    pub filter: GlobFilter,
}

/// The `--glob` patterns. A pattern without `/` is matched against the file name; one with
/// `/` against the path below the walked directory (or the whole path, as printed), with `*`
/// not crossing `/` (use `**` for that). A pattern starting with `!` excludes what it matches.
/// A file is kept when it matches an including pattern (or there is none) and no excluding one.
/// By default (no pattern) every file is kept.
#[derive(Clone, Debug, Default)]
pub struct GlobFilter {
    include: Patterns,
    exclude: Patterns,
}

#[derive(Clone, Debug, Default)]
struct Patterns {
    names: GlobSet,
    paths: GlobSet,
    count: usize,
}

impl Patterns {
    fn is_match(&self, name: &Candidate<'_>, rel: &Candidate<'_>, full: &Candidate<'_>) -> bool {
        self.names.is_match_candidate(name)
            || self.paths.is_match_candidate(rel)
            || self.paths.is_match_candidate(full)
    }
}

impl GlobFilter {
    /// Compiles `patterns`.
    ///
    /// # Errors
    /// [`Error::Glob`] naming the first pattern that does not parse.
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<GlobFilter> {
        let mut builders = [
            (GlobSetBuilder::new(), GlobSetBuilder::new(), 0),
            (GlobSetBuilder::new(), GlobSetBuilder::new(), 0),
        ];
        for pattern in patterns {
            let pattern = pattern.as_ref();
            let (negated, text) = match pattern.strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, pattern),
            };
            let glob = GlobBuilder::new(text)
                .literal_separator(true)
                .build()
                .map_err(|e| Error::Glob {
                    pattern: pattern.to_string(),
                    message: e.kind().to_string(),
                })?;
            let (names, paths, count) = &mut builders[usize::from(negated)];
            if text.contains('/') {
                paths.add(glob);
            } else {
                names.add(glob);
            }
            *count += 1;
        }
        let [include, exclude] = builders.map(|(names, paths, count)| {
            let build = |b: GlobSetBuilder| {
                b.build().map_err(|e| Error::Glob {
                    pattern: e.glob().unwrap_or_default().to_string(),
                    message: e.kind().to_string(),
                })
            };
            Ok::<_, Error>(Patterns {
                names: build(names)?,
                paths: build(paths)?,
                count,
            })
        });
        Ok(GlobFilter {
            include: include?,
            exclude: exclude?,
        })
    }

    /// True when a file found at `path`, `rel` below the walked directory, is kept.
    pub fn is_match(&self, rel: &Path, path: &Path) -> bool {
        let name = Candidate::new(path.file_name().unwrap_or(path.as_os_str()));
        let (rel, full) = (Candidate::new(rel), Candidate::new(path));
        (self.include.count == 0 || self.include.is_match(&name, &rel, &full))
            && !(self.exclude.count > 0 && self.exclude.is_match(&name, &rel, &full))
    }
}

/// Expands `paths` into inputs, in order: `-` is standard input, a directory is replaced by
/// the regular files below it (sorted by name, filtered as `opts` says), and anything else is
/// kept as it is, to be opened (and, if need be, reported) by [`super::open`].
///
/// Errors met while walking (an unreadable directory, a dangling symbolic link or a loop when
/// following links) are returned beside the inputs, each naming its path; the walk goes on.
pub fn expand(paths: &[PathBuf], opts: &WalkOptions) -> (Vec<Input>, Vec<Error>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin(None));
        } else if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
            walk(path, opts, &mut inputs, &mut errors);
        } else {
            inputs.push(Input::Path(path.clone()));
        }
    }
    (inputs, errors)
}

fn walk(root: &Path, opts: &WalkOptions, inputs: &mut Vec<Input>, errors: &mut Vec<Error>) {
    let entries = WalkDir::new(root)
        .follow_links(opts.follow)
        .sort_by_file_name()
        .into_iter()
        // The root itself is exempt: `errscan scan .` or `errscan scan ~/.logs` was asked for.
        .filter_entry(|e| opts.hidden || e.depth() == 0 || !is_hidden(e.file_name()));
    for entry in entries {
        match entry {
            // Without `follow`, links report as links and are skipped; FIFOs, sockets and
            // devices found in a directory are skipped too (a FIFO would block the walk).
            Ok(e) if e.file_type().is_file() => {
                let rel = e.path().strip_prefix(root).unwrap_or(e.path());
                if opts.filter.is_match(rel, e.path()) {
                    inputs.push(Input::Path(e.into_path()));
                }
            }
            Ok(_) => {}
            Err(e) => errors.push(walk_error(root, e)),
        }
    }
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

fn walk_error(root: &Path, e: walkdir::Error) -> Error {
    let path = e.path().unwrap_or(root).to_path_buf();
    let source = if let Some(ancestor) = e.loop_ancestor() {
        io::Error::other(format!(
            "symbolic link loop (leads back to {}), not followed",
            ancestor.display()
        ))
    } else if let Some(dangling) = super::dangling_link(&path) {
        dangling
    } else {
        e.into_io_error()
            .unwrap_or_else(|| io::Error::other("cannot be walked"))
    };
    Error::Input {
        path: super::path_name(&path),
        cause: source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(inputs: &[Input], root: &Path) -> Vec<String> {
        inputs
            .iter()
            .map(|i| match i {
                Input::Stdin(_) => "-".to_string(),
                Input::Path(p) => p.strip_prefix(root).unwrap_or(p).display().to_string(),
            })
            .collect()
    }

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "b.log",
            "a.log",
            "sub/c.log.gz",
            "sub/deep/d.txt",
            ".hidden.log",
            ".git/e.log",
            "z/f.log",
        ] {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, b"x\n").unwrap();
        }
        dir
    }

    fn expand_with(dir: &Path, opts: &WalkOptions) -> Vec<String> {
        let (inputs, errors) = expand(&[dir.to_path_buf()], opts);
        assert!(errors.is_empty(), "{errors:?}");
        names(&inputs, dir)
    }

    #[test]
    fn walks_sorted_and_skips_hidden() {
        let dir = tree();
        assert_eq!(
            expand_with(dir.path(), &WalkOptions::default()),
            [
                "a.log",
                "b.log",
                "sub/c.log.gz",
                "sub/deep/d.txt",
                "z/f.log"
            ]
        );
        let opts = WalkOptions {
            hidden: true,
            ..WalkOptions::default()
        };
        assert_eq!(
            expand_with(dir.path(), &opts),
            [
                ".git/e.log",
                ".hidden.log",
                "a.log",
                "b.log",
                "sub/c.log.gz",
                "sub/deep/d.txt",
                "z/f.log"
            ]
        );
    }

    #[test]
    fn globs_filter_walked_files_only() {
        let dir = tree();
        let table: &[(&[&str], &[&str])] = &[
            (&["*.log"], &["a.log", "b.log", "z/f.log"]),
            (
                &["*.log", "*.gz"],
                &["a.log", "b.log", "sub/c.log.gz", "z/f.log"],
            ),
            (&["!*.gz"], &["a.log", "b.log", "sub/deep/d.txt", "z/f.log"]),
            (&["sub/**"], &["sub/c.log.gz", "sub/deep/d.txt"]),
            (&["sub/*"], &["sub/c.log.gz"]),
            (&["**/*.txt", "a*"], &["a.log", "sub/deep/d.txt"]),
            (&["*.log", "!b*"], &["a.log", "z/f.log"]),
        ];
        for (globs, expected) in table {
            let opts = WalkOptions {
                filter: GlobFilter::new(globs).unwrap(),
                ..WalkOptions::default()
            };
            assert_eq!(expand_with(dir.path(), &opts), *expected, "{globs:?}");
        }
        // Named explicitly: kept whatever the globs say.
        let opts = WalkOptions {
            filter: GlobFilter::new(&["*.gz"]).unwrap(),
            ..WalkOptions::default()
        };
        let explicit = dir.path().join("a.log");
        let (inputs, _) = expand(&[explicit.clone(), PathBuf::from("-")], &opts);
        assert_eq!(inputs, [Input::Path(explicit), Input::Stdin(None)]);
    }

    #[test]
    fn bad_glob_is_named() {
        let err = GlobFilter::new(&["*.log", "[a-"]).unwrap_err();
        assert!(err.to_string().starts_with("invalid glob \"[a-\""), "{err}");
    }

    #[test]
    fn missing_path_is_passed_on_for_open_to_report() {
        let missing = PathBuf::from("/nonexistent/errscan/x.log");
        let (inputs, errors) = expand(std::slice::from_ref(&missing), &WalkOptions::default());
        assert_eq!(inputs, [Input::Path(missing)]);
        assert!(errors.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn links_are_skipped_unless_followed_and_loops_reported() {
        use std::os::unix::fs::symlink;
        let dir = tree();
        let root = dir.path();
        symlink(root.join("a.log"), root.join("sub/link.log")).unwrap();
        symlink(root.join("nowhere.log"), root.join("sub/dangling.log")).unwrap();
        symlink(root, root.join("z/loop")).unwrap();
        assert_eq!(
            expand_with(root, &WalkOptions::default()),
            [
                "a.log",
                "b.log",
                "sub/c.log.gz",
                "sub/deep/d.txt",
                "z/f.log"
            ]
        );
        let opts = WalkOptions {
            follow: true,
            ..WalkOptions::default()
        };
        let (inputs, errors) = expand(&[root.to_path_buf()], &opts);
        assert_eq!(
            names(&inputs, root),
            [
                "a.log",
                "b.log",
                "sub/c.log.gz",
                "sub/deep/d.txt",
                "sub/link.log",
                "z/f.log"
            ]
        );
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(
            messages[0].contains("sub/dangling.log: dangling symbolic link"),
            "{messages:?}"
        );
        assert!(
            messages[1].contains("z/loop: symbolic link loop"),
            "{messages:?}"
        );
    }
}
