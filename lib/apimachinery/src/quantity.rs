//! Resource quantities (`resource.Quantity`): upstream's grammar, exact decimal values and canonical strings.
//!
//! A [`Quantity`] is `mantissa × 10^exponent` with an `i128` mantissa: no floating point is ever
//! used for a value. Parsing follows `ParseQuantity` step by step: the scanner and its error
//! messages, rounding of anything finer than a nano *away from zero* (`0.9n` → `1n`), the cap of
//! binary-SI quantities at 2^63-1 (`8Ei` → `9223372036854775807`), and the reuse of the input
//! string when upstream considers it canonical (`1.441`, `+1`, `1E3` and `100e3` print as given).
//! `Display` is upstream's `String()`: the cached input, or the canonical form (`1000m` → `1`,
//! `1.5Gi` → `1536Mi`, `1e100` → `10e99`, `1000E` → `1e21`).
//!
//! Limits compared with upstream's arbitrary-precision fallback: a parsed value needs at most 38
//! significant digits (longer ones fail with "unable to parse numeric part of quantity"), and
//! arithmetic is checked (`checked_add` returns `None` where an exact result needs more digits).
//! Integer accessors (`value`, `milli_value`) round away from zero and saturate instead of
//! overflowing; upstream's inf.Dec-backed quantities round negative fractions towards +∞ instead.

use std::cmp::Ordering;
use std::fmt::{self, Write as _};
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How a quantity prints (`resource.Format`); kept from the suffix it was parsed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// `12e6`.
    DecimalExponent,
    /// `12Mi` (powers of 1024).
    BinarySI,
    /// `12M` (powers of 1000).
    DecimalSI,
}

/// Why a string is not a quantity; the messages are upstream's `ErrFormatWrong`, `ErrNumeric`
/// and `ErrSuffix`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    /// The string does not scan as number + suffix.
    #[error("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")]
    FormatWrong,
    /// The number does not fit (here: more than 38 significant digits).
    #[error("unable to parse numeric part of quantity")]
    Numeric,
    /// The suffix is not one of the known ones.
    #[error("unable to parse quantity's suffix")]
    Suffix,
}

/// A fixed-point quantity such as `500m`, `1Gi` or `1e3` (`resource.Quantity`).
///
/// Equality, ordering and hashing compare values: `1` == `1000m` == `1e0`.
#[derive(Debug, Clone)]
pub struct Quantity {
    /// Never `i128::MIN`, so negation cannot overflow.
    mantissa: i128,
    exponent: i32,
    format: Format,
    /// The input string, when upstream would print it back verbatim.
    cached: Option<String>,
}

const NANO: i32 = -9;
const SCAN_SUFFIX_CHARS: &[u8] = b"eEinumkKMGTP";
const BINARY_SUFFIXES: [&str; 7] = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

impl Default for Quantity {
    /// Zero, in [`Format::DecimalSI`] (Go's zero `Quantity` has no format; a zero's format only
    /// matters through [`Quantity::format`], since adding to a zero adopts the other's format).
    fn default() -> Self {
        Quantity {
            mantissa: 0,
            exponent: 0,
            format: Format::DecimalSI,
            cached: None,
        }
    }
}

struct Scanned<'a> {
    positive: bool,
    /// Integer digits without leading zeros; `"0"` when there are none.
    num: &'a str,
    /// Fractional digits as written.
    denom: &'a str,
    suffix: &'a str,
}

/// Upstream's `parseQuantityString`: sign, digits, optional fraction, then suffix letters
/// followed by an optional signed integer.
fn scan(s: &str) -> Result<Scanned<'_>, QuantityError> {
    let b = s.as_bytes();
    let end = b.len();
    let mut pos = 0;
    let mut positive = true;
    match b.first() {
        Some(b'-') => {
            positive = false;
            pos = 1;
        }
        Some(b'+') => pos = 1,
        _ => {}
    }
    while pos < end && b[pos] == b'0' {
        pos += 1;
    }
    let zero_only = Scanned {
        positive,
        num: "0",
        denom: "",
        suffix: "",
    };
    if pos >= end {
        return Ok(zero_only);
    }
    let num_start = pos;
    while pos < end && b[pos].is_ascii_digit() {
        pos += 1;
    }
    let num = if pos == num_start { "0" } else { &s[num_start..pos] };
    let mut scanned = Scanned {
        positive,
        num,
        denom: "",
        suffix: "",
    };
    if pos >= end {
        return Ok(scanned);
    }
    if b[pos] == b'.' {
        pos += 1;
        let denom_start = pos;
        while pos < end && b[pos].is_ascii_digit() {
            pos += 1;
        }
        scanned.denom = &s[denom_start..pos];
        if pos >= end {
            return Ok(scanned);
        }
    }
    let suffix_start = pos;
    while pos < end && SCAN_SUFFIX_CHARS.contains(&b[pos]) {
        pos += 1;
    }
    if pos < end && (b[pos] == b'-' || b[pos] == b'+') {
        pos += 1;
    }
    while pos < end && b[pos].is_ascii_digit() {
        pos += 1;
    }
    if pos < end {
        return Err(QuantityError::FormatWrong);
    }
    scanned.suffix = &s[suffix_start..];
    Ok(scanned)
}

