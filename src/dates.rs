//! Record dates: the textual and numeric date formats that records may use, read into a
//! `DateTime<FixedOffset>` that keeps the offset the date had where it was written.
//!
//! Dates that carry an offset (RFC 3339, RFC 2822, `… +08:00`) keep it; dates without one are
//! local times in the channel's configured time zone and get that zone's actual offset at that
//! instant. This module only parses: it must not guess (an unrecognised or impossible date is an
//! error that says what is accepted, never a silently shifted or "now" date), must not consult
//! the machine's local time zone, and must not panic on any input.

use chrono::format::ParseErrorKind;
use chrono::offset::MappedLocalTime;
use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike,
};
use chrono_tz::Tz;

/// The accepted formats, as named in error messages.
const ACCEPTED: &str = "RFC 3339, RFC 2822, YYYY-MM-DD[ HH:MM[:SS]], YYYY/MM/DD HH:MM, \
                        YYYY年MM月DD日 HH:MM or unix seconds";

/// Largest accepted UTC offset. Real zones span -12:00 to +14:00; anything beyond ±14:00 is a
/// typo, even though `FixedOffset` itself would accept up to ±23:59:59.
const MAX_OFFSET_SECS: i32 = 14 * 3600;

/// Years a record date may have. Outside this range a date is a placeholder or a typo, and some
/// feed formats cannot write it (RFC 2822 and RFC 3339 both want four-digit years).
const YEARS: std::ops::RangeInclusive<i32> = 1000..=9999;

/// Why a record date could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// The date was empty or only whitespace.
    #[error("empty date; expected {ACCEPTED}")]
    Empty,
    /// The date matched none of the accepted formats.
    #[error("unrecognised date {0:?}; expected {ACCEPTED}")]
    Unrecognised(String),
    /// The date has an accepted shape but names an impossible or unsupported instant: 31 Feb,
    /// 25:61, a year outside 1000–9999, an offset beyond ±14:00, a unix time with too many
    /// digits.
    #[error("date out of range: {input:?} ({reason})")]
    OutOfRange {
        /// The date as given (trimmed; shortened if very long).
        input: String,
        /// What exactly is out of range.
        reason: &'static str,
    },
    /// A local time (no offset given) that the clocks skip in that zone.
    #[error("{local} does not exist in {zone} (daylight-saving gap)")]
    NonexistentLocalTime {
        /// The local time, as `YYYY-MM-DD HH:MM` (with `:SS` when the seconds are not zero).
        local: String,
        /// The IANA zone name, e.g. `Europe/Berlin`.
        zone: String,
    },
}

/// Parses a record date.
///
/// Accepted, after trimming:
/// - RFC 3339, also with a space (or several) instead of `T`, lowercase `t`/`z`, any number of
///   fractional-second digits, and an offset written `+HH:MM`, `+HHMM` or `+HH` (optionally after
///   a space, as Jekyll and Ruby write it), or `Z`, `UTC` or `GMT`;
/// - RFC 2822 as chrono reads it, which includes a missing weekday, the obsolete zone names
///   (`GMT`, `UT`, `EST`, `PDT`, … ) and the obsolete two- and three-digit years (`25` is 2025,
///   `99` is 1999, `125` is 2025); a weekday that is spelled out in full or that does not
///   match the date is ignored;
/// - `YYYY-MM-DD HH:MM:SS`, `YYYY-MM-DD HH:MM`, `YYYY-MM-DDTHH:MM[:SS]`, `YYYY-MM-DD`
///   (midnight), `YYYY/MM/DD HH:MM[:SS]`, `YYYY/MM/DD`, `YYYY年MM月DD日 HH:MM[:SS]` and
///   `YYYY年M月D日` (space before the time optional); months, days and hours may have one digit;
/// - unix seconds: 9 to 11 digits, optionally negative (1973–5138, or before 1970).
///
/// A date without an offset is a local time in `tz`. In a daylight-saving gap it is an error; in
/// an overlap (the hour that repeats when clocks go back) the EARLIER of the two instants is
/// used, i.e. the one still on summer time, because a feed date that is an hour early is
/// harmless while one an hour late can sort after genuinely newer items. The result keeps the
/// zone's offset at that instant (`+08:00` in Asia/Shanghai, `+01:00` or `+02:00` in
/// Europe/Berlin).
///
/// Years must be within 1000–9999 and explicit offsets within ±14:00.
pub fn parse_date(s: &str, tz: Tz) -> Result<DateTime<FixedOffset>, DateError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(DateError::Empty);
    }
    if let Some(result) = parse_unix_text(t) {
        return result;
    }
    let parsed = parse_numeric(t, tz).or_else(|| parse_rfc2822(t));
    match parsed {
        // chrono represents a leap second (:60) as second 59 plus a whole
        // second of nanoseconds. The reliability contract rejects it: feeds
        // and readers disagree on it, and a real one is vanishingly rare.
        Some(Ok(dt)) if dt.nanosecond() >= 1_000_000_000 => {
            out_of_range(t, "second 60 (a leap second) is not accepted")
        }
        Some(result) => result,
        None => Err(DateError::Unrecognised(shown(t))),
    }
}

