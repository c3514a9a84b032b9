//! Parses, prints and matches label selectors with upstream's grammar, semantics and messages (`pkg/labels`).
//!
//! The grammar is upstream's `labels.Parse`:
//!
//! ```text
//! <selector-syntax>         ::= <requirement> | <requirement> "," <selector-syntax>
//! <requirement>             ::= [!] KEY [ <set-based-restriction> | <exact-match-restriction> ]
//! <set-based-restriction>   ::= "" | ("in" | "notin") "(" <values> ")"
//! <exact-match-restriction> ::= ("=" | "==" | "!=" | ">" | "<") VALUE
//! ```
//!
//! Whitespace is only `' '`, `'\t'`, `'\r'` and `'\n'`; every other byte that is not one of
//! `=!(),<>` belongs to an identifier, which is then validated as a label key or value. Values are
//! optional after an exact-match operator (`a=` selects the empty value) and inside a set
//! (`a in ()` selects the empty value, `a in (x,)` selects `x` and the empty value); set values are
//! sorted and deduplicated. A parsed selector keeps its requirements sorted by key, which is also
//! the order of its canonical `Display`.
//!
//! Error texts are upstream's: syntax errors read `found '…', expected: …`, and everything inside
//! one requirement is prefixed with `unable to parse requirement: `. Validation failures are
//! rendered like upstream's `field.ErrorList` aggregates (`values[0][app]: Invalid value: "…": …`),
//! including the `<nil>` path upstream prints for an invalid key in a parsed selector.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::{self, Write as _};
use std::hash::BuildHasher;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::gostr::{go_quote, to_go_json};

/// Why a label selector could not be parsed or built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelSelectorError {
    /// A token out of place, e.g. `found ',', expected: identifier after ','`.
    #[error("found '{found}', expected: {expected}")]
    UnexpectedToken {
        /// The literal found (empty at the end of the input).
        found: String,
        /// What the parser would have accepted, in upstream's words.
        expected: &'static str,
    },
    /// `in`/`notin` not followed by `(`; upstream's message has no comma before `expected`.
    #[error("found '{found}' expected: '('")]
    MissingValueSet {
        /// The literal found instead of `(`.
        found: String,
    },
    /// One requirement of a parsed selector failed; upstream prefixes the cause.
    #[error("unable to parse requirement: {0}")]
    ParseRequirement(Box<LabelSelectorError>),
    /// A requirement's key, operator/values combination or values are invalid.
    #[error("{0}")]
    InvalidRequirement(FieldErrorList),
    /// A `LabelSelector` expression uses an operator other than `In`, `NotIn`, `Exists`, `DoesNotExist`.
    #[error("{} is not a valid label selector operator", go_quote(.0))]
    UnknownOperator(String),
}

/// One invalid value, printed like upstream's `field.Invalid` error: `path: Invalid value: value: detail`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field path as upstream prints it (`key`, `values[0][app]`, or `<nil>` when it has none).
    pub field: String,
    /// The offending value, already rendered as upstream renders it (`"x"`, `["a","b"]`, `null`).
    pub value: String,
    /// Why the value is invalid.
    pub detail: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: Invalid value: {}: {}", self.field, self.value, self.detail)
    }
}

/// Several [`FieldError`]s, printed like upstream's aggregate: one message alone, several as
/// `[a, b]`, duplicates dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldErrorList(pub Vec<FieldError>);

impl fmt::Display for FieldErrorList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut messages: Vec<String> = Vec::with_capacity(self.0.len());
        for err in &self.0 {
            let msg = err.to_string();
            if !messages.contains(&msg) {
                messages.push(msg);
            }
        }
        match messages.as_slice() {
            [one] => f.write_str(one),
            many => write!(f, "[{}]", many.join(", ")),
        }
    }
}

/// How a requirement relates a label key to its values (upstream's `selection.Operator`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `key=value`
    Equals,
    /// `key==value`
    DoubleEquals,
    /// `key!=value`; also matches when the key is absent.
    NotEquals,
    /// `key in (a,b)`
    In,
    /// `key notin (a,b)`; also matches when the key is absent.
    NotIn,
    /// `key`
    Exists,
    /// `!key`
    DoesNotExist,
    /// `key>n`, integer comparison.
    GreaterThan,
    /// `key<n`, integer comparison.
    LessThan,
}

impl Operator {
    /// Upstream's `selection.Operator` string (`"in"`, `"exists"`, `"gt"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::NotEquals => "!=",
            Operator::In => "in",
            Operator::NotIn => "notin",
            Operator::Exists => "exists",
            Operator::DoesNotExist => "!",
            Operator::GreaterThan => "gt",
            Operator::LessThan => "lt",
        }
    }
}

/// Read access to a set of labels, as upstream's `labels.Labels`.
pub trait LabelSet {
    /// The value of `key`, if the label is present.
    fn lookup(&self, key: &str) -> Option<&str>;

    /// Whether the label `key` is present (possibly with an empty value).
    fn has(&self, key: &str) -> bool {
        self.lookup(key).is_some()
    }
}

