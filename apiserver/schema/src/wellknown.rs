//! JSON forms of the well-known values: RFC 3339 times, Go duration strings, base64 bytes.

use ferrokube_apimachinery::time::{days_from_civil, days_in_month};

/// Unix seconds of 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the times Go prints as JSON.
pub(crate) const MIN_TIME_SECONDS: i64 = -62_167_219_200;
pub(crate) const MAX_TIME_SECONDS: i64 = 253_402_300_799;

/// Formats Unix seconds (and nanoseconds) in UTC: `2006-01-02T15:04:05Z`, or with `micros` six
/// fractional digits `2006-01-02T15:04:05.000000Z`.
pub(crate) fn format_time(seconds: i64, nanos: i32, micros: bool) -> String {
    let us = micros.then(|| (nanos.clamp(0, 999_999_999) / 1000) as u32);
    ferrokube_apimachinery::time::rfc3339(seconds, us)
}

/// Parses an RFC 3339 time (`2006-01-02T15:04:05.999999999Z07:00`) into Unix seconds and nanoseconds.
pub(crate) fn parse_time(s: &str) -> Result<(i64, i32), &'static str> {
    let b = s.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Result<u32, &'static str> {
        let part = b.get(range).ok_or("too short")?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return Err("expected digits");
        }
        Ok(part.iter().fold(0u32, |a, &c| a * 10 + u32::from(c - b'0')))
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') || b[13] != b':' || b[16] != b':' {
        return Err("not RFC 3339");
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(i64::from(y), mo) || h > 23 || mi > 59 || sec > 59 {
        return Err("field out of range");
    }
    let mut i = 19;
    let mut nanos: u32 = 0;
    if b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 9 {
                nanos = nanos * 10 + u32::from(b[i] - b'0');
            }
            i += 1;
        }
        if i == start {
            return Err("empty fraction");
        }
        for _ in (i - start).min(9)..9 {
            nanos *= 10;
        }
    }
    let offset: i64 = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) if i + 6 == b.len() && b[i + 3] == b':' => {
            let (oh, om) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
            if oh > 23 || om > 59 {
                return Err("offset out of range");
            }
            let o = i64::from(oh * 3600 + om * 60);
            if sign == b'-' { -o } else { o }
        }
        _ => return Err("bad time zone"),
    };
    let days = days_from_civil(i64::from(y), mo, d);
    let seconds = days * 86400 + i64::from(h * 3600 + mi * 60 + sec) - offset;
    Ok((seconds, nanos as i32))
}

/// Writes `v`'s last `prec` decimal digits as a fraction without trailing zeros; returns `v / 10^prec`.
fn frac(out: &mut String, v: u64, prec: u32) -> u64 {
    let scale = 10u64.pow(prec);
    let f = v % scale;
    if f != 0 {
        let digits = format!("{f:0width$}", width = prec as usize);
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
    v / scale
}

/// Formats nanoseconds as Go's `time.Duration.String()`: `1h0m0s`, `1.5s`, `100ms`, `0s`.
pub(crate) fn format_duration(d: i64) -> String {
    if d == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    if d < 0 {
        out.push('-');
    }
    let u = d.unsigned_abs();
    if u < 1_000_000_000 {
        let (prec, unit) = if u < 1_000 {
            (0, "ns")
        } else if u < 1_000_000 {
            (3, "µs")
        } else {
            (6, "ms")
        };
        let mut f = String::new();
        let whole = frac(&mut f, u, prec);
        out.push_str(&format!("{whole}{f}{unit}"));
        return out;
    }
    let mut f = String::new();
    let secs = frac(&mut f, u, 9);
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        out.push_str(&format!("{h}h{m}m"));
    } else if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    out.push_str(&format!("{s}{f}s"));
    out
}