/// Upstream's suffixer: `(is_binary, exponent, format)`. A decimal exponent is parsed as an
/// int64 and truncated to int32, as upstream does.
fn interpret(suffix: &str) -> Option<(bool, i32, Format)> {
    let decimal = |e| Some((false, e, Format::DecimalSI));
    let binary = |e| Some((true, e, Format::BinarySI));
    match suffix {
        "" => decimal(0),
        "n" => decimal(-9),
        "u" => decimal(-6),
        "m" => decimal(-3),
        "k" => decimal(3),
        "M" => decimal(6),
        "G" => decimal(9),
        "T" => decimal(12),
        "P" => decimal(15),
        "E" => decimal(18),
        "Ki" => binary(10),
        "Mi" => binary(20),
        "Gi" => binary(30),
        "Ti" => binary(40),
        "Pi" => binary(50),
        "Ei" => binary(60),
        _ => {
            let rest = suffix.strip_prefix(['e', 'E'])?;
            let parsed: i64 = rest.parse().ok()?;
            Some((false, parsed as i32, Format::DecimalExponent))
        }
    }
}

fn pow10_u128(n: u32) -> Option<u128> {
    10u128.checked_pow(n)
}

fn pow10_i128(n: u32) -> Option<i128> {
    10i128.checked_pow(n)
}

fn digit_count(v: u128) -> i64 {
    v.checked_ilog10().map_or(1, |d| i64::from(d) + 1)
}

fn strip_zeros(mut m: u128, mut e: i64) -> (u128, i64) {
    if m == 0 {
        return (0, 0);
    }
    // Division and remainder spelled out: `is_multiple_of` is newer than the crate's MSRV.
    loop {
        let (q, r) = (m / 10, m % 10);
        if r != 0 {
            return (m, e);
        }
        m = q;
        e += 1;
    }
}

/// Compares `a × 10^ae` with `b × 10^be` exactly.
fn cmp_magnitude(a: u128, ae: i64, b: u128, be: i64) -> Ordering {
    if a == 0 || b == 0 {
        return a.cmp(&b);
    }
    let (a, ae) = strip_zeros(a, ae);
    let (b, be) = strip_zeros(b, be);
    let (a_top, b_top) = (ae + digit_count(a), be + digit_count(b));
    if a_top != b_top {
        return a_top.cmp(&b_top);
    }
    // Same leading position: the exponent gap equals the digit-count gap, at most 38.
    let scaled_cmp = |x: u128, shift: i64, y: u128| {
        u32::try_from(shift)
            .ok()
            .and_then(pow10_u128)
            .and_then(|p| x.checked_mul(p))
            .map_or(Ordering::Greater, |v| v.cmp(&y))
    };
    if ae >= be {
        scaled_cmp(a, ae - be, b)
    } else {
        scaled_cmp(b, be - ae, a).reverse()
    }
}

fn cmp_values(a: i128, ae: i32, b: i128, be: i32) -> Ordering {
    let (sa, sb) = (a.signum(), b.signum());
    if sa != sb || sa == 0 {
        return sa.cmp(&sb);
    }
    let ord = cmp_magnitude(a.unsigned_abs(), ae.into(), b.unsigned_abs(), be.into());
    if sa < 0 { ord.reverse() } else { ord }
}

/// Digits `num ++ denom` times `10^exp10`, rounded up (away from zero) to a multiple of 10^-9.
fn decimal_digits_to_nano(num: &str, denom: &str, exp10: i64) -> Result<(u128, i64), QuantityError> {
    let all = format!("{num}{denom}");
    let trimmed = all.trim_start_matches('0');
    let digits = trimmed.trim_end_matches('0');
    if digits.is_empty() {
        return Ok((0, 0));
    }
    let mut exp = exp10 + (trimmed.len() - digits.len()) as i64;
    let mut kept = digits;
    let mut round_up = false;
    if exp < i64::from(NANO) {
        let drop = i64::from(NANO) - exp;
        kept = usize::try_from(drop)
            .ok()
            .and_then(|d| digits.len().checked_sub(d))
            .map_or("", |n| &digits[..n]);
        // `digits` ends in a non-zero digit, so dropping any digits drops something non-zero.
        round_up = true;
        exp = i64::from(NANO);
    }
    let mut mag: u128 = 0;
    for d in kept.bytes() {
        mag = mag
            .checked_mul(10)
            .and_then(|m| m.checked_add(u128::from(d - b'0')))
            .ok_or(QuantityError::Numeric)?;
    }
    if round_up {
        mag = mag.checked_add(1).ok_or(QuantityError::Numeric)?;
    }
    Ok((mag, exp))
}

fn signed(positive: bool, mag: u128) -> Result<i128, QuantityError> {
    let m = i128::try_from(mag).map_err(|_| QuantityError::Numeric)?;
    Ok(if positive { m } else { -m })
}

impl Quantity {
    /// Parses `s` exactly as upstream's `ParseQuantity` does (no surrounding whitespace allowed).
    pub fn parse(s: &str) -> Result<Quantity, QuantityError> {
        if s.is_empty() {
            return Err(QuantityError::FormatWrong);
        }
        if s == "0" {
            return Ok(Quantity {
                cached: Some(s.to_string()),
                ..Quantity::default()
            });
        }
        let scanned = scan(s)?;
        let (binary, exponent, format) = interpret(scanned.suffix).ok_or(QuantityError::Suffix)?;
        if binary {
            Self::parse_binary(s, &scanned, exponent)
        } else {
            Self::parse_decimal(s, &scanned, exponent, format)
        }
    }