impl LabelSet for BTreeMap<String, String> {
    fn lookup(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

impl<S: BuildHasher> LabelSet for HashMap<String, String, S> {
    fn lookup(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

impl<T: LabelSet + ?Sized> LabelSet for &T {
    fn lookup(&self, key: &str) -> Option<&str> {
        (**self).lookup(key)
    }
}

/// One condition on one label key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Requirement {
    key: String,
    operator: Operator,
    values: Vec<String>,
}

impl Requirement {
    /// Builds a validated requirement, as upstream's `labels.NewRequirement` (without a field path):
    /// the key must be a qualified name; `In`/`NotIn` need values; `=`, `==`, `!=`, `>` and `<` need
    /// exactly one (an integer for `>`/`<`); `Exists`/`DoesNotExist` take none; every value must be
    /// a valid label value. All violations are reported together. Values are kept as given.
    pub fn new(key: impl Into<String>, operator: Operator, values: Vec<String>) -> Result<Self, LabelSelectorError> {
        let key = key.into();
        let mut errs = Vec::new();
        let key_errs = label_key_errors(&key);
        if !key_errs.is_empty() {
            errs.push(FieldError {
                field: "key".into(),
                value: go_quote(&key),
                detail: key_errs.join("; "),
            });
        }
        let count_error = |detail: &str| FieldError {
            field: "values".into(),
            value: go_json_list(&values),
            detail: detail.into(),
        };
        match operator {
            Operator::In | Operator::NotIn => {
                if values.is_empty() {
                    errs.push(count_error("for 'in', 'notin' operators, values set can't be empty"));
                }
            }
            Operator::Equals | Operator::DoubleEquals | Operator::NotEquals => {
                if values.len() != 1 {
                    errs.push(count_error("exact-match compatibility requires one single value"));
                }
            }
            Operator::Exists | Operator::DoesNotExist => {
                if !values.is_empty() {
                    errs.push(count_error("values set must be empty for exists and does not exist"));
                }
            }
            Operator::GreaterThan | Operator::LessThan => {
                if values.len() != 1 {
                    errs.push(count_error("for 'Gt', 'Lt' operators, exactly one value is required"));
                }
                for (i, value) in values.iter().enumerate() {
                    if value.parse::<i64>().is_err() {
                        errs.push(FieldError {
                            field: format!("values[{i}]"),
                            value: go_quote(value),
                            detail: "for 'Gt', 'Lt' operators, the value must be an integer".into(),
                        });
                    }
                }
            }
        }
        for (i, value) in values.iter().enumerate() {
            let value_errs = label_value_errors(value);
            if !value_errs.is_empty() {
                errs.push(FieldError {
                    field: format!("values[{i}][{key}]"),
                    value: go_quote(value),
                    detail: value_errs.join("; "),
                });
            }
        }
        if errs.is_empty() {
            Ok(Requirement { key, operator, values })
        } else {
            Err(LabelSelectorError::InvalidRequirement(FieldErrorList(errs)))
        }
    }

    /// The label key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The operator.
    pub fn operator(&self) -> Operator {
        self.operator
    }

    /// The values as given (sorted and deduplicated when the requirement was parsed).
    pub fn values(&self) -> &[String] {
        &self.values
    }

    fn has_value(&self, value: &str) -> bool {
        self.values.iter().any(|v| v == value)
    }

    /// Whether `labels` satisfy this requirement, as upstream: `In`/`=`/`==` need the key with one
    /// of the values; `NotIn`/`!=` match an absent key or a value outside the set; `>`/`<` need the
    /// key with a value that parses as an `i64` and compares accordingly.
    pub fn matches(&self, labels: &(impl LabelSet + ?Sized)) -> bool {
        match self.operator {
            Operator::In | Operator::Equals | Operator::DoubleEquals => {
                labels.lookup(&self.key).is_some_and(|v| self.has_value(v))
            }
            Operator::NotIn | Operator::NotEquals => labels.lookup(&self.key).is_none_or(|v| !self.has_value(v)),
            Operator::Exists => labels.has(&self.key),
            Operator::DoesNotExist => !labels.has(&self.key),
            Operator::GreaterThan | Operator::LessThan => {
                let Some(Ok(actual)) = labels.lookup(&self.key).map(str::parse::<i64>) else {
                    return false;
                };
                let [wanted] = self.values.as_slice() else {
                    return false;
                };
                let Ok(wanted) = wanted.parse::<i64>() else {
                    return false;
                };
                if self.operator == Operator::GreaterThan {
                    actual > wanted
                } else {
                    actual < wanted
                }
            }
        }
    }
}

impl fmt::Display for Requirement {
    /// Upstream's `Requirement.String()`: `!k`, `k`, `k=v`, `k==v`, `k!=v`, `k>v`, `k<v`,
    /// `k in (a,b)`, `k notin (a,b)`, values sorted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (infix, parens) = match self.operator {
            Operator::DoesNotExist => return write!(f, "!{}", self.key),
            Operator::Exists => return f.write_str(&self.key),
            Operator::Equals => ("=", false),
            Operator::DoubleEquals => ("==", false),
            Operator::NotEquals => ("!=", false),
            Operator::GreaterThan => (">", false),
            Operator::LessThan => ("<", false),
            Operator::In => (" in ", true),
            Operator::NotIn => (" notin ", true),
        };
        let mut sorted: Vec<&str> = self.values.iter().map(String::as_str).collect();
        sorted.sort_unstable();
        let joined = sorted.join(",");
        if parens {
            write!(f, "{}{infix}({joined})", self.key)
        } else {
            write!(f, "{}{infix}{joined}", self.key)
        }
    }
}

/// An API `LabelSelectorRequirement` (`matchExpressions` item) with its operator as sent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LabelSelectorRequirement {
    /// The label key.
    pub key: String,
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`; anything else is rejected when converting.
    pub operator: String,
    /// Values for `In`/`NotIn`; must be empty for `Exists`/`DoesNotExist`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

/// A label selector: the AND of its requirements, or the selector that matches nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selector {
    requirements: Vec<Requirement>,
    nothing: bool,
}

impl Selector {
    /// The selector that matches every label set (upstream's `labels.Everything()`).
    pub fn everything() -> Self {
        Selector::default()
    }

    /// The selector that matches no label set (upstream's `labels.Nothing()`, what a nil
    /// `LabelSelector` converts to). It is not empty and prints as `""`.
    pub fn nothing() -> Self {
        Selector {
            requirements: Vec::new(),
            nothing: true,
        }
    }

    /// Parses a selector string as upstream's `labels.Parse`.
    pub fn parse(selector: &str) -> Result<Self, LabelSelectorError> {
        let mut parser = Parser::new(selector);
        let mut requirements = parser.parse()?;
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(Selector {
            requirements,
            nothing: false,
        })
    }

    /// A selector requiring every label of `set` to be present with its value, without validating
    /// keys or values (upstream's `labels.SelectorFromSet`); an empty set selects everything.
    pub fn from_set(set: &BTreeMap<String, String>) -> Self {
        let requirements = set
            .iter()
            .map(|(k, v)| Requirement {
                key: k.clone(),
                operator: Operator::Equals,
                values: vec![v.clone()],
            })
            .collect();
        Selector {
            requirements,
            nothing: false,
        }
    }

    /// Converts a present (non-nil) API `LabelSelector`, as upstream's
    /// `metav1.LabelSelectorAsSelector`: no labels and no expressions select everything;
    /// `matchLabels` become `=` requirements; expressions map `In`/`NotIn`/`Exists`/`DoesNotExist`
    /// (case-sensitive) and are validated like [`Requirement::new`]. The first failure is returned
    /// unprefixed (`matchLabels` are checked in key order, before the expressions).
    pub fn from_label_selector(
        match_labels: &BTreeMap<String, String>,
        match_expressions: &[LabelSelectorRequirement],
    ) -> Result<Self, LabelSelectorError> {
        if match_labels.is_empty() && match_expressions.is_empty() {
            return Ok(Selector::everything());
        }
        let mut requirements = Vec::with_capacity(match_labels.len() + match_expressions.len());
        for (key, value) in match_labels {
            requirements.push(Requirement::new(key.clone(), Operator::Equals, vec![value.clone()])?);
        }
        for expr in match_expressions {
            let operator = match expr.operator.as_str() {
                "In" => Operator::In,
                "NotIn" => Operator::NotIn,
                "Exists" => Operator::Exists,
                "DoesNotExist" => Operator::DoesNotExist,
                other => return Err(LabelSelectorError::UnknownOperator(other.to_string())),
            };
            requirements.push(Requirement::new(expr.key.clone(), operator, expr.values.clone())?);
        }
        Ok(Selector::everything().with_requirements(requirements))
    }

    /// Converts an optional API `LabelSelector`: `None` (a nil selector) matches nothing, as
    /// upstream; `Some` behaves as [`Selector::from_label_selector`].
    pub fn from_optional_label_selector(
        selector: Option<(&BTreeMap<String, String>, &[LabelSelectorRequirement])>,
    ) -> Result<Self, LabelSelectorError> {
        match selector {
            None => Ok(Selector::nothing()),
            Some((labels, expressions)) => Selector::from_label_selector(labels, expressions),
        }
    }

    /// This selector with `requirements` added, re-sorted by key (stable). Adding to
    /// [`Selector::nothing`] leaves it matching nothing, as upstream.
    pub fn with_requirements(mut self, requirements: impl IntoIterator<Item = Requirement>) -> Self {
        if self.nothing {
            return self;
        }
        self.requirements.extend(requirements);
        self.requirements.sort_by(|a, b| a.key.cmp(&b.key));
        self
    }

    /// Whether the selector places no restriction (true for [`Selector::everything`], false for
    /// [`Selector::nothing`]), as upstream's `Empty()`.
    pub fn is_empty(&self) -> bool {
        !self.nothing && self.requirements.is_empty()
    }

    /// Whether this is [`Selector::nothing`] (upstream's `labels.MatchesNothing`).
    pub fn matches_nothing(&self) -> bool {
        self.nothing
    }

    /// The requirements, sorted by key; empty for both everything and nothing.
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }

    /// Whether `labels` satisfy every requirement.
    pub fn matches(&self, labels: &(impl LabelSet + ?Sized)) -> bool {
        !self.nothing && self.requirements.iter().all(|r| r.matches(labels))
    }

    /// The single value the selector demands for `key`, if its first requirement on `key` is
    /// `=`, `==` or a one-value `in` (upstream's `RequiresExactMatch`).
    pub fn requires_exact_match(&self, key: &str) -> Option<&str> {
        let requirement = self.requirements.iter().find(|r| r.key == key)?;
        match (requirement.operator, requirement.values.as_slice()) {
            (Operator::Equals | Operator::DoubleEquals | Operator::In, [value]) => Some(value),
            _ => None,
        }
    }
}

impl fmt::Display for Selector {
    /// Upstream's canonical `String()`: requirements in key order joined by `,`; `""` for both
    /// everything and nothing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, requirement) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_char(',')?;
            }
            write!(f, "{requirement}")?;
        }
        Ok(())
    }
}

impl FromStr for Selector {
    type Err = LabelSelectorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Selector::parse(s)
    }
}

// ---------------------------------------------------------------------------------------------
// Lexer and parser, mirroring upstream's byte-level scanner so edge cases (a NUL byte ends a
// token, `in`/`notin` are identifiers where values are expected) behave identically.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    /// Upstream's ErrorToken; the scanner cannot actually produce it, as every special byte is a token.
    Error,
    EndOfString,
    ClosedPar,
    Comma,
    DoesNotExist,
    DoubleEquals,
    Equals,
    GreaterThan,
    Identifier,
    In,
    LessThan,
    NotEquals,
    NotIn,
    OpenPar,
}

fn literal_token(literal: &str) -> Option<Token> {
    Some(match literal {
        ")" => Token::ClosedPar,
        "," => Token::Comma,
        "!" => Token::DoesNotExist,
        "==" => Token::DoubleEquals,
        "=" => Token::Equals,
        ">" => Token::GreaterThan,
        "in" => Token::In,
        "<" => Token::LessThan,
        "!=" => Token::NotEquals,
        "notin" => Token::NotIn,
        "(" => Token::OpenPar,
        _ => return None,
    })
}

fn is_whitespace(ch: u8) -> bool {
    matches!(ch, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_special(ch: u8) -> bool {
    matches!(ch, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

struct Lexer<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    /// The next byte, or 0 at the end (a NUL byte also reads as 0, but is consumed).
    fn read(&mut self) -> u8 {
        match self.s.as_bytes().get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                b
            }
            None => 0,
        }
    }

    fn unread(&mut self) {
        self.pos -= 1;
    }

    /// Only ever cut at ASCII bytes, so always on a char boundary.
    fn slice(&self, start: usize, end: usize) -> &'a str {
        self.s.get(start..end).unwrap_or("")
    }

    fn lex(&mut self) -> (Token, String) {
        let mut ch = self.read();
        while is_whitespace(ch) {
            ch = self.read();
        }
        if ch == 0 {
            return (Token::EndOfString, String::new());
        }
        self.unread();
        if is_special(ch) {
            self.scan_special_symbol()
        } else {
            self.scan_id_or_keyword()
        }
    }

    fn scan_id_or_keyword(&mut self) -> (Token, String) {
        let start = self.pos;
        let end = loop {
            let before = self.pos;
            let ch = self.read();
            if ch == 0 {
                break before;
            }
            if is_special(ch) || is_whitespace(ch) {
                self.unread();
                break self.pos;
            }
        };
        let literal = self.slice(start, end);
        (literal_token(literal).unwrap_or(Token::Identifier), literal.to_string())
    }

    /// Longest operator made of special bytes, as upstream (`!=` rather than `!`, `==` rather than `=`).
    fn scan_special_symbol(&mut self) -> (Token, String) {
        let start = self.pos;
        let mut last: Option<(Token, usize)> = None;
        loop {
            let ch = self.read();
            if ch == 0 {
                break;
            }
            if !is_special(ch) {
                self.unread();
                break;
            }
            if let Some(token) = literal_token(self.slice(start, self.pos)) {
                last = Some((token, self.pos));
            } else if last.is_some() {
                self.unread();
                break;
            }
        }
        match last {
            Some((token, end)) => (token, self.slice(start, end).to_string()),
            None => (
                Token::Error,
                format!("error expected: keyword found '{}'", self.slice(start, self.pos)),
            ),
        }
    }
}

/// Where the parser is: `in`/`notin` are operators after a key but plain values inside a value list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    KeyAndOperator,
    Values,
}

struct Parser {
    items: Vec<(Token, String)>,
    position: usize,
}

fn unexpected(found: String, expected: &'static str) -> LabelSelectorError {
    LabelSelectorError::UnexpectedToken { found, expected }
}

impl Parser {
    fn new(selector: &str) -> Self {
        let mut lexer = Lexer { s: selector, pos: 0 };
        let mut items = Vec::new();
        loop {
            let item = lexer.lex();
            let end = item.0 == Token::EndOfString;
            items.push(item);
            if end {
                break;
            }
        }
        Parser { items, position: 0 }
    }

    fn item(&self, index: usize, context: Context) -> (Token, String) {
        // `items` always ends with EndOfString; never read past it.
        let (token, literal) = &self.items[index.min(self.items.len() - 1)];
        let token = match (context, token) {
            (Context::Values, Token::In | Token::NotIn) => Token::Identifier,
            _ => *token,
        };
        (token, literal.clone())
    }

    fn lookahead(&self, context: Context) -> (Token, String) {
        self.item(self.position, context)
    }

    fn consume(&mut self, context: Context) -> (Token, String) {
        let item = self.item(self.position, context);
        self.position += 1;
        item
    }

    fn parse(&mut self) -> Result<Vec<Requirement>, LabelSelectorError> {
        let mut requirements = Vec::new();
        loop {
            let (token, literal) = self.lookahead(Context::Values);
            match token {
                Token::Identifier | Token::DoesNotExist => {
                    let requirement = self
                        .parse_requirement()
                        .map_err(|e| LabelSelectorError::ParseRequirement(Box::new(e)))?;
                    requirements.push(requirement);
                    let (token, literal) = self.consume(Context::Values);
                    match token {
                        Token::EndOfString => return Ok(requirements),
                        Token::Comma => {
                            let (next, next_literal) = self.lookahead(Context::Values);
                            if next != Token::Identifier && next != Token::DoesNotExist {
                                return Err(unexpected(next_literal, "identifier after ','"));
                            }
                        }
                        _ => return Err(unexpected(literal, "',' or 'end of string'")),
                    }
                }
                Token::EndOfString => return Ok(requirements),
                _ => return Err(unexpected(literal, "!, identifier, or 'end of string'")),
            }
        }
    }

    fn parse_requirement(&mut self) -> Result<Requirement, LabelSelectorError> {
        let (key, inferred) = self.parse_key_and_infer_operator()?;
        if let Some(operator) = inferred {
            return Requirement::new(key, operator, Vec::new());
        }
        let operator = self.parse_operator()?;
        let values = match operator {
            Operator::In | Operator::NotIn => self.parse_values()?,
            _ => self.parse_exact_value()?,
        };
        Requirement::new(key, operator, values)
    }

    /// The key, and `Exists`/`DoesNotExist` when no binary operator follows (a leading `!` always
    /// yields `DoesNotExist`; whatever follows is then left for the caller to reject).
    fn parse_key_and_infer_operator(&mut self) -> Result<(String, Option<Operator>), LabelSelectorError> {
        let mut operator = None;
        let (mut token, mut literal) = self.consume(Context::Values);
        if token == Token::DoesNotExist {
            operator = Some(Operator::DoesNotExist);
            (token, literal) = self.consume(Context::Values);
        }
        if token != Token::Identifier {
            return Err(unexpected(literal, "identifier"));
        }
        let key_errs = label_key_errors(&literal);
        if !key_errs.is_empty() {
            // Upstream validates the key against the parser's (nil) path here.
            return Err(LabelSelectorError::InvalidRequirement(FieldErrorList(vec![
                FieldError {
                    field: "<nil>".into(),
                    value: go_quote(&literal),
                    detail: key_errs.join("; "),
                },
            ])));
        }
        let (next, _) = self.lookahead(Context::Values);
        if (next == Token::EndOfString || next == Token::Comma) && operator.is_none() {
            operator = Some(Operator::Exists);
        }
        Ok((literal, operator))
    }

    fn parse_operator(&mut self) -> Result<Operator, LabelSelectorError> {
        let (token, literal) = self.consume(Context::KeyAndOperator);
        Ok(match token {
            Token::In => Operator::In,
            Token::Equals => Operator::Equals,
            Token::DoubleEquals => Operator::DoubleEquals,
            Token::GreaterThan => Operator::GreaterThan,
            Token::LessThan => Operator::LessThan,
            Token::NotIn => Operator::NotIn,
            Token::NotEquals => Operator::NotEquals,
            _ => return Err(unexpected(literal, "in, notin, =, ==, !=, gt, lt")),
        })
    }

    /// `( values )`, sorted and deduplicated; `()` is the set holding the empty value.
    fn parse_values(&mut self) -> Result<Vec<String>, LabelSelectorError> {
        let (token, literal) = self.consume(Context::Values);
        if token != Token::OpenPar {
            return Err(LabelSelectorError::MissingValueSet { found: literal });
        }
        let (token, literal) = self.lookahead(Context::Values);
        match token {
            Token::Identifier | Token::Comma => {
                let values = self.parse_identifiers_list()?;
                if self.consume(Context::Values).0 != Token::ClosedPar {
                    // Unreachable as the list only ends before `)`; upstream reports the literal after `(`.
                    return Err(unexpected(literal, "')'"));
                }
                Ok(values.into_iter().collect())
            }
            Token::ClosedPar => {
                self.consume(Context::Values);
                Ok(vec![String::new()])
            }
            _ => Err(unexpected(literal, "',', ')' or identifier")),
        }
    }

    /// Comma-separated, possibly empty values up to (not including) `)`.
    fn parse_identifiers_list(&mut self) -> Result<BTreeSet<String>, LabelSelectorError> {
        let mut values = BTreeSet::new();
        loop {
            let (token, literal) = self.consume(Context::Values);
            match token {
                Token::Identifier => {
                    values.insert(literal);
                    let (next, next_literal) = self.lookahead(Context::Values);
                    match next {
                        Token::Comma => continue,
                        Token::ClosedPar => return Ok(values),
                        _ => return Err(unexpected(next_literal, "',' or ')'")),
                    }
                }
                Token::Comma => {
                    if values.is_empty() {
                        values.insert(String::new()); // "(,"
                    }
                    match self.lookahead(Context::Values).0 {
                        Token::ClosedPar => {
                            values.insert(String::new()); // ",)"
                            return Ok(values);
                        }
                        Token::Comma => {
                            values.insert(String::new()); // ",,"
                        }
                        _ => {}
                    }
                }
                _ => return Err(unexpected(literal, "',', or identifier")),
            }
        }
    }

    /// The single value after an exact-match operator; nothing before `,` or the end is `""`.
    fn parse_exact_value(&mut self) -> Result<Vec<String>, LabelSelectorError> {
        let (next, _) = self.lookahead(Context::Values);
        if next == Token::EndOfString || next == Token::Comma {
            return Ok(vec![String::new()]);
        }
        let (token, literal) = self.consume(Context::Values);
        if token == Token::Identifier {
            Ok(vec![literal])
        } else {
            Err(unexpected(literal, "identifier"))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Label key and value validation with the texts of upstream's `api/validate/content` package
// (`IsLabelKey`, `IsLabelValue`), whose length errors count bytes.

const LABEL_NAME_MAX_LENGTH: usize = 63;
const LABEL_VALUE_MAX_LENGTH: usize = 63;
const PREFIX_MAX_LENGTH: usize = 253;

const LABEL_KEY_FORMAT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_KEY_MESSAGE: &str = "must consist of alphanumeric characters, '-', '_' or '.', \
     and must start and end with an alphanumeric character";
const LABEL_VALUE_MESSAGE: &str = "a valid label must be an empty string or consist of alphanumeric characters, \
     '-', '_' or '.', and must start and end with an alphanumeric character";
const SUBDOMAIN_FORMAT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const SUBDOMAIN_MESSAGE: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric \
     characters, '-' or '.', and must start and end with an alphanumeric character";

/// Upstream's `RegexError`: `msg (e.g. 'a',  or 'b', regex used for validation is 're')`.
fn regex_error(message: &str, format: &str, examples: &[&str]) -> String {
    let mut out = format!("{message} (e.g. ");
    for (i, example) in examples.iter().enumerate() {
        if i > 0 {
            out.push_str(" or ");
        }
        let _ = write!(out, "'{example}', ");
    }
    let _ = write!(out, "regex used for validation is '{format}')");
    out
}

fn max_len_error(length: usize) -> String {
    format!("must be no more than {length} bytes")
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
fn is_label_name(s: &str) -> bool {
    let b = s.as_bytes();
    let edge_ok = |c: &u8| c.is_ascii_alphanumeric();
    let inner_ok = |c: &u8| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.');
    match b {
        [] => false,
        [only] => edge_ok(only),
        [first, inner @ .., last] => edge_ok(first) && edge_ok(last) && inner.iter().all(inner_ok),
    }
}

fn is_dns1123_subdomain(s: &str) -> bool {
    let label_ok = |label: &str| {
        let b = label.as_bytes();
        let edge_ok = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
        match b {
            [] => false,
            [only] => edge_ok(only),
            [first, inner @ .., last] => {
                edge_ok(first) && edge_ok(last) && inner.iter().all(|c| edge_ok(c) || *c == b'-')
            }
        }
    };
    s.split('.').all(label_ok)
}

/// Upstream's `content.IsLabelKey` (a.k.a. `IsQualifiedName`); empty when valid.
fn label_key_errors(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let name = match value.split_once('/') {
        None => value,
        Some((_, suffix)) if suffix.contains('/') => {
            return vec![format!(
                "a valid label key {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(LABEL_KEY_MESSAGE, LABEL_KEY_FORMAT, &["MyName", "my.name", "123-abc"])
            )];
        }
        Some((prefix, suffix)) => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_string());
            } else {
                if prefix.len() > PREFIX_MAX_LENGTH {
                    errs.push(format!("prefix part {}", max_len_error(PREFIX_MAX_LENGTH)));
                }
                if !is_dns1123_subdomain(prefix) {
                    let msg = regex_error(SUBDOMAIN_MESSAGE, SUBDOMAIN_FORMAT, &["example.com"]);
                    errs.push(format!("prefix part {msg}"));
                }
            }
            suffix
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_string());
    } else if name.len() > LABEL_NAME_MAX_LENGTH {
        errs.push(format!("name part {}", max_len_error(LABEL_NAME_MAX_LENGTH)));
    }
    if !is_label_name(name) {
        let msg = regex_error(LABEL_KEY_MESSAGE, LABEL_KEY_FORMAT, &["MyName", "my.name", "123-abc"]);
        errs.push(format!("name part {msg}"));
    }
    errs
}

/// Upstream's `content.IsLabelValue` (a.k.a. `IsValidLabelValue`); empty when valid.
fn label_value_errors(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > LABEL_VALUE_MAX_LENGTH {
        errs.push(max_len_error(LABEL_VALUE_MAX_LENGTH));
    }
    if !value.is_empty() && !is_label_name(value) {
        let format = format!("({LABEL_KEY_FORMAT})?");
        errs.push(regex_error(
            LABEL_VALUE_MESSAGE,
            &format,
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

// ---------------------------------------------------------------------------------------------
// Value rendering as Go renders it in these messages.

/// Go's `json.Marshal` of a `[]string` as upstream passes it: an empty list is the nil slice, `null`.
fn go_json_list(values: &[String]) -> String {
    if values.is_empty() {
        return "null".to_string();
    }
    to_go_json(values).unwrap_or_else(|_| "null".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_REGEX_MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end \
        with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is \
        '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    const VALUE_REGEX_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, \
        '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  \
        or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
    const SUBDOMAIN_REGEX_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric \
        characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex \
        used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    fn set(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn parse_err(selector: &str) -> String {
        match Selector::parse(selector) {
            Ok(s) => panic!("{selector:?} parsed as {s}"),
            Err(e) => e.to_string(),
        }
    }

    fn req(key: &str, operator: Operator, values: &[&str]) -> Requirement {
        Requirement::new(key, operator, values.iter().map(|v| v.to_string()).collect()).expect("valid requirement")
    }

    #[test]
    fn parse_then_print_is_canonical() {
        // Upstream's TestSelectorParse good strings: printing equals the input without spaces.
        for input in [
            "x=a,y=b,z=c",
            "",
            "x!=a,y=b",
            "x=",
            "x= ",
            "x=,z= ",
            "x= ,z= ",
            "!x",
            "x>1",
            "x>1,z<5",
        ] {
            let selector = Selector::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(selector.to_string(), input.replace(' ', ""), "{input}");
        }
        let cases = [
            ("x=a,a=x", "a=x,x=a"),
            ("\rx", "x"),
            ("a ", "a"),
            ("y==b", "y==b"),
            (
                "this-is-a-dns.domain.com/key-with-dash",
                "this-is-a-dns.domain.com/key-with-dash",
            ),
            (
                "this-is-another-dns.domain.com/key-with-dash in (so,what)",
                "this-is-another-dns.domain.com/key-with-dash in (so,what)",
            ),
            (
                "0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
                "0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)",
            ),
            ("foo  in\t (abc)", "foo in (abc)"),
            ("x notin\n (abc)", "x notin (abc)"),
            ("x  notin\t\t\t(abc,def)", "x notin (abc,def)"),
            ("x in (def,abc,def)", "x in (abc,def)"),
            ("x in (abc,)", "x in (,abc)"),
            ("x in ()", "x in ()"),
            ("x notin ( )", "x notin ()"),
            ("x notin (, a)", "x notin (,a)"),
            ("x in (a,,b)", "x in (,a,b)"),
            ("x notin (abc,,def),bar,z in (),w", "bar,w,x notin (,abc,def),z in ()"),
            ("x,y in (a)", "x,y in (a)"),
            ("a in (x,y,notin, z,in)", "a in (in,notin,x,y,z)"),
            ("notin=in", "notin=in"),
            ("in in (in)", "in in (in)"),
            ("x=a,!y,z", "x=a,!y,z"),
            ("b=1,a=2,b!=3", "a=2,b=1,b!=3"),
        ];
        for (input, want) in cases {
            let selector = Selector::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(selector.to_string(), want, "{input}");
        }
    }

    #[test]
    fn parsed_requirements_have_upstream_structure() {
        let selector = Selector::parse("x notin (abc,,def),bar,z in (),w").expect("parses");
        assert_eq!(
            selector.requirements(),
            &[
                req("bar", Operator::Exists, &[]),
                req("w", Operator::Exists, &[]),
                req("x", Operator::NotIn, &["", "abc", "def"]),
                req("z", Operator::In, &[""]),
            ]
        );
        let selector = Selector::parse("x=a,y==b,z!=,!w,v>3").expect("parses");
        let ops: Vec<_> = selector
            .requirements()
            .iter()
            .map(|r| (r.key(), r.operator(), r.values()))
            .collect();
        assert_eq!(
            ops,
            vec![
                ("v", Operator::GreaterThan, &["3".to_string()][..]),
                ("w", Operator::DoesNotExist, &[][..]),
                ("x", Operator::Equals, &["a".to_string()][..]),
                ("y", Operator::DoubleEquals, &["b".to_string()][..]),
                ("z", Operator::NotEquals, &[String::new()][..]),
            ]
        );
        assert!(Selector::parse("").expect("empty").is_empty());
        assert!(Selector::parse(" \t\r\n").expect("blank").is_empty());
    }

    #[test]
    fn parse_errors_have_upstream_messages() {
        let cases: &[(&str, &str)] = &[
            ("x==a==b", "found '==', expected: ',' or 'end of string'"),
            ("!x=a", "found '=', expected: ',' or 'end of string'"),
            ("x,,y", "found ',', expected: identifier after ','"),
            (",x,y", "found ',', expected: !, identifier, or 'end of string'"),
            ("a in (xyz),", "found '', expected: identifier after ','"),
            ("a in (xyz)b notin ()", "found 'b', expected: ',' or 'end of string'"),
            ("(", "found '(', expected: !, identifier, or 'end of string'"),
            ("x=a y=b", "found 'y', expected: ',' or 'end of string'"),
            (
                "x nott in (y)",
                "unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt",
            ),
            (
                "a (",
                "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt",
            ),
            ("x >= 1", "unable to parse requirement: found '=', expected: identifier"),
            (
                "a in (xyz abc)",
                "unable to parse requirement: found 'abc', expected: ',' or ')'",
            ),
            (
                "a notin(",
                "unable to parse requirement: found '', expected: ',', ')' or identifier",
            ),
            (
                "a in (=)",
                "unable to parse requirement: found '=', expected: ',', ')' or identifier",
            ),
            (
                "x in (a,=)",
                "unable to parse requirement: found '=', expected: ',', or identifier",
            ),
            ("x in a", "unable to parse requirement: found 'a' expected: '('"),
            ("x in", "unable to parse requirement: found '' expected: '('"),
            ("x=(a)", "unable to parse requirement: found '(', expected: identifier"),
            ("!", "unable to parse requirement: found '', expected: identifier"),
            ("!!x", "unable to parse requirement: found '!', expected: identifier"),
            (
                "x<a",
                "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer",
            ),
            (
                "x>",
                "unable to parse requirement: values[0]: Invalid value: \"\": for 'Gt', 'Lt' operators, the value must be an integer",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(parse_err(input), *want, "{input}");
        }
    }

    #[test]
    fn invalid_keys_and_values_use_validation_wording() {
        assert_eq!(
            parse_err("app:monolith"),
            format!("unable to parse requirement: <nil>: Invalid value: \"app:monolith\": name part {KEY_REGEX_MSG}")
        );
        assert_eq!(
            parse_err("app.kubernetes_io/name=vault"),
            format!(
                "unable to parse requirement: <nil>: Invalid value: \"app.kubernetes_io/name\": prefix part {SUBDOMAIN_REGEX_MSG}"
            )
        );
        assert_eq!(
            parse_err("x=a||y=b"),
            format!("unable to parse requirement: values[0][x]: Invalid value: \"a||y\": {VALUE_REGEX_MSG}")
        );
        let long = "a".repeat(64);
        assert_eq!(
            parse_err(&long),
            format!(
                "unable to parse requirement: <nil>: Invalid value: \"{long}\": name part must be no more than 63 bytes"
            )
        );
        assert_eq!(
            parse_err(&format!("x={long}")),
            format!(
                "unable to parse requirement: values[0][x]: Invalid value: \"{long}\": must be no more than 63 bytes"
            )
        );
        assert_eq!(
            parse_err("/a"),
            "unable to parse requirement: <nil>: Invalid value: \"/a\": prefix part must be non-empty"
        );
        assert_eq!(
            parse_err("a/"),
            format!(
                "unable to parse requirement: <nil>: Invalid value: \"a/\": name part must be non-empty; name part {KEY_REGEX_MSG}"
            )
        );
        assert_eq!(
            parse_err("a/b/c"),
            format!(
                "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a valid label key {KEY_REGEX_MSG} with an \
                 optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
            )
        );
        // Several failures in one requirement are aggregated in brackets, indexed by sorted value.
        assert_eq!(
            parse_err("x in (-b,-a)"),
            format!(
                "unable to parse requirement: [values[0][x]: Invalid value: \"-a\": {VALUE_REGEX_MSG}, \
                 values[1][x]: Invalid value: \"-b\": {VALUE_REGEX_MSG}]"
            )
        );
        assert_eq!(
            parse_err("x>-a"),
            format!(
                "unable to parse requirement: [values[0]: Invalid value: \"-a\": for 'Gt', 'Lt' operators, the value \
                 must be an integer, values[0][x]: Invalid value: \"-a\": {VALUE_REGEX_MSG}]"
            )
        );
        // Go %q escaping of the bad value.
        assert_eq!(
            parse_err("x=\"q\u{1}\u{e9}"),
            format!(
                "unable to parse requirement: values[0][x]: Invalid value: \"\\\"q\\x01\u{e9}\": {VALUE_REGEX_MSG}"
            )
        );
    }

    #[test]
    fn valid_keys_and_values() {
        for key in [
            "simple",
            "now-with-dashes",
            "1-starts-with-num",
            "1234",
            "simple/simple",
            "now-with-dashes/simple",
            "now.with.dots/simple",
            "1-num.2-num/3-num",
            "1.2.3.4/5678",
            "Uppercase_Is_OK_123",
            "example.com/Uppercase_Is_OK_123",
            "requests.storage-foo",
            &"a".repeat(63),
            &format!("{}/{}", "a".repeat(253), "b".repeat(63)),
        ] {
            assert_eq!(label_key_errors(key), Vec::<String>::new(), "{key}");
        }
        for key in [
            "",
            "nospecialchars%^=@",
            "cantendwithadash-",
            "-cantstartwithadash-",
            "only/one/slash",
            "Example.com/abc",
            "example_com/abc",
            "example.com/",
            "/simple",
            &"a".repeat(64),
            &format!("{}/abc", "a".repeat(254)),
        ] {
            assert!(!label_key_errors(key).is_empty(), "{key}");
        }
        assert_eq!(
            label_key_errors(&format!("{}/abc", "a".repeat(254))),
            vec!["prefix part must be no more than 253 bytes".to_string()]
        );
        for value in [
            "simple",
            "now-with-dashes",
            "1-starts-with-num",
            "end-with-num-1",
            "1234",
            "",
            &"a".repeat(63),
        ] {
            assert_eq!(label_value_errors(value), Vec::<String>::new(), "{value}");
        }
        for value in [
            "nospecialchars%^=@",
            "Tama-nui-te-r\u{101}.is.M\u{101}ori.sun",
            "\\backslashes\\are\\bad",
            "-starts-with-dash",
            "ends-with-dash-",
            ".starts.with.dot",
            "ends.with.dot.",
            &"a".repeat(64),
        ] {
            assert!(!label_value_errors(value).is_empty(), "{value}");
        }
    }

    #[test]
    fn selector_matching() {
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], bool);
        let cases: &[Case] = &[
            ("", &[("x", "y")], true),
            ("x=y", &[("x", "y")], true),
            ("x=y,z=w", &[("x", "y"), ("z", "w")], true),
            ("x!=y,z!=w", &[("x", "z"), ("z", "a")], true),
            ("notin=in", &[("notin", "in")], true),
            ("x", &[("x", "z")], true),
            ("!x", &[("y", "z")], true),
            ("x>1", &[("x", "2")], true),
            ("x<1", &[("x", "0")], true),
            ("x=z", &[], false),
            ("x=y", &[("x", "z")], false),
            ("x=y,z=w", &[("x", "w"), ("z", "w")], false),
            ("x!=y,z!=w", &[("x", "z"), ("z", "w")], false),
            ("x", &[("y", "z")], false),
            ("!x", &[("x", "z")], false),
            ("x>1", &[("x", "0")], false),
            ("x<1", &[("x", "2")], false),
            ("foo=bar,foobar=bar,baz=blah", &[("foo", "bar"), ("baz", "blah")], false),
            // Absent keys satisfy the negative operators.
            ("x!=y", &[], true),
            ("x notin (a,b)", &[], true),
            ("x notin (a,b)", &[("x", "a")], false),
            ("x notin ()", &[("y", "")], true),
            ("x notin ()", &[("x", "")], false),
            ("x in (a,b)", &[("x", "b")], true),
            ("x in (a,b)", &[], false),
            ("x in ()", &[("x", "")], true),
            ("x in ()", &[("y", "baz")], false),
            ("x=", &[("x", "")], true),
            ("x=", &[], false),
            ("x==a", &[("x", "a")], true),
            ("x", &[("x", "")], true),
            // Gt/Lt need an integer label value.
            ("z>1", &[("z", "v2")], false),
            ("z>1", &[], false),
        ];
        for (selector, labels, want) in cases {
            let parsed = Selector::parse(selector).unwrap_or_else(|e| panic!("{selector}: {e}"));
            assert_eq!(parsed.matches(&set(labels)), *want, "{selector} on {labels:?}");
        }
        // A negative bound is not a valid label value, so it cannot be parsed at all.
        assert!(Selector::parse("z>-1").is_err());
        // Integers are signed 64-bit, as Go's ParseInt: overflow does not match.
        let big = Selector::parse("z<10").expect("parses");
        assert!(big.matches(&set(&[("z", "+9")])));
        assert!(big.matches(&set(&[("z", "-9223372036854775808")])));
        assert!(!big.matches(&set(&[("z", "99999999999999999999")])));
        assert!(!big.matches(&set(&[("z", " 9")])));
        // HashMap label sets work too.
        let hash: HashMap<String, String> = [("x".to_string(), "y".to_string())].into_iter().collect();
        assert!(Selector::parse("x=y").expect("parses").matches(&hash));
    }

    #[test]
    fn requirement_matching_on_hand_built_requirements() {
        let labels = set(&[("y", "")]);
        let everything = Selector::everything();
        assert!(
            everything
                .with_requirements([req("x", Operator::NotIn, &[""]), req("y", Operator::Exists, &[])])
                .matches(&labels)
        );
        let s = Selector::everything()
            .with_requirements([req("x", Operator::DoesNotExist, &[]), req("y", Operator::Exists, &[])]);
        assert!(s.matches(&labels));
        let s = Selector::everything()
            .with_requirements([req("x", Operator::NotIn, &[""]), req("y", Operator::DoesNotExist, &[])]);
        assert!(!s.matches(&labels));
        let s = Selector::everything()
            .with_requirements([req("x", Operator::In, &["foo"]), req("y", Operator::In, &["alpha"])]);
        assert!(!s.matches(&set(&[("x", "foo"), ("y", "baz")])));
        let s = Selector::everything()
            .with_requirements([req("x", Operator::In, &["foo"]), req("y", Operator::NotIn, &["alpha"])]);
        assert!(s.matches(&set(&[("x", "foo"), ("y", "baz")])));
    }

    #[test]
    fn requirement_constructor() {
        let ok: &[(&str, Operator, &[&str])] = &[
            ("x", Operator::In, &["foo"]),
            ("x", Operator::NotIn, &["foo"]),
            ("x", Operator::Exists, &[]),
            ("x", Operator::DoesNotExist, &[]),
            ("1foo", Operator::In, &["bar"]),
            ("1234", Operator::In, &["bar"]),
            ("y", Operator::GreaterThan, &["1"]),
            ("z", Operator::LessThan, &["6"]),
        ];
        for (key, op, values) in ok {
            let values = values.iter().map(|v| v.to_string()).collect();
            assert!(Requirement::new(*key, *op, values).is_ok(), "{key} {op:?}");
        }
        let bad: &[(&str, Operator, &[&str], &str)] = &[
            (
                "x",
                Operator::In,
                &[],
                "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
            ),
            (
                "x",
                Operator::NotIn,
                &[],
                "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
            ),
            (
                "x",
                Operator::Equals,
                &["a", "b"],
                "values: Invalid value: [\"a\",\"b\"]: exact-match compatibility requires one single value",
            ),
            (
                "x",
                Operator::Exists,
                &["a"],
                "values: Invalid value: [\"a\"]: values set must be empty for exists and does not exist",
            ),
            (
                "foo",
                Operator::GreaterThan,
                &["bar"],
                "values[0]: Invalid value: \"bar\": for 'Gt', 'Lt' operators, the value must be an integer",
            ),
            (
                "z",
                Operator::LessThan,
                &["1", "2"],
                "values: Invalid value: [\"1\",\"2\"]: for 'Gt', 'Lt' operators, exactly one value is required",
            ),
        ];
        for (key, op, values, want) in bad {
            let values = values.iter().map(|v| v.to_string()).collect();
            let err = Requirement::new(*key, *op, values).expect_err("invalid");
            assert_eq!(err.to_string(), *want, "{key} {op:?}");
        }
        let err = Requirement::new("a".repeat(254), Operator::Exists, vec![]).expect_err("too long");
        assert!(err.to_string().starts_with("key: Invalid value: \"aaa"), "{err}");
    }

    #[test]
    fn display_of_hand_built_selectors() {
        let cases: Vec<(Vec<Requirement>, &str)> = vec![
            (
                vec![
                    req("x", Operator::In, &["def", "abc"]),
                    req("y", Operator::NotIn, &["jkl"]),
                    req("z", Operator::Exists, &[]),
                ],
                "x in (abc,def),y notin (jkl),z",
            ),
            (
                vec![
                    req("x", Operator::NotIn, &["abc", "def"]),
                    req("y", Operator::NotEquals, &["jkl"]),
                    req("z", Operator::DoesNotExist, &[]),
                ],
                "x notin (abc,def),y!=jkl,!z",
            ),
            (
                vec![
                    req("x", Operator::NotIn, &["abc"]),
                    req("y", Operator::In, &["jkl", "mno"]),
                    req("z", Operator::NotIn, &[""]),
                ],
                "x notin (abc),y in (jkl,mno),z notin ()",
            ),
            (
                vec![
                    req("x", Operator::Equals, &["abc"]),
                    req("y", Operator::DoubleEquals, &["jkl"]),
                    req("z", Operator::NotEquals, &["a"]),
                    req("z", Operator::Exists, &[]),
                ],
                "x=abc,y==jkl,z!=a,z",
            ),
            (
                vec![
                    req("z", Operator::Exists, &[]),
                    req("y", Operator::LessThan, &["8"]),
                    req("x", Operator::GreaterThan, &["2"]),
                ],
                "x>2,y<8,z",
            ),
            // Values print sorted but keep duplicates given to the constructor, as upstream's safeSort.
            (vec![req("k", Operator::In, &["b", "a", "b"])], "k in (a,b,b)"),
        ];
        for (requirements, want) in cases {
            assert_eq!(Selector::everything().with_requirements(requirements).to_string(), want);
        }
    }

    #[test]
    fn everything_nothing_and_sets() {
        let everything = Selector::everything();
        assert!(everything.is_empty());
        assert!(!everything.matches_nothing());
        assert!(everything.matches(&set(&[("x", "y")])));
        assert_eq!(everything.to_string(), "");

        let nothing = Selector::nothing();
        assert!(!nothing.is_empty());
        assert!(nothing.matches_nothing());
        assert!(!nothing.matches(&set(&[])));
        assert_eq!(nothing.to_string(), "");
        assert!(
            nothing
                .with_requirements([req("x", Operator::Exists, &[])])
                .requirements()
                .is_empty()
        );

        let labelset = set(&[("foo", "bar"), ("baz", "blah")]);
        assert!(Selector::from_set(&set(&[])).is_empty());
        assert!(Selector::from_set(&set(&[])).matches(&labelset));
        assert!(Selector::from_set(&set(&[("foo", "bar"), ("baz", "blah")])).matches(&labelset));
        assert!(!Selector::from_set(&set(&[("foo", "=blah")])).matches(&labelset));
        assert_eq!(
            Selector::from_set(&set(&[("b", "2"), ("a", "1")])).to_string(),
            "a=1,b=2"
        );
    }

    #[test]
    fn requires_exact_match() {
        let s = Selector::parse("a=1,b==2,c in (3),d in (4,5),e!=6,f").expect("parses");
        assert_eq!(s.requires_exact_match("a"), Some("1"));
        assert_eq!(s.requires_exact_match("b"), Some("2"));
        assert_eq!(s.requires_exact_match("c"), Some("3"));
        assert_eq!(s.requires_exact_match("d"), None);
        assert_eq!(s.requires_exact_match("e"), None);
        assert_eq!(s.requires_exact_match("f"), None);
        assert_eq!(s.requires_exact_match("g"), None);
        // Only the first requirement on the key counts.
        let s = Selector::parse("a!=1,a=2").expect("parses");
        assert_eq!(s.requires_exact_match("a"), None);
    }

    #[test]
    fn label_selector_conversion() {
        let none: &[LabelSelectorRequirement] = &[];
        let empty = BTreeMap::new();
        assert!(Selector::from_label_selector(&empty, none).expect("empty").is_empty());
        let nil = Selector::from_optional_label_selector(None).expect("nil");
        assert!(nil.matches_nothing());
        assert!(!nil.matches(&set(&[])));
        let present_empty = Selector::from_optional_label_selector(Some((&empty, none))).expect("empty");
        assert!(present_empty.matches(&set(&[])));

        let expr = |key: &str, operator: &str, values: &[&str]| LabelSelectorRequirement {
            key: key.into(),
            operator: operator.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        };
        let selector = Selector::from_label_selector(
            &set(&[("tier", "web"), ("app", "nginx")]),
            &[
                expr("env", "In", &["prod", "dev"]),
                expr("canary", "DoesNotExist", &[]),
                expr("z", "NotIn", &["a"]),
                expr("k", "Exists", &[]),
            ],
        )
        .expect("valid");
        assert_eq!(
            selector.to_string(),
            "app=nginx,!canary,env in (dev,prod),k,tier=web,z notin (a)"
        );
        assert!(selector.matches(&set(&[("app", "nginx"), ("tier", "web"), ("env", "dev"), ("k", "")])));
        assert!(!selector.matches(&set(&[("app", "nginx"), ("tier", "web"), ("env", "dev")])));

        let err = |labels: &[(&str, &str)], exprs: &[LabelSelectorRequirement]| {
            Selector::from_label_selector(&set(labels), exprs)
                .expect_err("invalid")
                .to_string()
        };
        assert_eq!(
            err(&[], &[expr("a", "Foo", &[])]),
            "\"Foo\" is not a valid label selector operator"
        );
        assert_eq!(
            err(&[], &[expr("a", "in", &["x"])]),
            "\"in\" is not a valid label selector operator"
        );
        assert_eq!(
            err(&[], &[expr("a", "In", &[])]),
            "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"
        );
        assert_eq!(
            err(&[], &[expr("a", "Exists", &["x"])]),
            "values: Invalid value: [\"x\"]: values set must be empty for exists and does not exist"
        );
        assert_eq!(
            err(&[("-a", "b")], &[]),
            format!("key: Invalid value: \"-a\": name part {KEY_REGEX_MSG}")
        );
        assert_eq!(
            err(&[("a b", "c d")], &[]),
            format!(
                "[key: Invalid value: \"a b\": name part {KEY_REGEX_MSG}, values[0][a b]: Invalid value: \"c d\": \
                 {VALUE_REGEX_MSG}]"
            )
        );
        // Match labels are checked before expressions.
        assert_eq!(
            err(&[("x", "-")], &[expr("a", "Foo", &[])]),
            format!("values[0][x]: Invalid value: \"-\": {VALUE_REGEX_MSG}")
        );
    }

    #[test]
    fn label_selector_requirement_serde() {
        let r: LabelSelectorRequirement =
            serde_json::from_str(r#"{"key":"a","operator":"Exists"}"#).expect("deserializes");
        assert_eq!(
            r,
            LabelSelectorRequirement {
                key: "a".into(),
                operator: "Exists".into(),
                values: vec![]
            }
        );
        assert_eq!(
            serde_json::to_string(&r).expect("serializes"),
            r#"{"key":"a","operator":"Exists"}"#
        );
    }

    #[test]
    fn lexer_edge_cases() {
        // A NUL byte ends the token it interrupts; at a token start it ends the input.
        assert_eq!(Selector::parse("a=b \0garbage,,").expect("parses").to_string(), "a=b");
        assert_eq!(parse_err("a=b\0c"), "found 'c', expected: ',' or 'end of string'");
        // Other whitespace belongs to identifiers and fails validation.
        assert!(parse_err("a=\u{b}b").contains("Invalid value: \"\\vb\""));
        assert_eq!(parse_err("x=a=b"), "found '=', expected: ',' or 'end of string'");
        assert_eq!(
            parse_err("x!a"),
            "unable to parse requirement: found '!', expected: in, notin, =, ==, !=, gt, lt"
        );
        let s = Selector::parse("x!=a").expect("parses");
        assert_eq!(s.requirements()[0].operator(), Operator::NotEquals);
    }

    #[test]
    fn go_rendering_helpers() {
        assert_eq!(
            go_quote("a\"b\\c\n\u{0}\u{7f}\u{a0}\u{e9}\u{1f600}"),
            "\"a\\\"b\\\\c\\n\\x00\\x7f\\u00a0\u{e9}\u{1f600}\""
        );
        assert_eq!(go_json_list(&[]), "null");
        assert_eq!(go_json_list(&["<a&b>".to_string()]), "[\"\\u003ca\\u0026b\\u003e\"]");
        assert_eq!(
            go_json_list(&["a\u{8}\u{1}\u{2028}".to_string(), "\"".to_string()]),
            "[\"a\\b\\u0001\\u2028\",\"\\\"\"]"
        );
        let list = FieldErrorList(vec![
            FieldError {
                field: "f".into(),
                value: "1".into(),
                detail: "d".into(),
            },
            FieldError {
                field: "f".into(),
                value: "1".into(),
                detail: "d".into(),
            },
        ]);
        assert_eq!(list.to_string(), "f: Invalid value: 1: d");
    }
}
