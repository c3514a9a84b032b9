//! Go-style human durations as upstream's `k8s.io/apimachinery/pkg/util/duration` prints them.

/// Nanoseconds per second, minute and hour.
const SECOND: i128 = 1_000_000_000;
const MINUTE: i128 = 60 * SECOND;
const HOUR: i128 = 60 * MINUTE;

/// Whole seconds of `nanos`, truncated toward zero as Go's `int(d.Seconds())`.
fn whole_seconds(nanos: i128) -> i128 {
    nanos / SECOND
}

/// A duration in nanoseconds clamped to Go's `time.Duration` (int64) range.
fn clamp(nanos: i128) -> i128 {
    nanos.clamp(i64::MIN as i128, i64::MAX as i128)
}

/// Upstream's `duration.HumanDuration`: two to three significant figures (`5m30s`, `3h10m`, `6d2h`,
/// `2y45d`); `0s` for up to two seconds in the future and `<invalid>` beyond that.
pub fn human_duration(nanos: i128) -> String {
    let d = clamp(nanos);
    let seconds = whole_seconds(d);
    if seconds < -1 {
        return "<invalid>".into();
    }
    if seconds < 0 {
        return "0s".into();
    }
    if seconds < 120 {
        return format!("{seconds}s");
    }
    let minutes = d / MINUTE;
    if minutes < 10 {
        let s = (d / SECOND) % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = d / HOUR;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let days = (hours / 24) % 365;
        return if days == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{days}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

/// Upstream's `duration.ShortHumanDuration`: one unit only (`45s`, `12m`, `5h`, `3d`, `2y`).
pub fn short_human_duration(nanos: i128) -> String {
    let d = clamp(nanos);
    let seconds = whole_seconds(d);
    if seconds < -1 {
        return "<invalid>".into();
    }
    if seconds < 0 {
        return "0s".into();
    }
    if seconds < 60 {
        return format!("{seconds}s");
    }
    let minutes = d / MINUTE;
    if minutes < 60 {
        return format!("{minutes}m");
    }
    let hours = d / HOUR;
    if hours < 24 {
        return format!("{hours}h");
    }
    if hours < 24 * 365 {
        return format!("{}d", hours / 24);
    }
    format!("{}y", hours / 24 / 365)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: i128) -> i128 {
        secs * SECOND
    }

    #[test]
    fn human_duration_matches_upstream_table() {
        let cases: &[(i128, &str)] = &[
            (s(1), "1s"),
            (s(70), "70s"),
            (s(119), "119s"),
            (s(120), "2m"),
            (s(190), "3m10s"),
            (s(600), "10m"),
            (s(60 * 47), "47m"),
            (s(60 * 179), "179m"),
            (s(3 * 3600), "3h"),
            (s(3 * 3600 + 60 * 10), "3h10m"),
            (s(4 * 3600 + 59), "4h"),
            (s(8 * 3600), "8h"),
            (s(47 * 3600 + 59 * 60), "47h"),
            (s(48 * 3600), "2d"),
            (s(48 * 3600 + 3600 * 5), "2d5h"),
            (s(7 * 86400 + 23 * 3600), "7d23h"),
            (s(8 * 86400), "8d"),
            (s(729 * 86400), "729d"),
            (s(730 * 86400), "2y"),
            (s(800 * 86400), "2y70d"),
            (s(365 * 8 * 86400), "8y"),
            (s(365 * 9 * 86400 + 200 * 86400), "9y"),
        ];
        for (d, want) in cases {
            assert_eq!(human_duration(*d), *want, "for {d}ns");
        }
    }

    #[test]
    fn near_zero_and_negative_durations() {
        assert_eq!(human_duration(0), "0s");
        assert_eq!(human_duration(-SECOND / 2), "0s");
        assert_eq!(human_duration(-SECOND), "0s");
        assert_eq!(human_duration(-SECOND - SECOND / 2), "0s");
        assert_eq!(human_duration(-2 * SECOND), "<invalid>");
        assert_eq!(short_human_duration(-2 * SECOND), "<invalid>");
        assert_eq!(short_human_duration(-SECOND), "0s");
    }

    #[test]
    fn short_human_duration_uses_one_unit() {
        assert_eq!(short_human_duration(s(59)), "59s");
        assert_eq!(short_human_duration(s(60)), "1m");
        assert_eq!(short_human_duration(s(3599)), "59m");
        assert_eq!(short_human_duration(s(3600 * 23)), "23h");
        assert_eq!(short_human_duration(s(86400 * 364)), "364d");
        assert_eq!(short_human_duration(s(86400 * 365 * 3)), "3y");
    }

    #[test]
    fn durations_beyond_go_range_saturate() {
        assert_eq!(human_duration(i128::MAX), "292y");
    }
}