/// The instant `secs` seconds after 1970-01-01T00:00:00Z, with a UTC (`+00:00`) offset; for
/// dates given as JSON numbers. The year must be within 1000–9999.
pub fn from_unix(secs: i64) -> Result<DateTime<FixedOffset>, DateError> {
    let out_of_range = || DateError::OutOfRange {
        input: secs.to_string(),
        reason: "year must be between 1000 and 9999",
    };
    let dt = DateTime::from_timestamp(secs, 0).ok_or_else(out_of_range)?;
    if !YEARS.contains(&dt.year()) {
        return Err(out_of_range());
    }
    Ok(dt.fixed_offset())
}

/// The input as shown in an error message: long enough to recognise, short enough that a
/// whole article pasted into a date field does not flood the terminal.
fn shown(t: &str) -> String {
    const MAX_CHARS: usize = 60;
    match t.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}…", &t[..cut]),
        None => t.to_owned(),
    }
}

fn out_of_range<T>(t: &str, reason: &'static str) -> Result<T, DateError> {
    Err(DateError::OutOfRange { input: shown(t), reason })
}

/// All-digit input (optionally negative): unix seconds. `None` when the input is not a number.
fn parse_unix_text(t: &str) -> Option<Result<DateTime<FixedOffset>, DateError>> {
    let digits = t.strip_prefix('-').unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(match digits.len() {
        // Fewer digits is far more likely a mangled date ("20250102", "2025") than a moment in
        // 1970, so it is reported as unrecognised, with the list of accepted formats.
        0..=8 => Err(DateError::Unrecognised(shown(t))),
        // 11 digits fit an i64 comfortably, so the parse cannot fail; more are rejected before
        // parsing, so even 400 digits cannot overflow.
        9..=11 => match t.parse::<i64>() {
            Ok(secs) => {
                from_unix(secs).or_else(|_| out_of_range(t, "year must be between 1000 and 9999"))
            }
            Err(_) => out_of_range(t, "unix seconds must have 9 to 11 digits"),
        },
        _ => out_of_range(t, "unix seconds must have 9 to 11 digits"),
    })
}

// ---------------------------------------------------------------------------------------------
// Numeric formats: ISO 8601 / RFC 3339, slashes, and 年月日
// ---------------------------------------------------------------------------------------------

/// A small forward-only scanner. Hand-written rather than a series of chrono format strings so
/// that one pass decides both the shape (else "unrecognised") and the values (else "out of
/// range"), and so that the shapes accepted are exactly the documented ones (chrono's `%Y`
/// alone would also take signs and five-digit years).
struct Cursor<'a> {
    rest: &'a str,
}

impl<'a> Cursor<'a> {
    /// Reads `min..=max` ASCII digits. Values stay small (at most 9 digits are read at once), so
    /// the arithmetic cannot overflow.
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let len = self.rest.bytes().take(max).take_while(u8::is_ascii_digit).count();
        if len < min {
            return None;
        }
        let (num, rest) = self.rest.split_at(len);
        self.rest = rest;
        Some(num.bytes().fold(0, |acc, b| acc * 10 + u32::from(b - b'0')))
    }

    /// Reads a run of digits of any length, returning it as text.
    fn digit_run(&mut self) -> &'a str {
        let len = self.rest.bytes().take_while(u8::is_ascii_digit).count();
        let (run, rest) = self.rest.split_at(len);
        self.rest = rest;
        run
    }

    fn eat(&mut self, c: char) -> bool {
        match self.rest.strip_prefix(c) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    fn eat_any(&mut self, cs: &[char]) -> Option<char> {
        let c = self.rest.chars().next().filter(|c| cs.contains(c))?;
        self.rest = &self.rest[c.len_utf8()..];
        Some(c)
    }

    fn eat_word(&mut self, word: &str) -> bool {
        match self.rest.get(..word.len()) {
            Some(head) if head.eq_ignore_ascii_case(word) => {
                self.rest = &self.rest[word.len()..];
                true
            }
            _ => false,
        }
    }

    /// Skips whitespace, returning whether there was any.
    fn spaces(&mut self) -> bool {
        let trimmed = self.rest.trim_start();
        let skipped = trimmed.len() != self.rest.len();
        self.rest = trimmed;
        skipped
    }

    fn starts_with_digit(&self) -> bool {
        self.rest.bytes().next().is_some_and(|b| b.is_ascii_digit())
    }

    fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }
}

