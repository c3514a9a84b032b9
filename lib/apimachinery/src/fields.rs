//! Parses, prints and matches field selectors with upstream's grammar, escaping and messages (`pkg/fields`).
//!
//! A field selector is a comma-separated AND of `field=value`, `field==value` or `field!=value`
//! terms (upstream's `fields.ParseSelector`). Terms are split at commas not preceded by a
//! backslash, sorted as strings, and each is split at the first `!=`, `==` or `=`. The field part is
//! taken literally; the value is unescaped, where `\\`, `\,` and `\=` are the only escapes and a
//! bare `=` is an error. A term whose field and value are both empty (`=`) is dropped.
//!
//! Which fields a kind supports is the apiserver's business: it reads [`Selector::requirements`]
//! (or runs [`Selector::transform`] with the kind's conversion) and reports unsupported fields with
//! [`FieldSelectorError::label_not_supported`] or [`FieldSelectorError::unknown_field`], whichever
//! wording upstream uses for that kind.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crate::gostr::go_quote;

/// The fields every kind without its own field-label conversion supports, in upstream's order.
pub const DEFAULT_SUPPORTED_FIELDS: [&str; 2] = ["metadata.name", "metadata.namespace"];

/// Why a field selector could not be parsed or is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldSelectorError {
    /// A term without `=`, `==` or `!=`.
    #[error("invalid selector: '{selector}'; can't understand '{term}'")]
    Parse {
        /// The whole selector as given.
        selector: String,
        /// The offending term, with its escapes.
        term: String,
    },
    /// A backslash not followed by `\`, `,` or `=` (or at the end of a value).
    #[error("invalid field selector: invalid escape sequence: {sequence}")]
    InvalidEscapeSequence {
        /// The backslash and the character after it, or the lone trailing backslash.
        sequence: String,
    },
    /// An unescaped `=` (or `,`) in a value; upstream prints the character's code point in decimal.
    #[error("invalid field selector: unescaped character in value: {}", code_point(.character))]
    UnescapedCharacter {
        /// The character found.
        character: char,
    },
    /// Wording of the kinds with their own field-label conversion (Pod, Node, Event, Secret,
    /// Namespace, Service, ReplicationController, …) and of custom resources.
    #[error("field label not supported: {label}")]
    LabelNotSupported {
        /// The field the client asked for.
        label: String,
    },
    /// Wording of the default conversion, for kinds without their own.
    #[error("{} is not a known field selector: only {}", go_quote(.label), quoted_list(.supported))]
    UnknownField {
        /// The field the client asked for.
        label: String,
        /// The fields the kind supports.
        supported: Vec<String>,
    },
}

fn code_point(c: &char) -> u32 {
    u32::from(*c)
}

fn quoted_list(items: &[String]) -> String {
    items.iter().map(|s| go_quote(s)).collect::<Vec<_>>().join(", ")
}

impl FieldSelectorError {
    /// `field label not supported: <label>`, as returned for kinds with a registered field-label
    /// conversion function and for custom resources.
    pub fn label_not_supported(label: impl Into<String>) -> Self {
        FieldSelectorError::LabelNotSupported { label: label.into() }
    }

    /// `"<label>" is not a known field selector: only "a", "b"`, as returned by upstream's default
    /// conversion (`runtime.DefaultMetaV1FieldSelectorConversion`, where `supported` is
    /// [`DEFAULT_SUPPORTED_FIELDS`]).
    pub fn unknown_field(label: impl Into<String>, supported: &[&str]) -> Self {
        FieldSelectorError::UnknownField {
            label: label.into(),
            supported: supported.iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// How a field is compared (upstream's `selection.Equals` / `selection.NotEquals`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `field=value` or `field==value`
    Equals,
    /// `field!=value`
    NotEquals,
}

impl Operator {
    /// Upstream's `selection.Operator` string.
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Equals => "=",
            Operator::NotEquals => "!=",
        }
    }
}

/// One term of a field selector. The value is unescaped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Requirement {
    /// The field path, e.g. `metadata.name`.
    pub field: String,
    /// How the field is compared.
    pub operator: Operator,
    /// The literal value.
    pub value: String,
}