    fn parse_decimal(s: &str, sc: &Scanned<'_>, exponent: i32, format: Format) -> Result<Quantity, QuantityError> {
        let scale = exponent.wrapping_sub(sc.denom.len() as i32);
        if sc.num.len() + sc.denom.len() <= 18 && scale >= NANO {
            // Upstream's int64 fast path, which keeps the input when it looks canonical.
            // At most 18 digits: the value fits an i64.
            let mut value: i64 = 0;
            for d in sc.num.bytes().chain(sc.denom.bytes()) {
                value = value * 10 + i64::from(d - b'0');
            }
            let leading_zero = sc.num.bytes().chain(sc.denom.bytes()).next() == Some(b'0');
            let trailing_zeros = sc.num.len() + sc.denom.len() >= 3 && value % 1000 == 0;
            let canonical_looking = scale % 3 == 0 && !trailing_zeros && !leading_zero;
            return Ok(Quantity {
                mantissa: i128::from(if sc.positive { value } else { -value }),
                exponent: scale,
                format,
                cached: canonical_looking.then(|| s.to_string()),
            });
        }
        let exp10 = i64::from(exponent) - sc.denom.len() as i64;
        let (mag, exp) = decimal_digits_to_nano(sc.num, sc.denom, exp10)?;
        Ok(Quantity {
            mantissa: signed(sc.positive, mag)?,
            exponent: i32::try_from(exp).map_err(|_| QuantityError::Numeric)?,
            format,
            cached: None,
        })
    }

    fn parse_binary(s: &str, sc: &Scanned<'_>, exponent: i32) -> Result<Quantity, QuantityError> {
        let shift = exponent as u32; // 10..=60
        if sc.denom.is_empty() {
            let precision = 15 - sc.num.len() as i64 - i64::from(exponent) * 3 / 10 - 1;
            if precision >= 0 {
                let value: i64 = sc.num.parse().map_err(|_| QuantityError::Numeric)?;
                if let Some(result) = value.checked_mul(1i64 << shift) {
                    return Ok(Quantity {
                        mantissa: i128::from(if sc.positive { result } else { -result }),
                        exponent: 0,
                        format: Format::BinarySI,
                        cached: (value & 0x07 != 0).then(|| s.to_string()),
                    });
                }
            }
        }
        // Exact value: S × 2^shift × 10^x, S the significant digits.
        let all = format!("{}{}", sc.num, sc.denom);
        let trimmed = all.trim_start_matches('0');
        let digits = trimmed.trim_end_matches('0');
        if digits.is_empty() {
            return Ok(Quantity {
                format: Format::BinarySI,
                ..Quantity::default()
            });
        }
        let x = (trimmed.len() - digits.len()) as i64 - sc.denom.len() as i64;
        let max = u128::from(i64::MAX.unsigned_abs());
        let product = digits.parse::<u128>().ok().and_then(|v| v.checked_mul(1u128 << shift));
        let (mut mag, mut exp) = match product {
            Some(m) if x < i64::from(NANO) => {
                let k = i64::from(NANO) - x;
                let (q, r) = match u32::try_from(k).ok().and_then(pow10_u128) {
                    Some(p) => (m / p, m % p),
                    None => (0, m),
                };
                (q + u128::from(r != 0), i64::from(NANO))
            }
            Some(m) => (m, x),
            // Too many digits for u128: only a value far above the cap can get here sensibly.
            None if digits.len() as i64 + x > 20 => (max, 0),
            None => return Err(QuantityError::Numeric),
        };
        if cmp_magnitude(mag, exp, max, 0) == Ordering::Greater {
            (mag, exp) = (max, 0);
        }
        let format = if cmp_magnitude(mag, exp, 1, 0) == Ordering::Less {
            Format::DecimalSI
        } else {
            Format::BinarySI
        };
        Ok(Quantity {
            mantissa: signed(sc.positive, mag)?,
            exponent: i32::try_from(exp).map_err(|_| QuantityError::Numeric)?,
            format,
            cached: None,
        })
    }

    /// `value` in `format` (`NewQuantity`).
    pub fn new(value: i64, format: Format) -> Self {
        Quantity {
            mantissa: value.into(),
            exponent: 0,
            format,
            cached: None,
        }
    }

    /// `value / 1000` in `format` (`NewMilliQuantity`).
    pub fn new_milli(value: i64, format: Format) -> Self {
        Quantity {
            mantissa: value.into(),
            exponent: -3,
            format,
            cached: None,
        }
    }

    /// `value × 10^scale` in [`Format::DecimalSI`] (`NewScaledQuantity`).
    pub fn new_scaled(value: i64, scale: i32) -> Self {
        Quantity {
            mantissa: value.into(),
            exponent: scale,
            format: Format::DecimalSI,
            cached: None,
        }
    }

    /// The format the quantity prints in.
    pub fn format(&self) -> Format {
        self.format
    }

