//! Reading an ASL definition: Terraform placeholders, then JSON, then typed states that
//! are checked once so that running them never meets a malformed field.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::catch::Catcher;
use super::choice::Choice;
use super::errors::Retrier;
use super::paths::{Path, ResultPath, Selection, Template};
use super::resources::Resource;

mod fields;

use fields::Fields;

/// Why a definition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DefinitionError {
    /// A `${name}` placeholder has no substitution.
    #[error("the definition uses ${{{0}}}, which has no substitution")]
    MissingSubstitution(String),
    /// A `${…}` that is not a plain name (a Terraform expression or directive).
    #[error("the definition has an unsupported template expression: {0}")]
    UnsupportedTemplate(String),
    /// The text is not JSON.
    #[error("the definition is not JSON: {0}")]
    Json(String),
    /// The JSON is not a definition the runner can execute.
    #[error("{location}: {reason}")]
    Invalid {
        /// Where: `StartAt`, or `States.<name>`.
        location: String,
        /// What is wrong.
        reason: String,
    },
}

/// A parsed, checked state machine.
#[derive(Clone, Debug)]
pub struct StateMachine {
    pub(crate) start_at: String,
    pub(crate) states: HashMap<String, State>,
}

/// Where a state goes when it is done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Transition {
    Next(String),
    End,
}

/// One state.
#[derive(Clone, Debug)]
pub(crate) enum State {
    Task(TaskState),
    Pass(PassState),
    Choice(ChoiceState),
    Succeed(SucceedState),
    Fail(FailState),
}

/// A `Task` state.
#[derive(Clone, Debug)]
pub(crate) struct TaskState {
    pub(crate) resource: Resource,
    pub(crate) input_path: Selection,
    pub(crate) parameters: Option<Template>,
    pub(crate) result_selector: Option<Template>,
    pub(crate) result_path: ResultPath,
    pub(crate) output_path: Selection,
    pub(crate) retry: Vec<Retrier>,
    pub(crate) catch: Vec<Catcher>,
    pub(crate) timeout: Option<Timeout>,
    pub(crate) transition: Transition,
}

/// How long a task attempt may take.
#[derive(Clone, Debug)]
pub(crate) enum Timeout {
    /// `TimeoutSeconds`.
    Seconds(u64),
    /// `TimeoutSecondsPath`: read from the state's input when the task starts.
    Path(Path),
}

/// A `Pass` state.
#[derive(Clone, Debug)]
pub(crate) struct PassState {
    pub(crate) input_path: Selection,
    pub(crate) parameters: Option<Template>,
    pub(crate) result: Option<Value>,
    pub(crate) result_path: ResultPath,
    pub(crate) output_path: Selection,
    pub(crate) transition: Transition,
}

/// A `Choice` state.
#[derive(Clone, Debug)]
pub(crate) struct ChoiceState {
    pub(crate) input_path: Selection,
    pub(crate) output_path: Selection,
    pub(crate) choices: Vec<Choice>,
    pub(crate) default: Option<String>,
}

/// A `Succeed` state.
#[derive(Clone, Debug)]
pub(crate) struct SucceedState {
    pub(crate) input_path: Selection,
    pub(crate) output_path: Selection,
}

/// A `Fail` state.
#[derive(Clone, Debug)]
pub(crate) struct FailState {
    pub(crate) error: Option<String>,
    pub(crate) cause: Option<String>,
}

const TASK_FIELDS: &[&str] = &[
    "Type",
    "Comment",
    "Resource",
    "InputPath",
    "Parameters",
    "ResultSelector",
    "ResultPath",
    "OutputPath",
    "Retry",
    "Catch",
    "TimeoutSeconds",
    "TimeoutSecondsPath",
    "Next",
    "End",
];
const PASS_FIELDS: &[&str] = &[
    "Type",
    "Comment",
    "InputPath",
    "Parameters",
    "Result",
    "ResultPath",
    "OutputPath",
    "Next",
    "End",
];
const CHOICE_FIELDS: &[&str] = &[
    "Type",
    "Comment",
    "InputPath",
    "OutputPath",
    "Choices",
    "Default",
];
const SUCCEED_FIELDS: &[&str] = &["Type", "Comment", "InputPath", "OutputPath"];
const FAIL_FIELDS: &[&str] = &["Type", "Comment", "Error", "Cause"];
const MACHINE_FIELDS: &[&str] = &["Comment", "StartAt", "States", "Version", "QueryLanguage"];

