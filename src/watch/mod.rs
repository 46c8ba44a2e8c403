//! `errscan watch`: follows log files like `tail -F` and serves live counters to Prometheus.
//!
//! [`Watch`] keeps a set of followed files ([`tailer::Tailed`]), keyed by identity (device
//! and inode) so that a renamed file is never read twice, and counts their complete lines
//! with the same [`Scanner`] as `scan` into [`metrics::Metrics`], which
//! [`http::MetricsServer`] renders on each scrape.
//!
//! | what happens to a followed path | what `watch` does |
//! |---|---|
//! | lines appended | counted once complete (a partial last line waits for its newline) |
//! | renamed away, a new file created (rename rotation) | the old file is read to its end through the descriptor still open, and followed a little longer in case its writer has not reopened yet; the new file is read from its start |
//! | truncated (copytruncate), even rewritten past the old offset | seen by the fingerprint of the head; read again from its start; a copy of the old content that turns up among the followed files continues at the old offset |
//! | deleted | read to its end, then let go |
//! | a file matching `--glob` appears in a followed directory | read from its start |
//!
//! Changes are learnt from inotify (through `notify`), or by polling where inotify is not
//! available; a sweep once per [`WatchConfig::sweep_every`] checks the followed files with a
//! `fstat` each and catches anything the events missed, so an idle `watch` costs a few system
//! calls a second. With a state file, offsets, fingerprints and counters are saved every
//! [`WatchConfig::save_every`], before a scrape when the counters moved, and on stop, and a
//! restart continues from them. With a state file only saved counters are served, so that a
//! restart after a crash never serves a counter lower than one scraped before it (Prometheus
//! would take the drop for a reset, and the whole count for new errors).

pub mod http;
pub mod metrics;
pub mod state;
pub mod tailer;

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use notify::Watcher as _;

use crate::catalog::Catalog;
use crate::input::walk::{self, GlobFilter, WalkOptions};
use crate::input::Input;
use crate::report::counts::Counts;
use crate::scan::Scanner;
use http::MetricsServer;
use metrics::{FileMetrics, Metrics};
use state::{Counters, FileState, Orphan, State, StateError};
use tailer::{Change, FileId, StartAt, Tailed};

/// How many truncated-away contents are remembered, to recognise copies of them.
const MAX_ORPHANS: usize = 64;

/// How much of a file is read before events, saves and scrapes are attended to: a large
/// backlog is read in parts of this size, other files and scrapes waiting at most one part.
const READ_PART: u64 = 256 << 20;

/// How long a scrape waits for the counters it is about to serve to be saved (with a state
/// file); past that it is served the counters saved last.
const SCRAPE_WAIT: Duration = Duration::from_secs(3);

/// What `watch` can fail on before it runs.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// The metrics address could not be bound.
    #[error("cannot listen on {addr}: {message}")]
    Listen {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        message: String,
    },
    /// Neither inotify nor polling could be set up.
    #[error("cannot watch for changes: {0}")]
    Notify(String),
}

/// How `watch` follows. By default: files present at start are read from their end, no
/// state file, a sweep every second, a save every 5 s, rotated files followed 5 s after they
/// last grew, inotify with polling as the fallback, 16 MiB read blocks.
#[derive(Clone, Debug)]
pub struct WatchConfig {
    /// Files and directories to follow, as given.
    pub paths: Vec<PathBuf>,
    /// Which files found in directories are followed.
    pub filter: GlobFilter,
    /// Also follow hidden files (names starting with `.`) found in directories.
    pub hidden: bool,
    /// Read the files present at the first start from their start instead of their end.
    pub from_start: bool,
    /// Where offsets, fingerprints and counters are saved.
    pub state: Option<PathBuf>,
    /// How often the state is saved (when something changed).
    pub save_every: Duration,
    /// How often the followed files are checked without an event.
    pub sweep_every: Duration,
    /// How long a rotated-away file is still followed after it last grew.
    pub linger: Duration,
    /// Poll for changes instead of using inotify.
    pub poll: bool,
    /// How many bytes are read and scanned at a time.
    pub block_size: usize,
    /// Distinct unknown codes counted before the rest are folded (as in `scan`).
    pub unknown_cap: usize,
    /// The vendors counted, when the matcher was given a list (only their documented codes
    /// are served from 0).
    pub vendors: Option<Vec<crate::catalog::VendorId>>,
}

