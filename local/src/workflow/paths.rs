//! Input and output processing: the JSONPath subset, payload templates (`Parameters`,
//! `ResultSelector`) and `ResultPath`.
//!
//! A path is `$` (the state's input) or `$$` (the context object) followed by any number
//! of `.field` and `[index]` steps: `$`, `$.order.id`, `$.lines[0].sku`, `$$.Task.Token`.
//! Filters, wildcards, slices, `..` and quoted names are not supported, nor are
//! intrinsic functions (`States.Format(…)`); the definition is refused if it uses them.

use std::fmt;

use serde_json::{Map, Value};

use super::errors::TaskFailure;

/// Where a path starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Root {
    /// `$`: the value being processed.
    Input,
    /// `$$`: the context object.
    Context,
}

/// One step of a path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    Field(String),
    Index(usize),
}

/// A parsed path of the supported subset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Path {
    text: String,
    root: Root,
    steps: Vec<Step>,
}

impl Path {
    /// Parses `text`; the error says what is wrong with it.
    pub(crate) fn parse(text: &str) -> Result<Path, String> {
        let (root, mut rest) = if let Some(rest) = text.strip_prefix("$$") {
            (Root::Context, rest)
        } else if let Some(rest) = text.strip_prefix('$') {
            (Root::Input, rest)
        } else {
            return Err(format!("the path {text:?} does not start with `$`"));
        };
        let mut steps = Vec::new();
        while !rest.is_empty() {
            if let Some(after_dot) = rest.strip_prefix('.') {
                let end = after_dot.find(['.', '[']).unwrap_or(after_dot.len());
                let field = &after_dot[..end];
                if field.is_empty() || field.contains([']', '*', '\'', '"', '(', '?', '@']) {
                    return Err(format!(
                        "the path {text:?} has an unsupported field {field:?}"
                    ));
                }
                steps.push(Step::Field(field.to_owned()));
                rest = &after_dot[end..];
            } else if let Some(after_bracket) = rest.strip_prefix('[') {
                let end = after_bracket
                    .find(']')
                    .ok_or_else(|| format!("the path {text:?} has an unclosed `[`"))?;
                let index = after_bracket[..end].parse::<usize>().map_err(|_| {
                    format!("the path {text:?} has a `[…]` that is not an array index")
                })?;
                steps.push(Step::Index(index));
                rest = &after_bracket[end + 1..];
            } else {
                return Err(format!(
                    "the path {text:?} has unsupported syntax at {rest:?}"
                ));
            }
        }
        Ok(Path {
            text: text.to_owned(),
            root,
            steps,
        })
    }

    /// Whether the path starts at the context object (`$$`).
    pub(crate) fn is_context(&self) -> bool {
        self.root == Root::Context
    }

    /// The value the path points at, or `None` if it does not resolve.
    pub(crate) fn find<'a>(&self, input: &'a Value, context: &'a Value) -> Option<&'a Value> {
        let start = match self.root {
            Root::Input => input,
            Root::Context => context,
        };
        self.steps.iter().try_fold(start, |value, step| match step {
            Step::Field(field) => value.as_object()?.get(field),
            Step::Index(index) => value.as_array()?.get(*index),
        })
    }

    /// The value the path points at; `States.Runtime` if it does not resolve.
    pub(crate) fn select(&self, input: &Value, context: &Value) -> Result<Value, TaskFailure> {
        self.find(input, context).cloned().ok_or_else(|| {
            TaskFailure::runtime(format!(
                "the JSONPath '{self}' could not be found in the input '{}'",
                if self.is_context() { context } else { input }
            ))
        })
    }

    /// `target` with `value` placed where the path points, creating missing objects on
    /// the way. `States.Runtime` if the way passes through something that is not an
    /// object, or an array element that does not exist.
    fn place(&self, target: Value, value: Value) -> Result<Value, TaskFailure> {
        let mut target = target;
        let mut slot = &mut target;
        for step in &self.steps {
            slot = match step {
                Step::Field(field) => {
                    if slot.is_null() {
                        *slot = Value::Object(Map::new());
                    }
                    let Value::Object(object) = slot else {
                        return Err(self.unplaceable());
                    };
                    object.entry(field.clone()).or_insert(Value::Null)
                }
                Step::Index(index) => slot
                    .as_array_mut()
                    .and_then(|array| array.get_mut(*index))
                    .ok_or_else(|| self.unplaceable())?,
            };
        }
        *slot = value;
        Ok(target)
    }

