//! Finding the time of a log line, for time-bucketed counts. Pure: no I/O, and no allocation
//! while reading a line.
//!
//! A *stamp* is any of these shapes (`2026-11-21 03:14:07` stands for any valid date and clock):
//!
//! | shape | example |
//! | --- | --- |
//! | ISO 8601 / RFC 3339 | `2026-11-21T03:14:07Z`, `2026-11-21T03:14:07.123+08:00` |
//! | ISO 8601, space separator | `2026-11-21 03:14:07.123456` (no zone: UTC) |
//! | Java / log4j | `2026-11-21 03:14:07,123` |
//! | nginx error log, Go `log` | `2026/11/21 03:14:07` |
//! | Ruby `Time#to_s` | `2026-11-21 03:14:07 +0800` |
//! | Apache / nginx access log | `21/Nov/2026:03:14:07 +0000` |
//! | BSD syslog (RFC 3164) | `Nov 21 03:14:07`, `Nov  1 03:14:07` |
//!
//! [`line_time`] looks for a stamp, in this order and taking the first that reads: at the start
//! of the line (after a UTF-8 BOM and ASCII whitespace); just after any `[` among the first
//! 64 bytes, which covers `[2026-11-21 03:14:07,123]`, access logs
//! (`10.0.0.1 - - [21/Nov/2026:03:14:07 +0000] "GET …`) and WSO2's `TID: [-1234] [] [2026-…]`;
//! then in the value of the first top-level JSON field named `timestamp`, `time`, `@timestamp`
//! or `published` that reads (a field of a nested object is not the line's time). A JSON value is a stamp in a string, or an
//! epoch number (bare or in a string) in seconds, milliseconds, microseconds or nanoseconds.
//!
//! Calendar work (valid dates, days in a month, offsets) is jiff's; this module only reads
//! digits and punctuation.

use jiff::civil::{Date, DateTime};
use jiff::tz::Offset;
use jiff::Timestamp;
use memchr::memchr;

/// A bucket width for time-grouped counts.
///
/// There is no default width: the caller chooses one. Buckets are aligned on UTC, so a `Day`
/// bucket runs from `00:00:00Z` to just before the next midnight UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Granularity {
    /// 60 seconds, starting on a whole UTC minute.
    Minute,
    /// 3,600 seconds, starting on a whole UTC hour.
    Hour,
    /// 86,400 seconds, starting at UTC midnight.
    Day,
}

impl Granularity {
    fn seconds(self) -> i64 {
        match self {
            Granularity::Minute => 60,
            Granularity::Hour => 3_600,
            Granularity::Day => 86_400,
        }
    }
}

/// How far into a line a `[` may start a stamp (access logs put the client address first; an
/// IPv6 address, identity and user fit in 64 bytes).
const BRACKET_WINDOW: usize = 64;

/// The JSON field names that hold a line's time, each with its closing quote so that `time`
/// does not match `timeout` or `timestamp`.
const JSON_KEYS: [&[u8]; 4] = [b"timestamp\"", b"time\"", b"@timestamp\"", b"published\""];

/// Seconds since the Unix epoch (UTC) of the timestamp at the start of `line`, or of a JSON
/// `timestamp`/`time`/`@timestamp`/`published` field at the top level of a JSON object in it; `None` when neither can be
/// read. `year` is used for syslog stamps, which carry none.
///
/// The shapes read, and where they are looked for, are listed in the [module docs](self).
/// A stamp with no zone is taken as UTC by default, and so is one whose zone is a name
/// (` UTC`, ` CET`): only `Z` and numeric offsets are read. Fractions of a second are
/// dropped (the result is the whole second the stamp falls in), and a leap second `:60` reads as
/// `:59`. `24:00:00` (ISO 8601's end of a day) is the next day's midnight. A date that does not
/// exist (`2026-02-30`, month 13, `Feb 29` in a non-leap `year`) or a field out of range gives
/// `None`.
///
/// The range read is `0000-01-01T00:00:00Z` to `9999-12-30T22:00:00Z`, what a bucket can be
/// written as in RFC 3339 (four-digit years); a stamp past it gives `None` (`unknown`).
///
/// JSON epoch numbers are told apart by magnitude: below 10^8 is not an epoch (it is more likely
/// a duration such as `"time":12`) and gives `None`; below 10^11 is seconds, below 10^14
/// milliseconds, below 10^17 microseconds, and anything larger nanoseconds. Each unit so covers
/// 1973-03-03 to the year 5138, and the digits alone decide: a 15-digit number is read as
/// microseconds even when it would be a valid time in milliseconds past 5138
/// (`253402300800000` is 1978-01-12T07:31:40Z). Negative numbers and exponents give `None`.
///
/// Never panics, whatever the bytes, and does not allocate, except to build jiff's error for
/// a valid stamp outside jiff's range (after 9999-12-30T22:00:00Z, or a syslog `year` near
/// ±9999), which gives `None`.
pub fn line_time(line: &[u8], year: i16) -> Option<i64> {
    let start = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    if let Some(secs) = stamp(start.trim_ascii_start(), year) {
        return Some(secs);
    }
    let window = line.get(..BRACKET_WINDOW).unwrap_or(line);
    for i in memchr::memchr_iter(b'[', window) {
        if let Some(secs) = stamp(&line[i + 1..], year) {
            return Some(secs);
        }
    }
    json_field(line, year)
}