/// A parsed time of day, not yet validated.
#[derive(Clone, Copy)]
struct Clock {
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
}

/// The numeric formats. `None` when the input does not have one of their shapes.
fn parse_numeric(t: &str, tz: Tz) -> Option<Result<DateTime<FixedOffset>, DateError>> {
    let mut c = Cursor { rest: t };
    // Up to six year digits so that "10000-01-01" is reported as out of range rather than
    // unrecognised; all-digit strings never get here (they are unix times).
    let year = c.digits(4, 6)?;
    let style = c.eat_any(&['-', '/', '年'])?;
    let (after_month, after_day) = match style {
        '-' => ('-', None),
        '/' => ('/', None),
        _ => ('月', Some('日')),
    };
    let month = c.digits(1, 2)?;
    if !c.eat(after_month) {
        return None;
    }
    let day = c.digits(1, 2)?;
    if let Some(mark) = after_day
        && !c.eat(mark)
    {
        return None;
    }

    let clock = if c.is_empty() {
        None
    } else {
        let separated = match style {
            '-' => c.eat_any(&['T', 't']).is_some() || c.spaces(),
            '/' => c.spaces(),
            // 年月日 dates are often written with the time directly after 日.
            _ => {
                c.spaces();
                true
            }
        };
        if !separated {
            return None;
        }
        Some(parse_clock(&mut c, style == '年')?)
    };

    let had_space = c.spaces();
    let offset = if c.is_empty() {
        None
    } else if clock.is_none() || (had_space && c.rest.starts_with(['Z', 'z'])) {
        // No offset on a bare date, and `Z` belongs right after the time.
        return None;
    } else {
        Some(parse_offset(&mut c)?)
    };
    if !c.is_empty() {
        return None;
    }

    Some(resolve(t, year, month, day, clock, offset, tz))
}

/// `H:MM`, `HH:MM`, `HH:MM:SS`, `HH:MM:SS.fraction` (also with `,`).
fn parse_clock(c: &mut Cursor<'_>, fullwidth_colon: bool) -> Option<Clock> {
    let colons: &[char] = if fullwidth_colon { &[':', '：'] } else { &[':'] };
    let hour = c.digits(1, 2)?;
    c.eat_any(colons)?;
    let minute = c.digits(2, 2)?;
    let mut second = 0;
    let mut nanos = 0;
    if c.eat_any(colons).is_some() {
        second = c.digits(2, 2)?;
        if c.eat_any(&['.', ',']).is_some() {
            let run = c.digit_run();
            if run.is_empty() {
                return None;
            }
            // Nanosecond precision: digits past the ninth are dropped, not rounded, so a
            // fraction can never carry into the next second.
            let kept = &run[..run.len().min(9)];
            let value = kept.bytes().fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0'));
            nanos = value * 10u32.pow(9 - kept.len() as u32);
        }
    }
    Some(Clock { hour, minute, second, nanos })
}

/// An explicit offset in seconds east of UTC, range not yet checked: `Z`, `UTC`, `GMT`,
/// `+HH:MM`, `+HHMM`, `+HH` (and `-`, or the Unicode minus sign).
fn parse_offset(c: &mut Cursor<'_>) -> Option<i32> {
    if c.eat_any(&['Z', 'z']).is_some() || c.eat_word("UTC") || c.eat_word("GMT") {
        return Some(0);
    }
    let sign = match c.eat_any(&['+', '-', '\u{2212}'])? {
        '+' => 1,
        _ => -1,
    };
    let hours = c.digits(2, 2)?;
    let minutes = if c.eat(':') || c.starts_with_digit() { c.digits(2, 2)? } else { 0 };
    if minutes > 59 {
        // Reported by the range check below via an impossible value.
        return Some(i32::MAX);
    }
    // hours <= 99 and minutes <= 59, so this is at most 359,940: no overflow.
    Some(sign * (hours as i32 * 3600 + minutes as i32 * 60))
}

