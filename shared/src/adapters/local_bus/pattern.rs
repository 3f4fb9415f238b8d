//! EventBridge event patterns, for the subset Mambogo's rules use; see [`EventPattern`].

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// Why a pattern is malformed or uses more than the supported subset.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("event pattern at {path}: {problem}")]
pub struct PatternError {
    /// Where in the pattern, as dotted field names (`$` for the whole pattern).
    pub path: String,
    /// What is wrong there.
    pub problem: String,
}

/// A parsed EventBridge event pattern.
///
/// A pattern is a JSON object mirroring the event. Every field it names must match
/// (fields it does not name are free), and a field's condition is either a nested
/// pattern (for an object in the event) or a non-empty array of matchers, of which one
/// must match:
///
/// - a literal string, number, boolean or `null`: the value equals it (numbers compare
///   by value, so `1` matches `1.0`);
/// - `{"prefix": "text"}`: the value is a string starting with `text`;
/// - `{"anything-but": literal or [literals]}`: the value exists and equals none of them;
/// - `{"exists": true}` / `{"exists": false}`: the field is present / absent.
///
/// Matchers see leaf values only: when the event's value is an array, the field matches
/// if any of its scalar elements does; an object, an empty array or a missing field has
/// no leaf values, so only `{"exists": false}` matches it. A nested pattern applied to
/// something that is not an object sees all its fields as absent.
///
/// Anything else EventBridge offers (`suffix`, `numeric`, `wildcard`,
/// `equals-ignore-case`, `cidr`, `$or`, nested operators) is refused when the pattern is
/// parsed, so a rule the local bus cannot evaluate fails loudly instead of misrouting.
#[derive(Clone, Debug, PartialEq)]
pub struct EventPattern {
    fields: Vec<(String, Condition)>,
    /// The pattern as written, for EventBridge's PutRule.
    source: Value,
}

#[derive(Clone, Debug, PartialEq)]
enum Condition {
    Nested(EventPattern),
    AnyOf(Vec<Matcher>),
}

#[derive(Clone, Debug, PartialEq)]
enum Matcher {
    Equals(Value),
    Prefix(String),
    AnythingBut(Vec<Value>),
    Exists(bool),
}

impl EventPattern {
    /// Parses `pattern`, refusing anything outside the supported subset.
    pub fn parse(pattern: &Value) -> Result<EventPattern, PatternError> {
        match pattern {
            Value::Object(fields) => EventPattern::parse_fields(fields, "$"),
            _ => Err(error("$", "a pattern is a JSON object")),
        }
    }

    /// The pattern as written (what EventBridge's PutRule takes).
    pub fn source(&self) -> &Value {
        &self.source
    }

    /// Whether `event` (an envelope such as [`DomainEvent::to_envelope`] returns)
    /// matches.
    ///
    /// [`DomainEvent::to_envelope`]: crate::domain::events::DomainEvent::to_envelope
    pub fn matches(&self, event: &Value) -> bool {
        self.matches_fields_of(Some(event))
    }

    fn parse_fields(fields: &Map<String, Value>, path: &str) -> Result<EventPattern, PatternError> {
        if fields.is_empty() {
            return Err(error(path, "a pattern names at least one field"));
        }
        let source = Value::Object(fields.clone());
        let fields = fields
            .iter()
            .map(|(name, condition)| {
                let path = format!("{path}.{name}");
                if name.starts_with('$') {
                    return Err(error(&path, "operators such as $or are not supported"));
                }
                let condition = match condition {
                    Value::Object(nested) => {
                        Condition::Nested(EventPattern::parse_fields(nested, &path)?)
                    }
                    Value::Array(matchers) if !matchers.is_empty() => Condition::AnyOf(
                        matchers
                            .iter()
                            .map(|matcher| Matcher::parse(matcher, &path))
                            .collect::<Result<_, _>>()?,
                    ),
                    _ => {
                        return Err(error(
                            &path,
                            "a field's condition is an object or a non-empty array",
                        ))
                    }
                };
                Ok((name.clone(), condition))
            })
            .collect::<Result<_, _>>()?;
        Ok(EventPattern { fields, source })
    }

    fn matches_fields_of(&self, value: Option<&Value>) -> bool {
        let object = value.and_then(Value::as_object);
        self.fields.iter().all(|(name, condition)| {
            let field = object.and_then(|object| object.get(name));
            match condition {
                Condition::Nested(pattern) => pattern.matches_fields_of(field),
                Condition::AnyOf(matchers) => {
                    let leaves = leaf_values(field);
                    matchers.iter().any(|matcher| matcher.matches(&leaves))
                }
            }
        })
    }
}