impl Default for WatchConfig {
    fn default() -> WatchConfig {
        WatchConfig {
            paths: Vec::new(),
            filter: GlobFilter::default(),
            hidden: false,
            from_start: false,
            state: None,
            save_every: Duration::from_secs(5),
            sweep_every: Duration::from_secs(1),
            linger: Duration::from_secs(5),
            poll: false,
            block_size: 16 << 20,
            unknown_cap: crate::report::counts::DEFAULT_UNKNOWN_CAP,
            vendors: None,
        }
    }
}

/// What the follower is told.
enum Event {
    /// These paths changed.
    Paths(Vec<PathBuf>),
    /// Events were lost: look at everything.
    Rescan,
    /// Finish and save.
    Stop,
    /// A scrape is about to be served: save the counters if they moved (with a state file),
    /// then answer.
    Scrape(Sender<()>),
}

/// Stops a running [`Watch`] (from a signal handler thread, for instance).
#[derive(Clone)]
pub struct Stopper(Sender<Event>);

impl Stopper {
    /// Asks the watch to read what is pending, save its state and return.
    pub fn stop(&self) {
        let _ = self.0.send(Event::Stop);
    }
}

/// A path given on the command line.
enum Root {
    /// A directory: files below it are followed when the filter keeps them.
    Dir(PathBuf),
    /// A file (perhaps not there yet): followed whenever it exists.
    File(PathBuf),
}

/// Follows files and counts their lines; see the module documentation.
pub struct Watch<'s, 'c> {
    scanner: &'s Scanner<'c>,
    config: WatchConfig,
    roots: Vec<Root>,
    files: HashMap<FileId, Tailed>,
    by_path: HashMap<PathBuf, FileId>,
    orphans: VecDeque<Orphan>,
    /// Files that could not be opened, and compressed files, by path and identity: named
    /// once, not at every event.
    skipped: HashMap<PathBuf, Option<FileId>>,
    metrics: Arc<Mutex<Metrics>>,
    /// What is served: with a state file, the counters saved last (so a scraper never sees
    /// a counter that a restart after a crash would take back); else `metrics` itself.
    served: Arc<Mutex<Metrics>>,
    /// The counters in the state file, as saved last or loaded.
    saved: Option<Counters>,
    /// Files whose reading stopped at [`READ_PART`] with more to read.
    again: BTreeSet<FileId>,
    /// The read buffers, kept while files are read and given back when idle.
    buf: Vec<Vec<u8>>,
    tx: Sender<Event>,
    rx: Receiver<Event>,
    warn: Box<dyn FnMut(&str) + 's>,
    /// Something to save since the last save.
    dirty: bool,
    /// Lines were read since the last sweep.
    read_since_sweep: bool,
    /// Files are read from now on (not while they are found at start, so that a large
    /// backlog is read while /metrics is already served).
    reading: bool,
    polling: bool,
}

