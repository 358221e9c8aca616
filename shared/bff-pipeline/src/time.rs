//! Timestamps as the pipeline records them: RFC 3339 text in UTC.
//!
//! The core never reads a clock. Every stage takes `now` from its caller (a Worker passes
//! `Date.now()` or `new Date().toISOString()`), so that a test can replay a whole job at chosen
//! instants and get the same rows. Text rather than a number because D1 and Postgres both sort and
//! display it as it is, and JavaScript numbers would round microseconds anyway.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An instant as RFC 3339 text (`2025-09-01T03:00:00.000Z`), checked for shape once when it is built.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(try_from = "String", into = "String")]
pub struct Timestamp(String);

/// Why a text is not an RFC 3339 timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{text:?} is not an RFC 3339 timestamp (expected e.g. 2025-09-01T03:00:00.000Z)")]
pub struct TimestampError {
    pub text: String,
}

impl Timestamp {
    /// Accepts `YYYY-MM-DDTHH:MM:SS`, optional fraction, then `Z` or `±HH:MM`.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        if is_rfc3339(text.as_bytes()) {
            Ok(Self(text.to_string()))
        } else {
            Err(TimestampError {
                text: text.chars().take(64).collect(),
            })
        }
    }

    /// Milliseconds since the Unix epoch, formatted as JavaScript's `toISOString` does.
    pub fn from_unix_ms(ms: i64) -> Self {
        let days = ms.div_euclid(86_400_000);
        let in_day = ms.rem_euclid(86_400_000);
        let (year, month, day) = civil_from_days(days);
        let (h, rest) = (in_day / 3_600_000, in_day % 3_600_000);
        let (m, rest) = (rest / 60_000, rest % 60_000);
        let (s, milli) = (rest / 1000, rest % 1000);
        Self(format!(
            "{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{milli:03}Z"
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Milliseconds since the Unix epoch (fractions beyond milliseconds are dropped).
    pub fn unix_ms(&self) -> i64 {
        // The shape was checked when the value was built: fixed positions.
        let b = self.0.as_bytes();
        let num = |from: usize, to: usize| -> i64 {
            b[from..to]
                .iter()
                .fold(0, |n, d| n * 10 + i64::from(d.wrapping_sub(b'0')))
        };
        let days = days_from_civil(num(0, 4), num(5, 7) as u32, num(8, 10) as u32);
        let mut ms =
            days * 86_400_000 + num(11, 13) * 3_600_000 + num(14, 16) * 60_000 + num(17, 19) * 1000;
        let mut i = 19;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            let digits = &self.0[start..i];
            let milli: String = digits.chars().chain("000".chars()).take(3).collect();
            ms += milli.parse::<i64>().unwrap_or(0);
        }
        match b.get(i) {
            Some(sign @ (b'+' | b'-')) => {
                let offset = num(i + 1, i + 3) * 3_600_000 + num(i + 4, i + 6) * 60_000;
                if *sign == b'+' {
                    ms - offset
                } else {
                    ms + offset
                }
            }
            _ => ms,
        }
    }

    /// The UTC day, `YYYY-MM-DD`.
    pub fn day(&self) -> String {
        Self::from_unix_ms(self.unix_ms()).0[..10].to_string()
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Timestamp {
    type Error = TimestampError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<Timestamp> for String {
    fn from(t: Timestamp) -> Self {
        t.0
    }
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn is_rfc3339(b: &[u8]) -> bool {
    let digits = |range: std::ops::Range<usize>| {
        b.get(range.clone())
            .filter(|s| s.iter().all(u8::is_ascii_digit))
            .map(|s| s.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let date_time = (|| {
        let month = digits(5..7)?;
        let day = digits(8..10)?;
        let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
        digits(0..4)?;
        let separators = at(4, b'-') && at(7, b'-') && at(10, b'T') && at(13, b':') && at(16, b':');
        Some(
            separators
                && (1..=12).contains(&month)
                && (1..=31).contains(&day)
                && hour < 24
                && minute < 60
                && second <= 60,
        )
    })();
    if date_time != Some(true) {
        return false;
    }
    let mut i = 19;
    if at(i, b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match b.get(i) {
        Some(b'Z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            i + 6 == b.len()
                && at(i + 3, b':')
                && digits(i + 1..i + 3).is_some_and(|h| h < 24)
                && digits(i + 4..i + 6).is_some_and(|m| m < 60)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_ms_inverts_from_unix_ms() {
        for ms in [
            0,
            1,
            86_399_999,
            951_782_400_000,
            1_764_000_000_123,
            -86_400_000,
        ] {
            assert_eq!(Timestamp::from_unix_ms(ms).unix_ms(), ms, "{ms}");
        }
        let t = Timestamp::parse("2026-11-25T10:00:00.5+02:00").unwrap();
        assert_eq!(
            t.unix_ms(),
            Timestamp::parse("2026-11-25T08:00:00.500Z")
                .unwrap()
                .unix_ms()
        );
        assert_eq!(t.day(), "2026-11-25");
        assert_eq!(
            Timestamp::parse("2026-03-01T00:00:00Z").unwrap().day(),
            "2026-03-01"
        );
    }

    #[test]
    fn unix_ms_formats_as_javascript_does() {
        assert_eq!(
            Timestamp::from_unix_ms(0).as_str(),
            "1970-01-01T00:00:00.000Z"
        );
        // new Date(1756695600123).toISOString()
        assert_eq!(
            Timestamp::from_unix_ms(1_756_695_600_123).as_str(),
            "2025-09-01T03:00:00.123Z"
        );
        assert_eq!(
            Timestamp::from_unix_ms(951_782_400_000).as_str(),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(
            Timestamp::from_unix_ms(-1).as_str(),
            "1969-12-31T23:59:59.999Z"
        );
    }

    #[test]
    fn parse_accepts_rfc3339_and_refuses_the_rest() {
        for ok in [
            "2025-09-01T03:00:00Z",
            "2025-09-01T03:00:00.000Z",
            "2025-09-01T03:00:00.123456+02:00",
            "2025-12-31T23:59:60-05:30",
        ] {
            assert!(Timestamp::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "2025-09-01",
            "2025-09-01 03:00:00Z",
            "2025-13-01T03:00:00Z",
            "2025-09-01T24:00:00Z",
            "2025-09-01T03:00:00",
            "2025-09-01T03:00:00.Z",
            "2025-09-01T03:00:00+2:00",
            "2025-09-01T03:00:00Zjunk",
            "１０２５-09-01T03:00:00Z",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn serde_checks_the_shape() {
        let t: Timestamp = serde_json::from_str("\"2025-09-01T03:00:00Z\"").unwrap();
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2025-09-01T03:00:00Z\""
        );
        assert!(serde_json::from_str::<Timestamp>("\"yesterday\"").is_err());
    }
}