    fn unplaceable(&self) -> TaskFailure {
        TaskFailure::runtime(format!(
            "the ResultPath '{self}' cannot be applied to the state's input"
        ))
    }
}

impl fmt::Display for Path {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.text)
    }
}

/// `InputPath` or `OutputPath`: `None` when the definition says `null`, which selects an
/// empty object. Absent means `$`, the whole value.
pub(crate) type Selection = Option<Path>;

/// Applies an `InputPath` or `OutputPath`.
pub(crate) fn select(
    selection: &Selection,
    value: Value,
    context: &Value,
) -> Result<Value, TaskFailure> {
    match selection {
        None => Ok(Value::Object(Map::new())),
        Some(path) if path.steps.is_empty() && !path.is_context() => Ok(value),
        Some(path) => path.select(&value, context),
    }
}

/// Where a state puts its result in its raw input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ResultPath {
    /// `null`: the result is dropped and the input passes through.
    Discard,
    /// A path into the input; `$` replaces the input with the result.
    Into(Path),
}

impl ResultPath {
    /// Parses a `ResultPath` value: `null` or a path of the input.
    pub(crate) fn parse(value: &Value) -> Result<ResultPath, String> {
        match value {
            Value::Null => Ok(ResultPath::Discard),
            Value::String(text) => {
                let path = Path::parse(text)?;
                if path.is_context() {
                    return Err(format!("ResultPath {text:?} cannot point into the context"));
                }
                Ok(ResultPath::Into(path))
            }
            other => Err(format!("ResultPath must be a path or null, not {other}")),
        }
    }

    /// `$`: the result becomes the output.
    pub(crate) fn whole() -> ResultPath {
        ResultPath::Into(Path {
            text: "$".to_owned(),
            root: Root::Input,
            steps: Vec::new(),
        })
    }

    /// Combines the state's raw input and its result.
    pub(crate) fn apply(&self, input: Value, result: Value) -> Result<Value, TaskFailure> {
        match self {
            ResultPath::Discard => Ok(input),
            ResultPath::Into(path) => path.place(input, result),
        }
    }
}

/// A payload template (`Parameters`, `ResultSelector`): JSON in which every field whose
/// name ends in `.$` takes its value from a path.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Template {
    /// A value copied as it is.
    Literal(Value),
    /// A value read through a path.
    Path(Path),
    /// An object whose fields are templates, in the order written.
    Object(Vec<(String, Template)>),
    /// An array whose elements are templates.
    Array(Vec<Template>),
}

impl Template {
    /// Parses a template; the error says which field is wrong.
    pub(crate) fn parse(value: &Value) -> Result<Template, String> {
        match value {
            Value::Object(object) => object
                .iter()
                .map(|(key, value)| match key.strip_suffix(".$") {
                    Some(name) => {
                        let Some(text) = value.as_str() else {
                            return Err(format!("the field {key:?} must hold a path string"));
                        };
                        if text.starts_with("States.") {
                            return Err(format!(
                                "the field {key:?} uses an intrinsic function, which the local \
                                 runner does not support"
                            ));
                        }
                        let path =
                            Path::parse(text).map_err(|error| format!("{key:?}: {error}"))?;
                        Ok((name.to_owned(), Template::Path(path)))
                    }
                    None => Ok((key.clone(), Template::parse(value)?)),
                })
                .collect::<Result<_, _>>()
                .map(Template::Object),
            Value::Array(elements) => elements
                .iter()
                .map(Template::parse)
                .collect::<Result<_, _>>()
                .map(Template::Array),
            literal => Ok(Template::Literal(literal.clone())),
        }
    }

    /// Whether any path in the template is `$$.Task.Token`.
    pub(crate) fn references_task_token(&self) -> bool {
        match self {
            Template::Literal(_) => false,
            Template::Path(path) => path.is_context() && path.text == "$$.Task.Token",
            Template::Object(fields) => fields
                .iter()
                .any(|(_, template)| template.references_task_token()),
            Template::Array(elements) => elements.iter().any(Template::references_task_token),
        }
    }

    /// The field `name` of an object template.
    pub(crate) fn field(&self, name: &str) -> Option<&Template> {
        match self {
            Template::Object(fields) => fields
                .iter()
                .find(|(field, _)| field == name)
                .map(|(_, template)| template),
            _ => None,
        }
    }

