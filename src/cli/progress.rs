//! The progress bar of a scan of large files on a terminal.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use errscan::input;
use errscan::Input;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar on stderr, for a terminal and inputs of more than a few MB whose size is
/// known; `None` otherwise. The bar is fed by the scanner's count of input bytes taken in,
/// which for a compressed file are its compressed bytes, like its size.
pub(super) fn progress_bar(
    inputs: &[Input],
    disabled: bool,
    done: Arc<AtomicU64>,
) -> Option<(ProgressBar, std::thread::JoinHandle<()>)> {
    const MIN_BYTES: u64 = 8 << 20;
    if disabled || !std::io::stderr().is_terminal() {
        return None;
    }
    // The total is known for regular files only (named, or redirected to standard input);
    // a pipe among the inputs leaves nothing to measure against.
    let mut total = 0u64;
    for input in inputs {
        total += match input {
            Input::Stdin(_) => input::stdin_file_size()?,
            Input::Path(p) => match std::fs::metadata(p) {
                Ok(m) if m.is_file() => m.len(),
                Ok(_) => return None,
                // Reported when it is opened.
                Err(_) => 0,
            },
        };
    }
    if total < MIN_BYTES {
        return None;
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let ticker = {
        let bar = bar.clone();
        std::thread::spawn(move || {
            while !bar.is_finished() {
                bar.set_position(done.load(Ordering::Relaxed).min(total));
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    Some((bar, ticker))
}
