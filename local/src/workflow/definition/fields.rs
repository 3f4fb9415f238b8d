//! Reading a state's JSON field by field, with errors that say where.

use serde_json::{Map, Value};

use super::{check_fields, invalid, DefinitionError, Timeout, Transition};
use crate::workflow::catch::Catcher;
use crate::workflow::errors::{Retrier, STATES_ALL};
use crate::workflow::paths::{Path, ResultPath, Selection, Template};

/// A state's JSON, read field by field with errors that say where.
pub(super) struct Fields<'a> {
    pub(super) location: &'a str,
    pub(super) object: &'a Map<String, Value>,
}

impl Fields<'_> {
    pub(super) fn invalid(&self, reason: impl Into<String>) -> DefinitionError {
        invalid(self.location, reason)
    }

    pub(super) fn string(&self, name: &str) -> Result<Option<String>, DefinitionError> {
        match self.object.get(name) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(self.invalid(format!("{name} must be a string"))),
        }
    }

    pub(super) fn selection(&self, name: &str) -> Result<Selection, DefinitionError> {
        match self.object.get(name) {
            None => Ok(Some(
                Path::parse("$").map_err(|reason| self.invalid(reason))?,
            )),
            Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Path::parse(text)
                .map(Some)
                .map_err(|reason| self.invalid(format!("{name}: {reason}"))),
            Some(_) => Err(self.invalid(format!("{name} must be a path or null"))),
        }
    }

    pub(super) fn result_path(&self, name: &str) -> Result<ResultPath, DefinitionError> {
        match self.object.get(name) {
            None => Ok(ResultPath::whole()),
            Some(value) => {
                ResultPath::parse(value).map_err(|reason| self.invalid(format!("{name}: {reason}")))
            }
        }
    }

    pub(super) fn template(&self, name: &str) -> Result<Option<Template>, DefinitionError> {
        self.object
            .get(name)
            .map(|value| {
                if !value.is_object() {
                    return Err(self.invalid(format!("{name} must be an object")));
                }
                Template::parse(value).map_err(|reason| self.invalid(format!("{name}: {reason}")))
            })
            .transpose()
    }

    pub(super) fn timeout(&self) -> Result<Option<Timeout>, DefinitionError> {
        let seconds = self.positive_integer(self.object, "TimeoutSeconds")?;
        match (seconds, self.string("TimeoutSecondsPath")?) {
            (Some(_), Some(_)) => {
                Err(self.invalid("TimeoutSeconds and TimeoutSecondsPath exclude each other"))
            }
            (Some(seconds), None) => Ok(Some(Timeout::Seconds(seconds))),
            (None, Some(path)) => Path::parse(&path)
                .map(|path| Some(Timeout::Path(path)))
                .map_err(|reason| self.invalid(format!("TimeoutSecondsPath: {reason}"))),
            (None, None) => Ok(None),
        }
    }

    pub(super) fn transition(&self) -> Result<Transition, DefinitionError> {
        match (self.string("Next")?, self.object.get("End")) {
            (Some(next), None) => Ok(Transition::Next(next)),
            (None, Some(Value::Bool(true))) => Ok(Transition::End),
            _ => Err(self.invalid("needs either Next or \"End\": true")),
        }
    }

    fn positive_integer(
        &self,
        object: &Map<String, Value>,
        name: &str,
    ) -> Result<Option<u64>, DefinitionError> {
        match object.get(name) {
            None => Ok(None),
            Some(value) => value
                .as_u64()
                .filter(|seconds| *seconds > 0)
                .map(Some)
                .ok_or_else(|| self.invalid(format!("{name} must be a positive integer"))),
        }
    }

    /// Parses a `Retry` or `Catch` array; `States.ALL` must be alone and last.
    pub(super) fn rules<T>(
        &self,
        name: &str,
        parse: impl Fn(&Map<String, Value>) -> Result<(Vec<String>, T), DefinitionError>,
    ) -> Result<Vec<T>, DefinitionError> {
        let Some(value) = self.object.get(name) else {
            return Ok(Vec::new());
        };
        let rules = value
            .as_array()
            .ok_or_else(|| self.invalid(format!("{name} must be an array")))?;
        let mut parsed = Vec::with_capacity(rules.len());
        for (index, rule) in rules.iter().enumerate() {
            let rule = rule
                .as_object()
                .ok_or_else(|| self.invalid(format!("{name}[{index}] must be an object")))?;
            let (error_equals, rule) = parse(rule)?;
            if error_equals.iter().any(|error| error == STATES_ALL)
                && (error_equals.len() > 1 || index + 1 < rules.len())
            {
                return Err(self.invalid(format!(
                    "{name}[{index}]: {STATES_ALL} must be alone and in the last rule"
                )));
            }
            parsed.push(rule);
        }
        Ok(parsed)
    }

    fn error_equals(&self, rule: &Map<String, Value>) -> Result<Vec<String>, DefinitionError> {
        rule.get("ErrorEquals")
            .and_then(Value::as_array)
            .filter(|names| !names.is_empty())
            .and_then(|names| {
                names
                    .iter()
                    .map(|name| name.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
            })
            .ok_or_else(|| self.invalid("ErrorEquals must be a non-empty array of names"))
    }

    pub(super) fn retrier(
        &self,
        rule: &Map<String, Value>,
    ) -> Result<(Vec<String>, Retrier), DefinitionError> {
        check_fields(
            self.location,
            rule,
            &[
                "ErrorEquals",
                "IntervalSeconds",
                "MaxAttempts",
                "BackoffRate",
                "MaxDelaySeconds",
                "Comment",
            ],
        )?;
        let error_equals = self.error_equals(rule)?;
        let max_attempts = match rule.get("MaxAttempts") {
            None => 3,
            Some(value) => value
                .as_u64()
                .and_then(|attempts| u32::try_from(attempts).ok())
                .ok_or_else(|| self.invalid("MaxAttempts must be a non-negative integer"))?,
        };
        let backoff_rate = match rule.get("BackoffRate") {
            None => 2.0,
            Some(value) => value
                .as_f64()
                .filter(|rate| *rate >= 1.0)
                .ok_or_else(|| self.invalid("BackoffRate must be a number of at least 1.0"))?,
        };
        let retrier = Retrier {
            error_equals: error_equals.clone(),
            interval_seconds: self.positive_integer(rule, "IntervalSeconds")?.unwrap_or(1),
            max_attempts,
            backoff_rate,
            max_delay_seconds: self.positive_integer(rule, "MaxDelaySeconds")?,
        };
        Ok((error_equals, retrier))
    }

    pub(super) fn catcher(
        &self,
        rule: &Map<String, Value>,
    ) -> Result<(Vec<String>, Catcher), DefinitionError> {
        check_fields(
            self.location,
            rule,
            &["ErrorEquals", "Next", "ResultPath", "Comment"],
        )?;
        let error_equals = self.error_equals(rule)?;
        let next = rule
            .get("Next")
            .and_then(Value::as_str)
            .ok_or_else(|| self.invalid("a Catch rule needs a string Next"))?
            .to_owned();
        let result_path = match rule.get("ResultPath") {
            None => ResultPath::whole(),
            Some(value) => ResultPath::parse(value)
                .map_err(|reason| self.invalid(format!("Catch ResultPath: {reason}")))?,
        };
        let catcher = Catcher {
            error_equals: error_equals.clone(),
            next,
            result_path,
        };
        Ok((error_equals, catcher))
    }
}
