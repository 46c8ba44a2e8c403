//! Time windows: which hits `--since` and `--until` keep, and how their bounds are read.
//!
//! A hit's time is the time of its line, or, for a line with none of its own (a stack trace,
//! a response body printed after a dated line), the time of the last dated line before it in
//! the same input. Hits before any dated line of their input are *undated*: outside every
//! window, and counted in the `unknown` time bucket when no window is set. So for any `T`,
//! `hits(until T) + hits(since T) + undated hits = all hits`.
//!
//! Bounds are read by [`parse_bound`]:
//!
//! | text | instant |
//! | --- | --- |
//! | `2026-11-21T03:00:00Z`, `2026-11-21T03:00:00+08:00` | that instant (RFC 3339) |
//! | `2026-11-21T03:00:00`, `2026-11-21 03:00` | that wall-clock time in the zone |
//! | `2026-11-21` | midnight starting that day in the zone |
//! | `24h`, `90m`, `7d`, `1d12h` | that long before now |
//! | `today`, `yesterday` | midnight starting today / yesterday in the zone |

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp, Zoned};

use crate::error::{Error, Result};

/// The hits a scan keeps: those whose time `t` (seconds since the Unix epoch) is in
/// `[since, until)`. By default both ends are open and every hit is kept, undated ones
/// included; with either bound set, undated hits are left out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Window {
    /// The first second kept, if bounded.
    pub since: Option<i64>,
    /// The first second no longer kept, if bounded.
    pub until: Option<i64>,
}

impl Window {
    /// Whether the window keeps every hit (no bound set).
    pub fn is_open(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }

    /// Whether a hit at `time` (`None`: undated) is kept.
    #[inline]
    pub fn keeps(&self, time: Option<i64>) -> bool {
        match time {
            None => self.is_open(),
            Some(t) => self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t < u),
        }
    }
}

/// Reads a window bound (see the [module docs](self) for the forms), relative to `now` and in
/// `now`'s time zone for the forms without an offset.
///
/// # Errors
/// When `text` is none of the forms; the message names it and lists them.
pub fn parse_bound(text: &str, now: &Zoned) -> Result<i64> {
    let t = text.trim();
    let bad = || {
        Error::Invalid(format!(
            "`{text}` is not a time: use RFC 3339 (2026-11-21T03:00:00Z), a date (2026-11-21), \
             a duration before now (24h, 7d) or today / yesterday"
        ))
    };
    let tz = now.time_zone();
    let midnight = |date: Date| -> Result<i64> {
        date.to_zoned(tz.clone())
            .map(|z| z.timestamp().as_second())
            .map_err(|_| bad())
    };
    match t {
        "today" => return midnight(now.date()),
        "yesterday" => return midnight(now.date().yesterday().map_err(|_| bad())?),
        _ => {}
    }
    if let Ok(ts) = t.parse::<Timestamp>() {
        return Ok(ts.as_second());
    }
    if let Ok(dt) = t.parse::<DateTime>() {
        return zoned(dt, tz).ok_or_else(bad);
    }
    if let Ok(date) = t.parse::<Date>() {
        return midnight(date);
    }
    // A duration before now, in jiff's friendly format (`24h`, `7d`, `1d 12h`); calendar
    // units are counted in the zone, so `1d` across a DST change is one calendar day.
    let span: Span = t.parse().map_err(|_| bad())?;
    if span.is_negative() {
        return Err(bad());
    }
    now.checked_sub(span)
        .map(|z| z.timestamp().as_second())
        .map_err(|_| bad())
}

fn zoned(dt: DateTime, tz: &TimeZone) -> Option<i64> {
    dt.to_zoned(tz.clone())
        .ok()
        .map(|z| z.timestamp().as_second())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Zoned {
        "2026-11-21T15:30:00+00:00[UTC]".parse().unwrap()
    }

    fn at(text: &str) -> i64 {
        text.parse::<Timestamp>().unwrap().as_second()
    }

    #[test]
    fn bounds_of_every_form() {
        let n = now();
        for (text, want) in [
            ("2026-11-21T03:00:00Z", "2026-11-21T03:00:00Z"),
            ("2026-11-21T03:00:00+08:00", "2026-11-20T19:00:00Z"),
            ("2026-11-21T03:00:00", "2026-11-21T03:00:00Z"),
            ("2026-11-21 03:00", "2026-11-21T03:00:00Z"),
            ("2026-11-20", "2026-11-20T00:00:00Z"),
            ("24h", "2026-11-20T15:30:00Z"),
            ("7d", "2026-11-14T15:30:00Z"),
            ("90m", "2026-11-21T14:00:00Z"),
            ("today", "2026-11-21T00:00:00Z"),
            ("yesterday", "2026-11-20T00:00:00Z"),
        ] {
            assert_eq!(parse_bound(text, &n).unwrap(), at(want), "{text}");
        }
    }

    #[test]
    fn zone_sets_midnight() {
        let n: Zoned = "2026-11-21T15:30:00+08:00[Asia/Shanghai]".parse().unwrap();
        assert_eq!(
            parse_bound("today", &n).unwrap(),
            at("2026-11-20T16:00:00Z")
        );
        assert_eq!(
            parse_bound("2026-11-21T03:00:00Z", &n).unwrap(),
            at("2026-11-21T03:00:00Z")
        );
    }

    #[test]
    fn nonsense_is_an_error_naming_it() {
        for text in ["", "soon", "-24h", "2026-13-01", "tomorrow"] {
            let e = parse_bound(text, &now()).unwrap_err().to_string();
            assert!(e.contains(&format!("`{text}`")), "{e}");
        }
    }

    #[test]
    fn window_is_half_open_and_drops_undated() {
        let w = Window {
            since: Some(10),
            until: Some(20),
        };
        assert!(!w.keeps(Some(9)));
        assert!(w.keeps(Some(10)));
        assert!(w.keeps(Some(19)));
        assert!(!w.keeps(Some(20)));
        assert!(!w.keeps(None));
        assert!(Window::default().keeps(None));
    }
}