/// Reads a pattern from a rule file, with the checks of [`EventPattern::parse`].
impl<'de> Deserialize<'de> for EventPattern {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Value::deserialize(deserializer)?;
        EventPattern::parse(&raw).map_err(serde::de::Error::custom)
    }
}

impl Matcher {
    fn parse(matcher: &Value, path: &str) -> Result<Matcher, PatternError> {
        if is_leaf(matcher) {
            return Ok(Matcher::Equals(matcher.clone()));
        }
        let Some((operator, operand)) = matcher
            .as_object()
            .filter(|object| object.len() == 1)
            .and_then(|object| object.iter().next())
        else {
            return Err(error(
                path,
                "a matcher is a literal or an object with one operator",
            ));
        };
        match (operator.as_str(), operand) {
            ("prefix", Value::String(prefix)) => Ok(Matcher::Prefix(prefix.clone())),
            ("exists", Value::Bool(present)) => Ok(Matcher::Exists(*present)),
            ("anything-but", Value::Array(excluded))
                if !excluded.is_empty() && excluded.iter().all(is_leaf) =>
            {
                Ok(Matcher::AnythingBut(excluded.clone()))
            }
            ("anything-but", excluded) if is_leaf(excluded) => {
                Ok(Matcher::AnythingBut(vec![excluded.clone()]))
            }
            ("prefix" | "exists" | "anything-but", _) => Err(error(
                path,
                &format!("{operator} takes a form the local bus does not support"),
            )),
            _ => Err(error(
                path,
                &format!("the {operator} operator is not supported"),
            )),
        }
    }

    fn matches(&self, leaves: &[&Value]) -> bool {
        match self {
            Matcher::Exists(present) => leaves.is_empty() != *present,
            Matcher::Equals(expected) => leaves.iter().any(|value| same_literal(value, expected)),
            Matcher::Prefix(prefix) => leaves
                .iter()
                .any(|value| value.as_str().is_some_and(|text| text.starts_with(prefix))),
            Matcher::AnythingBut(excluded) => leaves.iter().any(|value| {
                !excluded
                    .iter()
                    .any(|unwanted| same_literal(value, unwanted))
            }),
        }
    }
}

fn error(path: &str, problem: &str) -> PatternError {
    PatternError {
        path: path.to_owned(),
        problem: problem.to_owned(),
    }
}

fn is_leaf(value: &Value) -> bool {
    !matches!(value, Value::Array(_) | Value::Object(_))
}

/// The scalar values a field holds: itself, or the scalar elements of an array.
fn leaf_values(field: Option<&Value>) -> Vec<&Value> {
    match field {
        Some(Value::Array(items)) => items.iter().filter(|item| is_leaf(item)).collect(),
        Some(value) if is_leaf(value) => vec![value],
        _ => Vec::new(),
    }
}