impl Requirement {
    /// Whether a field whose value is `actual` (`""` when the object has none) satisfies this term.
    pub fn matches(&self, actual: &str) -> bool {
        match self.operator {
            Operator::Equals => actual == self.value,
            Operator::NotEquals => actual != self.value,
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}{}",
            self.field,
            self.operator.as_str(),
            escape_value(&self.value)
        )
    }
}

/// A field selector: the AND of its requirements; empty selects everything.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selector {
    requirements: Vec<Requirement>,
}

impl Selector {
    /// The selector that matches everything (upstream's `fields.Everything()`).
    pub fn everything() -> Self {
        Selector::default()
    }

    /// Parses a selector string as upstream's `fields.ParseSelector`; terms come out in sorted order.
    pub fn parse(selector: &str) -> Result<Self, FieldSelectorError> {
        let mut terms = split_terms(selector);
        terms.sort_unstable();
        let mut requirements = Vec::with_capacity(terms.len());
        for term in terms.into_iter().filter(|t| !t.is_empty()) {
            let Some((field, operator, raw_value)) = split_term(term) else {
                return Err(FieldSelectorError::Parse {
                    selector: selector.to_string(),
                    term: term.to_string(),
                });
            };
            let value = unescape_value(raw_value)?;
            if field.is_empty() && value.is_empty() {
                continue;
            }
            requirements.push(Requirement {
                field: field.to_string(),
                operator,
                value,
            });
        }
        Ok(Selector { requirements })
    }

    /// A selector matching one field value exactly (upstream's `OneTermEqualSelector`).
    pub fn one_term_equal(field: impl Into<String>, value: impl Into<String>) -> Self {
        let requirement = Requirement {
            field: field.into(),
            operator: Operator::Equals,
            value: value.into(),
        };
        Selector {
            requirements: vec![requirement],
        }
    }

    /// A selector excluding one field value (upstream's `OneTermNotEqualSelector`).
    pub fn one_term_not_equal(field: impl Into<String>, value: impl Into<String>) -> Self {
        let requirement = Requirement {
            field: field.into(),
            operator: Operator::NotEquals,
            value: value.into(),
        };
        Selector {
            requirements: vec![requirement],
        }
    }

    /// A selector requiring every field of `set` to have its value (upstream's `SelectorFromSet`).
    pub fn from_set(set: &BTreeMap<String, String>) -> Self {
        let requirements = set
            .iter()
            .map(|(field, value)| Requirement {
                field: field.clone(),
                operator: Operator::Equals,
                value: value.clone(),
            })
            .collect();
        Selector { requirements }
    }

    /// The AND of `selectors`, keeping their order (upstream's `AndSelectors`).
    pub fn and(selectors: impl IntoIterator<Item = Selector>) -> Self {
        let requirements = selectors.into_iter().flat_map(|s| s.requirements).collect();
        Selector { requirements }
    }

    /// Whether the selector places no restriction.
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// The terms, in the selector's order.
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }

    /// Whether an object satisfies every term; `field_value` returns a field's value, and a field
    /// it does not know reads as `""` (so `spec.nodeName=` selects unscheduled pods), as upstream.
    pub fn matches<F, V>(&self, field_value: F) -> bool
    where
        F: Fn(&str) -> Option<V>,
        V: AsRef<str>,
    {
        self.requirements.iter().all(|r| match field_value(&r.field) {
            Some(actual) => r.matches(actual.as_ref()),
            None => r.matches(""),
        })
    }

    /// The value the first `=` term on `field` demands (upstream's `RequiresExactMatch`).
    pub fn requires_exact_match(&self, field: &str) -> Option<&str> {
        self.requirements
            .iter()
            .find(|r| r.operator == Operator::Equals && r.field == field)
            .map(|r| r.value.as_str())
    }

    /// Rewrites every term's field and value with `convert` (upstream's `Transform`, which the
    /// apiserver runs with the kind's field-label conversion); terms converted to an empty field and
    /// an empty value are dropped, and the first error is returned.
    pub fn transform<E>(self, mut convert: impl FnMut(&str, &str) -> Result<(String, String), E>) -> Result<Self, E> {
        let mut requirements = Vec::with_capacity(self.requirements.len());
        for requirement in self.requirements {
            let (field, value) = convert(&requirement.field, &requirement.value)?;
            if field.is_empty() && value.is_empty() {
                continue;
            }
            requirements.push(Requirement {
                field,
                operator: requirement.operator,
                value,
            });
        }
        Ok(Selector { requirements })
    }
}

