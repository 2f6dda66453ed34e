//! Finding a date inside the surrounding text of a news page: labels (`时间:02-12`,
//! `Posted on 3 Feb 2025`), absolute dates with and without a year, and relative dates
//! (`5分钟前`, `yesterday 18:00`).
//!
//! Everything is relative to the `now` and time zone the caller passes: this module never
//! reads the clock or the machine's zone, and never panics on any input.

use std::sync::LazyLock;

use chrono::format::{Parsed, StrftimeItems};
use chrono::{
    DateTime, Datelike, Days, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
    Timelike, Utc,
};
use chrono_tz::Tz;
use regex::{Captures, Regex};

/// Years a found date may have, as for record dates (`crate::dates`).
const YEARS: std::ops::RangeInclusive<i32> = 1000..=9999;

/// How far back a year-less date may be placed when its day does not exist in the current
/// year (29 February): the previous leap year is at most eight years back.
const YEARLESS_LOOKBACK: i32 = 8;

/// The longest text searched. A date field is short; a whole page's text is cut by the caller,
/// but this bounds the regex work whatever is passed.
const MAX_TEXT_BYTES: usize = 16 * 1024;

/// Finds a date inside surrounding text.
///
/// Recognised, wherever they stand in the text: `时间:02-12`, `2025-02-12 18:00:35`,
/// `2025/2/12`, `2025.02.12`, RFC 3339 (`<time datetime>` values, with fraction and offset),
/// `2025年2月12日 18:00`, `2月12日 18:00`, `Posted on 3 Feb 2025`, `Feb 3, 2025, 6:30 pm`,
/// RFC 2822, and the user's chrono `formats`, which are tried first (on the whole text and on
/// each run of date-looking tokens) because they are an explicit statement about the page.
/// Among the built-in forms, the match that starts first in the text wins.
///
/// Year-less dates (`02-12`, `2月12日`, a format without `%Y`) take the most recent such date
/// that is not after today in `tz` (`12-30` read on 2025-01-02 is 2024-12-30). Relative dates
/// are relative to `now` in `tz`: `刚刚`/`just now` is `now`; seconds, minutes and hours
/// (`5分钟前`, `2 hours ago`) go back from `now`; days and weeks (`2天前`, `3 days ago`,
/// `昨天`, `前天`, `yesterday`) mean the start of that local day, or the given time on it
/// (`昨天 18:00`, `today 09:30`), so that every fetch on one day gives the same date.
///
/// Local times are read in `tz` with the offset in force then; a time in a daylight-saving
/// overlap takes the earlier instant, one in a gap is read an hour later. Years outside
/// 1000–9999 are not dates. Returns `None` when nothing date-like is found.
///
/// The user's `formats` are tried first (on the whole text, then on windows of
/// whitespace-separated tokens), because a format is an explicit statement about the page
/// (`%d-%m` must win over the built-in month-day reading of `03-02`). Then the built-in
/// patterns run, and the match that starts earliest in the text wins (the longest on a tie),
/// so `2025年2月12日 18:00` is read whole rather than as its year-less tail.
pub fn find_date(
    text: &str,
    formats: &[String],
    tz: Tz,
    now: DateTime<Utc>,
) -> Option<DateTime<FixedOffset>> {
    let text = cut(text.trim(), MAX_TEXT_BYTES);
    if text.is_empty() {
        return None;
    }
    let ctx = Ctx { tz, now, today: now.with_timezone(&tz).date_naive() };
    if let Some(found) = formats.iter().find_map(|f| with_format(text, f, &ctx)) {
        return Some(found);
    }
    let clues = Clues::of(text);
    let mut best: Option<(usize, usize, DateTime<FixedOffset>)> = None;
    // Each pattern runs only when the text has the characters it needs: most date texts are
    // short and of one form, so usually a single regex runs.
    for pattern in PATTERNS.iter().filter(|p| (p.gate)(&clues)) {
        if let Some(found) = pattern.first(text, &ctx) {
            let better = match best {
                None => true,
                Some((start, len, _)) => found.0 < start || (found.0 == start && found.1 > len),
            };
            if better {
                best = Some(found);
            }
        }
    }
    best.map(|(_, _, dt)| dt)
}

