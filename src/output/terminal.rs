//! Text bound for a terminal: characters that could move the cursor, recolour the screen or
//! reorder what is shown (control characters, bidirectional controls, line and paragraph
//! separators) are written as `\uXXXX` escapes, so that text from logs or file names cannot
//! disguise a report or a message.

use std::io::{self, Write};

/// True for a character that must not reach a terminal raw: a control character (ESC, CR,
/// ...), a bidirectional formatting control (U+061C, U+200E, U+200F, U+202A to U+202E,
/// U+2066 to U+2069), or a line or paragraph separator (U+2028, U+2029).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// `text` with every [`is_unsafe`] character written as `\uXXXX`, except those `keep` lets
/// through (a line feed between lines of output, for instance).
pub fn escape(text: &str, keep: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_unsafe(c) && !keep(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// A writer that passes text on with every [`is_unsafe`] character but the line feed escaped
/// as `\uXXXX` (valid inside JSON strings too). Bytes that are not UTF-8 pass unchanged; a
/// character split across writes is held until it is whole.
pub struct TerminalSafe<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> TerminalSafe<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> TerminalSafe<W> {
        TerminalSafe {
            inner,
            pending: Vec::new(),
        }
    }
}

impl<W: Write> Write for TerminalSafe<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        let mut start = 0;
        while start < self.pending.len() {
            match std::str::from_utf8(&self.pending[start..]) {
                Ok(text) => {
                    let safe = escape(text, |c| c == '\n');
                    self.inner.write_all(safe.as_bytes())?;
                    start = self.pending.len();
                }
                Err(e) => {
                    let valid = start + e.valid_up_to();
                    // The first `valid_up_to` bytes are UTF-8 by definition.
                    let text = std::str::from_utf8(&self.pending[start..valid]).unwrap_or("");
                    self.inner
                        .write_all(escape(text, |c| c == '\n').as_bytes())?;
                    match e.error_len() {
                        Some(n) => {
                            self.inner.write_all(&self.pending[valid..valid + n])?;
                            start = valid + n;
                        }
                        // An incomplete character at the end: wait for the rest.
                        None => {
                            start = valid;
                            break;
                        }
                    }
                }
            }
        }
        self.pending.drain(..start);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let rest = std::mem::take(&mut self.pending);
        self.inner.write_all(&rest)?;
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_characters_are_escaped_in_any_split() {
        let text = "a\u{1b}[31m,\u{202e}gnp.exe\u{2028}é\r\n\u{7f}z\n";
        let want = "a\\u001b[31m,\\u202egnp.exe\\u2028é\\u000d\n\\u007fz\n";
        for cut in 0..=text.len() {
            let mut out = Vec::new();
            let mut w = TerminalSafe::new(&mut out);
            w.write_all(&text.as_bytes()[..cut]).unwrap();
            w.write_all(&text.as_bytes()[cut..]).unwrap();
            w.flush().unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), want, "cut at {cut}");
        }
        let mut out = Vec::new();
        let mut w = TerminalSafe::new(&mut out);
        w.write_all(b"x\xffy").unwrap();
        w.flush().unwrap();
        assert_eq!(out, b"x\xffy");
    }
}
