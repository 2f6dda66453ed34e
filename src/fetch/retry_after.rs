//! Parses an HTTP `Retry-After` header value into a delay. Pure: the current time is passed in,
//! nothing here sleeps, schedules or performs I/O.

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};

/// The longest delay honoured. A server asking for more (say ten years) gets this: the source
/// is retried daily rather than abandoned, as the reliability contract (§3) requires.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// Reads a `Retry-After` value: delay-seconds (`120`) or an HTTP-date in any of the three forms
/// RFC 9110 allows (IMF-fixdate, RFC 850, asctime), relative to `now`.
///
/// - The result is capped at [`MAX_RETRY_AFTER`] (24 h).
/// - A date in the past (or `now`) gives `Some(Duration::ZERO)`: the server allows a retry now.
/// - Anything else gives `None`, and the caller falls back to its default backoff: empty
///   values, negative or fractional seconds (`-5`, `1.5`; RFC 9110 allows digits only), and
///   dates that do not parse.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if value.bytes().all(|b| b.is_ascii_digit()) {
        // Too many digits for u64 is still "a very long time": cap it rather than reject it.
        let secs = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER));
    }
    let when = parse_http_date(value)?;
    let delay = (when - now).to_std().unwrap_or(Duration::ZERO);
    Some(delay.min(MAX_RETRY_AFTER))
}

fn parse_http_date(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(date) = DateTime::parse_from_rfc2822(value) {
        return Some(date.with_timezone(&Utc));
    }
    // RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6 08:49:37 1994").
    ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(value, format).ok())
        .map(|naive| naive.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
    }

    #[test]
    fn retry_after_cases() {
        let secs = |n: u64| Some(Duration::from_secs(n));
        let cases: [(&str, Option<Duration>); 16] = [
            ("120", secs(120)),
            (" 120 ", secs(120)),
            ("0", secs(0)),
            ("86400", secs(86_400)),
            ("315360000", secs(86_400)),
            ("99999999999999999999999", secs(86_400)),
            ("Sun, 01 Mar 2026 12:02:00 GMT", secs(120)),
            ("Sunday, 01-Mar-26 12:02:00 GMT", secs(120)),
            ("Sun Mar  1 12:02:00 2026", secs(120)),
            ("Sat, 01 Mar 2036 12:00:00 GMT", secs(86_400)),
            ("Sun, 01 Mar 2026 11:00:00 GMT", secs(0)),
            ("-5", None),
            ("1.5", None),
            ("", None),
            ("soon", None),
            ("Sun, 99 Mar 2026 12:02:00 GMT", None),
        ];
        for (value, expected) in cases {
            assert_eq!(parse_retry_after(value, now()), expected, "{value:?}");
        }
    }
}