/// `text` cut to at most `max` bytes, on a char boundary.
fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Cheap facts about a text, gathered in one pass, that decide which patterns can match.
struct Clues {
    /// The longest run of ASCII digits.
    digit_run: usize,
    dash: bool,
    /// `年` and `月`.
    year_mark: bool,
    month_mark: bool,
    /// `前` or `刚` (`5分钟前`, `刚刚`).
    before_mark: bool,
    /// `天` (`今天`, `昨天`, `前天`).
    day_mark: bool,
    letters: bool,
}

impl Clues {
    fn of(text: &str) -> Clues {
        let mut clues = Clues {
            digit_run: 0,
            dash: false,
            year_mark: false,
            month_mark: false,
            before_mark: false,
            day_mark: false,
            letters: false,
        };
        let mut run = 0;
        for c in text.chars() {
            if c.is_ascii_digit() {
                run += 1;
                clues.digit_run = clues.digit_run.max(run);
                continue;
            }
            run = 0;
            match c {
                '-' => clues.dash = true,
                '年' => clues.year_mark = true,
                '月' => clues.month_mark = true,
                '前' | '刚' => clues.before_mark = true,
                '天' => clues.day_mark = true,
                c if c.is_ascii_alphabetic() => clues.letters = true,
                _ => {}
            }
        }
        clues
    }
}

/// What relative and year-less dates are resolved against.
struct Ctx {
    tz: Tz,
    now: DateTime<Utc>,
    /// `now`'s date in `tz`.
    today: NaiveDate,
}

impl Ctx {
    /// A local time in the zone. In a daylight-saving overlap the earlier instant is used (as
    /// `crate::dates` does); in a gap the time is read an hour later, which is the wall-clock
    /// time a page that printed a skipped time most plausibly meant.
    fn local(&self, local: NaiveDateTime) -> Option<DateTime<FixedOffset>> {
        let dt =
            self.tz.from_local_datetime(&local).earliest().or_else(|| {
                self.tz.from_local_datetime(&(local + Duration::hours(1))).earliest()
            })?;
        Some(dt.fixed_offset())
    }

    /// The start of the local day `days` before today, or that day at `time`.
    fn days_ago(&self, days: u64, time: Option<NaiveTime>) -> Option<DateTime<FixedOffset>> {
        let date = self.today.checked_sub_days(Days::new(days))?;
        self.local(date.and_time(time.unwrap_or(NaiveTime::MIN)))
    }

    /// `now` minus a duration, to the second, with the zone's offset at that instant.
    fn ago(&self, secs: i64) -> Option<DateTime<FixedOffset>> {
        let base = DateTime::from_timestamp(self.now.timestamp(), 0)?;
        let at = base.checked_sub_signed(Duration::try_seconds(secs)?)?;
        Some(at.with_timezone(&self.tz).fixed_offset())
    }

    /// The latest date with this month and day that is not after today (year-less dates are
    /// listing dates of items already published). Only the date is compared, so a time later
    /// today is clock skew, not last year.
    fn yearless(&self, month: u32, day: u32) -> Option<NaiveDate> {
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return None;
        }
        let year = self.today.year();
        (year - YEARLESS_LOOKBACK..=year)
            .rev()
            .filter_map(|y| NaiveDate::from_ymd_opt(y, month, day))
            .find(|d| *d <= self.today)
    }
}

// ---------------------------------------------------------------------------------------------
// User formats
// ---------------------------------------------------------------------------------------------

/// A chrono format on the whole text, then on each window of as many whitespace-separated
/// tokens as the format has (a token's leading label such as `时间:` is also tried without).
fn with_format(text: &str, format: &str, ctx: &Ctx) -> Option<DateTime<FixedOffset>> {
    if let Some(found) = parse_with(text, format, ctx) {
        return Some(found);
    }
    let width = format.split_whitespace().count().max(1);
    let tokens: Vec<&str> = text.split_whitespace().collect();
    if tokens.len() < width {
        return None;
    }
    tokens.windows(width).find_map(|window| {
        let (first, last) = (window[0], window[width - 1]);
        // The window as a slice of `text`, keeping its original inner whitespace.
        let start = first.as_ptr() as usize - text.as_ptr() as usize;
        let end = last.as_ptr() as usize - text.as_ptr() as usize + last.len();
        let candidate = text[start..end].trim_end_matches([',', '.', ';', ')', '）', '，', '。']);
        if !candidate.bytes().any(|b| b.is_ascii_digit()) {
            return None;
        }
        parse_with(candidate, format, ctx).or_else(|| {
            let from_digit = candidate.find(|c: char| c.is_ascii_digit())?;
            (from_digit > 0).then(|| parse_with(&candidate[from_digit..], format, ctx)).flatten()
        })
    })
}

