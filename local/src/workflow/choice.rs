//! Choice rules: `Variable` with a comparison, and `And` / `Or` / `Not` of rules.

use serde_json::{Map, Value};

use super::errors::TaskFailure;
use super::paths::Path;

/// What a `Variable` is compared with.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Test {
    StringEquals(String),
    BooleanEquals(bool),
    NumericEquals(f64),
    NumericLessThan(f64),
    NumericLessThanEquals(f64),
    NumericGreaterThan(f64),
    NumericGreaterThanEquals(f64),
    IsPresent(bool),
    IsNull(bool),
}

/// A Boolean rule over the state's input.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Rule {
    And(Vec<Rule>),
    Or(Vec<Rule>),
    Not(Box<Rule>),
    Compare { variable: Path, test: Test },
}

/// One entry of `Choices`: a rule and the state to go to when it holds.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Choice {
    pub(crate) rule: Rule,
    pub(crate) next: String,
}

impl Choice {
    /// Parses one entry of `Choices`; the error says what is wrong with it.
    pub(crate) fn parse(value: &Value) -> Result<Choice, String> {
        let object = value.as_object().ok_or("a choice must be an object")?;
        let next = object
            .get("Next")
            .and_then(Value::as_str)
            .ok_or("a choice needs a string Next")?
            .to_owned();
        let mut rule_fields = object.clone();
        rule_fields.remove("Next");
        rule_fields.remove("Comment");
        Ok(Choice {
            rule: Rule::parse(&rule_fields)?,
            next,
        })
    }
}

impl Rule {
    fn parse(object: &Map<String, Value>) -> Result<Rule, String> {
        if let Some(rules) = object.get("And").or_else(|| object.get("Or")) {
            expect_only(object, &["And", "Or"], 1)?;
            let rules = rules
                .as_array()
                .filter(|rules| !rules.is_empty())
                .ok_or("And and Or need a non-empty array of rules")?
                .iter()
                .map(|rule| Rule::parse(rule.as_object().ok_or("a rule must be an object")?))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(if object.contains_key("And") {
                Rule::And(rules)
            } else {
                Rule::Or(rules)
            });
        }
        if let Some(rule) = object.get("Not") {
            expect_only(object, &["Not"], 1)?;
            let rule = rule.as_object().ok_or("Not needs a rule object")?;
            return Ok(Rule::Not(Box::new(Rule::parse(rule)?)));
        }
        let variable = object
            .get("Variable")
            .and_then(Value::as_str)
            .ok_or("a rule needs And, Or, Not or a string Variable")?;
        let variable = Path::parse(variable)?;
        let mut comparisons = object.iter().filter(|(key, _)| *key != "Variable");
        let (Some((operator, operand)), None) = (comparisons.next(), comparisons.next()) else {
            return Err(format!(
                "the rule on {variable} needs exactly one comparison"
            ));
        };
        Ok(Rule::Compare {
            test: Test::parse(operator, operand)?,
            variable,
        })
    }

