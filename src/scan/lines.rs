//! One input line by line, for `errscan explain`, which looks at every line on its own rather
//! than counting: the same open policy and error reporting as the driver, without its chunks
//! and threads.

use std::io::{BufRead, BufReader};

use crate::error::{Error, Result};
use crate::input::{self, Input, MmapPolicy, Opened};

/// Calls `each` with every line of `input`, numbered from 1, without its `\n` or `\r\n`.
///
/// An input that cannot be opened or read is an [`Error::Input`] naming it; the lines before
/// a read error have been delivered. An error returned by `each` ends the walk and is
/// returned as it is.
pub fn each_line(input: &Input, mut each: impl FnMut(u64, &[u8]) -> Result<()>) -> Result<()> {
    let trim = |line: &[u8]| -> usize {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        line.strip_suffix(b"\r").unwrap_or(line).len()
    };
    match input::open(input, MmapPolicy::Never)? {
        Opened::Bytes(content) => {
            for (i, line) in content.split_inclusive(|&b| b == b'\n').enumerate() {
                each(i as u64 + 1, &line[..trim(line)])?;
            }
            Ok(())
        }
        Opened::Stream(reader) => {
            let mut reader = BufReader::new(reader);
            let mut line = Vec::new();
            let mut number = 0;
            loop {
                line.clear();
                match reader.read_until(b'\n', &mut line) {
                    Ok(0) => return Ok(()),
                    Ok(_) => {}
                    Err(cause) => {
                        return Err(Error::Input {
                            path: input.name(),
                            cause,
                        })
                    }
                }
                number += 1;
                each(number, &line[..trim(&line)])?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_numbered_and_trimmed_and_a_callback_error_ends_the_walk() {
        let dir = std::env::temp_dir().join(format!("errscan-lines-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.log");
        std::fs::write(&path, b"one\r\ntwo\n\nlast").unwrap();
        let input = Input::Path(path.clone());
        let mut seen = Vec::new();
        each_line(&input, |n, line| {
            seen.push((n, line.to_vec()));
            Ok(())
        })
        .unwrap();
        let want: Vec<(u64, Vec<u8>)> = vec![
            (1, b"one".to_vec()),
            (2, b"two".to_vec()),
            (3, b"".to_vec()),
            (4, b"last".to_vec()),
        ];
        assert_eq!(seen, want);
        let mut calls = 0;
        let stopped = each_line(&input, |_, _| {
            calls += 1;
            Err(Error::Invalid("stop".into()))
        });
        assert!(matches!(stopped, Err(Error::Invalid(_))));
        assert_eq!(calls, 1);
        let missing = each_line(&Input::Path(dir.join("missing.log")), |_, _| Ok(()));
        assert!(matches!(missing, Err(Error::Input { .. })), "{missing:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