/// One chrono format on exactly `text`. A format without a year takes the latest such date
/// not after today; one without a time means midnight; one without an offset is local in `tz`.
fn parse_with(text: &str, format: &str, ctx: &Ctx) -> Option<DateTime<FixedOffset>> {
    let mut parsed = Parsed::new();
    chrono::format::parse(&mut parsed, text, StrftimeItems::new(format)).ok()?;
    if parsed.timestamp().is_some() {
        let dt = DateTime::from_timestamp(parsed.timestamp()?, 0)?;
        return in_years(dt.fixed_offset());
    }
    let has_year =
        parsed.year().is_some() || parsed.year_mod_100().is_some() || parsed.isoyear().is_some();
    let date = if has_year {
        parsed.to_naive_date().ok()?
    } else {
        ctx.yearless(parsed.month()?, parsed.day()?)?
    };
    let time = parsed.to_naive_time().unwrap_or(NaiveTime::MIN);
    let local = date.and_time(time);
    let dt = match parsed.offset() {
        Some(secs) => FixedOffset::east_opt(secs)?.from_local_datetime(&local).single()?,
        None => ctx.local(local)?,
    };
    in_years(dt)
}

fn in_years(dt: DateTime<FixedOffset>) -> Option<DateTime<FixedOffset>> {
    YEARS.contains(&dt.year()).then_some(dt)
}

// ---------------------------------------------------------------------------------------------
// Built-in patterns
// ---------------------------------------------------------------------------------------------

