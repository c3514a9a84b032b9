//! RFC 3339 timestamps from API objects, as nanoseconds since the Unix epoch, and their ages.

use std::time::{SystemTime, UNIX_EPOCH};

use ferrokube_apimachinery::time::{days_from_civil, days_in_month, rfc3339};
use serde_json::Value;

use crate::duration::human_duration;

/// Nanoseconds in one second.
const NANOS_PER_SECOND: i128 = 1_000_000_000;

/// Go's zero `time.Time` (0001-01-01T00:00:00Z) in nanoseconds since the Unix epoch.
const GO_ZERO_NANOS: i128 = -62_135_596_800 * NANOS_PER_SECOND;

/// A parsed API timestamp (`metav1.Time` or `metav1.MicroTime`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp {
    nanos: i128,
}

impl Timestamp {
    /// The timestamp at `nanos` nanoseconds after the Unix epoch.
    pub fn from_unix_nanos(nanos: i128) -> Self {
        Timestamp { nanos }
    }

    /// Nanoseconds since the Unix epoch (negative before it).
    pub fn unix_nanos(self) -> i128 {
        self.nanos
    }

    /// Go's zero time, which an absent or `null` timestamp decodes to.
    pub fn zero() -> Self {
        Timestamp { nanos: GO_ZERO_NANOS }
    }

    /// Whether this is Go's zero time (`IsZero`).
    pub fn is_zero(self) -> bool {
        self.nanos == GO_ZERO_NANOS
    }

    /// `now` as a timestamp.
    pub fn from_system_time(now: SystemTime) -> Self {
        let nanos = match now.duration_since(UNIX_EPOCH) {
            Ok(d) => d.as_nanos() as i128,
            Err(e) => -(e.duration().as_nanos() as i128),
        };
        Timestamp { nanos }
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; `None` when malformed.
    pub fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') || b[13] != b':' {
            return None;
        }
        if b[16] != b':' {
            return None;
        }
        let num = |from: usize, to: usize| -> Option<i64> {
            let part = s.get(from..to)?;
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            part.parse().ok()
        };
        let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
        let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
        let (month, day) = (u32::try_from(month).ok()?, u32::try_from(day).ok()?);
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let mut rest = &s[19..];
        let mut frac_nanos: i128 = 0;
        if let Some(after_dot) = rest.strip_prefix('.') {
            let digits = after_dot.bytes().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                return None;
            }
            let frac = &after_dot[..digits];
            for (i, c) in frac.bytes().enumerate().take(9) {
                frac_nanos += i128::from(c - b'0') * 10i128.pow(8 - i as u32);
            }
            rest = &after_dot[digits..];
        }
        let offset_seconds: i64 = match rest {
            "Z" | "z" => 0,
            _ => {
                let ob = rest.as_bytes();
                if ob.len() != 6 || ob[3] != b':' || !matches!(ob[0], b'+' | b'-') {
                    return None;
                }
                let oh: i64 = rest.get(1..3)?.parse().ok()?;
                let om: i64 = rest.get(4..6)?.parse().ok()?;
                if oh > 23 || om > 59 {
                    return None;
                }
                let sign = if ob[0] == b'-' { -1 } else { 1 };
                sign * (oh * 3600 + om * 60)
            }
        };
        let days = days_from_civil(year, month, day);
        let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
        Some(Timestamp {
            nanos: i128::from(secs) * NANOS_PER_SECOND + frac_nanos,
        })
    }

    /// Reads a timestamp field: absent, `null` or malformed values are Go's zero time.
    pub fn from_value(v: Option<&Value>) -> Self {
        v.and_then(Value::as_str)
            .and_then(Timestamp::parse)
            .unwrap_or_else(Timestamp::zero)
    }

    /// RFC 3339 in UTC with whole seconds, as Go's `Format(time.RFC3339)` after `UTC()`.
    pub fn to_rfc3339(self) -> String {
        rfc3339(self.nanos.div_euclid(NANOS_PER_SECOND) as i64, None)
    }
}

/// Upstream's `translateTimestampSince`: `<unknown>` for the zero time, otherwise the
/// human duration from `ts` to `now`.
pub fn since(ts: Timestamp, now: Timestamp) -> String {
    if ts.is_zero() {
        return "<unknown>".into();
    }
    human_duration(now.nanos - ts.nanos)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_utc_fraction_and_offsets() {
        let t = Timestamp::parse("2024-03-01T12:00:00Z").unwrap();
        assert_eq!(t.unix_nanos(), 1_709_294_400 * NANOS_PER_SECOND);
        let micro = Timestamp::parse("2024-03-01T12:00:00.250000Z").unwrap();
        assert_eq!(micro.unix_nanos() - t.unix_nanos(), 250_000_000);
        let offset = Timestamp::parse("2024-03-01T14:00:00+02:00").unwrap();
        assert_eq!(offset, t);
        assert_eq!(Timestamp::parse("1970-01-01T00:00:00Z").unwrap().unix_nanos(), 0);
    }

    #[test]
    fn rejects_malformed_timestamps() {
        for bad in [
            "",
            "2024-03-01",
            "2024-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-03-01T00:00:00",
            "x",
        ] {
            assert!(Timestamp::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn zero_time_round_trips_and_reads_as_unknown() {
        assert!(Timestamp::parse("0001-01-01T00:00:00Z").unwrap().is_zero());
        assert_eq!(Timestamp::zero().to_rfc3339(), "0001-01-01T00:00:00Z");
        assert!(Timestamp::from_value(Some(&json!(null))).is_zero());
        assert!(Timestamp::from_value(None).is_zero());
        let now = Timestamp::parse("2024-03-01T12:00:00Z").unwrap();
        assert_eq!(since(Timestamp::zero(), now), "<unknown>");
    }

    #[test]
    fn formats_rfc3339_in_utc() {
        let t = Timestamp::parse("2024-02-29T23:30:05.9-01:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2024-03-01T00:30:05Z");
    }

    #[test]
    fn since_reports_ages() {
        let created = Timestamp::parse("2024-03-01T12:00:00Z").unwrap();
        let now = Timestamp::parse("2024-03-01T12:05:30Z").unwrap();
        assert_eq!(since(created, now), "5m30s");
        assert_eq!(since(now, created), "<invalid>");
    }
}