/// The start of the bucket of width `g` that contains `secs` (UTC).
///
/// Pre-1970 (negative) times round down too: `-30` is in the minute that starts at `-60`. Never
/// panics: for a `secs` within a bucket of `i64::MIN` the result saturates at `i64::MIN`.
pub fn bucket_start(secs: i64, g: Granularity) -> i64 {
    // Unix time counts exactly 86,400 seconds in every UTC day (leap seconds are not counted),
    // so flooring to a multiple of the width is exact and needs no calendar.
    let width = g.seconds();
    secs.div_euclid(width).saturating_mul(width)
}

/// RFC 3339 UTC text of a bucket start, e.g. `2026-11-21T03:00:00Z`.
///
/// Years before 1 are written as jiff writes them (`-000001-…`). Outside jiff's range (about
/// the years -9999 to 9999), which no [`line_time`] result reaches, the number of seconds is
/// written instead, as plain decimal, so that no input panics.
pub fn format_bucket(secs: i64) -> String {
    match Timestamp::from_second(secs) {
        Ok(ts) => ts.to_string(),
        Err(_) => secs.to_string(),
    }
}

/// Reads a stamp of any supported shape at the start of `b`.
fn stamp(b: &[u8], year: i16) -> Option<i64> {
    iso(b).or_else(|| apache(b)).or_else(|| syslog(b, year))
}

/// `2026-11-21T03:14:07`, `2026/11/21 03:14:07`, then an optional fraction (`.` or `,`) and zone.
fn iso(b: &[u8]) -> Option<i64> {
    let year = four(b, 0)?;
    let sep = *b.get(4)?;
    if sep != b'-' && sep != b'/' {
        return None;
    }
    let month = two(b, 5)?;
    if *b.get(7)? != sep {
        return None;
    }
    let day = two(b, 8)?;
    if !matches!(b.get(10)?, b'T' | b't' | b' ') {
        return None;
    }
    let clock = clock(b, 11)?;
    let offset = zone(b, skip_fraction(b, 19))?;
    to_unix(year, month, day, clock, offset)
}

/// `21/Nov/2026:03:14:07 +0000`, the `%t` of Apache and `$time_local` of nginx, without the
/// brackets.
fn apache(b: &[u8]) -> Option<i64> {
    let day = two(b, 0)?;
    if *b.get(2)? != b'/' {
        return None;
    }
    let month = month_abbr(b.get(3..6)?)?;
    if *b.get(6)? != b'/' {
        return None;
    }
    let year = four(b, 7)?;
    if *b.get(11)? != b':' {
        return None;
    }
    let clock = clock(b, 12)?;
    let offset = zone(b, skip_fraction(b, 20))?;
    to_unix(year, month, day, clock, offset)
}

/// `Nov 21 03:14:07`, with a one-digit day padded by a space (`Nov  1`) or not (`Nov 1`). The
/// stamp has no year and no zone: `year` is used, and the clock is taken as UTC.
fn syslog(b: &[u8], year: i16) -> Option<i64> {
    let month = month_abbr(b.get(..3)?)?;
    if *b.get(3)? != b' ' {
        return None;
    }
    let (day, at) = match (*b.get(4)?, *b.get(5)?) {
        (b' ', d) => (digit(d)?, 6),
        (d, b' ') => (digit(d)?, 5),
        _ => (two(b, 4)?, 6),
    };
    if *b.get(at)? != b' ' {
        return None;
    }
    let clock = clock(b, at + 1)?;
    let end = skip_fraction(b, at + 9);
    if b.get(end).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    to_unix(year, month, day, clock, Offset::UTC)
}