    /// True for zero.
    pub fn is_zero(&self) -> bool {
        self.mantissa == 0
    }

    /// -1, 0 or 1.
    pub fn sign(&self) -> i32 {
        self.mantissa.signum() as i32
    }

    /// Compares with an integer (`CmpInt64`).
    pub fn cmp_i64(&self, y: i64) -> Ordering {
        cmp_values(self.mantissa, self.exponent, y.into(), 0)
    }

    /// `ceil(q / 10^scale)` rounding away from zero (`ScaledValue`), saturating at the `i64` bounds.
    pub fn scaled_value(&self, scale: i32) -> i64 {
        let m = self.mantissa;
        if m == 0 {
            return 0;
        }
        let d = i64::from(self.exponent) - i64::from(scale);
        let v = if d >= 0 {
            u32::try_from(d)
                .ok()
                .and_then(pow10_i128)
                .and_then(|p| m.checked_mul(p))
                .unwrap_or(if m >= 0 { i128::MAX } else { i128::MIN })
        } else {
            match u32::try_from(-d).ok().and_then(pow10_i128) {
                Some(p) if m % p != 0 => m / p + m.signum(),
                Some(p) => m / p,
                // |m| < 10^39: any non-zero value rounds to ±1.
                None => m.signum(),
            }
        };
        v.clamp(i64::MIN.into(), i64::MAX.into()) as i64
    }

    /// The value rounded up (away from zero) to an integer (`Value`): `1.5` → 2, `100m` → 1.
    pub fn value(&self) -> i64 {
        self.scaled_value(0)
    }

    /// `ceil(q × 1000)` away from zero (`MilliValue`): `1.5` → 1500, `1n` → 1.
    pub fn milli_value(&self) -> i64 {
        self.scaled_value(-3)
    }

    /// The value when it is an integer that fits an `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        let whole = self.scaled_value(0);
        // A saturated result differs from the value, so equality also rules out overflow.
        (self.cmp_i64(whole) == Ordering::Equal).then_some(whole)
    }

    /// An approximate `f64` (`AsApproximateFloat64`); never use it to compare or store values.
    pub fn as_approximate_f64(&self) -> f64 {
        self.mantissa as f64 * 10f64.powi(self.exponent)
    }

    /// Rounds up (away from zero) to a multiple of `10^scale` (`RoundUp`); false if that lost
    /// precision. A quantity already that coarse keeps its printed form.
    pub fn round_up(&mut self, scale: i32) -> bool {
        if self.exponent >= scale {
            return true;
        }
        let m = self.mantissa;
        let k = i64::from(scale) - i64::from(self.exponent);
        let (q, exact) = match u32::try_from(k).ok().and_then(pow10_i128) {
            Some(p) if m % p != 0 => (m / p + m.signum(), false),
            Some(p) => (m / p, true),
            None => (m.signum(), m == 0),
        };
        self.mantissa = q;
        self.exponent = scale;
        self.cached = None;
        exact
    }

    fn normalized(&self) -> (i128, i64) {
        normalize(self.mantissa, self.exponent)
    }

    fn with_value(&self, format: Format, mantissa: i128, exponent: i64) -> Option<Quantity> {
        if mantissa == i128::MIN {
            return None;
        }
        let exponent = if mantissa == 0 {
            0
        } else {
            i32::try_from(exponent).ok()?
        };
        Some(Quantity {
            mantissa,
            exponent,
            format,
            cached: None,
        })
    }

    fn checked_sum(&self, other_mantissa: i128, other: &Quantity) -> Option<Quantity> {
        // As upstream: adding to (or subtracting from) a zero takes the other's format.
        let format = if self.is_zero() { other.format } else { self.format };
        let (a, ae) = self.normalized();
        let (b, be) = normalize(other_mantissa, other.exponent);
        if b == 0 {
            return self.with_value(format, a, ae);
        }
        if a == 0 {
            return self.with_value(format, b, be);
        }
        let e = ae.min(be);
        let align = |m: i128, me: i64| {
            u32::try_from(me - e)
                .ok()
                .and_then(pow10_i128)
                .and_then(|p| m.checked_mul(p))
        };
        let sum = align(a, ae)?.checked_add(align(b, be)?)?;
        self.with_value(format, sum, e)
    }

    /// `self + other` exactly (`Add`), or `None` when the result needs more than 38 digits.
    pub fn checked_add(&self, other: &Quantity) -> Option<Quantity> {
        self.checked_sum(other.mantissa, other)
    }

    /// `self - other` exactly (`Sub`), or `None` when the result needs more than 38 digits.
    pub fn checked_sub(&self, other: &Quantity) -> Option<Quantity> {
        self.checked_sum(-other.mantissa, other)
    }

    /// `self × y` exactly (`Mul`), or `None` on overflow.
    pub fn checked_mul(&self, y: i64) -> Option<Quantity> {
        let (m, e) = self.normalized();
        self.with_value(self.format, m.checked_mul(y.into())?, e)
    }

    /// The negated quantity (`Neg`).
    pub fn neg(&self) -> Quantity {
        Quantity {
            mantissa: -self.mantissa,
            exponent: self.exponent,
            format: self.format,
            cached: None,
        }
    }

    /// The canonical form, ignoring any cached input string (`CanonicalizeBytes`).
    pub fn canonical(&self) -> String {
        if self.mantissa == 0 {
            return "0".to_string();
        }
        let negative = self.mantissa < 0;
        let mag = self.mantissa.unsigned_abs();
        let exp = i64::from(self.exponent);
        match self.format {
            Format::BinarySI => {
                if cmp_magnitude(mag, exp, 1024, 0) == Ordering::Less {
                    return decimal_string(negative, mag, exp, Format::DecimalSI);
                }
                match exact_integer(mag, exp) {
                    Some(v) => binary_string(negative, v),
                    // Not an integer: upstream shows it as DecimalSI rather than round.
                    None => decimal_string(negative, mag, exp, Format::DecimalSI),
                }
            }
            format => decimal_string(negative, mag, exp, format),
        }
    }
}