    /// The JSON the template makes from `input` and `context`.
    pub(crate) fn render(&self, input: &Value, context: &Value) -> Result<Value, TaskFailure> {
        match self {
            Template::Literal(value) => Ok(value.clone()),
            Template::Path(path) => path.select(input, context),
            Template::Object(fields) => fields
                .iter()
                .map(|(name, template)| Ok((name.clone(), template.render(input, context)?)))
                .collect::<Result<Map<_, _>, _>>()
                .map(Value::Object),
            Template::Array(elements) => elements
                .iter()
                .map(|template| template.render(input, context))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn path(text: &str) -> Path {
        Path::parse(text).unwrap_or_else(|error| panic!("{error}"))
    }

    #[test]
    fn paths_read_fields_and_array_elements() {
        let input = json!({ "order": { "lines": [{ "sku": "A" }, { "sku": "B" }] } });
        let context = json!({ "Task": { "Token": "t-1" } });

        assert_eq!(path("$").find(&input, &context), Some(&input));
        assert_eq!(
            path("$.order.lines[1].sku").find(&input, &context),
            Some(&json!("B"))
        );
        assert_eq!(
            path("$$.Task.Token").find(&input, &context),
            Some(&json!("t-1"))
        );
        assert_eq!(path("$.order.lines[2]").find(&input, &context), None);
        assert_eq!(path("$.order.missing").find(&input, &context), None);
    }

    #[test]
    fn unsupported_paths_are_refused() {
        for text in [
            "order",
            "$..sku",
            "$.lines[*]",
            "$.lines[0",
            "$['a']",
            "$.a[?(@.b)]",
        ] {
            assert!(Path::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn a_missing_path_is_a_runtime_error() {
        let failure = path("$.missing").select(&json!({}), &json!({}));

        assert!(matches!(failure, Err(failure) if failure.error == "States.Runtime"));
    }

    #[test]
    fn templates_read_the_input_and_the_context_at_any_depth() {
        let template = Template::parse(&json!({
            "FunctionName": "reserve",
            "Payload": {
                "orderId.$": "$.order.id",
                "token.$": "$$.Task.Token",
                "lines": [{ "first.$": "$.order.lines[0]" }, 3]
            }
        }))
        .unwrap_or_else(|error| panic!("{error}"));
        let input = json!({ "order": { "id": "o-1", "lines": ["A"] } });
        let context = json!({ "Task": { "Token": "t-1" } });

        let rendered = template.render(&input, &context);

        assert_eq!(
            rendered,
            Ok(json!({
                "FunctionName": "reserve",
                "Payload": { "orderId": "o-1", "token": "t-1", "lines": [{ "first": "A" }, 3] }
            }))
        );
        assert!(template.references_task_token());
    }

    #[test]
    fn templates_refuse_intrinsic_functions_and_non_string_paths() {
        assert!(Template::parse(&json!({ "x.$": "States.Format('{}', $.a)" })).is_err());
        assert!(Template::parse(&json!({ "x.$": 3 })).is_err());
    }

    #[test]
    fn result_paths_discard_replace_or_nest() {
        let input = json!({ "order": { "id": "o-1" } });
        let result = json!({ "reserved": true });

        let discard = ResultPath::Discard.apply(input.clone(), result.clone());
        let whole = ResultPath::whole().apply(input.clone(), result.clone());
        let nested = ResultPath::parse(&json!("$.steps.reserve")).and_then(|path| {
            path.apply(input.clone(), result.clone())
                .map_err(|f| f.cause)
        });
        let beside = ResultPath::parse(&json!("$.order.reservation")).and_then(|path| {
            path.apply(input.clone(), result.clone())
                .map_err(|f| f.cause)
        });

        assert_eq!(discard, Ok(input));
        assert_eq!(whole, Ok(result.clone()));
        assert_eq!(
            nested,
            Ok(json!({ "order": { "id": "o-1" }, "steps": { "reserve": { "reserved": true } } }))
        );
        assert_eq!(
            beside,
            Ok(json!({ "order": { "id": "o-1", "reservation": { "reserved": true } } }))
        );
    }

    #[test]
    fn a_result_path_through_a_scalar_is_a_runtime_error() {
        let path = ResultPath::parse(&json!("$.order.id.inner")).unwrap_or_else(|e| panic!("{e}"));

        let failure = path.apply(json!({ "order": { "id": "o-1" } }), json!(1));

        assert!(matches!(failure, Err(failure) if failure.error == "States.Runtime"));
    }

    #[test]
    fn selections_of_null_give_an_empty_object() {
        let context = json!({});

        assert_eq!(select(&None, json!({ "a": 1 }), &context), Ok(json!({})));
        assert_eq!(
            select(&Some(path("$.a")), json!({ "a": 1 }), &context),
            Ok(json!(1))
        );
    }
}
