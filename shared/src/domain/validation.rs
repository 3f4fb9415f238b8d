//! Field-level validation errors, collected so a client learns every mistake at once.

use serde::Serialize;

/// One field that was refused, and why. `field` is a path such as `variants[0].price`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    /// `field` was refused because of `message`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Collects field errors while a value is checked.
#[derive(Debug, Default)]
pub struct Checks(Vec<FieldError>);

impl Checks {
    /// Records an error on `field` unless `ok`.
    pub fn require(&mut self, ok: bool, field: impl Into<String>, message: impl Into<String>) {
        if !ok {
            self.0.push(FieldError::new(field, message));
        }
    }

    /// Records an error that is already known.
    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// Checks that `text` has between `min` and `max` characters.
    pub fn text_length(&mut self, text: &str, min: usize, max: usize, field: impl Into<String>) {
        let length = text.chars().count();
        self.require(
            (min..=max).contains(&length),
            field,
            format!("must be {min} to {max} characters long"),
        );
    }

    /// Everything recorded, or `Ok` when nothing was.
    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}
