//! Cron schedule parsing with the standard five-field grammar and descriptors (`@hourly`,
//! `@every 1h30m`) of the cron library upstream uses, and its error messages.

/// Why a schedule does not parse; the messages are the cron library's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CronError {
    /// An empty schedule.
    #[error("empty spec string")]
    Empty,
    /// A `TZ=`/`CRON_TZ=` prefix without a schedule after it.
    #[error("provided bad location {0}: unknown time zone {0}")]
    BadLocation(String),
    /// An `@` word that is not a known descriptor.
    #[error("unrecognized descriptor: {0}")]
    UnknownDescriptor(String),
    /// `@every` with a bad duration.
    #[error("failed to parse duration {descriptor}: {reason}")]
    Duration {
        /// The whole descriptor.
        descriptor: String,
        /// Go's `time.ParseDuration` error.
        reason: String,
    },
    /// Not exactly five fields.
    #[error("expected exactly 5 fields, found {count}: [{fields}]")]
    FieldCount {
        /// How many fields were found.
        count: usize,
        /// The fields, space-separated.
        fields: String,
    },
    /// A field that does not parse; the message is the library's.
    #[error("{0}")]
    Field(String),
}

struct Bounds {
    min: u32,
    max: u32,
    names: &'static [(&'static str, u32)],
}

const MONTHS: &[(&str, u32)] = &[
    ("jan", 1),
    ("feb", 2),
    ("mar", 3),
    ("apr", 4),
    ("may", 5),
    ("jun", 6),
    ("jul", 7),
    ("aug", 8),
    ("sep", 9),
    ("oct", 10),
    ("nov", 11),
    ("dec", 12),
];
const DAYS: &[(&str, u32)] = &[
    ("sun", 0),
    ("mon", 1),
    ("tue", 2),
    ("wed", 3),
    ("thu", 4),
    ("fri", 5),
    ("sat", 6),
];
const FIELDS: [Bounds; 5] = [
    Bounds {
        min: 0,
        max: 59,
        names: &[],
    },
    Bounds {
        min: 0,
        max: 23,
        names: &[],
    },
    Bounds {
        min: 1,
        max: 31,
        names: &[],
    },
    Bounds {
        min: 1,
        max: 12,
        names: MONTHS,
    },
    Bounds {
        min: 0,
        max: 6,
        names: DAYS,
    },
];

/// Checks `spec` as the cron library's `ParseStandard` does.
pub fn parse_standard(spec: &str) -> Result<(), CronError> {
    if spec.is_empty() {
        return Err(CronError::Empty);
    }
    let mut spec = spec;
    if spec.starts_with("TZ=") || spec.starts_with("CRON_TZ=") {
        let eq = spec.find('=').unwrap_or(0);
        let Some(space) = spec.find(' ') else {
            return Err(CronError::BadLocation(spec[eq + 1..].to_string()));
        };
        let zone = &spec[eq + 1..space];
        if !plausible_zone(zone) {
            return Err(CronError::BadLocation(zone.to_string()));
        }
        spec = spec[space..].trim();
    }
    if spec.starts_with('@') {
        return parse_descriptor(spec);
    }
    let fields: Vec<&str> = spec.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(CronError::FieldCount {
            count: fields.len(),
            fields: fields.join(" "),
        });
    }
    for (f, bounds) in fields.iter().zip(FIELDS.iter()) {
        for expr in f.split(',') {
            parse_range(expr, bounds)?;
        }
    }
    Ok(())
}

fn plausible_zone(zone: &str) -> bool {
    !zone.is_empty()
        && zone != "Local"
        && zone
            .split('/')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || "_-+".contains(c)))
}

fn parse_descriptor(d: &str) -> Result<(), CronError> {
    match d {
        "@yearly" | "@annually" | "@monthly" | "@weekly" | "@daily" | "@midnight" | "@hourly" => Ok(()),
        _ => match d.strip_prefix("@every ") {
            Some(dur) => ferrokube_apimachinery::time::parse_go_duration(dur)
                .map(|_| ())
                .map_err(|reason| CronError::Duration {
                    descriptor: d.to_string(),
                    reason,
                }),
            None => Err(CronError::UnknownDescriptor(d.to_string())),
        },
    }
}