fn same_literal(value: &Value, literal: &Value) -> bool {
    match (value, literal) {
        (Value::Number(value), Value::Number(literal)) => value.as_f64() == literal.as_f64(),
        _ => value == literal,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn pattern(raw: Value) -> EventPattern {
        EventPattern::parse(&raw).unwrap()
    }

    fn order_confirmed() -> Value {
        json!({
            "source": "mambogo.orders",
            "detail-type": "OrderConfirmed",
            "detail": {
                "orderId": "0b3c6c1e-5f7a-4d8e-9a41-2f0c1d7e6b55",
                "version": 1,
                "express": false,
                "giftNote": null,
                "total": {"amount": 2999, "currency": "USD"},
                "tags": ["gift", "vip"],
                "skus": [],
            },
        })
    }

    #[test]
    fn literals_match_equal_values_of_any_listed_kind() {
        let event = order_confirmed();
        assert!(pattern(json!({"source": ["mambogo.orders"]})).matches(&event));
        assert!(pattern(json!({"source": ["mambogo.payments", "mambogo.orders"]})).matches(&event));
        assert!(!pattern(json!({"source": ["mambogo.payments"]})).matches(&event));
        assert!(pattern(json!({"detail": {"version": [1.0]}})).matches(&event));
        assert!(!pattern(json!({"detail": {"version": ["1"]}})).matches(&event));
        assert!(pattern(json!({"detail": {"express": [false]}})).matches(&event));
        assert!(pattern(json!({"detail": {"giftNote": [null]}})).matches(&event));
        assert!(!pattern(json!({"detail": {"missing": [null]}})).matches(&event));
    }

    #[test]
    fn every_field_of_the_pattern_must_match() {
        let event = order_confirmed();
        let both = json!({"source": ["mambogo.orders"], "detail-type": ["OrderConfirmed"]});
        assert!(pattern(both).matches(&event));
        let one_wrong = json!({"source": ["mambogo.orders"], "detail-type": ["OrderPlaced"]});
        assert!(!pattern(one_wrong).matches(&event));
    }

    #[test]
    fn nested_patterns_descend_into_objects() {
        let event = order_confirmed();
        assert!(pattern(json!({"detail": {"total": {"currency": ["USD"]}}})).matches(&event));
        assert!(!pattern(json!({"detail": {"total": {"currency": ["EUR"]}}})).matches(&event));
        // `source` is a string, so a nested pattern finds no fields in it.
        assert!(!pattern(json!({"source": {"name": ["mambogo"]}})).matches(&event));
        assert!(pattern(json!({"source": {"name": [{"exists": false}]}})).matches(&event));
    }

    #[test]
    fn an_array_in_the_event_matches_if_any_element_does() {
        let event = order_confirmed();
        assert!(pattern(json!({"detail": {"tags": ["vip"]}})).matches(&event));
        assert!(!pattern(json!({"detail": {"tags": ["staff"]}})).matches(&event));
        assert!(pattern(json!({"detail": {"tags": [{"prefix": "gi"}]}})).matches(&event));
        assert!(pattern(json!({"detail": {"tags": [{"anything-but": "gift"}]}})).matches(&event));
        assert!(
            !pattern(json!({"detail": {"tags": [{"anything-but": ["gift", "vip"]}]}}))
                .matches(&event)
        );
    }

    #[test]
    fn prefix_matches_the_start_of_strings_only() {
        let event = order_confirmed();
        assert!(pattern(json!({"source": [{"prefix": "mambogo."}]})).matches(&event));
        assert!(!pattern(json!({"source": [{"prefix": "acme."}]})).matches(&event));
        assert!(!pattern(json!({"detail": {"version": [{"prefix": "1"}]}})).matches(&event));
    }

    #[test]
    fn anything_but_needs_a_value_outside_the_list() {
        let event = order_confirmed();
        let not_payments = json!({"source": [{"anything-but": ["mambogo.payments"]}]});
        assert!(pattern(not_payments).matches(&event));
        let not_orders = json!({"source": [{"anything-but": "mambogo.orders"}]});
        assert!(!pattern(not_orders).matches(&event));
        assert!(!pattern(json!({"detail": {"version": [{"anything-but": [1]}]}})).matches(&event));
        let absent = json!({"detail": {"missing": [{"anything-but": ["x"]}]}});
        assert!(!pattern(absent).matches(&event));
    }

    #[test]
    fn exists_tells_present_leaves_from_absent_fields() {
        let event = order_confirmed();
        let exists = |field: &str, present: bool| {
            pattern(json!({"detail": {field: [{"exists": present}]}})).matches(&event)
        };
        assert!(exists("orderId", true) && !exists("orderId", false));
        assert!(exists("giftNote", true), "null is a value");
        assert!(exists("missing", false) && !exists("missing", true));
        assert!(exists("total", false), "an object is not a leaf");
        assert!(exists("skus", false), "an empty array holds no leaves");
    }

    #[test]
    fn patterns_outside_the_subset_are_refused() {
        for raw in [
            json!([]),
            json!({}),
            json!({"source": "mambogo.orders"}),
            json!({"source": []}),
            json!({"detail": {}}),
            json!({"source": [{"suffix": ".orders"}]}),
            json!({"source": [{"prefix": "a", "exists": true}]}),
            json!({"source": [{"prefix": 1}]}),
            json!({"source": [{"exists": "yes"}]}),
            json!({"source": [{"anything-but": {"prefix": "mambogo."}}]}),
            json!({"detail": {"amount": [{"numeric": [">", 0]}]}}),
            json!({"$or": [{"source": ["a"]}, {"source": ["b"]}]}),
            json!({"source": [["nested"]]}),
        ] {
            assert!(EventPattern::parse(&raw).is_err(), "{raw} was accepted");
        }
        let refused = EventPattern::parse(&json!({"detail": {"x": [{"wildcard": "*"}]}}));
        assert_eq!(refused.unwrap_err().path, "$.detail.x");
    }
}