impl fmt::Display for Selector {
    /// Upstream's `String()`: terms joined by `,`, `==` printed as `=`, values escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, requirement) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{requirement}")?;
        }
        Ok(())
    }
}

impl FromStr for Selector {
    type Err = FieldSelectorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Selector::parse(s)
    }
}

/// Escapes `\`, `,` and `=` with a backslash so any string can be a selector value (upstream's `EscapeValue`).
pub fn escape_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '\\' | ',' | '=') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Reverses [`escape_value`] (upstream's `UnescapeValue`): only `\\`, `\,` and `\=` are escapes;
/// any other escape, a trailing backslash or a bare `,`/`=` is an error.
pub fn unescape_value(value: &str) -> Result<String, FieldSelectorError> {
    if !value.contains(['\\', ',', '=']) {
        return Ok(value.to_string());
    }
    let mut out = String::with_capacity(value.len());
    let mut in_slash = false;
    for c in value.chars() {
        if in_slash {
            if !matches!(c, '\\' | ',' | '=') {
                return Err(FieldSelectorError::InvalidEscapeSequence {
                    sequence: format!("\\{c}"),
                });
            }
            out.push(c);
            in_slash = false;
            continue;
        }
        match c {
            '\\' => in_slash = true,
            ',' | '=' => return Err(FieldSelectorError::UnescapedCharacter { character: c }),
            c => out.push(c),
        }
    }
    if in_slash {
        return Err(FieldSelectorError::InvalidEscapeSequence {
            sequence: "\\".to_string(),
        });
    }
    Ok(out)
}

/// The comma-separated terms; a backslash-escaped comma stays inside its term, backslash included.
fn split_terms(selector: &str) -> Vec<&str> {
    if selector.is_empty() {
        return Vec::new();
    }
    let mut terms = Vec::new();
    let mut start = 0;
    let mut in_slash = false;
    for (i, c) in selector.char_indices() {
        if in_slash {
            in_slash = false;
        } else if c == '\\' {
            in_slash = true;
        } else if c == ',' {
            terms.push(&selector[start..i]);
            start = i + 1;
        }
    }
    terms.push(&selector[start..]);
    terms
}

/// Splits at the first operator position; at one position `!=` wins over `==` over `=`. The value
/// is returned with its escapes.
fn split_term(term: &str) -> Option<(&str, Operator, &str)> {
    const OPERATORS: [(&str, Operator); 3] = [
        ("!=", Operator::NotEquals),
        ("==", Operator::Equals),
        ("=", Operator::Equals),
    ];
    term.char_indices().find_map(|(i, _)| {
        let rest = &term[i..];
        OPERATORS
            .iter()
            .find(|(op, _)| rest.starts_with(op))
            .map(|(op, operator)| (&term[..i], *operator, &rest[op.len()..]))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_err(selector: &str) -> String {
        match Selector::parse(selector) {
            Ok(s) => panic!("{selector:?} parsed as {s}"),
            Err(e) => e.to_string(),
        }
    }

    fn fields(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: BTreeMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |f| map.get(f).cloned()
    }

    #[test]
    fn split_terms_like_upstream() {
        let cases: &[(&str, &[&str])] = &[
            ("a", &["a"]),
            ("a=avalue", &["a=avalue"]),
            ("a=avalue,b=bvalue", &["a=avalue", "b=bvalue"]),
            ("a=avalue,b==bvalue,c!=cvalue", &["a=avalue", "b==bvalue", "c!=cvalue"]),
            ("", &[]),
            ("a=a,", &["a=a", ""]),
            (",a=a", &["", "a=a"]),
            (r"k=\,,k2=v2", &[r"k=\,", "k2=v2"]),
            (r"k=\\,k2=v2", &[r"k=\\", "k2=v2"]),
            (r"k=\\\,,k2=v2", &[r"k=\\\,", "k2=v2"]),
            (r"k=\a\b\", &[r"k=\a\b\"]),
            (r"k=\", &[r"k=\"]),
            ("함=수,목=록", &["함=수", "목=록"]),
        ];
        for (selector, want) in cases {
            assert_eq!(split_terms(selector), *want, "{selector}");
        }
    }

    #[test]
    fn split_term_like_upstream() {
        type Case<'a> = (&'a str, Option<(&'a str, Operator, &'a str)>);
        let cases: &[Case] = &[
            ("a=value", Some(("a", Operator::Equals, "value"))),
            ("b==value", Some(("b", Operator::Equals, "value"))),
            ("c!=value", Some(("c", Operator::NotEquals, "value"))),
            ("", None),
            ("a", None),
            (r"k=\,", Some(("k", Operator::Equals, r"\,"))),
            (r"k=\=", Some(("k", Operator::Equals, r"\="))),
            (r"k=\\\a\b\=\,\", Some(("k", Operator::Equals, r"\\\a\b\=\,\"))),
            ("함=수", Some(("함", Operator::Equals, "수"))),
            ("a=!b", Some(("a", Operator::Equals, "!b"))),
            ("a!b=c", Some(("a!b", Operator::Equals, "c"))),
            ("a===b", Some(("a", Operator::Equals, "=b"))),
        ];
        for (term, want) in cases {
            assert_eq!(split_term(term), *want, "{term}");
        }
    }

    #[test]
    fn escape_round_trip() {
        let cases = [
            ("", ""),
            ("a", "a"),
            ("=", r"\="),
            (",", r"\,"),
            (r"\", r"\\"),
            (r"\=\,\", r"\\\=\\\,\\"),
        ];
        for (raw, escaped) in cases {
            assert_eq!(escape_value(raw), escaped, "{raw}");
            assert_eq!(unescape_value(escaped).expect("valid"), raw, "{escaped}");
        }
        // `!` is not special to field selectors.
        assert_eq!(escape_value("!x"), "!x");
        let invalid = [(r"\", r"\"), (r"\\\", r"\"), (r"\a", r"\a"), (r"a\!", r"\!")];
        for (value, sequence) in invalid {
            assert_eq!(
                unescape_value(value),
                Err(FieldSelectorError::InvalidEscapeSequence {
                    sequence: sequence.to_string()
                }),
                "{value}"
            );
        }
        assert_eq!(
            unescape_value("a=b").expect_err("bare =").to_string(),
            "invalid field selector: unescaped character in value: 61"
        );
        assert_eq!(
            unescape_value("a,b").expect_err("bare ,").to_string(),
            "invalid field selector: unescaped character in value: 44"
        );
    }

    #[test]
    fn parse_then_print() {
        for input in [
            "x=a,y=b,z=c",
            "",
            "x!=a,y=b",
            r"x=a||y\=b",
            r"x=a\=\=b",
            "spec.nodeName!=",
        ] {
            let selector = Selector::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(selector.to_string(), input, "{input}");
        }
        let cases = [
            ("x=a,a=x", "a=x,x=a"),
            ("metadata.name==foo", "metadata.name=foo"),
            (
                "spec.nodeName=,status.phase!=Running",
                "spec.nodeName=,status.phase!=Running",
            ),
            ("b=2,,a=1,", "a=1,b=2"),
            ("=", ""),
            ("!=", ""),
            ("=,a=b", "a=b"),
            (" a = b ", " a = b "),
            (r"k=a\,b", r"k=a\,b"),
            (r"a\,b=c", r"a\,b=c"),
            ("함=수,목=록", "목=록,함=수"),
        ];
        for (input, want) in cases {
            let selector = Selector::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(selector.to_string(), want, "{input}");
        }
        let selector = Selector::parse(r"k=a\,b,metadata.name!=x\\y").expect("parses");
        assert_eq!(
            selector.requirements(),
            &[
                Requirement {
                    field: "k".into(),
                    operator: Operator::Equals,
                    value: "a,b".into()
                },
                Requirement {
                    field: "metadata.name".into(),
                    operator: Operator::NotEquals,
                    value: r"x\y".into()
                },
            ]
        );
        // The field part is not unescaped.
        assert_eq!(
            Selector::parse(r"a\,b=c").expect("parses").requirements()[0].field,
            r"a\,b"
        );
        assert!(Selector::parse("").expect("empty").is_empty());
        assert!(Selector::parse("=").expect("dropped").is_empty());
    }

    #[test]
    fn parse_errors() {
        let cases = [
            ("x=a||y=b", "invalid field selector: unescaped character in value: 61"),
            ("x==a==b", "invalid field selector: unescaped character in value: 61"),
            ("x=a,b", "invalid selector: 'x=a,b'; can't understand 'b'"),
            ("x in (a)", "invalid selector: 'x in (a)'; can't understand 'x in (a)'"),
            ("x in (a,b,c)", "invalid selector: 'x in (a,b,c)'; can't understand 'b'"),
            ("x", "invalid selector: 'x'; can't understand 'x'"),
            (r"k=\a", r"invalid field selector: invalid escape sequence: \a"),
            (r"k=\", r"invalid field selector: invalid escape sequence: \"),
            // Terms are checked in sorted order.
            ("z,a=b=c", "invalid field selector: unescaped character in value: 61"),
            ("a,b=c=d", "invalid selector: 'a,b=c=d'; can't understand 'a'"),
        ];
        for (input, want) in cases {
            assert_eq!(parse_err(input), want, "{input}");
        }
    }

    #[test]
    fn matching() {
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], bool);
        let cases: &[Case] = &[
            ("", &[("x", "y")], true),
            ("x=y", &[("x", "y")], true),
            ("x=y,z=w", &[("x", "y"), ("z", "w")], true),
            ("x!=y,z!=w", &[("x", "z"), ("z", "a")], true),
            ("notin=in", &[("notin", "in")], true),
            ("x=y", &[("x", "z")], false),
            ("x=y,z=w", &[("x", "w"), ("z", "w")], false),
            ("x!=y,z!=w", &[("x", "z"), ("z", "w")], false),
            ("foo=bar,foobar=bar,baz=blah", &[("foo", "bar"), ("baz", "blah")], false),
            (
                r"foo=bar,baz=blah,complex=\=value\\\,\\",
                &[("foo", "bar"), ("baz", "blah"), ("complex", r"=value\,\")],
                true,
            ),
            // A missing field reads as "".
            ("spec.nodeName=", &[], true),
            ("spec.nodeName!=", &[], false),
            ("spec.nodeName!=", &[("spec.nodeName", "n1")], true),
            ("x!=y", &[], true),
        ];
        for (selector, object, want) in cases {
            let parsed = Selector::parse(selector).unwrap_or_else(|e| panic!("{selector}: {e}"));
            assert_eq!(parsed.matches(fields(object)), *want, "{selector} on {object:?}");
        }
        // Borrowed values work too.
        let s = Selector::parse("metadata.name=a").expect("parses");
        assert!(s.matches(|f: &str| (f == "metadata.name").then_some("a")));
    }

    #[test]
    fn constructors() {
        assert!(Selector::everything().is_empty());
        assert!(Selector::everything().matches(fields(&[("x", "y")])));
        assert!(Selector::one_term_equal("x", "y").matches(fields(&[("x", "y")])));
        assert!(!Selector::one_term_equal("x", "y").matches(fields(&[("x", "z")])));
        assert!(!Selector::one_term_not_equal("x", "y").matches(fields(&[("x", "y")])));
        assert_eq!(
            Selector::one_term_equal("metadata.name", "a,b").to_string(),
            r"metadata.name=a\,b"
        );
        let set: BTreeMap<String, String> = [("foo", "=blah")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert!(!Selector::from_set(&set).matches(fields(&[("foo", "bar")])));
        assert!(Selector::from_set(&BTreeMap::new()).is_empty());
        let both = Selector::and([
            Selector::one_term_equal("b", "1"),
            Selector::one_term_not_equal("a", "2"),
        ]);
        assert_eq!(both.to_string(), "b=1,a!=2");
    }

    #[test]
    fn requires_exact_match() {
        let s = Selector::parse("a!=1,b=2,test=").expect("parses");
        assert_eq!(s.requires_exact_match("a"), None);
        assert_eq!(s.requires_exact_match("b"), Some("2"));
        assert_eq!(s.requires_exact_match("test"), Some(""));
        assert_eq!(s.requires_exact_match("c"), None);
        assert_eq!(Selector::everything().requires_exact_match("a"), None);
        // A not-equal term does not hide a later equal term, as in upstream's andTerm.
        let s = Selector::and([
            Selector::one_term_not_equal("a", "1"),
            Selector::one_term_equal("a", "3"),
        ]);
        assert_eq!(s.requires_exact_match("a"), Some("3"));
    }

    #[test]
    fn transform_like_upstream() {
        let identity = |f: &str, v: &str| Ok::<_, FieldSelectorError>((f.to_string(), v.to_string()));
        type Convert = Box<dyn Fn(&str, &str) -> Result<(String, String), FieldSelectorError>>;
        let cases: Vec<(&str, Convert, &str)> = vec![
            ("", Box::new(identity), ""),
            ("a=b,c=d", Box::new(identity), "a=b,c=d"),
            (
                "a=b,c=d",
                Box::new(|f: &str, v: &str| {
                    Ok(if f == "a" {
                        ("e".into(), "f".into())
                    } else {
                        (f.into(), v.into())
                    })
                }),
                "e=f,c=d",
            ),
            (
                "a=b",
                Box::new(|_: &str, _: &str| Ok((String::new(), String::new()))),
                "",
            ),
            (
                "a=b,c=d,e=f",
                Box::new(|f: &str, v: &str| {
                    Ok(if f == "c" {
                        (String::new(), String::new())
                    } else {
                        (f.into(), v.into())
                    })
                }),
                "a=b,e=f",
            ),
        ];
        for (input, convert, want) in cases {
            let selector = Selector::parse(input)
                .expect("parses")
                .transform(convert)
                .expect("converts");
            assert_eq!(selector.to_string(), want, "{input}");
            assert_eq!(selector.is_empty(), want.is_empty(), "{input}");
        }
        // The apiserver's use: a per-kind conversion that renames and rejects.
        let pod_fields = |f: &str, v: &str| match f {
            "metadata.name" | "spec.nodeName" => Ok((f.to_string(), v.to_string())),
            "spec.host" => Ok(("spec.nodeName".to_string(), v.to_string())),
            _ => Err(FieldSelectorError::label_not_supported(f)),
        };
        let s = Selector::parse("spec.host=n1")
            .expect("parses")
            .transform(pod_fields)
            .expect("converts");
        assert_eq!(s.to_string(), "spec.nodeName=n1");
        let err = Selector::parse("spec.host=n1,foo=bar")
            .expect("parses")
            .transform(pod_fields);
        assert_eq!(err.expect_err("rejected").to_string(), "field label not supported: foo");
    }

    #[test]
    fn unsupported_field_messages() {
        assert_eq!(
            FieldSelectorError::label_not_supported("x").to_string(),
            "field label not supported: x"
        );
        assert_eq!(
            FieldSelectorError::unknown_field("foo.bar", &DEFAULT_SUPPORTED_FIELDS).to_string(),
            r#""foo.bar" is not a known field selector: only "metadata.name", "metadata.namespace""#
        );
        assert_eq!(
            FieldSelectorError::unknown_field("a\"b", &["spec.x"]).to_string(),
            r#""a\"b" is not a known field selector: only "spec.x""#
        );
    }
}