fn parse_range(expr: &str, b: &Bounds) -> Result<(), CronError> {
    let range_and_step: Vec<&str> = expr.split('/').collect();
    let low_high: Vec<&str> = range_and_step[0].split('-').collect();
    let single = low_high.len() == 1;
    let (start, mut end) = if low_high[0] == "*" || low_high[0] == "?" {
        (b.min, b.max)
    } else {
        let start = parse_int_or_name(low_high[0], b)?;
        let end = match low_high.len() {
            1 => start,
            2 => parse_int_or_name(low_high[1], b)?,
            _ => return Err(CronError::Field(format!("too many hyphens: {expr}"))),
        };
        (start, end)
    };
    let step = match range_and_step.len() {
        1 => 1,
        2 => {
            let step = must_parse_int(range_and_step[1])?;
            if single {
                end = b.max;
            }
            step
        }
        _ => return Err(CronError::Field(format!("too many slashes: {expr}"))),
    };
    if start < b.min {
        return Err(CronError::Field(format!(
            "beginning of range ({start}) below minimum ({}): {expr}",
            b.min
        )));
    }
    if end > b.max {
        return Err(CronError::Field(format!(
            "end of range ({end}) above maximum ({}): {expr}",
            b.max
        )));
    }
    if start > end {
        return Err(CronError::Field(format!(
            "beginning of range ({start}) beyond end of range ({end}): {expr}"
        )));
    }
    if step == 0 {
        return Err(CronError::Field(format!(
            "step of range should be a positive number: {expr}"
        )));
    }
    Ok(())
}

fn parse_int_or_name(expr: &str, b: &Bounds) -> Result<u32, CronError> {
    let lower = expr.to_lowercase();
    if let Some((_, n)) = b.names.iter().find(|(name, _)| *name == lower) {
        return Ok(*n);
    }
    must_parse_int(expr)
}

fn must_parse_int(expr: &str) -> Result<u32, CronError> {
    let digits = expr.strip_prefix(['+', '-']).unwrap_or(expr);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err(CronError::Field(format!(
            "failed to parse int from {expr}: strconv.Atoi: parsing {}: invalid syntax",
            ferrokube_apimachinery::status::go_quote(expr)
        )));
    }
    let Ok(n) = expr.parse::<i64>() else {
        return Err(CronError::Field(format!(
            "failed to parse int from {expr}: strconv.Atoi: parsing {}: value out of range",
            ferrokube_apimachinery::status::go_quote(expr)
        )));
    };
    if n < 0 {
        return Err(CronError::Field(format!("negative number ({n}) not allowed: {expr}")));
    }
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_schedules() {
        for s in [
            "*/5 * * * *",
            "0 0 * * 0",
            "@hourly",
            "@every 1h30m",
            "0 9 1-15 jan,jun mon-fri",
            "? * * * *",
        ] {
            assert_eq!(parse_standard(s), Ok(()), "{s}");
        }
    }

    #[test]
    fn invalid_schedules() {
        assert_eq!(
            parse_standard("").map_err(|e| e.to_string()),
            Err("empty spec string".into())
        );
        assert_eq!(
            parse_standard("* * *").map_err(|e| e.to_string()),
            Err("expected exactly 5 fields, found 3: [* * *]".into())
        );
        assert_eq!(
            parse_standard("61 * * * *").map_err(|e| e.to_string()),
            Err("end of range (61) above maximum (59): 61".into())
        );
        assert_eq!(
            parse_standard("x * * * *").map_err(|e| e.to_string()),
            Err("failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax".into())
        );
        assert_eq!(
            parse_standard("@fortnightly").map_err(|e| e.to_string()),
            Err("unrecognized descriptor: @fortnightly".into())
        );
        assert_eq!(
            parse_standard("@every 5").map_err(|e| e.to_string()),
            Err("failed to parse duration @every 5: time: missing unit in duration \"5\"".into())
        );
        assert_eq!(
            parse_standard("0 0 0 * *").map_err(|e| e.to_string()),
            Err("beginning of range (0) below minimum (1): 0".into())
        );
    }
}