/// Validates the parsed fields and turns them into an instant.
fn resolve(
    t: &str,
    year: u32,
    month: u32,
    day: u32,
    clock: Option<Clock>,
    offset: Option<i32>,
    tz: Tz,
) -> Result<DateTime<FixedOffset>, DateError> {
    // year has at most six digits, so it fits an i32.
    let year = year as i32;
    if !YEARS.contains(&year) {
        return out_of_range(t, "year must be between 1000 and 9999");
    }
    let Some(date) = NaiveDate::from_ymd_opt(year, month, day) else {
        return out_of_range(t, "no such day");
    };
    let time = match clock {
        None => NaiveTime::MIN,
        // A leap second (:60) is kept the way chrono represents one: second 59 plus a second's
        // worth of nanoseconds.
        Some(Clock { hour, minute, second: 60, nanos }) => {
            match NaiveTime::from_hms_nano_opt(hour, minute, 59, 1_000_000_000 + nanos) {
                Some(time) => time,
                None => return out_of_range(t, "no such time of day"),
            }
        }
        Some(Clock { hour, minute, second, nanos }) => {
            match NaiveTime::from_hms_nano_opt(hour, minute, second, nanos) {
                Some(time) => time,
                None => return out_of_range(t, "no such time of day"),
            }
        }
    };
    let local = NaiveDateTime::new(date, time);
    match offset {
        Some(secs) => with_offset(t, local, secs),
        None => in_zone(local, tz),
    }
}

fn with_offset(
    t: &str,
    local: NaiveDateTime,
    secs: i32,
) -> Result<DateTime<FixedOffset>, DateError> {
    let offset = FixedOffset::east_opt(secs).filter(|_| secs.abs() <= MAX_OFFSET_SECS);
    let Some(offset) = offset else {
        return out_of_range(t, "UTC offset must be within ±14:00");
    };
    // A fixed offset maps every local time to exactly one instant.
    match offset.from_local_datetime(&local) {
        MappedLocalTime::Single(dt) => Ok(dt),
        _ => out_of_range(t, "no such time of day"),
    }
}

/// Maps a local time in `tz` to an instant, keeping the zone's offset at that instant.
fn in_zone(local: NaiveDateTime, tz: Tz) -> Result<DateTime<FixedOffset>, DateError> {
    match tz.from_local_datetime(&local) {
        MappedLocalTime::Single(dt) => Ok(dt.fixed_offset()),
        // Overlap: the earlier instant (see parse_date for why).
        MappedLocalTime::Ambiguous(earliest, _) => Ok(earliest.fixed_offset()),
        MappedLocalTime::None => {
            let format = if local.second() == 0 { "%Y-%m-%d %H:%M" } else { "%Y-%m-%d %H:%M:%S" };
            Err(DateError::NonexistentLocalTime {
                local: local.format(format).to_string(),
                zone: tz.name().to_owned(),
            })
        }
    }
}

// ---------------------------------------------------------------------------------------------
// RFC 2822
// ---------------------------------------------------------------------------------------------