    /// Whether the rule holds for `input`. `States.Runtime` if a `Variable` does not
    /// resolve, unless the comparison is `IsPresent`.
    pub(crate) fn holds(&self, input: &Value, context: &Value) -> Result<bool, TaskFailure> {
        match self {
            Rule::And(rules) => {
                for rule in rules {
                    if !rule.holds(input, context)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Rule::Or(rules) => {
                for rule in rules {
                    if rule.holds(input, context)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Rule::Not(rule) => Ok(!rule.holds(input, context)?),
            Rule::Compare { variable, test } => {
                if let Test::IsPresent(expected) = test {
                    return Ok(variable.find(input, context).is_some() == *expected);
                }
                let value = variable.select(input, context)?;
                Ok(test.holds(&value))
            }
        }
    }
}

impl Test {
    fn parse(operator: &str, operand: &Value) -> Result<Test, String> {
        let number = || {
            operand
                .as_f64()
                .ok_or_else(|| format!("{operator} needs a number"))
        };
        let boolean = || {
            operand
                .as_bool()
                .ok_or_else(|| format!("{operator} needs true or false"))
        };
        Ok(match operator {
            "StringEquals" => Test::StringEquals(
                operand
                    .as_str()
                    .ok_or("StringEquals needs a string")?
                    .to_owned(),
            ),
            "BooleanEquals" => Test::BooleanEquals(boolean()?),
            "NumericEquals" => Test::NumericEquals(number()?),
            "NumericLessThan" => Test::NumericLessThan(number()?),
            "NumericLessThanEquals" => Test::NumericLessThanEquals(number()?),
            "NumericGreaterThan" => Test::NumericGreaterThan(number()?),
            "NumericGreaterThanEquals" => Test::NumericGreaterThanEquals(number()?),
            "IsPresent" => Test::IsPresent(boolean()?),
            "IsNull" => Test::IsNull(boolean()?),
            other => {
                return Err(format!(
                    "the comparison {other} is not supported by the local runner"
                ))
            }
        })
    }

    /// Whether `value` passes; a value of the wrong type never does.
    fn holds(&self, value: &Value) -> bool {
        let number = value.as_f64();
        match self {
            Test::StringEquals(expected) => value.as_str() == Some(expected.as_str()),
            Test::BooleanEquals(expected) => value.as_bool() == Some(*expected),
            Test::NumericEquals(expected) => number == Some(*expected),
            Test::NumericLessThan(bound) => number.is_some_and(|n| n < *bound),
            Test::NumericLessThanEquals(bound) => number.is_some_and(|n| n <= *bound),
            Test::NumericGreaterThan(bound) => number.is_some_and(|n| n > *bound),
            Test::NumericGreaterThanEquals(bound) => number.is_some_and(|n| n >= *bound),
            Test::IsNull(expected) => value.is_null() == *expected,
            Test::IsPresent(expected) => *expected,
        }
    }
}

fn expect_only(object: &Map<String, Value>, allowed: &[&str], count: usize) -> Result<(), String> {
    let present: Vec<&String> = object.keys().collect();
    if present.len() == count && present.iter().all(|key| allowed.contains(&key.as_str())) {
        Ok(())
    } else {
        Err(format!(
            "a rule with {} cannot also have {present:?}",
            allowed.join(" or ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn choice(value: Value) -> Choice {
        Choice::parse(&value).unwrap_or_else(|error| panic!("{error}"))
    }

    fn holds(choice: &Choice, input: Value) -> Result<bool, TaskFailure> {
        choice.rule.holds(&input, &json!({}))
    }

    #[test]
    fn comparisons_test_the_variable() {
        let declined = choice(json!({
            "Variable": "$.payment.status", "StringEquals": "DECLINED", "Next": "Release"
        }));
        let paid = choice(json!({ "Variable": "$.paid", "BooleanEquals": true, "Next": "X" }));
        let single = choice(json!({ "Variable": "$.lines", "NumericEquals": 1, "Next": "X" }));
        let big = choice(json!({ "Variable": "$.total", "NumericGreaterThan": 100, "Next": "X" }));

        assert_eq!(declined.next, "Release");
        assert_eq!(
            holds(&declined, json!({ "payment": { "status": "DECLINED" } })),
            Ok(true)
        );
        assert_eq!(
            holds(&declined, json!({ "payment": { "status": "OK" } })),
            Ok(false)
        );
        assert_eq!(
            holds(&declined, json!({ "payment": { "status": 7 } })),
            Ok(false)
        );
        assert_eq!(holds(&paid, json!({ "paid": true })), Ok(true));
        assert_eq!(holds(&single, json!({ "lines": 1.0 })), Ok(true));
        assert_eq!(holds(&big, json!({ "total": 100 })), Ok(false));
    }

    #[test]
    fn presence_and_null_are_tested_without_failing() {
        let present = choice(json!({ "Variable": "$.error", "IsPresent": true, "Next": "X" }));
        let null = choice(json!({ "Variable": "$.error", "IsNull": true, "Next": "X" }));

        assert_eq!(holds(&present, json!({})), Ok(false));
        assert_eq!(holds(&present, json!({ "error": null })), Ok(true));
        assert_eq!(holds(&null, json!({ "error": null })), Ok(true));
        assert!(
            matches!(holds(&null, json!({})), Err(failure) if failure.error == "States.Runtime")
        );
    }

    #[test]
    fn rules_combine_with_and_or_not() {
        let rule = choice(json!({
            "And": [
                { "Variable": "$.paid", "BooleanEquals": true },
                { "Or": [
                    { "Variable": "$.kind", "StringEquals": "gift" },
                    { "Not": { "Variable": "$.address", "IsPresent": true } }
                ]}
            ],
            "Next": "Ship"
        }));

        assert_eq!(
            holds(
                &rule,
                json!({ "paid": true, "kind": "gift", "address": "x" })
            ),
            Ok(true)
        );
        assert_eq!(
            holds(&rule, json!({ "paid": true, "kind": "order" })),
            Ok(true)
        );
        assert_eq!(
            holds(
                &rule,
                json!({ "paid": true, "kind": "order", "address": "x" })
            ),
            Ok(false)
        );
        assert_eq!(
            holds(&rule, json!({ "paid": false, "kind": "gift" })),
            Ok(false)
        );
    }

    #[test]
    fn malformed_rules_are_refused() {
        for rule in [
            json!({ "Variable": "$.a", "Next": "X" }),
            json!({ "Variable": "$.a", "StringEquals": "x", "BooleanEquals": true, "Next": "X" }),
            json!({ "Variable": "$.a", "StringMatches": "x*", "Next": "X" }),
            json!({ "Variable": "$.a", "StringEquals": 1, "Next": "X" }),
            json!({ "And": [], "Next": "X" }),
            json!({ "Variable": "$.a", "StringEquals": "x" }),
        ] {
            assert!(Choice::parse(&rule).is_err(), "{rule}");
        }
    }
}