impl<'s, 'c> Watch<'s, 'c> {
    /// Loads the state file (a broken or foreign one is named through `warn`, then ignored:
    /// a fresh start), finds the files to follow and positions each: where the state says,
    /// else at its end on the first start (its start with `from_start`), else at its start.
    /// Nothing is counted before [`Watch::run`].
    pub fn new(
        scanner: &'s Scanner<'c>,
        config: WatchConfig,
        warn: Box<dyn FnMut(&str) + 's>,
    ) -> Watch<'s, 'c> {
        // Bounded: when events come faster than they are handled, inotify's own queue
        // overflows instead, which asks for a rescan; nothing is lost, memory stays bounded.
        let (tx, rx) = crossbeam_channel::bounded(4096);
        let roots = config
            .paths
            .iter()
            .map(|p| {
                if p.is_dir() {
                    Root::Dir(p.clone())
                } else {
                    Root::File(p.clone())
                }
            })
            .collect();
        let errors =
            Counts::new(scanner.catalog().entries().len()).with_unknown_cap(config.unknown_cap);
        let metrics = Arc::new(Mutex::new(Metrics {
            errors,
            vendors: config.vendors.clone(),
            ..Metrics::default()
        }));
        let served = if config.state.is_some() {
            Arc::new(Mutex::new(Metrics::default()))
        } else {
            Arc::clone(&metrics)
        };
        let mut watch = Watch {
            scanner,
            roots,
            files: HashMap::new(),
            by_path: HashMap::new(),
            orphans: VecDeque::new(),
            skipped: HashMap::new(),
            metrics,
            served,
            saved: None,
            again: BTreeSet::new(),
            buf: Vec::new(),
            tx,
            rx,
            warn,
            dirty: false,
            read_since_sweep: false,
            reading: false,
            polling: config.poll,
            config,
        };
        let state = watch.config.state.as_deref().and_then(|path| {
            State::load(path, &watch.config.paths).unwrap_or_else(|e| {
                let note = match e {
                    StateError::Read { .. } => "",
                    _ => "; it will be overwritten",
                };
                let from = if watch.config.from_start { "start" } else { "end" };
                (watch.warn)(&format!(
                    "{e}; starting afresh: counters from 0, files present read from their {from}{note}"
                ));
                None
            })
        });
        let first_start = state.is_none();
        if let Some(state) = state {
            watch.resume(state);
        }
        let start = if first_start && !watch.config.from_start {
            StartAt::End
        } else {
            StartAt::Start
        };
        watch.rescan(start);
        watch.publish_files();
        watch
    }

    /// How many files are followed now.
    pub fn files_followed(&self) -> usize {
        self.files.len()
    }

    /// True when changes are learnt by polling (asked for, or inotify unavailable).
    pub fn polling(&self) -> bool {
        self.polling
    }

    /// A handle that stops [`Watch::run`].
    pub fn stopper(&self) -> Stopper {
        Stopper(self.tx.clone())
    }

    /// The counters as counted (with a state file, they may be ahead of those served).
    pub fn metrics(&self) -> Arc<Mutex<Metrics>> {
        Arc::clone(&self.metrics)
    }

    /// The counters as served.
    pub fn served(&self) -> Arc<Mutex<Metrics>> {
        Arc::clone(&self.served)
    }

