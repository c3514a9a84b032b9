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

/// Go's `time.ParseDuration` (`1h30m`, `-1.5s`, `300ms`, `0`): nanoseconds, or Go's error text
/// (`time: invalid duration "x"`, `time: missing unit in duration "5"`, `time: unknown unit "d" in
/// duration "1d"`). Exact in integers, as Go's is; over 2^63 ns is invalid.
pub fn parse_go_duration(s: &str) -> Result<i64, String> {
    let quoted = crate::gostr::go_quote(s);
    let invalid = || format!("time: invalid duration {quoted}");
    let (negative, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let int_end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        let int_part = &rest[..int_end];
        rest = &rest[int_end..];
        let mut frac_part = "";
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
            frac_part = &r[..end];
            rest = &r[end..];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(invalid());
        }
        let unit_end = rest
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit_name = &rest[..unit_end];
        let unit: u128 = match unit_name {
            "" => return Err(format!("time: missing unit in duration {quoted}")),
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {quoted}",
                    crate::gostr::go_quote(unit_name)
                ));
            }
        };
        rest = &rest[unit_end..];
        let whole: u128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| invalid())?
        };
        let mut value = whole.checked_mul(unit).ok_or_else(invalid)?;
        let mut scale = unit;
        for c in frac_part.bytes() {
            scale /= 10;
            if scale == 0 {
                break;
            }
            value += u128::from(c - b'0') * scale;
        }
        total = total.checked_add(value).ok_or_else(invalid)?;
        if total > 1u128 << 63 {
            return Err(invalid());
        }
    }
    if negative {
        i64::try_from(-(total as i128)).map_err(|_| invalid())
    } else {
        i64::try_from(total).map_err(|_| invalid())
    }
}

/// A non-negative Go duration as a `std::time::Duration` (flags and config fields such as `10s`, `5m0s`).
pub fn parse_go_duration_std(s: &str) -> Result<std::time::Duration, String> {
    let ns = parse_go_duration(s)?;
    u64::try_from(ns)
        .map(std::time::Duration::from_nanos)
        .map_err(|_| format!("negative duration {}", crate::gostr::go_quote(s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_parse_exactly_with_gos_errors() {
        for (s, n) in [
            ("0", 0),
            ("1h30m", 5_400_000_000_000),
            ("1h0m0s", 3_600_000_000_000),
            ("1.5h", 5_400_000_000_000),
            ("-1.5s", -1_500_000_000),
            ("+300us", 300_000),
            ("2µs", 2_000),
            ("500ms", 500_000_000),
            (".5s", 500_000_000),
            ("1.000000001s", 1_000_000_001),
        ] {
            assert_eq!(parse_go_duration(s), Ok(n), "{s}");
        }
        assert_eq!(
            parse_go_duration("5"),
            Err("time: missing unit in duration \"5\"".to_string())
        );
        assert_eq!(
            parse_go_duration("1d"),
            Err("time: unknown unit \"d\" in duration \"1d\"".to_string())
        );
        for bad in ["", "h", ".s", "-", "99999999999h", "1x2"] {
            assert!(parse_go_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_go_duration_std("10s"), Ok(std::time::Duration::from_secs(10)));
        assert!(parse_go_duration_std("-1s").is_err());
    }

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