/// A built-in date form: a regex and how to turn a match into an instant. `group` is the
/// capture group where the date itself starts (patterns that check the preceding character
/// consume it, since the regex crate has no look-behind).
struct Pattern {
    regex: Regex,
    group: usize,
    /// Whether the text can hold this form at all.
    gate: fn(&Clues) -> bool,
    resolve: fn(&Captures<'_>, &Ctx) -> Option<DateTime<FixedOffset>>,
}

impl Pattern {
    /// The first match that resolves to a valid date: (start, length, date).
    fn first(&self, text: &str, ctx: &Ctx) -> Option<(usize, usize, DateTime<FixedOffset>)> {
        let mut from = 0;
        while from <= text.len() {
            let caps = self.regex.captures_at(text, from)?;
            let whole = caps.get(0)?;
            let start = caps.get(self.group).map_or(whole.start(), |m| m.start());
            if let Some(dt) = (self.resolve)(&caps, ctx) {
                return Some((start, whole.end() - start, dt));
            }
            // A match with impossible values (month 13): look again one character later, so
            // an overlapping valid date is still found.
            from = start + text[start..].chars().next().map_or(1, char::len_utf8);
        }
        None
    }
}

/// A time of day written after a date: `18:00`, `18:00:35`, `6:30 pm`, `18时30分`.
const TIME: &str = r"([0-9]{1,2})\s*[:：時时]\s*([0-9]{2})(?:\s*[:：分]\s*([0-9]{2}))?";

static PATTERNS: LazyLock<Vec<Pattern>> = LazyLock::new(|| {
    let p = |re: &str, group, gate, resolve| Pattern {
        regex: Regex::new(re).expect("built-in date pattern"),
        group,
        gate,
        resolve,
    };
    vec![
        // 2025-02-12, 2025/2/12 18:00, 2025.02.12, RFC 3339 with fraction and offset.
        p(
            r"(?i)([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})(?:(?:t|\s+)([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]+))?)?(?:\s*(z|utc|gmt|[+-][0-9]{2}(?::?[0-9]{2})?)\b)?)?",
            1,
            |c: &Clues| c.digit_run >= 4,
            resolve_numeric,
        ),
        // 2025年2月12日 18:00
        p(
            &format!(
                r"([0-9]{{4}})\s*年\s*([0-9]{{1,2}})\s*月\s*([0-9]{{1,2}})\s*[日号](?:\s*{TIME})?"
            ),
            1,
            |c: &Clues| c.year_mark && c.month_mark,
            resolve_cjk,
        ),
        // 2月12日 18:00 (no year)
        p(
            &format!(r"([0-9]{{1,2}})\s*月\s*([0-9]{{1,2}})\s*[日号](?:\s*{TIME})?"),
            1,
            |c: &Clues| c.month_mark,
            resolve_cjk_yearless,
        ),
        // 02-12, 时间:02-12 18:00 (no year). Not part of a longer number or date.
        p(
            r"(?:^|[^0-9\-/.])(([0-9]{1,2})-([0-9]{1,2}))(?:\s+([0-9]{1,2}):([0-9]{2}))?(?:$|[^0-9\-:])",
            1,
            |c: &Clues| c.dash,
            resolve_month_day,
        ),
        // 3 Feb 2025, Posted on 3rd February 2025 at 18:00, Mon, 03 Feb 2025 10:00:00 +0000
        p(
            &format!(
                r"(?i)\b([0-9]{{1,2}})(?:st|nd|rd|th)?\.?\s+([a-z]{{3,9}})\.?,?\s+([0-9]{{4}}){EN_TIME}"
            ),
            1,
            |c: &Clues| c.letters && c.digit_run >= 4,
            resolve_day_month_year,
        ),
        // Feb 3, 2025; February 3rd 2025, 6:30 pm
        p(
            &format!(
                r"(?i)\b([a-z]{{3,9}})\.?\s+([0-9]{{1,2}})(?:st|nd|rd|th)?,?\s+([0-9]{{4}}){EN_TIME}"
            ),
            1,
            |c: &Clues| c.letters && c.digit_run >= 4,
            resolve_month_day_year,
        ),
        // 刚刚, 5分钟前, 3小时前, 2天前
        p(
            r"刚刚|([0-9]{1,6})\s*(秒|分钟|分|小时|个小时|天|日|周|星期)前",
            0,
            |c: &Clues| c.before_mark,
            resolve_cjk_ago,
        ),
        // 昨天 18:00, 前天, 今天 09:30
        p(&format!(r"(今天|昨天|前天)(?:\s*{TIME})?"), 0, |c: &Clues| c.day_mark, resolve_cjk_day),
        // just now, 5 minutes ago, an hour ago, 3 days ago
        p(
            r"(?i)\bjust now\b|\b([0-9]{1,6}|an?|one)\s+(seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?)\s+ago\b",
            0,
            |c: &Clues| c.letters,
            resolve_en_ago,
        ),
        // yesterday, yesterday at 18:00, today 09:30
        p(
            r"(?i)\b(yesterday|today)\b(?:,?\s+(?:at\s+)?([0-9]{1,2}):([0-9]{2})(?:\s*([ap])\.?m\b\.?)?)?",
            0,
            |c: &Clues| c.letters,
            resolve_en_day,
        ),
    ]
});

/// Optional time and offset after an English date.
const EN_TIME: &str = r"(?:,?\s+(?:at\s+)?([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?(?:\s*([ap])\.?m\b\.?)?(?:\s*(z|utc|gmt|[+-][0-9]{4}|[+-][0-9]{2}:[0-9]{2})\b)?)?";

fn num(caps: &Captures<'_>, i: usize) -> Option<u32> {
    caps.get(i)?.as_str().parse().ok()
}

/// An hour-minute-second time from three capture groups; no hour means midnight.
fn clock(caps: &Captures<'_>, h: usize) -> Option<Option<NaiveTime>> {
    let Some(hour) = num(caps, h) else { return Some(None) };
    let minute = num(caps, h + 1)?;
    let second = num(caps, h + 2).unwrap_or(0);
    Some(Some(NaiveTime::from_hms_opt(hour, minute, second)?))
}

/// Applies an `a`/`p` (am/pm) marker to a clock hour.
fn twelve_hour(time: NaiveTime, marker: Option<&str>) -> Option<NaiveTime> {
    let Some(marker) = marker else { return Some(time) };
    let hour = time.hour();
    if !(1..=12).contains(&hour) {
        return None;
    }
    let hour = match (marker.eq_ignore_ascii_case("p"), hour) {
        (false, 12) => 0,
        (true, 12) => 12,
        (true, h) => h + 12,
        (false, h) => h,
    };
    time.with_hour(hour)
}

/// An explicit UTC offset: `Z`, `UTC`, `GMT`, `+08`, `+0800`, `+08:00`; within ±14:00.
fn offset(text: &str) -> Option<FixedOffset> {
    if ["z", "utc", "gmt"].iter().any(|z| text.eq_ignore_ascii_case(z)) {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    let hours: i32 = digits.get(..2)?.parse().ok()?;
    let minutes: i32 = digits.get(2..4).map_or(Some(0), |m| m.parse().ok())?;
    if minutes > 59 || hours * 60 + minutes > 14 * 60 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

fn at(
    date: NaiveDate,
    time: Option<NaiveTime>,
    zone: Option<&str>,
    ctx: &Ctx,
) -> Option<DateTime<FixedOffset>> {
    if !YEARS.contains(&date.year()) {
        return None;
    }
    let local = date.and_time(time.unwrap_or(NaiveTime::MIN));
    match zone {
        Some(zone) => offset(zone)?.from_local_datetime(&local).single(),
        None => ctx.local(local),
    }
}

fn resolve_numeric(caps: &Captures<'_>, ctx: &Ctx) -> Option<DateTime<FixedOffset>> {
    let date = NaiveDate::from_ymd_opt(num(caps, 1)? as i32, num(caps, 2)?, num(caps, 3)?)?;
    let mut time = clock(caps, 4)?;
    if let (Some(t), Some(fraction)) = (time, caps.get(7)) {
        // Nanoseconds: digits past the ninth are dropped, never rounded into the next second.
        let digits = &fraction.as_str()[..fraction.len().min(9)];
        let nanos = digits.parse::<u32>().ok()? * 10u32.pow(9 - digits.len() as u32);
        time = Some(t.with_nanosecond(nanos)?);
    }
    at(date, time, caps.get(8).map(|m| m.as_str()), ctx)
}

fn resolve_cjk(caps: &Captures<'_>, ctx: &Ctx) -> Option<DateTime<FixedOffset>> {
    let date = NaiveDate::from_ymd_opt(num(caps, 1)? as i32, num(caps, 2)?, num(caps, 3)?)?;
    at(date, clock(caps, 4)?, None, ctx)
}

fn resolve_cjk_yearless(caps: &Captures<'_>, ctx: &Ctx) -> Option<DateTime<FixedOffset>> {
    let date = ctx.yearless(num(caps, 1)?, num(caps, 2)?)?;
    at(date, clock(caps, 3)?, None, ctx)
}

fn resolve_month_day(caps: &Captures<'_>, ctx: &Ctx) -> Option<DateTime<FixedOffset>> {
    let date = ctx.yearless(num(caps, 2)?, num(caps, 3)?)?;
    at(date, clock(caps, 4)?, None, ctx)
}

/// The month (1–12) a name or abbreviation stands for: `Feb`, `Febr`, `February`, `Sept`.
fn month_number(name: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let lower = name.to_ascii_lowercase();
    let index = MONTHS.iter().position(|m| m.starts_with(&lower) && lower.len() >= 3)?;
    Some(index as u32 + 1)
}

fn english(
    caps: &Captures<'_>,
    day: usize,
    month: usize,
    ctx: &Ctx,
) -> Option<DateTime<FixedOffset>> {
    let month = month_number(caps.get(month)?.as_str())?;
    let date = NaiveDate::from_ymd_opt(num(caps, 3)? as i32, month, num(caps, day)?)?;
    let time = match clock(caps, 4)? {
        Some(t) => Some(twelve_hour(t, caps.get(7).map(|m| m.as_str()))?),
        None => None,
    };
    at(date, time, caps.get(8).map(|m| m.as_str()), ctx)
}

fn resolve_day_month_year(caps: &Captures<'_>, ctx: &Ctx) -> Option<DateTime<FixedOffset>> {
    english(caps, 1, 2, ctx)
}

fn resolve_month_day_year(caps: &Captures<'_>, ctx: &Ctx) -> Option<DateTime<FixedOffset>> {
    english(caps, 2, 1, ctx)
}

/// Seconds in one unit of a relative date; `None` for day-sized units (counted in calendar
/// days, see [`relative_days`]).
fn unit_seconds(unit: &str) -> Option<i64> {
    let unit = unit.to_ascii_lowercase();
    if unit.starts_with("sec") || unit == "秒" {
        Some(1)
    } else if unit.starts_with("min") || unit == "分钟" || unit == "分" {
        Some(60)
    } else if unit.starts_with("h") || unit.ends_with("小时") {
        Some(3600)
    } else {
        None
    }
}

/// Days in one day-sized unit.
fn unit_days(unit: &str) -> u64 {
    let unit = unit.to_ascii_lowercase();
    if unit.starts_with("week") || unit == "周" || unit == "星期" { 7 } else { 1 }
}

/// `N units ago`. Second, minute and hour counts go back from `now`; day and week counts
/// name a calendar day and resolve to the start of that local day, so every fetch on the same
/// day gives the item the same date instead of one that drifts with the clock.
fn relative(count: u64, unit: &str, ctx: &Ctx) -> Option<DateTime<FixedOffset>> {
    match unit_seconds(unit) {
        Some(secs) => ctx.ago(i64::try_from(count).ok()?.checked_mul(secs)?),
        None => relative_days(count.checked_mul(unit_days(unit))?, ctx),
    }
}

fn relative_days(days: u64, ctx: &Ctx) -> Option<DateTime<FixedOffset>> {
    ctx.days_ago(days, None)
}

fn resolve_cjk_ago(caps: &Captures<'_>, ctx: &Ctx) -> Option<DateTime<FixedOffset>> {
    match caps.get(2) {
        None => ctx.ago(0),
        Some(unit) => relative(u64::from(num(caps, 1)?), unit.as_str(), ctx),
    }
}

fn resolve_cjk_day(caps: &Captures<'_>, ctx: &Ctx) -> Option<DateTime<FixedOffset>> {
    let days = match caps.get(1)?.as_str() {
        "今天" => 0,
        "昨天" => 1,
        _ => 2,
    };
    ctx.days_ago(days, clock(caps, 2)?)
}

fn resolve_en_ago(caps: &Captures<'_>, ctx: &Ctx) -> Option<DateTime<FixedOffset>> {
    let Some(unit) = caps.get(2) else { return ctx.ago(0) };
    let count = match caps.get(1)?.as_str() {
        n if n.bytes().all(|b| b.is_ascii_digit()) => n.parse().ok()?,
        _ => 1,
    };
    relative(count, unit.as_str(), ctx)
}

fn resolve_en_day(caps: &Captures<'_>, ctx: &Ctx) -> Option<DateTime<FixedOffset>> {
    let days = if caps.get(1)?.as_str().eq_ignore_ascii_case("yesterday") { 1 } else { 0 };
    let time = match num(caps, 2) {
        Some(hour) => {
            let t = NaiveTime::from_hms_opt(hour, num(caps, 3)?, 0)?;
            Some(twelve_hour(t, caps.get(4).map(|m| m.as_str()))?)
        }
        None => None,
    };
    ctx.days_ago(days, time)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{America, Asia, Europe, UTC};

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// The date found, as RFC 3339 text (keeps the offset, so the zone handling is checked).
    fn found(text: &str, tz: Tz, now: &str) -> Option<String> {
        find_date(text, &[], tz, utc(now)).map(|d| d.to_rfc3339())
    }

    const NOW: &str = "2025-02-13T00:00:00Z"; // 08:00 on 13 Feb in Shanghai

    #[test]
    fn labelled_year_less_dates() {
        let sh = Asia::Shanghai;
        assert_eq!(found("时间:02-12", sh, NOW).as_deref(), Some("2025-02-12T00:00:00+08:00"));
        assert_eq!(found("时间：2-3 18:30", sh, NOW).as_deref(), Some("2025-02-03T18:30:00+08:00"));
        assert_eq!(found("2月12日 18:00", sh, NOW).as_deref(), Some("2025-02-12T18:00:00+08:00"));
        // Today with a later time is still today (clock skew, not last year).
        assert_eq!(found("02-13 23:00", sh, NOW).as_deref(), Some("2025-02-13T23:00:00+08:00"));
        // Tomorrow's month-day is last year's.
        assert_eq!(found("02-14", sh, NOW).as_deref(), Some("2024-02-14T00:00:00+08:00"));
    }

    #[test]
    fn year_less_dates_across_new_year() {
        let now = "2025-01-03T00:00:00Z";
        let sh = Asia::Shanghai;
        assert_eq!(found("12-30", sh, now).as_deref(), Some("2024-12-30T00:00:00+08:00"));
        assert_eq!(found("01-02", sh, now).as_deref(), Some("2025-01-02T00:00:00+08:00"));
        assert_eq!(found("12月30日", sh, now).as_deref(), Some("2024-12-30T00:00:00+08:00"));
        // 29 February goes back to the last leap year.
        assert_eq!(found("02-29", UTC, now).as_deref(), Some("2024-02-29T00:00:00+00:00"));
        assert_eq!(
            found("02-29", UTC, "2024-02-28T12:00:00Z").as_deref(),
            Some("2020-02-29T00:00:00+00:00")
        );
    }

    #[test]
    fn absolute_dates() {
        let sh = Asia::Shanghai;
        for (text, want) in [
            ("2025-02-12 18:00:35", "2025-02-12T18:00:35+08:00"),
            ("发布时间：2025-02-12 18:00", "2025-02-12T18:00:00+08:00"),
            ("2025/2/12", "2025-02-12T00:00:00+08:00"),
            ("2025.02.12", "2025-02-12T00:00:00+08:00"),
            ("2025年2月12日", "2025-02-12T00:00:00+08:00"),
            ("2025年02月12日 18:00", "2025-02-12T18:00:00+08:00"),
            ("2025年2月12日18时30分", "2025-02-12T18:30:00+08:00"),
            ("2025-03-01T09:00:00Z", "2025-03-01T09:00:00+00:00"),
            ("2025-03-01T09:00:00.250+01:00", "2025-03-01T09:00:00.250+01:00"),
            ("Posted on 3 Feb 2025", "2025-02-03T00:00:00+08:00"),
            ("Feb 3, 2025", "2025-02-03T00:00:00+08:00"),
            ("February 3rd, 2025 at 6:30 pm", "2025-02-03T18:30:00+08:00"),
            ("Mon, 03 Feb 2025 10:00:00 +0000", "2025-02-03T10:00:00+00:00"),
            ("Updated Sept 30, 2024 12:05 am", "2024-09-30T00:05:00+08:00"),
        ] {
            assert_eq!(found(text, sh, NOW).as_deref(), Some(want), "{text:?}");
        }
    }

    #[test]
    fn the_earliest_date_in_the_text_wins() {
        let sh = Asia::Shanghai;
        let text = "首页 » 国际 标题 2025-02-12 18:00:35 来源:某报 记者2月10日电";
        assert_eq!(found(text, sh, NOW).as_deref(), Some("2025-02-12T18:00:35+08:00"));
    }

    #[test]
    fn relative_dates_in_chinese_and_english() {
        // 10:30:15 on Thursday 13 Feb 2025 in Shanghai.
        let now = "2025-02-13T02:30:15Z";
        let sh = Asia::Shanghai;
        for (text, want) in [
            ("刚刚", "2025-02-13T10:30:15+08:00"),
            ("30秒前", "2025-02-13T10:29:45+08:00"),
            ("5分钟前", "2025-02-13T10:25:15+08:00"),
            ("3小时前", "2025-02-13T07:30:15+08:00"),
            ("2天前", "2025-02-11T00:00:00+08:00"),
            ("1周前", "2025-02-06T00:00:00+08:00"),
            ("昨天 18:00", "2025-02-12T18:00:00+08:00"),
            ("昨天", "2025-02-12T00:00:00+08:00"),
            ("前天", "2025-02-11T00:00:00+08:00"),
            ("今天 09:30", "2025-02-13T09:30:00+08:00"),
            ("just now", "2025-02-13T10:30:15+08:00"),
            ("5 minutes ago", "2025-02-13T10:25:15+08:00"),
            ("an hour ago", "2025-02-13T09:30:15+08:00"),
            ("2 hours ago", "2025-02-13T08:30:15+08:00"),
            ("3 days ago", "2025-02-10T00:00:00+08:00"),
            ("yesterday", "2025-02-12T00:00:00+08:00"),
            ("Yesterday at 18:00", "2025-02-12T18:00:00+08:00"),
            ("yesterday 6:15 pm", "2025-02-12T18:15:00+08:00"),
            ("today 09:30", "2025-02-13T09:30:00+08:00"),
            ("Posted 2 weeks ago", "2025-01-30T00:00:00+08:00"),
        ] {
            assert_eq!(found(text, sh, now).as_deref(), Some(want), "{text:?}");
        }
    }

    #[test]
    fn relative_dates_follow_daylight_saving() {
        // 12:00 on 31 March 2025 in Berlin (summer time since the 30th, 02:00 → 03:00).
        let now = "2025-03-31T10:00:00Z";
        let berlin = Europe::Berlin;
        assert_eq!(found("yesterday", berlin, now).as_deref(), Some("2025-03-30T00:00:00+01:00"));
        assert_eq!(found("昨天 12:00", berlin, now).as_deref(), Some("2025-03-30T12:00:00+02:00"));
        assert_eq!(
            found("24 hours ago", berlin, now).as_deref(),
            Some("2025-03-30T12:00:00+02:00")
        );
        // A local time the clocks skip is read an hour later.
        assert_eq!(
            found("2025-03-30 02:30", berlin, now).as_deref(),
            Some("2025-03-30T03:30:00+02:00")
        );
        // An hour that repeats takes the earlier (summer-time) instant.
        assert_eq!(
            found("2025-11-02 01:30", America::New_York, now).as_deref(),
            Some("2025-11-02T01:30:00-04:00")
        );
    }

    #[test]
    fn user_formats_come_first_and_may_lack_a_year() {
        let sh = Asia::Shanghai;
        let fmts = |f: &[&str]| f.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let f = |text: &str, formats: &[&str]| {
            find_date(text, &fmts(formats), sh, utc(NOW)).map(|d| d.to_rfc3339())
        };
        assert_eq!(
            f("Veröffentlicht am 03.02.2025 um 10:15", &["%d.%m.%Y um %H:%M"]).as_deref(),
            Some("2025-02-03T10:15:00+08:00")
        );
        // Day-month order wins over the built-in month-day reading.
        assert_eq!(f("03-02", &["%d-%m"]).as_deref(), Some("2025-02-03T00:00:00+08:00"));
        assert_eq!(f("日期:12/30", &["%m/%d"]).as_deref(), Some("2024-12-30T00:00:00+08:00"));
        // A format that fits nothing falls back to the built-in forms.
        assert_eq!(f("2025-02-12", &["%d.%m.%Y"]).as_deref(), Some("2025-02-12T00:00:00+08:00"));
    }

    #[test]
    fn no_date_is_none() {
        let sh = Asia::Shanghai;
        for text in [
            "",
            "   ",
            "no date here",
            "阅读全文",
            "13-45",
            "2025-13-45",
            "Version 1.2.3",
            "call 555-1234",
            "99 Foo 2025",
            "0000-01-01",
            "3-2-1",
        ] {
            assert_eq!(found(text, sh, NOW), None, "{text:?}");
        }
    }

    #[test]
    fn odd_input_never_panics() {
        let long = "9".repeat(100_000);
        let inputs = [
            long.as_str(),
            "999999999 days ago",
            "18446744073709551615分钟前",
            "2025-01-01T10:00:00+99:99",
            "2025-01-01 25:61",
            "99月99日 99:99",
            "12:99 pm yesterday",
            "yesterday 13:00 pm",
            "\u{0}2025-01-01",
            "🎉 2025年",
        ];
        for text in inputs {
            let _ = find_date(text, &["%Y".to_owned(), "%s".to_owned()], UTC, utc(NOW));
        }
        let dt = find_date("x 1999999999 days ago", &[], UTC, utc(NOW));
        assert_eq!(dt, None);
    }
}