    fn lock(&self) -> MutexGuard<'_, Metrics> {
        lock(&self.metrics)
    }

    /// Serves `server` and follows the files until stopped; then reads what is pending and
    /// saves the state.
    ///
    /// # Errors
    /// When changes cannot be watched by any means.
    pub fn run(&mut self, server: &MetricsServer) -> Result<(), WatchError> {
        let catalog: &Catalog = self.scanner.catalog();
        let served = Arc::clone(&self.served);
        if !Arc::ptr_eq(&served, &self.metrics) {
            // What was loaded from the state file (or nothing) is saved already.
            let live = self.lock().clone();
            *lock(&served) = live;
        }
        let tx = self.tx.clone();
        let with_state = self.config.state.is_some();
        // With a state file, the counters served are saved first: after a crash, the
        // restart continues from them or from higher ones, never from lower ones, which a
        // scraper would take for a counter reset (and `rate()` for a burst of errors).
        let before_scrape = move || {
            if with_state {
                let (reply, answer) = crossbeam_channel::bounded(1);
                if tx.send_timeout(Event::Scrape(reply), SCRAPE_WAIT).is_ok() {
                    let _ = answer.recv_timeout(SCRAPE_WAIT);
                }
            }
        };
        std::thread::scope(|s| {
            s.spawn(|| server.serve(&served, catalog, &before_scrape));
            let result = self.follow();
            server.stop();
            result
        })
    }

    /// The event loop.
    fn follow(&mut self) -> Result<(), WatchError> {
        let _watcher = self.start_watcher()?;
        self.reading = true;
        self.sweep();
        self.publish_files();
        let mut next_sweep = Instant::now() + self.config.sweep_every;
        let mut next_save = Instant::now() + self.config.save_every;
        // A full walk of the directories now and then, in case events were lost silently.
        let mut next_walk = Instant::now() + self.config.sweep_every * 30;
        loop {
            let deadline = next_sweep.min(next_save);
            let mut changed = BTreeSet::new();
            let mut rescan = false;
            let mut stop = false;
            let mut scrapes = Vec::new();
            // With a backlog still to read, events are only looked at, not waited for.
            let first = if self.again.is_empty() {
                match self.rx.recv_deadline(deadline) {
                    Ok(e) => Some(e),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => Some(Event::Stop),
                }
            } else {
                None
            };
            // Take every event pending, so a burst of writes costs one read per file.
            for event in first.into_iter().chain(self.rx.try_iter()) {
                match event {
                    Event::Paths(paths) => changed.extend(paths),
                    Event::Rescan => rescan = true,
                    Event::Stop => stop = true,
                    Event::Scrape(reply) => scrapes.push(reply),
                }
            }
            for path in changed {
                self.changed(&path);
            }
            for id in std::mem::take(&mut self.again) {
                self.poll(id);
            }
            let now = Instant::now();
            if rescan || now >= next_walk {
                self.rescan(StartAt::Start);
                next_walk = now + self.config.sweep_every * 30;
            }
            if stop || now >= next_sweep {
                self.sweep();
                next_sweep = Instant::now() + self.config.sweep_every;
            }
            self.publish_files();
            if stop {
                self.save();
                return Ok(());
            }
            if !scrapes.is_empty() {
                self.before_scrape();
                for reply in scrapes {
                    let _ = reply.send(());
                }
            }
            if Instant::now() >= next_save {
                if self.dirty {
                    self.save();
                }
                next_save = Instant::now() + self.config.save_every;
            }
        }
    }

    /// Sets up inotify on the directories involved, or polling when that fails.
    fn start_watcher(&mut self) -> Result<Box<dyn notify::Watcher>, WatchError> {
        let mut dirs: Vec<(PathBuf, notify::RecursiveMode)> = Vec::new();
        for root in &self.roots {
            match root {
                Root::Dir(d) => dirs.push((d.clone(), notify::RecursiveMode::Recursive)),
                Root::File(f) => {
                    let parent = match f.parent() {
                        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                        _ => PathBuf::from("."),
                    };
                    if !dirs.iter().any(|(d, _)| *d == parent) {
                        dirs.push((parent, notify::RecursiveMode::NonRecursive));
                    }
                }
            }
        }
        let handler = |tx: Sender<Event>| {
            move |res: notify::Result<notify::Event>| {
                let event = match res {
                    // Opens and reads, errscan's own included: reacting to those would loop.
                    Ok(e) if matches!(e.kind, notify::EventKind::Access(_)) => return,
                    Ok(e) if e.need_rescan() => Event::Rescan,
                    Ok(e) => Event::Paths(e.paths),
                    Err(_) => Event::Rescan,
                };
                let _ = tx.send(event);
            }
        };
        if !self.polling {
            let inotify = notify::RecommendedWatcher::new(
                handler(self.tx.clone()),
                notify::Config::default(),
            );
            match inotify {
                Ok(mut w) => {
                    let failed = dirs.iter().find_map(|(d, mode)| {
                        w.watch(d, *mode)
                            .err()
                            .filter(|e| !matches!(e.kind, notify::ErrorKind::PathNotFound))
                            .map(|e| format!("{}: {e}", d.display()))
                    });
                    match failed {
                        None => return Ok(Box::new(w)),
                        Some(why) => (self.warn)(&format!(
                            "inotify cannot watch {why}; polling for changes instead"
                        )),
                    }
                }
                Err(e) => (self.warn)(&format!(
                    "inotify is not available ({e}); polling for changes instead"
                )),
            }
            self.polling = true;
        }
        let config = notify::Config::default().with_poll_interval(self.config.sweep_every * 2);
        let mut w = notify::PollWatcher::new(handler(self.tx.clone()), config)
            .map_err(|e| WatchError::Notify(e.to_string()))?;
        for (d, mode) in &dirs {
            // A directory that does not exist yet is still covered by the sweeps.
            let _ = w.watch(d, *mode);
        }
        Ok(Box::new(w))
    }

    /// True when a file at `path` is to be followed: never the state file itself.
    fn wanted(&self, path: &Path) -> bool {
        if self.is_state_file(path) {
            return false;
        }
        self.roots.iter().any(|root| match root {
            Root::File(f) => f == path,
            Root::Dir(d) => path.strip_prefix(d).is_ok_and(|rel| {
                (self.config.hidden
                    || !rel
                        .components()
                        .any(|c| c.as_os_str().as_encoded_bytes().first() == Some(&b'.')))
                    && self.config.filter.is_match(rel, path)
            }),
        })
    }

    /// True for the state file and the temporary files it is written through.
    fn is_state_file(&self, path: &Path) -> bool {
        let Some(state) = &self.config.state else {
            return false;
        };
        let same_dir = |a: &Path, b: &Path| {
            let dir = |p: &Path| {
                let d = p.parent().filter(|d| !d.as_os_str().is_empty());
                d.unwrap_or(Path::new(".")).canonicalize().ok()
            };
            dir(a) == dir(b)
        };
        let name = path.file_name();
        let temporary = name.is_some_and(|n| n.as_encoded_bytes().starts_with(b".errscan-state"));
        (name == state.file_name() || temporary) && same_dir(path, state)
    }

    /// Takes up the files of a saved state: each at its offset when it is still there (under
    /// its path, or renamed within its directory), else remembered as truncated-away content.
    fn resume(&mut self, state: State) {
        let dropped = {
            let mut m = lock(&self.metrics);
            let dropped = state.counters.restore(&mut m, self.scanner.catalog());
            self.saved = Some(Counters::of(&m, self.scanner.catalog()));
            dropped
        };
        for d in dropped {
            (self.warn)(&format!("state: {d}"));
        }
        self.orphans = state.orphans.into_iter().collect();
        for f in state.files {
            let id = (f.dev, f.ino);
            let found = match tailer::id_of(&f.path) {
                Some((now, _)) if now == id => Some(f.path.clone()),
                // Renamed while errscan was down: look for it beside its old name.
                _ => find_in_dir(&f.path, id),
            };
            let opened = found.and_then(|p| Tailed::open(&p, StartAt::Offset(f.offset)).ok());
            let Some(mut t) = opened else {
                self.remember_orphan(Orphan {
                    head: f.head,
                    offset: f.offset,
                });
                continue;
            };
            if !t.has_head(f.head) {
                // Truncated while errscan was down: what it holds now is new.
                self.remember_orphan(Orphan {
                    head: f.head,
                    offset: f.offset,
                });
                t.restart();
                self.lock().truncations += 1;
            } else if t.last_path != f.path && !f.rotated {
                self.lock().renames += 1;
            }
            let path = t.last_path.clone();
            if self.wanted(&path) && !self.by_path.contains_key(&path) {
                self.by_path.insert(path, t.id);
            } else {
                t.path = None;
            }
            self.files.insert(t.id, t);
        }
        self.dirty = true;
    }

    fn remember_orphan(&mut self, orphan: Orphan) {
        if orphan.offset == 0 || orphan.head.len == 0 {
            return;
        }
        if self.orphans.len() >= MAX_ORPHANS {
            self.orphans.pop_front();
        }
        self.orphans.push_back(orphan);
    }

    /// Finds every file to follow now and takes up those not followed yet, from `start`.
    fn rescan(&mut self, start: StartAt) {
        let mut found = Vec::new();
        for root in &self.roots {
            match root {
                Root::File(f) => found.push(f.clone()),
                Root::Dir(d) => {
                    let opts = WalkOptions {
                        hidden: self.config.hidden,
                        follow: false,
                        filter: self.config.filter.clone(),
                    };
                    // An unreadable directory is retried at the next walk.
                    let (inputs, _) = walk::expand(std::slice::from_ref(d), &opts);
                    found.extend(inputs.into_iter().filter_map(|i| match i {
                        Input::Path(p) if !self.is_state_file(&p) => Some(p),
                        _ => None,
                    }));
                }
            }
        }
        for path in found {
            if self.by_path.contains_key(&path) {
                self.refresh(&path);
            } else {
                self.discover(&path, start);
            }
        }
    }

    /// A path reported changed by an event.
    fn changed(&mut self, path: &Path) {
        if self.by_path.contains_key(path) {
            self.refresh(path);
        } else if path.is_dir() {
            // A directory created (or moved) below a followed one: its files are new.
            if self
                .roots
                .iter()
                .any(|r| matches!(r, Root::Dir(d) if path.starts_with(d)))
            {
                let opts = WalkOptions {
                    hidden: self.config.hidden,
                    follow: false,
                    filter: GlobFilter::default(),
                };
                let (inputs, _) = walk::expand(&[path.to_path_buf()], &opts);
                for i in inputs {
                    if let Input::Path(p) = i {
                        if self.wanted(&p) && !self.by_path.contains_key(&p) {
                            self.discover(&p, StartAt::Start);
                        }
                    }
                }
            }
        } else if self.wanted(path) {
            self.discover(path, StartAt::Start);
        }
    }

    /// Starts following the file at `path`, which is not followed under that path: taken
    /// over when it is a file followed under another name, else opened from `start`
    /// (from `start`, or from where a copy of truncated-away content had been counted).
    fn discover(&mut self, path: &Path, start: StartAt) {
        let Some((id, meta)) = tailer::id_of(path) else {
            return;
        };
        if let Some(t) = self.files.get_mut(&id) {
            let old_still_there = t
                .path
                .as_deref()
                .is_some_and(|old| tailer::id_of(old).is_some_and(|(i, _)| i == id));
            if old_still_there {
                // Another name (a hard link) of a file followed under its first name.
                return;
            }
            // Renamed into a followed name (app.log.1 under --glob 'app.log*').
            if let Some(old) = t.path.take() {
                self.by_path.remove(&old);
                lock(&self.metrics).renames += 1;
            }
            t.path = Some(path.to_path_buf());
            t.last_path = path.to_path_buf();
            self.by_path.insert(path.to_path_buf(), id);
            self.poll(id);
            return;
        }
        if self.skipped.get(path) == Some(&Some(id)) {
            return;
        }
        let mut t = match Tailed::open(path, start) {
            Ok(t) => t,
            Err(e) => {
                if self.skipped.insert(path.to_path_buf(), Some(id)) != Some(Some(id)) {
                    (self.warn)(&format!("{}: cannot be followed: {e}", path.display()));
                    self.lock().read_errors += 1;
                }
                return;
            }
        };
        if start == StartAt::Start {
            let copy = self
                .orphans
                .iter()
                .position(|o| meta.len() >= o.offset && t.has_head(o.head));
            if let Some(i) = copy {
                // A copy of content already counted (copytruncate's copy): go on from there.
                t.offset = self.orphans[i].offset;
                self.orphans.remove(i);
            }
        }
        self.skipped.remove(path);
        self.by_path.insert(path.to_path_buf(), id);
        self.files.insert(id, t);
        self.dirty = true;
        self.poll(id);
    }

    /// Looks at a followed path again: the same file is read on; another file, or none,
    /// means the old one was rotated away or deleted.
    fn refresh(&mut self, path: &Path) {
        let Some(&old) = self.by_path.get(path) else {
            return;
        };
        let now = tailer::id_of(path).map(|(id, _)| id);
        if now == Some(old) {
            self.poll(old);
            return;
        }
        self.by_path.remove(path);
        let deleted = match self.files.get_mut(&old) {
            Some(t) => {
                t.path = None;
                t.last_change = Instant::now();
                t.stat().map_or(true, |(_, links)| links == 0)
            }
            None => true,
        };
        if deleted {
            self.finish(old);
        } else {
            self.lock().renames += 1;
            self.poll(old);
        }
        self.dirty = true;
        if now.is_some() && self.wanted(path) {
            self.discover(path, StartAt::Start);
        }
    }

    /// Reads a followed file on: new complete lines are counted.
    fn poll(&mut self, id: FileId) {
        if !self.reading {
            return;
        }
        let scanner = self.scanner;
        let block = self.config.block_size;
        let Some(t) = self.files.get_mut(&id) else {
            return;
        };
        let result = t.check().and_then(|change| {
            if let Change::Truncated {
                old_head,
                old_offset,
            } = change
            {
                lock(&self.metrics).truncations += 1;
                if old_offset > 0 && old_head.len > 0 {
                    if self.orphans.len() >= MAX_ORPHANS {
                        self.orphans.pop_front();
                    }
                    self.orphans.push_back(Orphan {
                        head: old_head,
                        offset: old_offset,
                    });
                }
                self.dirty = true;
            }
            let metrics = &self.metrics;
            let read = t.read_lines(&mut self.buf, block, false, READ_PART, &mut |lines| {
                count(scanner, metrics, lines, false);
            });
            match read {
                Err(e) if tailer::is_encoded_error(&e) => Ok(None),
                other => other.map(Some),
            }
        });
        match result {
            Ok(Some(read)) => {
                if let Some(t) = self.files.get_mut(&id) {
                    t.failing = false;
                }
                if read > 0 {
                    self.dirty = true;
                    self.read_since_sweep = true;
                }
                if read >= READ_PART {
                    self.again.insert(id);
                }
            }
            Ok(None) => self.let_go_compressed(id),
            Err(e) => self.read_failed(id, &e),
        }
    }

    /// Counts a failed read; the file stays followed and is tried again at the next sweep.
    /// Named once, until a read succeeds again.
    fn read_failed(&mut self, id: FileId, e: &std::io::Error) {
        let Some(t) = self.files.get_mut(&id) else {
            return;
        };
        t.read_errors += 1;
        let first = !t.failing;
        t.failing = true;
        let path = t.last_path.display().to_string();
        if first {
            (self.warn)(&format!(
                "{path}: cannot be read: {e}; tried again every sweep"
            ));
        }
        self.lock().read_errors += 1;
    }

    /// Stops following a file that turned out to be compressed (or UTF-16), named once.
    fn let_go_compressed(&mut self, id: FileId) {
        let Some(t) = self.files.remove(&id) else {
            return;
        };
        (self.warn)(&format!(
            "{}: compressed or UTF-16, not followed (errscan scan reads it)",
            t.last_path.display()
        ));
        if let Some(p) = &t.path {
            self.by_path.remove(p);
            self.skipped.insert(p.clone(), Some(id));
        }
        self.dirty = true;
    }

    /// Reads a file that is let go to its end (its last line, without a newline, included),
    /// then closes it.
    fn finish(&mut self, id: FileId) {
        let scanner = self.scanner;
        let block = self.config.block_size;
        let Some(mut t) = self.files.remove(&id) else {
            return;
        };
        let metrics = &self.metrics;
        let read = t
            .check()
            .and_then(|_| {
                t.read_lines(&mut self.buf, block, true, u64::MAX, &mut |lines| {
                    count(scanner, metrics, lines, true);
                })
            })
            .map(|_| ());
        if let Err(e) = read {
            (self.warn)(&format!("{}: cannot be read: {e}", t.last_path.display()));
            lock(&self.metrics).read_errors += 1;
        }
        self.dirty = true;
    }

    /// Checks every followed file: paths for rotation, descriptors for growth, and lets
    /// go of rotated files that stopped growing and deleted ones.
    fn sweep(&mut self) {
        if !std::mem::take(&mut self.read_since_sweep) {
            // Idle since the last sweep: the read buffers (up to three blocks) are given back.
            self.buf = Vec::new();
        }
        let paths: Vec<PathBuf> = self.by_path.keys().cloned().collect();
        for p in paths {
            self.refresh(&p);
        }
        // Named files that did not exist, or were rotated away, at the last look.
        let missing: Vec<PathBuf> = self
            .roots
            .iter()
            .filter_map(|r| match r {
                Root::File(f) if !self.by_path.contains_key(f) => Some(f.clone()),
                _ => None,
            })
            .collect();
        for f in missing {
            self.discover(&f, StartAt::Start);
        }
        let rotated: Vec<FileId> = self
            .files
            .iter()
            .filter(|(_, t)| t.path.is_none())
            .map(|(id, _)| *id)
            .collect();
        for id in rotated {
            self.poll(id);
            let Some(t) = self.files.get(&id) else {
                continue;
            };
            let gone = t.stat().map_or(true, |(_, links)| links == 0);
            if gone || t.last_change.elapsed() >= self.config.linger {
                self.finish(id);
            }
        }
    }

    /// Updates the per-file series.
    fn publish_files(&mut self) {
        let files: std::collections::BTreeMap<String, FileMetrics> = self
            .files
            .values()
            .map(|t| {
                (
                    t.last_path.display().to_string(),
                    FileMetrics {
                        read_errors: t.read_errors,
                        offset: t.offset,
                    },
                )
            })
            .collect();
        self.lock().files = files;
    }

    /// The state as it is now.
    pub fn state(&self) -> State {
        let live = self.lock().clone();
        self.state_with(&live)
    }

    /// The state with the counters of `metrics` (taken from the live ones).
    fn state_with(&self, metrics: &Metrics) -> State {
        let mut files: Vec<FileState> = self
            .files
            .values()
            .map(|t| FileState {
                path: t.last_path.clone(),
                dev: t.id.0,
                ino: t.id.1,
                offset: t.offset,
                head: t.head,
                rotated: t.path.is_none(),
            })
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        State {
            version: state::VERSION,
            paths: self.config.paths.clone(),
            files,
            orphans: self.orphans.iter().copied().collect(),
            counters: Counters::of(metrics, self.scanner.catalog()),
        }
    }

    /// Saves the state file, if there is one, and serves what was saved; a failure is named
    /// and counted, and retried at the next save.
    fn save(&mut self) {
        let Some(path) = self.config.state.clone() else {
            return;
        };
        let live = self.lock().clone();
        let state = self.state_with(&live);
        match state.save(&path) {
            Ok(()) => {
                self.dirty = false;
                self.saved = Some(state.counters);
                *lock(&self.served) = live;
            }
            Err(e) => {
                (self.warn)(&e.to_string());
                // The live counters are served: a state that cannot be written cannot keep
                // them from a drop after a crash, and counters that stopped moving would hide
                // every error from the dashboards. The failure is counted and named.
                let live = {
                    let mut m = self.lock();
                    m.state_save_errors += 1;
                    m.clone()
                };
                *lock(&self.served) = live;
            }
        }
    }

    /// Before a scrape, with a state file: saves the counters when they moved since the last
    /// save, so that what is served is in the state file; else serves the gauges as they
    /// are now.
    fn before_scrape(&mut self) {
        if Arc::ptr_eq(&self.served, &self.metrics) {
            return;
        }
        let live = self.lock().clone();
        let counters = Counters::of(&live, self.scanner.catalog());
        if self.saved.as_ref() == Some(&counters) {
            let errors = lock(&self.served).state_save_errors;
            *lock(&self.served) = Metrics {
                state_save_errors: errors.max(live.state_save_errors),
                ..live
            };
        } else {
            self.save();
        }
    }
}

fn lock(m: &Mutex<Metrics>) -> MutexGuard<'_, Metrics> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Counts a block of lines. With `last`, the block may end without a newline: a last line
/// of a file let go, which is a line too.
fn count(scanner: &Scanner<'_>, metrics: &Mutex<Metrics>, lines: &[u8], last: bool) {
    let (counts, extent) = scanner.scan_bytes(lines);
    let unterminated = last && lines.last().is_some_and(|&b| b != b'\n');
    let mut m = lock(metrics);
    m.errors.merge(counts);
    m.lines += extent.newlines + u64::from(unterminated);
    m.bytes += extent.bytes;
}

/// A file with identity `id` beside `path` (in the same directory), if any.
fn find_in_dir(path: &Path, id: FileId) -> Option<PathBuf> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| tailer::id_of(p).is_some_and(|(i, _)| i == id))
}