impl StateMachine {
    /// Parses `asl_json` after replacing each Terraform `${name}` placeholder with
    /// `substitutions[name]` (and `$${` with a literal `${`), as `templatefile` does.
    pub fn parse(
        asl_json: &str,
        substitutions: &HashMap<String, String>,
    ) -> Result<StateMachine, DefinitionError> {
        let text = substitute(asl_json, substitutions)?;
        let document: Value = serde_json::from_str(&text)
            .map_err(|error| DefinitionError::Json(error.to_string()))?;
        let machine = document
            .as_object()
            .ok_or_else(|| invalid("the definition", "must be a JSON object"))?;
        check_fields("the definition", machine, MACHINE_FIELDS)?;
        if let Some(language) = machine
            .get("QueryLanguage")
            .filter(|language| language.as_str() != Some("JSONPath"))
        {
            return Err(invalid(
                "QueryLanguage",
                format!("{language} is not supported"),
            ));
        }
        let start_at = machine
            .get("StartAt")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("StartAt", "must be a state name"))?
            .to_owned();
        let states = machine
            .get("States")
            .and_then(Value::as_object)
            .ok_or_else(|| invalid("States", "must be an object"))?
            .iter()
            .map(|(name, state)| {
                let location = format!("States.{name}");
                parse_state(&location, state).map(|state| (name.clone(), state))
            })
            .collect::<Result<HashMap<_, _>, _>>()?;
        let parsed = StateMachine { start_at, states };
        parsed.check_targets()?;
        Ok(parsed)
    }

    /// The state named `name`.
    pub(crate) fn state(&self, name: &str) -> Option<&State> {
        self.states.get(name)
    }

    fn check_targets(&self) -> Result<(), DefinitionError> {
        let exists = |location: &str, target: &str| {
            if self.states.contains_key(target) {
                Ok(())
            } else {
                Err(invalid(
                    location,
                    format!("goes to {target:?}, which is not a state"),
                ))
            }
        };
        exists("StartAt", &self.start_at)?;
        for (name, state) in &self.states {
            let location = format!("States.{name}");
            let mut targets: Vec<&str> = Vec::new();
            match state {
                State::Task(task) => {
                    targets.extend(next_of(&task.transition));
                    targets.extend(task.catch.iter().map(|catcher| catcher.next.as_str()));
                }
                State::Pass(pass) => targets.extend(next_of(&pass.transition)),
                State::Choice(choice) => {
                    targets.extend(choice.choices.iter().map(|choice| choice.next.as_str()));
                    targets.extend(choice.default.as_deref());
                }
                State::Succeed(_) | State::Fail(_) => {}
            }
            for target in targets {
                exists(&location, target)?;
            }
        }
        Ok(())
    }
}

fn next_of(transition: &Transition) -> Option<&str> {
    match transition {
        Transition::Next(next) => Some(next),
        Transition::End => None,
    }
}

/// Replaces `${name}` placeholders as Terraform's `templatefile` does.
fn substitute(
    template: &str,
    substitutions: &HashMap<String, String>,
) -> Result<String, DefinitionError> {
    if template.contains("%{") {
        return Err(DefinitionError::UnsupportedTemplate(
            "%{…} directive".to_owned(),
        ));
    }
    let mut text = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        if let Some(before_escape) = rest[..start].strip_suffix('$') {
            text.push_str(before_escape);
            text.push_str("${");
            rest = &rest[start + 2..];
            continue;
        }
        text.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| {
            DefinitionError::UnsupportedTemplate(after.chars().take(40).collect())
        })?;
        let name = &after[..end];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(DefinitionError::UnsupportedTemplate(format!("${{{name}}}")));
        }
        let value = substitutions
            .get(name)
            .ok_or_else(|| DefinitionError::MissingSubstitution(name.to_owned()))?;
        text.push_str(value);
        rest = &after[end + 1..];
    }
    text.push_str(rest);
    Ok(text)
}

