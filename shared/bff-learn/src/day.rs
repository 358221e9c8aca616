//! UTC calendar days as the analytics count them.
//!
//! Feedback, picks and coverage reports carry unix milliseconds; the daily rollups and the
//! analytics windows are keyed by UTC day strings `"YYYY-MM-DD"`, and weeks by their Monday.
//! The conversion is the proleptic Gregorian day count of H. Hinnant's `days_from_civil` /
//! `civil_from_days`, exact for every day and free of any clock or time-zone database, so it
//! runs unchanged at the edge.

/// Milliseconds in a UTC day: day boundaries and ages in days are measured with it.
pub const MS_PER_DAY: i64 = 86_400_000;

/// Days since 1970-01-01 of a civil date; the shared arithmetic behind every day string.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date `(year, month, day)` of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The day number (days since 1970-01-01) of a `"YYYY-MM-DD"` string, so that windows can be
/// compared as integers; `None` unless the string is exactly that shape and a real date.
pub fn day_number(day: &str) -> Option<i64> {
    let bytes = day.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let digits = |range: core::ops::Range<usize>| -> Option<u32> {
        let part = &day[range];
        if !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let year = i64::from(digits(0..4)?);
    let month = digits(5..7)?;
    let dom = digits(8..10)?;
    if !(1..=12).contains(&month) || dom == 0 || dom > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, dom))
}

/// The `"YYYY-MM-DD"` string of a day number, the inverse of [`day_number`] for the years
/// 0000 to 9999.
pub fn day_from_number(days: i64) -> String {
    let (year, month, dom) = civil_from_days(days);
    format!("{year:04}-{month:02}-{dom:02}")
}

/// The UTC day an event at `ms` (unix milliseconds) belongs to, the key of its daily rollup.
pub fn day_of(ms: i64) -> String {
    day_from_number(ms.div_euclid(MS_PER_DAY))
}

/// The first millisecond of a UTC day, so that a caller can query one day's events by range;
/// `None` for a string that is not a real `"YYYY-MM-DD"` date.
pub fn day_start_ms(day: &str) -> Option<i64> {
    day_number(day)?.checked_mul(MS_PER_DAY)
}

/// The day `offset` days after (or before, when negative) `day`; `None` for an invalid day.
pub fn add_days(day: &str, offset: i64) -> Option<String> {
    Some(day_from_number(day_number(day)?.checked_add(offset)?))
}

/// The Monday of the week holding `day`: style evolution groups picks by week.
///
/// A string that is not a valid day is returned unchanged, so that a bad key stays visible
/// instead of silently merging into another week.
pub fn week_start(day: &str) -> String {
    match day_number(day) {
        Some(n) => day_from_number(monday_of(n)),
        None => day.to_string(),
    }
}

/// The day number of the Monday of the week holding day number `n`.
pub(crate) fn monday_of(n: i64) -> i64 {
    // 1970-01-01 was a Thursday: day 0 is weekday 3 counting Monday as 0.
    n - (n + 3).rem_euclid(7)
}

/// The English name of a month (1 = January), for readable recommendations.
pub fn month_name(month: u32) -> &'static str {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    NAMES
        .get((month as usize).wrapping_sub(1))
        .copied()
        .unwrap_or("")
}

/// The month (1 to 12) of a valid day string.
pub(crate) fn month_of(day: &str) -> Option<u32> {
    day_number(day).map(|n| civil_from_days(n).1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_known_dates() {
        assert_eq!(day_of(0), "1970-01-01");
        assert_eq!(day_of(-1), "1969-12-31");
        assert_eq!(day_of(MS_PER_DAY - 1), "1970-01-01");
        assert_eq!(day_of(MS_PER_DAY), "1970-01-02");
        // 2024-02-29 00:00:00 UTC = 1709164800 s.
        assert_eq!(day_of(1_709_164_800_000), "2024-02-29");
        assert_eq!(day_start_ms("2024-02-29"), Some(1_709_164_800_000));
        // 2000-03-01 = 11017 days after the epoch (30 years of 365 days, 8 leap days, Jan + Feb 2000).
        assert_eq!(day_number("2000-03-01"), Some(30 * 365 + 7 + 31 + 29));
    }

    #[test]
    fn invalid_days_are_refused() {
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-04-31",
            "2024-4-01",
            "20240401",
            "2024-04-01T",
            "+024-04-01",
            "",
        ] {
            assert_eq!(day_start_ms(bad), None, "{bad}");
        }
        assert_eq!(week_start("nope"), "nope");
    }

    #[test]
    fn weeks_start_on_monday() {
        // 2024-09-02 was a Monday, 2024-09-08 a Sunday.
        for d in 2..=8 {
            assert_eq!(week_start(&format!("2024-09-{d:02}")), "2024-09-02");
        }
        assert_eq!(week_start("2024-09-09"), "2024-09-09");
        // Across a year boundary: 2025-01-01 was a Wednesday.
        assert_eq!(week_start("2025-01-01"), "2024-12-30");
        assert_eq!(week_start("1970-01-01"), "1969-12-29");
    }

    #[test]
    fn round_trip_over_many_days() {
        // Years 0000 to 9999, the ones a four-digit day string can name.
        for n in -719_468..2_932_896i64 {
            if n % 97 != 0 {
                continue;
            }
            let s = day_from_number(n);
            assert_eq!(day_number(&s), Some(n), "{s}");
            assert_eq!(day_of(n * MS_PER_DAY + 12345), s);
        }
        assert_eq!(add_days("2024-02-28", 2).as_deref(), Some("2024-03-01"));
        assert_eq!(add_days("2024-03-01", -1).as_deref(), Some("2024-02-29"));
        assert_eq!(month_name(9), "September");
        assert_eq!(month_name(0), "");
        assert_eq!(month_of("2024-09-30"), Some(9));
    }
}