/// Parses a Go duration string (`1h30m`, `-1.5s`, `300ms`, `0`) into nanoseconds.
pub(crate) fn parse_duration(s: &str) -> Option<i64> {
    ferrokube_apimachinery::time::parse_go_duration(s).ok()
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding, as Go's encoding/json writes `[]byte`.
pub(crate) fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        out.push(B64[(n >> 18) as usize & 63] as char);
        out.push(B64[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            B64[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            B64[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// Decodes standard base64 (padding required, CR/LF ignored as Go does).
pub(crate) fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let clean: Vec<u8> = s.bytes().filter(|&c| c != b'\r' && c != b'\n').collect();
    if !clean.len().is_multiple_of(4) {
        return None;
    }
    let val = |c: u8| -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    };
    let mut out = Vec::with_capacity(clean.len() / 4 * 3);
    let chunks = clean.len() / 4;
    for (i, q) in clean.chunks(4).enumerate() {
        let pad = q.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && i + 1 != chunks) {
            return None;
        }
        let mut n = 0u32;
        for &c in &q[..4 - pad] {
            n = (n << 6) | val(c)?;
        }
        n <<= 6 * pad as u32;
        out.push((n >> 16) as u8);
        if pad < 2 {
            out.push((n >> 8) as u8);
        }
        if pad < 1 {
            out.push(n as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_format_and_parse() {
        assert_eq!(format_time(0, 0, false), "1970-01-01T00:00:00Z");
        assert_eq!(format_time(1_700_000_000, 123_456_789, false), "2023-11-14T22:13:20Z");
        assert_eq!(
            format_time(1_700_000_000, 123_456_789, true),
            "2023-11-14T22:13:20.123456Z"
        );
        assert_eq!(parse_time("2023-11-14T22:13:20Z"), Ok((1_700_000_000, 0)));
        assert_eq!(parse_time("2023-11-14T22:13:20.5Z"), Ok((1_700_000_000, 500_000_000)));
        assert_eq!(parse_time("2023-11-15T00:13:20+02:00"), Ok((1_700_000_000, 0)));
        assert_eq!(
            parse_time("2024-02-29T00:00:00Z")
                .map(|t| format_time(t.0, 0, false))
                .unwrap(),
            "2024-02-29T00:00:00Z"
        );
        assert!(parse_time("2023-02-29T00:00:00Z").is_err());
        assert!(parse_time("yesterday").is_err());
        assert!(parse_time("2023-11-14T22:13:20").is_err());
        assert_eq!(format_time(-1, 0, false), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn durations_match_go() {
        let cases = [
            (0, "0s"),
            (1, "1ns"),
            (1_100, "1.1µs"),
            (2_200_000, "2.2ms"),
            (1_500_000_000, "1.5s"),
            (90_000_000_000, "1m30s"),
            (3_600_000_000_000, "1h0m0s"),
            (-3_723_000_000_000, "-1h2m3s"),
        ];
        for (n, s) in cases {
            assert_eq!(format_duration(n), s);
            assert_eq!(parse_duration(s), Some(n), "{s}");
        }
        assert_eq!(parse_duration("1h30m"), Some(5_400_000_000_000));
        assert_eq!(parse_duration("300us"), Some(300_000));
        assert_eq!(parse_duration("0"), Some(0));
        assert_eq!(parse_duration("5"), None);
        assert_eq!(parse_duration("1x"), None);
        assert_eq!(parse_duration(""), None);
        assert_eq!(parse_duration("99999999999h"), None);
    }

    #[test]
    fn base64_round_trips() {
        for data in [&b""[..], b"f", b"fo", b"foo", b"foob", b"\x00\xff\x10"] {
            let s = base64_encode(data);
            assert_eq!(base64_decode(&s).as_deref(), Some(data));
        }
        assert_eq!(base64_encode(b"foob"), "Zm9vYg==");
        assert_eq!(base64_decode("Zm9v\nYg=="), Some(b"foob".to_vec()));
        assert_eq!(base64_decode("Zm9"), None);
        assert_eq!(base64_decode("Zm=v"), None);
        assert_eq!(base64_decode("Z!9v"), None);
    }
}