fn invalid(location: &str, reason: impl Into<String>) -> DefinitionError {
    DefinitionError::Invalid {
        location: location.to_owned(),
        reason: reason.into(),
    }
}

fn check_fields(
    location: &str,
    object: &Map<String, Value>,
    allowed: &[&str],
) -> Result<(), DefinitionError> {
    match object.keys().find(|key| !allowed.contains(&key.as_str())) {
        Some(key) => Err(invalid(
            location,
            format!("the field {key} is not supported by the local runner"),
        )),
        None => Ok(()),
    }
}

fn parse_state(location: &str, value: &Value) -> Result<State, DefinitionError> {
    let object = value
        .as_object()
        .ok_or_else(|| invalid(location, "a state must be an object"))?;
    let kind = object
        .get("Type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let allowed = match kind {
        "Task" => TASK_FIELDS,
        "Pass" => PASS_FIELDS,
        "Choice" => CHOICE_FIELDS,
        "Succeed" => SUCCEED_FIELDS,
        "Fail" => FAIL_FIELDS,
        other => {
            return Err(invalid(
                location,
                format!("the state type {other:?} is not supported by the local runner"),
            ))
        }
    };
    check_fields(location, object, allowed)?;
    let fields = Fields { location, object };
    Ok(match kind {
        "Task" => State::Task(parse_task(&fields)?),
        "Pass" => State::Pass(PassState {
            input_path: fields.selection("InputPath")?,
            parameters: fields.template("Parameters")?,
            result: object.get("Result").cloned(),
            result_path: fields.result_path("ResultPath")?,
            output_path: fields.selection("OutputPath")?,
            transition: fields.transition()?,
        }),
        "Choice" => State::Choice(ChoiceState {
            input_path: fields.selection("InputPath")?,
            output_path: fields.selection("OutputPath")?,
            choices: object
                .get("Choices")
                .and_then(Value::as_array)
                .filter(|choices| !choices.is_empty())
                .ok_or_else(|| invalid(location, "Choices must be a non-empty array"))?
                .iter()
                .map(|choice| Choice::parse(choice).map_err(|reason| invalid(location, reason)))
                .collect::<Result<_, _>>()?,
            default: fields.string("Default")?,
        }),
        "Succeed" => State::Succeed(SucceedState {
            input_path: fields.selection("InputPath")?,
            output_path: fields.selection("OutputPath")?,
        }),
        _ => State::Fail(FailState {
            error: fields.string("Error")?,
            cause: fields.string("Cause")?,
        }),
    })
}