/// The first top-level JSON time field in `line` whose value reads. Fields of nested objects
/// (`{"body":{"timestamp":…},"time":…}`) are skipped: they describe something inside the
/// line, not the line. Outside any object (text before the first `{`), every quote may start
/// a key, as in text that only looks like JSON.
fn json_field(line: &[u8], year: i16) -> Option<i64> {
    let mut depth = 0usize;
    let mut i = 0;
    while i < line.len() {
        match line[i] {
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            b'"' => {
                if depth <= 1 {
                    if let Some(secs) = json_key_value(&line[i + 1..], year) {
                        return Some(secs);
                    }
                }
                if depth >= 1 {
                    // Skip the whole string, so that braces and quotes in it do not count.
                    i = string_end(line, i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The index of the quote that closes the JSON string starting at `from` (escapes skipped),
/// or the line's length when it is cut inside the string.
fn string_end(line: &[u8], mut from: usize) -> usize {
    while from < line.len() {
        match line[from] {
            b'\\' => from += 2,
            b'"' => return from,
            _ => from += 1,
        }
    }
    line.len()
}

/// The time of `after` (the bytes after a quote) when they start a time key, its `:` and a
/// value that reads.
fn json_key_value(after: &[u8], year: i16) -> Option<i64> {
    let key = JSON_KEYS.iter().find(|k| after.starts_with(k))?;
    // A key is followed by `:`; the same word as a value (`"field":"time",`) is not.
    let value = after[key.len()..].trim_ascii_start().strip_prefix(b":")?;
    json_value(value.trim_ascii_start(), year)
}

/// A JSON value: a string holding a stamp or an epoch, or a bare epoch number.
fn json_value(value: &[u8], year: i16) -> Option<i64> {
    if let Some(text) = value.strip_prefix(b"\"") {
        // A line cut inside the string still has its stamp: read up to the end then.
        let text = &text[..memchr(b'"', text).unwrap_or(text.len())];
        return stamp(text, year).or_else(|| match epoch(text)? {
            (secs, len) if len == text.len() => Some(secs),
            _ => None,
        });
    }
    let (secs, len) = epoch(value)?;
    match value.get(len) {
        Some(c) if c.is_ascii_alphanumeric() => None,
        _ => Some(secs),
    }
}

/// Reads a non-negative epoch number (an optional fraction is dropped) and returns its whole
/// seconds, chosen by magnitude as [`line_time`] documents, and the bytes read.
fn epoch(b: &[u8]) -> Option<(i64, usize)> {
    let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if int_len == 0 {
        return None;
    }
    let mut n: i64 = 0;
    for &c in &b[..int_len] {
        n = n.checked_mul(10)?.checked_add(i64::from(c - b'0'))?;
    }
    let mut len = int_len;
    if b.get(len) == Some(&b'.') {
        len += 1 + b[len + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
    }
    if matches!(b.get(len), Some(b'e' | b'E')) {
        return None;
    }
    // The largest i64 in nanoseconds is in 2262 and 10^11 seconds in 5138, so every result
    // is within jiff's range and format_bucket can write it.
    let secs = match n {
        100_000_000..100_000_000_000 => n,
        100_000_000_000..100_000_000_000_000 => n / 1_000,
        100_000_000_000_000..100_000_000_000_000_000 => n / 1_000_000,
        100_000_000_000_000_000.. => n / 1_000_000_000,
        _ => return None,
    };
    Some((secs, len))
}

/// `HH:MM:SS` at `b[at..]`, with `:60` (a leap second) read as `:59`.
fn clock(b: &[u8], at: usize) -> Option<(i8, i8, i8)> {
    let hour = two(b, at)?;
    if *b.get(at + 2)? != b':' {
        return None;
    }
    let minute = two(b, at + 3)?;
    if *b.get(at + 5)? != b':' {
        return None;
    }
    let second = two(b, at + 6)?;
    // `24:00:00` is ISO 8601's end of the day: the next day's midnight (see `to_unix`).
    if (hour, minute, second) == (24, 0, 0) {
        return Some((24, 0, 0));
    }
    (hour < 24 && minute < 60 && second <= 60).then_some((hour, minute, second.min(59)))
}

/// Where the fraction of a second at `b[at..]` (`.123` or `,123`) ends; `at` when there is none.
fn skip_fraction(b: &[u8], at: usize) -> usize {
    match b.get(at..) {
        Some([b'.' | b',', rest @ ..]) => {
            let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                at
            } else {
                at + 1 + digits
            }
        }
        _ => at,
    }
}

/// The zone after a clock, at `b[at..]`: `Z`, `+08:00`, `+0800`, `+08`, or ` +0800` after one
/// space. `Some(UTC)` when there is none (end, `]`, ` - message`, ` CET`); `None` when the stamp
/// runs on into digits, or a zone starts but cannot be read or is out of range.
fn zone(b: &[u8], at: usize) -> Option<Offset> {
    match b.get(at) {
        Some(b'Z' | b'z') => Some(Offset::UTC),
        Some(b'+' | b'-') => to_offset(offset_fields(b, at, true)?),
        // After a space, only a full four-digit offset counts: ` - ` and ` -1 ` are text.
        Some(b' ') => match offset_fields(b, at + 1, false) {
            Some(fields) => to_offset(fields),
            None => Some(Offset::UTC),
        },
        Some(c) if c.is_ascii_digit() => None,
        _ => Some(Offset::UTC),
    }
}

/// Whether it is west of UTC, hours and minutes of a numeric offset at `b[at..]`: `±HH:MM`,
/// `±HHMM`, or `±HH` when `short` allows, not followed by a digit. Only the shape is checked.
fn offset_fields(b: &[u8], at: usize, short: bool) -> Option<(bool, i8, i8)> {
    let west = match b.get(at)? {
        b'+' => false,
        b'-' => true,
        _ => return None,
    };
    let hours = two(b, at + 1)?;
    let (minutes, end) = if b.get(at + 3) == Some(&b':') {
        (two(b, at + 4)?, at + 6)
    } else if let Some(minutes) = two(b, at + 3) {
        (minutes, at + 5)
    } else if short {
        (0, at + 3)
    } else {
        return None;
    };
    (!b.get(end).is_some_and(u8::is_ascii_digit)).then_some((west, hours, minutes))
}

/// The offset of `offset_fields`; `None` past jiff's ±25:59 or at minute 60.
fn to_offset((west, hours, minutes): (bool, i8, i8)) -> Option<Offset> {
    // Checked here, since jiff's errors allocate and garbage should not.
    if hours > 25 || minutes > 59 {
        return None;
    }
    let seconds = i32::from(hours) * 3_600 + i32::from(minutes) * 60;
    Offset::from_seconds(if west { -seconds } else { seconds }).ok()
}

/// Unix seconds of a civil date and clock read at `offset`; `None` when the date does not exist.
fn to_unix(year: i16, month: i8, day: i8, clock: (i8, i8, i8), offset: Offset) -> Option<i64> {
    // Checked before asking jiff for the date, since its errors allocate and garbage should not.
    if !(1..=12).contains(&month) || !(-9999..=9999).contains(&year) || day < 1 {
        return None;
    }
    if day > Date::new(year, month, 1).ok()?.days_in_month() {
        return None;
    }
    let (hour, minute, second) = clock;
    let (hour, next_day) = if hour == 24 { (0, 86_400) } else { (hour, 0) };
    let dt = DateTime::new(year, month, day, hour, minute, second, 0).ok()?;
    let secs = offset.to_timestamp(dt).ok()?.as_second() + next_day;
    // Still within what a bucket can be written as (`9999-12-30T24:00:00` is not).
    Timestamp::from_second(secs).ok().map(Timestamp::as_second)
}

/// The month (1 to 12) of an English three-letter abbreviation, in any case.
fn month_abbr(b: &[u8]) -> Option<i8> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    let &[a, b, c] = b else {
        return None;
    };
    let key = [a, b, c].map(|x| x.to_ascii_lowercase());
    let index = MONTHS.iter().position(|m| **m == key)?;
    i8::try_from(index + 1).ok()
}

/// The value of one ASCII digit.
fn digit(c: u8) -> Option<i8> {
    match c {
        b'0'..=b'9' => i8::try_from(c - b'0').ok(),
        _ => None,
    }
}

/// Two ASCII digits at `b[at..]`.
fn two(b: &[u8], at: usize) -> Option<i8> {
    Some(digit(*b.get(at)?)? * 10 + digit(*b.get(at + 1)?)?)
}

/// Four ASCII digits at `b[at..]`.
fn four(b: &[u8], at: usize) -> Option<i16> {
    Some(i16::from(two(b, at)?) * 100 + i16::from(two(b, at + 2)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values come from `date -u -d <stamp> +%s`, not from jiff.
    /// 2026-11-21T03:14:07Z.
    const T: i64 = 1_795_230_847;
    /// 2026-11-21T03:14:07+08:00, that is 2026-11-20T19:14:07Z.
    const T_PLUS_8: i64 = 1_795_202_047;
    /// 2026-11-21T03:14:07-05:00, that is 2026-11-21T08:14:07Z.
    const T_MINUS_5: i64 = 1_795_248_847;
    /// 2026-11-01T03:14:07Z.
    const NOV_1: i64 = 1_793_502_847;
    /// 2026-12-31T23:59:59Z.
    const NEW_YEARS_EVE: i64 = 1_798_761_599;
    /// 1973-03-03T09:46:40Z, the smallest epoch read from JSON.
    const EPOCH_FLOOR: i64 = 100_000_000;

    /// `(name, line, expected)`, read with `year` 2026.
    #[rustfmt::skip]
    const CASES: &[(&str, &[u8], Option<i64>)] = &[
        // ISO 8601 / RFC 3339.
        ("iso_z", b"2026-11-21T03:14:07Z INFO started", Some(T)),
        ("iso_lower_t_z", b"2026-11-21t03:14:07z", Some(T)),
        ("iso_no_zone", b"2026-11-21T03:14:07 INFO", Some(T)),
        ("iso_end_of_line", b"2026-11-21T03:14:07", Some(T)),
        ("iso_fraction_colon_offset", b"2026-11-21T03:14:07.123+08:00 x", Some(T_PLUS_8)),
        ("iso_compact_offset", b"2026-11-21T03:14:07+0800 x", Some(T_PLUS_8)),
        ("iso_hour_offset", b"2026-11-21T03:14:07.5+08 x", Some(T_PLUS_8)),
        ("iso_negative_offset", b"2026-11-21T03:14:07-05:00", Some(T_MINUS_5)),
        ("iso_fraction_z", b"2026-11-21T03:14:07.123456789Z", Some(T)),
        ("iso_space_micros", b"2026-11-21 03:14:07.123456 msg", Some(T)),
        ("iso_space_offset_ruby", b"2026-11-21 03:14:07 +0800 x", Some(T_PLUS_8)),
        ("iso_space_colon_offset", b"2026-11-21 03:14:07 -05:00 x", Some(T_MINUS_5)),
        ("iso_dash_separator_is_text", b"2026-11-21 03:14:07 - root - INFO", Some(T)),
        ("iso_short_number_is_text", b"2026-11-21 03:14:07 -1 x", Some(T)),
        ("iso_zone_name_is_utc", b"2026-11-21 03:14:07.123 UTC [42] LOG", Some(T)),
        ("iso_leap_second", b"2026-12-31T23:59:60Z", Some(NEW_YEARS_EVE)),
        ("iso_slashes_nginx_error", b"2026/11/21 03:14:07 [error] 7#0: *1 x", Some(T)),
        ("iso_leading_space", b"  2026-11-21T03:14:07Z", Some(T)),
        ("iso_leading_tab", b"\t2026-11-21T03:14:07Z", Some(T)),
        ("iso_bom", b"\xEF\xBB\xBF2026-11-21T03:14:07Z", Some(T)),
        ("iso_bracket", b"[2026-11-21T03:14:07.123+08:00] x", Some(T_PLUS_8)),
        ("iso_month_13", b"2026-13-21T03:14:07Z", None),
        ("iso_month_0", b"2026-00-21T03:14:07Z", None),
        ("iso_feb_30", b"2026-02-30T03:14:07Z", None),
        ("iso_day_0", b"2026-11-00T03:14:07Z", None),
        ("iso_hour_24", b"2026-11-21T24:00:00Z", Some(1_795_305_600)),
        ("iso_minute_60", b"2026-11-21T03:60:07Z", None),
        ("iso_second_61", b"2026-11-21T03:14:61Z", None),
        ("iso_no_seconds", b"2026-11-21T03:14Z", None),
        ("iso_truncated", b"2026-11-21T03:14:0", None),
        ("iso_date_only", b"2026-11-21 INFO", None),
        ("iso_bad_separator", b"2026-11-21X03:14:07Z", None),
        ("iso_mixed_date_separators", b"2026-11/21 03:14:07", None),
        ("iso_runs_on_into_digits", b"2026-11-21T03:14:071", None),
        ("iso_offset_hours_26", b"2026-11-21T03:14:07+26:00", None),
        ("iso_offset_minutes_60", b"2026-11-21T03:14:07+08:60", None),
        ("iso_offset_cut", b"2026-11-21T03:14:07+08:7", None),
        ("iso_offset_sign_only", b"2026-11-21T03:14:07+", None),
        ("iso_offset_too_long", b"2026-11-21T03:14:07+08001", None),
        ("iso_not_at_start", b"INFO 2026-11-21T03:14:07Z", None),
        // Java / log4j and WSO2.
        ("log4j", b"2026-11-21 03:14:07,123 ERROR [main] c.e.App - boom", Some(T)),
        ("log4j_no_fraction", b"2026-11-21 03:14:07 ERROR", Some(T)),
        ("log4j_comma_not_fraction", b"2026-11-21 03:14:07, x", Some(T)),
        ("wso2", b"[2026-11-21 03:14:07,123]  INFO {org.wso2.Foo} - x", Some(T)),
        ("wso2_tid", b"TID: [-1234] [] [2026-11-21 03:14:07,123] ERROR {x}", Some(T)),
        ("wso2_bad_day", b"[2026-11-32 03:14:07,123]  INFO", None),
        ("log4j_feb_29_non_leap", b"2026-02-29 03:14:07,123 ERROR", None),
        // Apache / nginx access logs.
        (
            "apache",
            br#"10.0.0.1 - - [21/Nov/2026:03:14:07 +0000] "GET / HTTP/1.1" 200 512"#,
            Some(T),
        ),
        ("apache_east", br#"10.0.0.1 - - [21/Nov/2026:11:14:07 +0800] "GET /""#, Some(T)),
        ("apache_west", b"[21/Nov/2026:03:14:07 -0500] x", Some(T_MINUS_5)),
        ("apache_no_zone", b"- - [21/Nov/2026:03:14:07] x", Some(T)),
        ("apache_lower_month", b"h - - [21/nov/2026:03:14:07 +0000]", Some(T)),
        (
            "apache_ipv6_user",
            br#"2001:db8:85a3::8a2e:370:7334 - frank [21/Nov/2026:03:14:07 +0000] "GET /""#,
            Some(T),
        ),
        (
            "apache_skips_other_brackets",
            b"[pid 7] [client x] [21/Nov/2026:03:14:07 +0000]",
            Some(T),
        ),
        ("apache_day_32", br#"10.0.0.1 - - [32/Nov/2026:03:14:07 +0000] "GET /""#, None),
        ("apache_bad_month", br#"10.0.0.1 - - [21/Noe/2026:03:14:07 +0000] "GET /""#, None),
        ("apache_bad_offset", br#"10.0.0.1 - - [21/Nov/2026:03:14:07 +9900] "GET /""#, None),
        ("apache_truncated", b"10.0.0.1 - - [21/Nov/2026:03:14", None),
        (
            "apache_bracket_last_in_window",
            // The `[` is byte 63, the last in the window.
            b"vhost.example.com 2001:db8:85a3::8a2e:370:7334 - frank-the-use \
              [21/Nov/2026:03:14:07 +0000]",
            Some(T),
        ),
        (
            "apache_bracket_past_window",
            // The `[` is byte 64, one past the window.
            b"vhost.example.com 2001:db8:85a3::8a2e:370:7334 - frank-the-user \
              [21/Nov/2026:03:14:07 +0000]",
            None,
        ),
        // BSD syslog, with year 2026.
        ("syslog", b"Nov 21 03:14:07 host sshd[42]: Failed password", Some(T)),
        ("syslog_space_padded_day", b"Nov  1 03:14:07 host cron[7]: x", Some(NOV_1)),
        ("syslog_unpadded_day", b"Nov 1 03:14:07 host x", Some(NOV_1)),
        ("syslog_fraction", b"Nov 21 03:14:07.123 host x", Some(T)),
        ("syslog_end_of_line", b"Nov 21 03:14:07", Some(T)),
        ("syslog_bracket", b"[Nov 21 03:14:07] x", Some(T)),
        ("syslog_day_32", b"Nov 32 03:14:07 host x", None),
        ("syslog_nov_31", b"Nov 31 03:14:07 host x", None),
        ("syslog_bad_month", b"Nox 21 03:14:07 host x", None),
        ("syslog_no_space", b"Nov21 03:14:07 host x", None),
        ("syslog_no_seconds", b"Nov 21 03:14 host x", None),
        ("syslog_runs_on_into_digits", b"Nov 21 03:14:071 host", None),
        ("syslog_month_word", b"November 21 03:14:07", None),
        // JSON fields.
        ("json_timestamp", br#"{"timestamp":"2026-11-21T03:14:07Z","level":"error"}"#, Some(T)),
        (
            "json_time_offset",
            br#"{"level":"error","time":"2026-11-21T03:14:07.123+08:00"}"#,
            Some(T_PLUS_8),
        ),
        ("json_at_timestamp_spaces", br#"{ "@timestamp" : "2026-11-21T03:14:07.123Z" }"#, Some(T)),
        ("json_published_okta", br#"{"actor":{},"published":"2026-11-21T03:14:07.123Z"}"#, Some(T)),
        ("json_log4j_string", br#"{"timestamp":"2026-11-21 03:14:07,123"}"#, Some(T)),
        ("json_no_zone_string", br#"{"time":"2026-11-21 03:14:07"}"#, Some(T)),
        ("json_apache_string", br#"{"time":"21/Nov/2026:11:14:07 +0800"}"#, Some(T)),
        ("json_syslog_string", br#"{"time":"Nov 21 03:14:07"}"#, Some(T)),
        ("json_seconds", br#"{"time":1795230847,"msg":"x"}"#, Some(T)),
        ("json_seconds_fraction", br#"{"time":1795230847.987}"#, Some(T)),
        ("json_millis", br#"{"time":1795230847123}"#, Some(T)),
        ("json_micros", br#"{"time":1795230847123456}"#, Some(T)),
        ("json_nanos", br#"{"time":1795230847123456789}"#, Some(T)),
        ("json_epoch_floor", br#"{"time":100000000}"#, Some(EPOCH_FLOOR)),
        ("json_millis_floor", br#"{"time":100000000000}"#, Some(EPOCH_FLOOR)),
        ("json_quoted_epoch", br#"{"time":"1795230847123"}"#, Some(T)),
        ("json_epoch_end_of_line", br#"{"time":1795230847"#, Some(T)),
        ("json_after_prefix", br#"INFO app: {"timestamp":"2026-11-21T03:14:07Z"}"#, Some(T)),
        ("json_cut_string", br#"{"time":"2026-11-21T03:14:07Z"#, Some(T)),
        ("end_of_day_24h", b"2026-11-20T24:00:00Z x", Some(1_795_219_200)),
        ("end_of_day_24h_apache", b"20/Nov/2026:24:00:00 +0000", Some(1_795_219_200)),
        ("end_of_day_24h_not_past_it", b"2026-11-20T24:00:01Z x", None),
        ("end_of_day_24h_minutes", b"2026-11-20T24:01:00Z x", None),
        ("year_0000", b"0000-06-01T00:00:00Z", Some(-62_154_086_400)),
        ("year_9999", b"9999-12-30T21:59:59Z", Some(253_402_207_199)),
        ("past_the_last_writable_instant", b"9999-12-31T00:00:00Z", None),
        ("json_fifteen_digits_are_micros", br#"{"time":253402300800000}"#, Some(253_402_300)),
        ("json_nested_is_not_the_line_time", br#"{"event":{"time":"2026-11-21T03:14:07Z"}}"#, None),
        (
            "json_top_level_beats_an_earlier_nested_field",
            br#"{"level":30,"body":{"timestamp":"2001-01-01T00:00:00Z"},"time":"2026-11-21T03:14:07Z","msg":"x"}"#,
            Some(T),
        ),
        (
            "json_braces_in_strings_do_not_nest",
            br#"{"msg":"a { b","time":1795230847}"#,
            Some(T),
        ),
        (
            "json_after_a_closed_object",
            br#"{"a":{"b":1},"tags":["x"],"time":1795230847}"#,
            Some(T),
        ),
        (
            "json_skips_unreadable",
            br#"{"time":"soon","timestamp":"2026-11-21T03:14:07Z"}"#,
            Some(T),
        ),
        ("json_skips_word_as_value", br#"{"k":"time","timestamp":1795230847}"#, Some(T)),
        ("json_first_field_wins", br#"{"published":1795230847,"time":1795202047}"#, Some(T)),
        ("json_after_bad_bracket", br#"{"tags":["a"],"time":1795230847}"#, Some(T)),
        ("json_duration_not_epoch", br#"{"time":12}"#, None),
        ("json_just_below_floor", br#"{"time":99999999}"#, None),
        ("json_other_key", br#"{"request_time":"2026-11-21T03:14:07Z"}"#, None),
        ("json_key_prefix", br#"{"timeout":1795230847}"#, None),
        ("json_escaped_key", br#"{"msg":"{\"time\":1795230847}"}"#, None),
        ("json_bad_date", br#"{"time":"2026-02-30T00:00:00Z"}"#, None),
        ("json_negative", br#"{"time":-1795230847}"#, None),
        ("json_exponent", br#"{"time":1.795230847e9}"#, None),
        ("json_null", br#"{"time":null}"#, None),
        ("json_number_runs_into_letters", br#"{"time":1795230847abc}"#, None),
        ("json_quoted_epoch_with_text", br#"{"time":"1795230847 s"}"#, None),
        ("json_overflow", br#"{"time":99999999999999999999999}"#, None),
        ("json_no_colon", br#"{"time" 1795230847}"#, None),
        ("json_no_value", br#"{"time":"#, None),
        // Where a line holds several, the first place looked wins.
        ("start_beats_json", br#"2026-11-21T03:14:07Z {"time":1795202047}"#, Some(T)),
        (
            "bracket_beats_json",
            br#"{"message":"h - - [21/Nov/2026:03:14:07 +0000] "GET /"","time":1795202047}"#,
            Some(T),
        ),
        // Garbage.
        ("empty", b"", None),
        ("whitespace", b" \t ", None),
        ("bom_only", b"\xEF\xBB\xBF", None),
        ("invalid_utf8", b"\xFF\xFE\x00\x80\xC3(\xED\xA0\x80 2026", None),
        ("utf16le", b"2\x000\x002\x006\x00-\x001\x001\x00", None),
        ("brackets", &[b'['; 80], None),
        ("quotes", br#""""""""time"""time":""""#, None),
        ("digits", b"20261121031407", None),
        ("plain_text", b"ERROR okta call failed: E0000011", None),
    ];

    #[test]
    fn line_time_table() {
        let failures: Vec<String> = CASES
            .iter()
            .filter(|(_, line, want)| line_time(line, 2026) != *want)
            .map(|(name, line, want)| {
                let got = line_time(line, 2026);
                format!(
                    "{name}: {:?}: got {got:?}, want {want:?}",
                    line.escape_ascii().to_string()
                )
            })
            .collect();
        assert!(
            failures.is_empty(),
            "{} failing cases:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn case_names_are_unique() {
        let mut names: Vec<&str> = CASES.iter().map(|c| c.0).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CASES.len());
    }

    #[test]
    fn syslog_uses_the_given_year() {
        // 2024-02-29T03:14:07Z; 2026 has no 29 February.
        assert_eq!(
            line_time(b"Feb 29 03:14:07 host x", 2024),
            Some(1_709_176_447)
        );
        assert_eq!(line_time(b"Feb 29 03:14:07 host x", 2026), None);
        assert_eq!(line_time(b"Nov 21 03:14:07 host x", i16::MAX), None);
        assert_eq!(line_time(b"Nov 21 03:14:07 host x", i16::MIN), None);
        // A stamp that carries its year ignores the argument.
        assert_eq!(line_time(b"2026-11-21T03:14:07Z", 1999), Some(T));
    }

    #[test]
    fn past_jiff_range_is_none() {
        // jiff's last instant is 9999-12-30T22:00:00.999999999Z, so that any offset can still
        // write it as a 9999 civil time; four digits cannot write a year below 0000.
        assert_eq!(
            line_time(b"9999-12-30T22:00:00Z", 2026),
            Some(253_402_207_200)
        );
        assert_eq!(line_time(b"9999-12-30T22:00:01Z", 2026), None);
        assert_eq!(line_time(b"9999-12-31T23:59:59Z", 2026), None);
        assert_eq!(line_time(b"9999-12-31T23:59:59+25:59", 2026), None);
        // 0000-01-01T00:00:00Z, and 25 hours before it in the year -0001.
        assert_eq!(
            line_time(b"0000-01-01T00:00:00Z", 2026),
            Some(-62_167_219_200)
        );
        assert_eq!(
            line_time(b"0000-01-01T00:00:00+25:00", 2026),
            Some(-62_167_309_200)
        );
    }

    #[test]
    fn every_truncation_of_every_case_is_safe() {
        for (name, line, _) in CASES {
            for end in 0..=line.len() {
                // Must not panic; any answer for a prefix is an answer for a real cut line.
                let got = line_time(&line[..end], 2026);
                if let Some(secs) = got {
                    assert!(
                        Timestamp::from_second(secs).is_ok(),
                        "{name} cut at {end}: {secs}"
                    );
                }
            }
        }
    }

    #[test]
    fn bucket_start_table() {
        use Granularity::{Day, Hour, Minute};
        let cases: &[(i64, Granularity, i64)] = &[
            // 2026-11-21T03:14:07Z -> 03:14:00, 03:00:00, 00:00:00.
            (T, Minute, 1_795_230_840),
            (T, Hour, 1_795_230_000),
            (T, Day, 1_795_219_200),
            // 2026-11-21T00:00:00Z starts all three.
            (1_795_219_200, Minute, 1_795_219_200),
            (1_795_219_200, Hour, 1_795_219_200),
            (1_795_219_200, Day, 1_795_219_200),
            // 2026-11-20T23:59:59Z, one second before that, is the day before.
            (1_795_219_199, Minute, 1_795_219_140),
            (1_795_219_199, Hour, 1_795_215_600),
            (1_795_219_199, Day, 1_795_132_800),
            // 1969-12-31T23:59:30Z rounds down, not toward zero.
            (-30, Minute, -60),
            (-30, Hour, -3_600),
            (-30, Day, -86_400),
            // 1969-07-20T20:17:40Z -> 20:17:00, 20:00:00, 00:00:00.
            (-14_182_940, Minute, -14_182_980),
            (-14_182_940, Hour, -14_184_000),
            (-14_182_940, Day, -14_256_000),
            (0, Day, 0),
            (i64::MIN, Day, i64::MIN),
            (i64::MAX, Minute, 9_223_372_036_854_775_800),
        ];
        for &(secs, g, want) in cases {
            assert_eq!(bucket_start(secs, g), want, "bucket_start({secs}, {g:?})");
        }
    }

    #[test]
    fn format_bucket_table() {
        let cases: &[(i64, &str)] = &[
            (1_795_230_000, "2026-11-21T03:00:00Z"),
            (1_795_230_840, "2026-11-21T03:14:00Z"),
            (1_795_219_200, "2026-11-21T00:00:00Z"),
            (0, "1970-01-01T00:00:00Z"),
            (-86_400, "1969-12-31T00:00:00Z"),
            (-14_256_000, "1969-07-20T00:00:00Z"),
            (-62_167_219_200, "0000-01-01T00:00:00Z"),
            (-62_167_305_600, "-000001-12-31T00:00:00Z"),
            (i64::MAX, "9223372036854775807"),
            (i64::MIN, "-9223372036854775808"),
        ];
        for &(secs, want) in cases {
            assert_eq!(format_bucket(secs), want, "format_bucket({secs})");
        }
    }

    mod prop {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn never_panics_on_any_bytes(
                line in proptest::collection::vec(any::<u8>(), 0..128),
                year: i16,
            ) {
                let _ = line_time(&line, year);
            }

            #[test]
            fn never_panics_on_a_mutated_stamp(
                case in 0..super::CASES.len(),
                at in 0usize..128,
                byte: u8,
            ) {
                let mut line = super::CASES[case].1.to_vec();
                if !line.is_empty() {
                    let at = at % line.len();
                    line[at] = byte;
                }
                if let Some(secs) = line_time(&line, 2026) {
                    prop_assert!(Timestamp::from_second(secs).is_ok());
                }
            }

            #[test]
            fn bucket_contains_its_time(
                secs in -400_000_000_000i64..400_000_000_000,
                g in prop_oneof![
                    Just(Granularity::Minute),
                    Just(Granularity::Hour),
                    Just(Granularity::Day),
                ],
            ) {
                let start = bucket_start(secs, g);
                prop_assert!(start <= secs && secs - start < g.seconds());
                prop_assert_eq!(bucket_start(start, g), start);
            }
        }
    }
}