/// RFC 2822 dates, via chrono. `None` when the input is not one.
fn parse_rfc2822(t: &str) -> Option<Result<DateTime<FixedOffset>, DateError>> {
    // Every RFC 2822 date has a month name; skipping chrono for letter-free input keeps the
    // "unrecognised" path cheap.
    if !t.bytes().any(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let first = DateTime::parse_from_rfc2822(t);
    let err = match first {
        Ok(dt) => return Some(check_fixed(t, dt)),
        Err(err) => err,
    };
    // Feeds often get the weekday wrong (chrono rejects a mismatch) or spell it out ("Monday,"):
    // the weekday is redundant, so retry without it.
    if let Some(rest) = strip_weekday(t) {
        match DateTime::parse_from_rfc2822(rest) {
            Ok(dt) => return Some(check_fixed(t, dt)),
            Err(e) if is_range_error(e.kind()) => {
                return Some(out_of_range(t, "no such day, time or UTC offset"));
            }
            Err(_) => {}
        }
    }
    if is_range_error(err.kind()) {
        return Some(out_of_range(t, "no such day, time or UTC offset"));
    }
    None
}

fn is_range_error(kind: ParseErrorKind) -> bool {
    matches!(kind, ParseErrorKind::OutOfRange | ParseErrorKind::Impossible)
}

/// `t` without a leading weekday word (`Mon,`, `Monday,`, `Mon.`), if it has one and a day
/// number follows.
fn strip_weekday(t: &str) -> Option<&str> {
    let letters = t.bytes().take_while(u8::is_ascii_alphabetic).count();
    if letters < 3 {
        return None;
    }
    let rest = t[letters..].trim_start_matches('.').trim_start_matches(',').trim_start();
    rest.starts_with(|c: char| c.is_ascii_digit()).then_some(rest)
}

/// Range checks for a date parsed with an explicit offset.
fn check_fixed(t: &str, dt: DateTime<FixedOffset>) -> Result<DateTime<FixedOffset>, DateError> {
    if !YEARS.contains(&dt.year()) {
        return out_of_range(t, "year must be between 1000 and 9999");
    }
    if dt.offset().local_minus_utc().abs() > MAX_OFFSET_SECS {
        return out_of_range(t, "UTC offset must be within ±14:00");
    }
    Ok(dt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{America, Asia, Europe, UTC};

    /// Parses and formats as RFC 3339, so offsets are checked along with the instant.
    fn p(s: &str, tz: Tz) -> String {
        match parse_date(s, tz) {
            Ok(dt) => dt.to_rfc3339(),
            Err(e) => panic!("{s:?}: {e}"),
        }
    }

    fn err(s: &str, tz: Tz) -> String {
        match parse_date(s, tz) {
            Ok(dt) => panic!("{s:?} parsed as {dt}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn rfc3339_variants() {
        assert_eq!(p("2025-03-01T10:20:30Z", UTC), "2025-03-01T10:20:30+00:00");
        assert_eq!(p("2025-03-01T10:20:30+08:00", UTC), "2025-03-01T10:20:30+08:00");
        assert_eq!(p("2025-03-01T10:20:30-05:30", Asia::Shanghai), "2025-03-01T10:20:30-05:30");
        assert_eq!(p("2025-03-01 10:20:30Z", UTC), "2025-03-01T10:20:30+00:00");
        assert_eq!(p("2025-03-01t10:20:30z", UTC), "2025-03-01T10:20:30+00:00");
        assert_eq!(p("2025-03-01T10:20:30.5Z", UTC), "2025-03-01T10:20:30.500+00:00");
        assert_eq!(
            p("2025-03-01T10:20:30.123456789987Z", UTC),
            "2025-03-01T10:20:30.123456789+00:00"
        );
        assert_eq!(p("2025-03-01T10:20:30,25+01:00", UTC), "2025-03-01T10:20:30.250+01:00");
        assert_eq!(p("  2025-03-01T10:20:30+0800 \n", UTC), "2025-03-01T10:20:30+08:00");
        assert_eq!(p("2025-03-01T10:20+08", UTC), "2025-03-01T10:20:00+08:00");
        assert_eq!(p("2025-03-01 10:20:30 +0800", UTC), "2025-03-01T10:20:30+08:00");
        assert_eq!(p("2025-03-01 10:20:30 UTC", Asia::Shanghai), "2025-03-01T10:20:30+00:00");
        assert_eq!(p("2025-03-01T10:20:30\u{2212}02:00", UTC), "2025-03-01T10:20:30-02:00");
        assert_eq!(
            parse_date("2016-12-31T23:59:60Z", UTC).unwrap_err().to_string(),
            "date out of range: \"2016-12-31T23:59:60Z\" (second 60 (a leap second) is not accepted)"
        );
    }

    #[test]
    fn rfc2822_with_and_without_weekday() {
        assert_eq!(p("Mon, 02 Jun 2025 10:00:00 +0000", UTC), "2025-06-02T10:00:00+00:00");
        assert_eq!(p("02 Jun 2025 10:00:00 +0200", UTC), "2025-06-02T10:00:00+02:00");
        assert_eq!(p("2 Jun 2025 10:00 -0700", UTC), "2025-06-02T10:00:00-07:00");
        assert_eq!(p("Mon, 02 Jun 2025 10:00:00 GMT", Asia::Shanghai), "2025-06-02T10:00:00+00:00");
        assert_eq!(p("Mon, 02 Jun 2025 10:00:00 UT", UTC), "2025-06-02T10:00:00+00:00");
        assert_eq!(p("Mon, 02 Jun 2025 10:00:00 EST", UTC), "2025-06-02T10:00:00-05:00");
        assert_eq!(p("Mon, 02 Jun 2025 10:00:00 PDT", UTC), "2025-06-02T10:00:00-07:00");
        assert_eq!(
            p("Mon, 02 Jun 2025 10:00:00 +0000 (Coordinated Universal Time)", UTC),
            "2025-06-02T10:00:00+00:00"
        );
        assert_eq!(p("mon, 02 jun 2025 10:00:00 +0000", UTC), "2025-06-02T10:00:00+00:00");
    }

    #[test]
    fn rfc2822_two_and_three_digit_years_follow_the_obsolete_syntax() {
        // RFC 2822 4.3: 00-49 are 2000-2049, 50-99 are 1950-1999, three digits add 1900.
        assert_eq!(p("Mon, 02 Jun 25 10:00:00 GMT", UTC), "2025-06-02T10:00:00+00:00");
        assert_eq!(p("02 Jun 49 10:00 +0100", UTC), "2049-06-02T10:00:00+01:00");
        assert_eq!(p("Wed, 02 Jun 99 10:00:00 +0000", UTC), "1999-06-02T10:00:00+00:00");
        assert_eq!(p("Mon, 02 Jun 125 10:00:00 GMT", UTC), "2025-06-02T10:00:00+00:00");
    }

    #[test]
    fn rfc2822_tolerates_wrong_or_long_weekday() {
        // 2 June 2025 was a Monday.
        assert_eq!(p("Tue, 02 Jun 2025 10:00:00 +0000", UTC), "2025-06-02T10:00:00+00:00");
        assert_eq!(p("Monday, 02 Jun 2025 10:00:00 +0000", UTC), "2025-06-02T10:00:00+00:00");
    }

    #[test]
    fn non_english_names_are_an_error_not_a_guess() {
        for s in ["Di, 04 Mär 2025 10:00:00 +0100", "04 Mär 2025 10:00:00 +0100"] {
            assert!(parse_date(s, UTC).is_err(), "{s}");
        }
    }

    #[test]
    fn local_formats_in_zone() {
        let sh = Asia::Shanghai;
        assert_eq!(p("2025-03-01 10:20:30", sh), "2025-03-01T10:20:30+08:00");
        assert_eq!(p("2025-03-01 10:20", sh), "2025-03-01T10:20:00+08:00");
        assert_eq!(p("2025-03-01T10:20", sh), "2025-03-01T10:20:00+08:00");
        assert_eq!(p("2025-03-01T10:20:30", sh), "2025-03-01T10:20:30+08:00");
        assert_eq!(p("2025-03-01", sh), "2025-03-01T00:00:00+08:00");
        assert_eq!(p("2025/03/01 10:20", sh), "2025-03-01T10:20:00+08:00");
        assert_eq!(p("2025/03/01 10:20:30", sh), "2025-03-01T10:20:30+08:00");
        assert_eq!(p("2025/3/1 9:05", sh), "2025-03-01T09:05:00+08:00");
        assert_eq!(p("2025/03/01", sh), "2025-03-01T00:00:00+08:00");
        assert_eq!(p("2025年03月01日 10:20", sh), "2025-03-01T10:20:00+08:00");
        assert_eq!(p("2025年03月01日10:20:30", sh), "2025-03-01T10:20:30+08:00");
        assert_eq!(p("2025年3月1日", sh), "2025-03-01T00:00:00+08:00");
        assert_eq!(p("2025年3月1日 8：05", sh), "2025-03-01T08:05:00+08:00");
        assert_eq!(p("2025-3-1", sh), "2025-03-01T00:00:00+08:00");
    }

    #[test]
    fn offsets_follow_the_zone_and_season() {
        let berlin = Europe::Berlin;
        assert_eq!(p("2025-01-15 12:00", berlin), "2025-01-15T12:00:00+01:00");
        assert_eq!(p("2025-07-15 12:00", berlin), "2025-07-15T12:00:00+02:00");
        assert_eq!(p("2025-07-15 12:00", UTC), "2025-07-15T12:00:00+00:00");
        // Explicit offsets win over the zone.
        assert_eq!(p("2025-07-15T12:00:00+09:00", berlin), "2025-07-15T12:00:00+09:00");
    }

    #[test]
    fn dst_gap_is_an_error() {
        assert_eq!(
            err("2025-03-30 02:30", Europe::Berlin),
            "2025-03-30 02:30 does not exist in Europe/Berlin (daylight-saving gap)"
        );
        assert_eq!(
            parse_date("2025-03-30T02:00:15", Europe::Berlin),
            Err(DateError::NonexistentLocalTime {
                local: "2025-03-30 02:00:15".into(),
                zone: "Europe/Berlin".into(),
            })
        );
        assert_eq!(
            err("2025/03/09 02:30", America::New_York),
            "2025-03-09 02:30 does not exist in America/New_York (daylight-saving gap)"
        );
        // Just outside the gap.
        assert_eq!(p("2025-03-30 03:00", Europe::Berlin), "2025-03-30T03:00:00+02:00");
        assert_eq!(p("2025-03-30 01:59", Europe::Berlin), "2025-03-30T01:59:00+01:00");
    }

    #[test]
    fn dst_overlap_picks_earlier() {
        let ny = America::New_York;
        let dt = parse_date("2025-11-02 01:30", ny).unwrap();
        assert_eq!(dt.to_rfc3339(), "2025-11-02T01:30:00-04:00");
        assert_eq!(dt.timestamp(), 1_762_061_400);
        assert_eq!(p("2025-10-26 02:30", Europe::Berlin), "2025-10-26T02:30:00+02:00");
    }

    #[test]
    fn unix_seconds() {
        assert_eq!(p("1700000000", Asia::Shanghai), "2023-11-14T22:13:20+00:00");
        assert_eq!(p("123456789", UTC), "1973-11-29T21:33:09+00:00");
        assert_eq!(p("-100000000", UTC), "1966-10-31T14:13:20+00:00");
        assert_eq!(p("99999999999", UTC), "5138-11-16T09:46:39+00:00");
        assert_eq!(
            err("12345678901234567890", UTC),
            "date out of range: \"12345678901234567890\" (unix seconds must have 9 to 11 digits)"
        );
        assert_eq!(
            err("-99999999999", UTC),
            "date out of range: \"-99999999999\" (year must be between 1000 and 9999)"
        );
        assert!(matches!(parse_date("20250102", UTC), Err(DateError::Unrecognised(_))));
        assert!(matches!(parse_date("0", UTC), Err(DateError::Unrecognised(_))));
    }

    #[test]
    fn from_unix_range() {
        assert_eq!(from_unix(0).unwrap().to_rfc3339(), "1970-01-01T00:00:00+00:00");
        assert_eq!(from_unix(1_700_000_000).unwrap().to_rfc3339(), "2023-11-14T22:13:20+00:00");
        assert_eq!(from_unix(-30_610_224_000).unwrap().to_rfc3339(), "1000-01-01T00:00:00+00:00");
        assert_eq!(
            from_unix(-30_610_224_001),
            Err(DateError::OutOfRange {
                input: "-30610224001".into(),
                reason: "year must be between 1000 and 9999"
            })
        );
        assert_eq!(from_unix(253_402_300_799).unwrap().to_rfc3339(), "9999-12-31T23:59:59+00:00");
        assert!(from_unix(253_402_300_800).is_err());
        assert!(from_unix(i64::MAX).is_err());
        assert!(from_unix(i64::MIN).is_err());
    }

    #[test]
    fn garbage_is_unrecognised() {
        assert_eq!(
            err("12/02/2025", UTC),
            "unrecognised date \"12/02/2025\"; expected RFC 3339, RFC 2822, \
             YYYY-MM-DD[ HH:MM[:SS]], YYYY/MM/DD HH:MM, YYYY年MM月DD日 HH:MM or unix seconds"
        );
        assert_eq!(
            err("   ", UTC),
            "empty date; expected RFC 3339, RFC 2822, YYYY-MM-DD[ HH:MM[:SS]], \
             YYYY/MM/DD HH:MM, YYYY年MM月DD日 HH:MM or unix seconds"
        );
        for s in [
            "yesterday",
            "2025-03-01 garbage",
            "2025-03-01T",
            "2025-03-01 10",
            "2025-03-01 10:2",
            "2025-03-01T10:20:30.Z",
            "2025-03-01Z",
            "2025-03-01 Z",
            "2025/03/01T10:20",
            "2025-03/01",
            "2025年03月01",
            "+1700000000",
            "1700000000.5",
            "--1700000000",
            "Mon, 02 Jun",
        ] {
            assert!(matches!(parse_date(s, UTC), Err(DateError::Unrecognised(_))), "{s:?}");
        }
    }

    #[test]
    fn long_input_is_shortened_in_messages() {
        let long = "x".repeat(500);
        let message = err(&long, UTC);
        assert!(message.starts_with(&format!("unrecognised date \"{}…\"", "x".repeat(60))));
        assert!(message.len() < 250, "{message}");
    }

    #[test]
    fn out_of_range_values() {
        let cases = [
            ("2025-02-31", "no such day"),
            ("2025-02-29 10:00", "no such day"),
            ("2025-13-01", "no such day"),
            ("2025-00-10", "no such day"),
            ("2025-01-01 25:61", "no such time of day"),
            ("2025-01-01T23:60:00Z", "no such time of day"),
            ("2025-01-01 12:00:61", "no such time of day"),
            ("0000-01-01", "year must be between 1000 and 9999"),
            ("0999-12-31T23:59:59Z", "year must be between 1000 and 9999"),
            ("10000-01-01", "year must be between 1000 and 9999"),
            ("2025-01-01T10:00:00+15:00", "UTC offset must be within ±14:00"),
            ("2025-01-01T10:00:00+10:60", "UTC offset must be within ±14:00"),
            ("2025-01-01T10:00:00-99:00", "UTC offset must be within ±14:00"),
            ("2025年2月30日", "no such day"),
            ("Mon, 02 Jun 2025 10:00:00 +1500", "UTC offset must be within ±14:00"),
            ("31 Feb 2025 10:00:00 +0000", "no such day, time or UTC offset"),
            ("02 Jun 2025 25:00:00 +0000", "no such day, time or UTC offset"),
            ("02 Jun 0999 10:00:00 +0000", "year must be between 1000 and 9999"),
        ];
        for (input, reason) in cases {
            assert_eq!(
                parse_date(input, Europe::Berlin),
                Err(DateError::OutOfRange { input: input.into(), reason }),
                "{input:?}"
            );
        }
        assert_eq!(err("2025-02-31", UTC), "date out of range: \"2025-02-31\" (no such day)");
        // Edge of the allowed offset range.
        assert_eq!(p("2025-01-01T10:00:00+14:00", UTC), "2025-01-01T10:00:00+14:00");
        assert_eq!(p("2025-01-01T10:00:00-14:00", UTC), "2025-01-01T10:00:00-14:00");
        assert_eq!(p("9999-12-31T23:59:59-14:00", UTC), "9999-12-31T23:59:59-14:00");
        assert_eq!(p("1000-01-01T00:00:00+14:00", UTC), "1000-01-01T00:00:00+14:00");
    }

    #[test]
    fn odd_inputs_never_panic() {
        let long_digits = "9".repeat(400);
        let long_fraction = format!("2025-01-01T00:00:00.{}Z", "9".repeat(400));
        let mut inputs: Vec<String> = [
            "",
            " ",
            "\0",
            "-",
            "-0",
            "+",
            "0",
            "-",
            "2025-",
            "2025-1",
            "2025-1-",
            "2025-01-01T",
            "9999-99-99T99:99:99+99:99",
            "2025-01-01T10:00:00+",
            "2025-01-01T10:00:00+1",
            "2025-01-01T10:00:00+123",
            "2025-01-01T10:00:00.",
            "年月日",
            "２０２５年１月１日",
            "2025年",
            "2025年1月",
            "2025年1月1",
            "2025年13月45日 99:99",
            "📅 2025-01-01",
            "2025-01-01 📅",
            "Mon, 32 Jan 2025 00:00:00 +0000",
            "Mon, 01 Jan 99999 00:00:00 +0000",
            "Mon, 01 Jan 2025 00:00:00 +9999",
            "Mon, 01 Foo 2025",
            "Mon,",
            "Monday",
            "-9223372036854775808",
            "9223372036854775807",
            "18446744073709551616",
            "-00000000001",
            "00000000000",
            "2025\u{0}-01-01",
            "２０２５-01-01",
            "٢٠٢٥-٠١-٠١",
            "2025-01-01T10:00:00ZZ",
            "2025-01-01T10:00:00 Z",
            "2025-01-01T10:00:00 GMT+1",
            "262143-01-01",
            "-262144-01-01",
            "999999-12-31T23:59:59Z",
            "2025/01/01\t10:00",
            "1e10",
            "0x5F5E100",
            "NaN",
            "∞",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        inputs.push(long_digits.clone());
        inputs.push(format!("-{long_digits}"));
        inputs.push(long_fraction);
        inputs.push("é".repeat(1000));
        for input in &inputs {
            for tz in [UTC, Asia::Shanghai, Europe::Berlin, America::New_York] {
                // The result does not matter; not panicking does.
                let _ = parse_date(input, tz);
                let _ = parse_date(&input.to_uppercase(), tz);
            }
        }
        assert_eq!(
            parse_date(&long_digits, UTC),
            Err(DateError::OutOfRange {
                input: format!("{}…", "9".repeat(60)),
                reason: "unix seconds must have 9 to 11 digits"
            })
        );
        assert_eq!(
            p("2025-01-01T00:00:00.9999999999999Z", UTC),
            "2025-01-01T00:00:00.999999999+00:00"
        );
    }
}