fn parse_task(fields: &Fields<'_>) -> Result<TaskState, DefinitionError> {
    let arn = fields
        .string("Resource")?
        .ok_or_else(|| fields.invalid("a Task needs a Resource"))?;
    let resource = Resource::parse(&arn).ok_or_else(|| {
        fields.invalid(format!(
            "the resource {arn} is not supported by the local runner"
        ))
    })?;
    let parameters = fields.template("Parameters")?;
    let required = resource.required_parameter();
    if parameters
        .as_ref()
        .and_then(|p| p.field(required))
        .is_none()
    {
        return Err(fields.invalid(format!("{arn} needs Parameters with {required}")));
    }
    if resource.waits_for_task_token
        && !parameters
            .as_ref()
            .is_some_and(Template::references_task_token)
    {
        return Err(fields.invalid("a .waitForTaskToken task must pass $$.Task.Token"));
    }
    Ok(TaskState {
        resource,
        input_path: fields.selection("InputPath")?,
        parameters,
        result_selector: fields.template("ResultSelector")?,
        result_path: fields.result_path("ResultPath")?,
        output_path: fields.selection("OutputPath")?,
        retry: fields.rules("Retry", |rule| fields.retrier(rule))?,
        catch: fields.rules("Catch", |rule| fields.catcher(rule))?,
        timeout: fields.timeout()?,
        transition: fields.transition()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_substitutions() -> HashMap<String, String> {
        HashMap::new()
    }

    fn refusal(definition: &str) -> DefinitionError {
        match StateMachine::parse(definition, &no_substitutions()) {
            Ok(_) => panic!("accepted: {definition}"),
            Err(error) => error,
        }
    }

    #[test]
    fn placeholders_are_replaced_before_parsing() {
        let definition = r#"{
          "StartAt": "Reserve",
          "States": {
            "Reserve": {
              "Type": "Task",
              "Resource": "arn:aws:states:::lambda:invoke",
              "Parameters": { "FunctionName": "${reserve_inventory_function}", "Payload.$": "$" },
              "Comment": "costs $${price}",
              "End": true
            }
          }
        }"#;
        let substitutions = HashMap::from([(
            "reserve_inventory_function".to_owned(),
            "reserve-fn".to_owned(),
        )]);

        let machine = StateMachine::parse(definition, &substitutions);

        let Ok(machine) = machine else {
            panic!("refused: {machine:?}");
        };
        let Some(State::Task(task)) = machine.state("Reserve") else {
            panic!("Reserve is a task");
        };
        assert_eq!(
            task.parameters
                .as_ref()
                .and_then(|p| p.field("FunctionName")),
            Some(&Template::Literal(Value::String("reserve-fn".to_owned())))
        );
    }

    #[test]
    fn a_missing_substitution_is_named() {
        let error = refusal(r#"{ "StartAt": "${first_state}", "States": {} }"#);

        assert_eq!(
            error,
            DefinitionError::MissingSubstitution("first_state".to_owned())
        );
    }

    #[test]
    fn template_expressions_are_refused() {
        let error = StateMachine::parse(
            r#"{ "StartAt": "${upper(name)}", "States": {} }"#,
            &HashMap::from([("name".to_owned(), "x".to_owned())]),
        );

        assert!(matches!(
            error,
            Err(DefinitionError::UnsupportedTemplate(_))
        ));
    }

    #[test]
    fn broken_definitions_are_refused_with_their_location() {
        let cases = [
            (
                r#"{ "StartAt": "A", "States": { "A": { "Type": "Pass" } } }"#,
                "States.A",
            ),
            (
                r#"{ "StartAt": "B", "States": { "A": { "Type": "Succeed" } } }"#,
                "StartAt",
            ),
            (
                r#"{ "StartAt": "A", "States": { "A": { "Type": "Pass", "Next": "Nowhere" } } }"#,
                "States.A",
            ),
            (
                r#"{ "StartAt": "A", "States": { "A": { "Type": "Wait", "Seconds": 1, "End": true } } }"#,
                "States.A",
            ),
            (
                r#"{ "StartAt": "A", "States": { "A": { "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                    "Parameters": { "FunctionName": "f" }, "End": true } } }"#,
                "States.A",
            ),
            (
                r#"{ "StartAt": "A", "States": { "A": { "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": { "FunctionName": "f" }, "HeartbeatSeconds": 5, "End": true } } }"#,
                "States.A",
            ),
            (
                r#"{ "StartAt": "A", "States": { "A": { "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": { "FunctionName": "f" },
                    "Retry": [{ "ErrorEquals": ["States.ALL"] }, { "ErrorEquals": ["X"] }],
                    "End": true } } }"#,
                "States.A",
            ),
        ];
        for (definition, location) in cases {
            let error = refusal(definition);
            assert!(
                matches!(&error, DefinitionError::Invalid { location: at, .. } if at == location),
                "{definition}: {error}"
            );
        }
        assert!(matches!(refusal("{"), DefinitionError::Json(_)));
    }
}
