//! Calendar arithmetic and the RFC 3339 forms `metav1.Time` (`2006-01-02T15:04:05Z`) and
//! `metav1.MicroTime` (`2006-01-02T15:04:05.000000Z`) marshal to, shared by every component that prints or
//! parses API times. Formatting writes digits directly: it runs for every object the apiserver creates.

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(month) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date (year, month 1–12, day 1–31) of `days` since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Days in `month` (1–12) of `year`, proleptic Gregorian.
pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Appends `v` as exactly `width` decimal digits (the low ones, zero-padded).
fn push_digits(out: &mut String, mut v: u64, width: usize) {
    let mut buf = [b'0'; 20];
    for slot in buf[..width].iter_mut().rev() {
        *slot = b'0' + (v % 10) as u8;
        v /= 10;
    }
    // ASCII digits only.
    out.push_str(std::str::from_utf8(&buf[..width]).unwrap_or_default());
}

/// Unix seconds in UTC as `2006-01-02T15:04:05Z`, or with `micros` as `2006-01-02T15:04:05.000000Z`. Years
/// outside 0–9999 print with as many digits as they need (Go refuses to marshal them; callers check).
pub fn rfc3339(seconds: i64, micros: Option<u32>) -> String {
    let mut out = String::with_capacity(27);
    let (y, m, d) = civil_from_days(seconds.div_euclid(86_400));
    let secs = seconds.rem_euclid(86_400) as u64;
    if (0..=9999).contains(&y) {
        push_digits(&mut out, y as u64, 4);
    } else {
        out.push_str(&format!("{y:04}"));
    }
    out.push('-');
    push_digits(&mut out, m.into(), 2);
    out.push('-');
    push_digits(&mut out, d.into(), 2);
    out.push('T');
    push_digits(&mut out, secs / 3600, 2);
    out.push(':');
    push_digits(&mut out, secs / 60 % 60, 2);
    out.push(':');
    push_digits(&mut out, secs % 60, 2);
    if let Some(us) = micros {
        out.push('.');
        push_digits(&mut out, us.min(999_999).into(), 6);
    }
    out.push('Z');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_go() {
        assert_eq!(rfc3339(0, None), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000, None), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(1_700_000_000, Some(42)), "2023-11-14T22:13:20.000042Z");
        assert_eq!(rfc3339(-1, None), "1969-12-31T23:59:59Z");
        assert_eq!(rfc3339(-62_167_219_200, None), "0000-01-01T00:00:00Z");
        assert_eq!(rfc3339(253_402_300_799, Some(999_999)), "9999-12-31T23:59:59.999999Z");
        assert_eq!(rfc3339(253_402_300_800, None), "10000-01-01T00:00:00Z");
    }

    #[test]
    fn calendar_round_trips() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert!(d >= 1 && d <= days_in_month(y, m), "{y}-{m}-{d}");
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2024, 2, 29), 19_782);
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(1900, 2), 28);
    }
}
