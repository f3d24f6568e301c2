//! Small pure helpers: calendar dates from Unix time, relative ages.

/// `YYYY-MM-DD` of a Unix time shifted by `offset_minutes` (the commit's own time zone).
pub fn date(seconds: i64, offset_minutes: i32) -> String {
    let local = seconds + i64::from(offset_minutes) * 60;
    let (y, m, d) = civil_from_days(local.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DD HH:MM +ZZZZ`, as a log line shows a time.
pub fn date_time(seconds: i64, offset_minutes: i32) -> String {
    let local = seconds + i64::from(offset_minutes) * 60;
    let secs = local.rem_euclid(86_400);
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let off = offset_minutes.unsigned_abs();
    format!(
        "{} {:02}:{:02} {sign}{:02}{:02}",
        date(seconds, offset_minutes),
        secs / 3600,
        secs % 3600 / 60,
        off / 60,
        off % 60
    )
}

/// `YYYY-MM-DDTHH:MM:SSZ` of a Unix time.
pub fn iso_time(seconds: i64) -> String {
    let secs = seconds.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        date(seconds, 0),
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// How long ago `then` was at `now`, in the largest whole unit: "3 days", "2 months".
pub fn age(then: i64, now: i64) -> String {
    let s = (now - then).max(0);
    let (n, unit) = match s {
        0..=59 => (s, "second"),
        60..=3_599 => (s / 60, "minute"),
        3_600..=86_399 => (s / 3_600, "hour"),
        86_400..=2_591_999 => (s / 86_400, "day"),
        2_592_000..=31_535_999 => (s / 2_592_000, "month"),
        _ => (s / 31_536_000, "year"),
    };
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// Midnight UTC of a proleptic Gregorian date, in Unix time; `None` for a month or day out
/// of range.
pub fn unix_day(y: i64, m: i64, d: i64) -> Option<i64> {
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some((era * 146_097 + doe - 719_468) * 86_400)
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day); Howard Hinnant's method.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_follow_the_calendar() {
        assert_eq!(date(0, 0), "1970-01-01");
        assert_eq!(date(951_782_400, 0), "2000-02-29");
        assert_eq!(date(1_798_761_599, 0), "2026-12-31");
        assert_eq!(date(1_798_761_599, 60), "2027-01-01");
        assert_eq!(date_time(1_112_911_993, -420), "2005-04-07 15:13 -0700");
    }

    #[test]
    fn ages_use_the_largest_unit() {
        assert_eq!(age(0, 59), "59 seconds");
        assert_eq!(age(0, 3_600), "1 hour");
        assert_eq!(age(0, 86_400 * 3), "3 days");
        assert_eq!(age(10, 0), "0 seconds");
    }
}