/// The same value with the trailing zeros of the mantissa moved into the exponent.
fn normalize(mantissa: i128, exponent: i32) -> (i128, i64) {
    let (m, e) = strip_zeros(mantissa.unsigned_abs(), exponent.into());
    // `m` is at most |mantissa|, which fits.
    let m = i128::try_from(m).unwrap_or(i128::MAX);
    (if mantissa < 0 { -m } else { m }, e)
}

/// `mag × 10^exp` when it is an integer that fits `u128`.
fn exact_integer(mag: u128, exp: i64) -> Option<u128> {
    if exp >= 0 {
        return mag.checked_mul(pow10_u128(u32::try_from(exp).ok()?)?);
    }
    let p = pow10_u128(u32::try_from(-exp).ok()?)?;
    let (q, r) = (mag / p, mag % p);
    (r == 0).then_some(q)
}

/// Mantissa with no fractional digits and the exponent a multiple of 3, as large as possible.
fn decimal_string(negative: bool, mag: u128, exp: i64, format: Format) -> String {
    let (m, mut e) = strip_zeros(mag, exp);
    let pad = e.rem_euclid(3) as usize;
    e -= pad as i64;
    let suffix = match (format, e) {
        (Format::DecimalExponent, 0) | (Format::DecimalSI, 0) => "",
        (Format::DecimalSI, -9) => "n",
        (Format::DecimalSI, -6) => "u",
        (Format::DecimalSI, -3) => "m",
        (Format::DecimalSI, 3) => "k",
        (Format::DecimalSI, 6) => "M",
        (Format::DecimalSI, 9) => "G",
        (Format::DecimalSI, 12) => "T",
        (Format::DecimalSI, 15) => "P",
        (Format::DecimalSI, 18) => "E",
        // No SI suffix for this exponent: upstream falls back to exponent notation.
        _ => return format!("{}{m}{}e{e}", if negative { "-" } else { "" }, "0".repeat(pad)),
    };
    let mut out = String::with_capacity(44);
    if negative {
        out.push('-');
    }
    // Writing to a String cannot fail.
    let _ = write!(out, "{m}");
    for _ in 0..pad {
        out.push('0');
    }
    out.push_str(suffix);
    out
}

/// An integer as mantissa and the largest binary suffix dividing it.
fn binary_string(negative: bool, mut v: u128) -> String {
    let mut k = 0;
    // Upstream prints no suffix past Ei (a value it cannot reach by parsing); stop at Ei instead.
    while k < BINARY_SUFFIXES.len() - 1 && v >= 1024 {
        let (q, r) = (v / 1024, v % 1024);
        if r != 0 {
            break;
        }
        v = q;
        k += 1;
    }
    let sign = if negative { "-" } else { "" };
    format!("{sign}{v}{}", BINARY_SUFFIXES[k])
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cached {
            Some(s) => f.write_str(s),
            None => f.write_str(&self.canonical()),
        }
    }
}

impl FromStr for Quantity {
    type Err = QuantityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Quantity::parse(s)
    }
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Quantity {}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_values(self.mantissa, self.exponent, other.mantissa, other.exponent)
    }
}

impl Hash for Quantity {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.normalized().hash(state);
    }
}

impl Serialize for Quantity {
    /// Always a JSON string of `Display`, as upstream's `MarshalJSON`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Quantity {
    /// Accepts what upstream's `UnmarshalJSON` accepts: a string (surrounding whitespace
    /// trimmed), a bare JSON number, or `null` (zero). A non-integer number arrives here as an
    /// `f64`, so `1e3` as a *number* reads as `1k`, not `1e3`.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(QuantityVisitor)
    }
}

struct QuantityVisitor;

impl<'de> Visitor<'de> for QuantityVisitor {
    type Value = Quantity;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a quantity string such as \"500m\" or \"1Gi\", or a number")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Quantity, E> {
        Quantity::parse(v.trim()).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Quantity, E> {
        Quantity::parse(&v.to_string()).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Quantity, E> {
        Quantity::parse(&v.to_string()).map_err(E::custom)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Quantity, E> {
        Quantity::parse(&v.to_string()).map_err(E::custom)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Quantity, E> {
        Ok(Quantity::default())
    }

    fn visit_none<E: de::Error>(self) -> Result<Quantity, E> {
        Ok(Quantity::default())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Quantity, D::Error> {
        deserializer.deserialize_any(QuantityVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn q(s: &str) -> Quantity {
        match Quantity::parse(s) {
            Ok(q) => q,
            Err(e) => panic!("{s:?}: {e}"),
        }
    }

    fn raw(mantissa: i128, exponent: i32, format: Format) -> Quantity {
        Quantity {
            mantissa,
            exponent,
            format,
            cached: None,
        }
    }

    #[test]
    fn parse_then_string() {
        let cases = [
            // zeros
            ("0", "0"),
            ("0n", "0"),
            ("0Ki", "0"),
            ("00", "0"),
            ("-0", "0"),
            ("0.000", "0"),
            (".", "0"),
            ("-", "0"),
            ("+", "0"),
            // canonicalisation
            ("1000m", "1"),
            ("1000", "1k"),
            ("1000M", "1G"),
            ("1024Mi", "1Gi"),
            ("1.5", "1500m"),
            ("0.1", "100m"),
            ("1.08", "1080m"),
            ("1080000000n", "1080m"),
            ("1.5Gi", "1536Mi"),
            ("0.5Mi", "512Ki"),
            ("-9.5Gi", "-9728Mi"),
            ("8Ki", "8Ki"),
            ("1Ki", "1Ki"),
            ("1025Ki", "1025Ki"),
            ("100.035Ki", "102435840m"),
            (".001Ki", "1024m"),
            (".000001Ki", "1024u"),
            (".000000001Ki", "1024n"),
            ("0.5e-1", "50e-3"),
            ("0.001e0", "1e-3"),
            (".001e12", "1e9"),
            ("1000e-12", "1e-9"),
            ("1e100", "10e99"),
            ("1000E", "1e21"),
            ("100E", "100E"),
            ("12E", "12E"),
            // the input string is kept when upstream thinks it is canonical
            ("1e3", "1e3"),
            ("100e3", "100e3"),
            ("1E3", "1E3"),
            ("1E-3", "1E-3"),
            ("1.3E+6", "1300e3"),
            ("+1", "+1"),
            ("010", "010"),
            ("1.G", "1.G"),
            ("1.441", "1.441"),
            ("1.000001", "1.000001"),
            ("1.000000001", "1.000000001"),
            ("100.035k", "100.035k"),
            ("10.035M", "10.035M"),
            ("-1Ki", "-1Ki"),
            // rounding to nano (away from zero)
            ("0.000000000000001", "1n"),
            ("3.001n", "4n"),
            ("0.9n", "1n"),
            ("-0.9n", "-1n"),
            ("1.1E-9", "2e-9"),
            ("0.00000012345", "124n"),
            ("0.00000012354", "124n"),
            (".000000000001Ki", "2n"),
            ("-9.5000000001Gi", "-10200547328107374183n"),
            // large values: decimal is not capped, binary is capped at 2^63-1
            ("9223372036854775807", "9223372036854775807"),
            ("9223372036854775808", "9223372036854775808"),
            ("18446744073709551616", "18446744073709551616"),
            ("123456789012345678901234567890", "123456789012345678901234567890"),
            ("8Ei", "9223372036854775807"),
            ("9Ei", "9223372036854775807"),
            ("9223372036854775807Ki", "9223372036854775807"),
            ("-20Ei", "-9223372036854775807"),
            ("3Ei", "3Ei"),
            ("1Pi", "1Pi"),
        ];
        for (input, want) in cases {
            assert_eq!(q(input).to_string(), want, "{input}");
        }
    }

    #[test]
    fn parse_errors() {
        use QuantityError::*;
        let cases = [
            ("", FormatWrong),
            ("1.1.M", FormatWrong),
            ("1+1.0M", FormatWrong),
            ("0.1am", FormatWrong),
            ("aoeu", FormatWrong),
            (" 1", FormatWrong),
            ("1 ", FormatWrong),
            ("1Kiß", FormatWrong),
            ("0.1mi", Suffix),
            (".5i", Suffix),
            ("1i", Suffix),
            ("-3.01i", Suffix),
            ("-3.01e-", Suffix),
            ("1e", Suffix),
            ("1Ki5", Suffix),
            ("1e99999999999999999999", Suffix),
            ("1234567890123456789012345678901234567890.5", Numeric),
        ];
        for (input, want) in cases {
            assert_eq!(Quantity::parse(input).map(|q| q.to_string()), Err(want), "{input:?}");
        }
        assert_eq!(
            QuantityError::FormatWrong.to_string(),
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        );
        assert_eq!(QuantityError::Suffix.to_string(), "unable to parse quantity's suffix");
        assert_eq!(
            QuantityError::Numeric.to_string(),
            "unable to parse numeric part of quantity"
        );
    }

    #[test]
    fn parsed_values_and_formats() {
        let cases = [
            ("50k", raw(5, 4, Format::DecimalSI)),
            ("0.0005k", raw(5, -1, Format::DecimalSI)),
            ("0.5e-2", raw(5, -3, Format::DecimalExponent)),
            ("1.53E12", raw(153, 10, Format::DecimalExponent)),
            ("6.987654321G", raw(6987654321, 0, Format::DecimalSI)),
            ("0.05Gi", raw(536870912, -1, Format::BinarySI)),
            ("0.000000000001Ki", raw(2, -9, Format::DecimalSI)),
            (".0001k", raw(100, -3, Format::DecimalSI)),
            ("1e4294967296", raw(1, 0, Format::DecimalExponent)),
        ];
        for (input, want) in cases {
            let got = q(input);
            assert_eq!(got, want, "{input}: value");
            assert_eq!(got.format(), want.format(), "{input}: format");
            // Signs mirror.
            assert_eq!(q(&format!("-{input}")), want.neg(), "-{input}");
            assert_eq!(q(&format!("+{input}")), want, "+{input}");
        }
    }

    #[test]
    fn canonical_strings_of_constructed_values() {
        use Format::*;
        let gi = 1024 * 1024 * 1024;
        let cases = [
            (raw(gi, 0, BinarySI), "1Gi"),
            (raw(300 * 1024 * 1024, 0, BinarySI), "300Mi"),
            (raw(6 * 1024, 0, BinarySI), "6Ki"),
            (raw(1001 * gi, 0, BinarySI), "1001Gi"),
            (raw(1024 * gi, 0, BinarySI), "1Ti"),
            (raw(5, 0, BinarySI), "5"),
            (raw(500, -3, BinarySI), "500m"),
            (raw(1234567, -3, BinarySI), "1234567m"),
            (raw(1025, 0, BinarySI), "1025"),
            (raw(1, 9, DecimalSI), "1G"),
            (raw(1000, 6, DecimalSI), "1G"),
            (raw(1, -3, DecimalSI), "1m"),
            (raw(80, -3, DecimalSI), "80m"),
            (raw(108, -2, DecimalSI), "1080m"),
            (raw(10800, -4, DecimalSI), "1080m"),
            (raw(10800, -10, DecimalSI), "1080n"),
            (raw(1, 21, DecimalSI), "1e21"),
            (raw(5, 21, DecimalSI), "5e21"),
            (raw(1, 24, DecimalSI), "1e24"),
            (raw(1, -12, DecimalSI), "1e-12"),
            (raw(1234567, 6, DecimalSI), "1234567M"),
            (raw(1, 9, DecimalExponent), "1e9"),
            (raw(1, -3, DecimalExponent), "1e-3"),
            (raw(80, -3, DecimalExponent), "80e-3"),
            (raw(300, 6, DecimalExponent), "300e6"),
            (raw(0, 0, DecimalExponent), "0"),
            (raw(0, 0, BinarySI), "0"),
        ];
        for (quantity, want) in cases {
            assert_eq!(quantity.to_string(), want, "{quantity:?}");
            if !quantity.is_zero() {
                assert_eq!(quantity.neg().to_string(), format!("-{want}"), "{quantity:?}");
            }
        }
    }

    #[test]
    fn constructors() {
        use Format::*;
        let cases = [
            (Quantity::new(1, DecimalSI), "1"),
            (Quantity::new(1000, DecimalSI), "1k"),
            (Quantity::new(1234000, DecimalSI), "1234k"),
            (Quantity::new(1024, BinarySI), "1Ki"),
            (Quantity::new(1_000_000, DecimalExponent), "1e6"),
            (Quantity::new(1024 * 1024, BinarySI), "1Mi"),
            (Quantity::new(i64::MIN, DecimalSI), "-9223372036854775808"),
            (Quantity::new_milli(1, DecimalSI), "1m"),
            (Quantity::new_milli(1000, DecimalSI), "1"),
            (Quantity::new_milli(1234000, DecimalSI), "1234"),
            (Quantity::new_milli(1024, BinarySI), "1024m"),
            (Quantity::new_milli(1_000_000, DecimalExponent), "1e3"),
            (Quantity::new_milli(1024 * 1024, BinarySI), "1048576m"),
            (Quantity::new_milli(1441, DecimalSI), "1441m"),
            (Quantity::new_scaled(1, NANO), "1n"),
            (Quantity::new_scaled(1000, NANO), "1u"),
            (Quantity::new_scaled(1000, -6), "1m"),
            (Quantity::new_scaled(1000, -3), "1"),
            (Quantity::new_scaled(1, 21), "1e21"),
            (Quantity::new_scaled(i64::MAX, 1), "92233720368547758070"),
        ];
        for (quantity, want) in cases {
            assert_eq!(quantity.to_string(), want);
            assert_eq!(q(want), quantity, "{want} round-trips by value");
        }
    }

    #[test]
    fn comparisons() {
        let cases = [
            ("0", "0", Ordering::Equal),
            ("100m", "50m", Ordering::Greater),
            ("50m", "100m", Ordering::Less),
            ("10000T", "100Gi", Ordering::Greater),
            ("1Ki", "1024", Ordering::Equal),
            ("1.5", "1500m", Ordering::Equal),
            ("-1", "1", Ordering::Less),
            ("-2", "-1", Ordering::Less),
            ("1e100", "1", Ordering::Greater),
            ("-1e100", "-1", Ordering::Less),
            ("1n", "0", Ordering::Greater),
            ("-1n", "0", Ordering::Less),
            ("18446744073709551616", "18446744073709551615", Ordering::Greater),
            ("999999999999999999999999999999999999", "1e36", Ordering::Less),
            ("0.000000001", "1n", Ordering::Equal),
        ];
        for (a, b, want) in cases {
            assert_eq!(q(a).cmp(&q(b)), want, "{a} vs {b}");
            assert_eq!(q(b).cmp(&q(a)), want.reverse(), "{b} vs {a}");
        }
        assert_eq!(q("1k").cmp_i64(1000), Ordering::Equal);
        assert_eq!(q("1001").cmp_i64(1000), Ordering::Greater);
        let set: HashSet<Quantity> = ["1", "1000m", "1e0", "1.000", "2"].iter().map(|s| q(s)).collect();
        assert_eq!(set.len(), 2, "hash agrees with equality");
    }

    #[test]
    fn integer_accessors() {
        let cases = [
            ("0", 0, 0),
            ("1.5", 2, 1500),
            ("100m", 1, 100),
            ("1n", 1, 1),
            ("-1.5", -2, -1500),
            ("-100m", -1, -100),
            ("1Gi", 1 << 30, 1000 << 30),
            ("9.01", 10, 9010),
            ("1e30", i64::MAX, i64::MAX),
            ("-1e30", i64::MIN, i64::MIN),
            ("1e-40", 1, 1),
        ];
        for (input, value, milli) in cases {
            assert_eq!((q(input).value(), q(input).milli_value()), (value, milli), "{input}");
        }
        assert_eq!(q("1k").scaled_value(3), 1);
        assert_eq!(q("1500").scaled_value(3), 2);
        assert_eq!(q("12").as_i64(), Some(12));
        assert_eq!(q("1.5").as_i64(), None);
        assert_eq!(q("1e30").as_i64(), None);
        assert_eq!(Quantity::new(i64::MIN, Format::DecimalSI).as_i64(), Some(i64::MIN));
        assert!((q("1.5Gi").as_approximate_f64() - 1610612736.0).abs() < 1e-3);
    }

    #[test]
    fn round_up_matches_upstream() {
        let cases = [
            ("9.01", -3, "9.01", true),
            ("9.01", -2, "9.01", true),
            ("9.01", -1, "9.1", false),
            ("9.01", 0, "10", false),
            ("9.01", 1, "10", false),
            ("9.01", 2, "100", false),
            ("-9.01", -1, "-9.1", false),
            ("-9.01", 2, "-100", false),
        ];
        for (input, scale, want, exact) in cases {
            let mut got = q(input);
            assert_eq!(got.round_up(scale), exact, "{input} at {scale}");
            assert_eq!(got, q(want), "{input} at {scale}");
        }
    }

    #[test]
    fn arithmetic() {
        type Op = fn(&Quantity, &Quantity) -> Option<Quantity>;
        let cases: [(&str, &str, Op, &str); 9] = [
            ("100m", "0", Quantity::checked_add, "100m"),
            ("0", "100m", Quantity::checked_add, "100m"),
            ("0", "1Gi", Quantity::checked_add, "1Gi"),
            ("1Gi", "0", Quantity::checked_sub, "1Gi"),
            ("0", "1Gi", Quantity::checked_sub, "-1Gi"),
            ("1.441", "0", Quantity::checked_add, "1441m"),
            ("1Gi", "512Mi", Quantity::checked_add, "1536Mi"),
            ("1", "1500m", Quantity::checked_sub, "-500m"),
            ("8Ei", "8Ei", Quantity::checked_add, "18446744073709551614"),
        ];
        for (a, b, op, want) in cases {
            assert_eq!(
                op(&q(a), &q(b)).map(|r| r.to_string()),
                Some(want.to_string()),
                "{a} op {b}"
            );
        }
        assert_eq!(q("1e30").checked_add(&q("1n")), None, "needs 40 digits");
        assert_eq!(
            q("1e30").checked_add(&q("1")).map(|r| r.to_string()),
            Some("1000000000000000000000000000001".into())
        );
        assert_eq!(
            q("1.5").checked_mul(3).map(|r| r.to_string()),
            Some("4500m".to_string())
        );
        assert_eq!(q("-1.441").neg().to_string(), "1441m");
    }

    #[test]
    fn json_round_trip() {
        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct Limits {
            cpu: Quantity,
            #[serde(default)]
            memory: Option<Quantity>,
        }
        let cases = [
            (r#"{"cpu":"1.5"}"#, r#"{"cpu":"1500m","memory":null}"#),
            (r#"{"cpu":" 1 ","memory":"1.5Gi"}"#, r#"{"cpu":"1","memory":"1536Mi"}"#),
            (
                r#"{"cpu":1,"memory":1073741824}"#,
                r#"{"cpu":"1","memory":"1073741824"}"#,
            ),
            (r#"{"cpu":-1}"#, r#"{"cpu":"-1","memory":null}"#),
            (r#"{"cpu":0.5}"#, r#"{"cpu":"500m","memory":null}"#),
            (r#"{"cpu":null}"#, r#"{"cpu":"0","memory":null}"#),
            (r#"{"cpu":"1.441"}"#, r#"{"cpu":"1.441","memory":null}"#),
        ];
        for (input, want) in cases {
            let parsed: Limits = serde_json::from_str(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(serde_json::to_string(&parsed).unwrap(), want, "{input}");
        }
        let err = serde_json::from_str::<Limits>(r#"{"cpu":"abc"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("quantities must match the regular expression"), "{err}");
        assert!(serde_json::from_str::<Limits>(r#"{"cpu":true}"#).is_err());
    }
}
