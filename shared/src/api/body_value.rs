//! A request body read as a JSON value the way the OpenAPI schemas mean it: a number
//! with no fractional part is an integer whichever way it is written (`5`, `5.0`,
//! `5e0`), as JSON Schema's `integer` says; and an object may not name a member twice,
//! which a plain `serde_json::Value` would settle silently by keeping the last.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// A body's JSON, whole-number floats made integers and duplicate members refused.
pub struct BodyValue(pub Value);

impl<'de> Deserialize<'de> for BodyValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(BodyVisitor).map(BodyValue)
    }
}

struct BodyVisitor;

/// 2⁶³ and 2⁶⁴ as floats: the bounds of the integers a whole float may become.
const I64_END: f64 = 9_223_372_036_854_775_808.0;
const U64_END: f64 = 18_446_744_073_709_551_616.0;

impl<'de> Visitor<'de> for BodyVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    // The casts are exact: the value is whole and inside the target's range.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        let whole = value.fract() == 0.0;
        Ok(if whole && (-I64_END..I64_END).contains(&value) {
            Value::from(value as i64)
        } else if whole && (0.0..U64_END).contains(&value) {
            Value::from(value as u64)
        } else {
            Number::from_f64(value).map_or(Value::Null, Value::Number)
        })
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Value, A::Error> {
        let mut values = Vec::new();
        while let Some(BodyValue(value)) = items.next_element()? {
            values.push(value);
        }
        Ok(Value::Array(values))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut members: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(name) = members.next_key::<String>()? {
            if object.contains_key(&name) {
                return Err(de::Error::custom(format!("duplicate field `{name}`")));
            }
            let BodyValue(value) = members.next_value()?;
            object.insert(name, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<Value, serde_json::Error> {
        serde_json::from_str::<BodyValue>(json).map(|BodyValue(value)| value)
    }

    #[test]
    fn whole_numbers_are_integers_however_written() {
        assert_eq!(
            read(r#"{"onHand": 5.0}"#).unwrap()["onHand"].as_u64(),
            Some(5)
        );
        assert_eq!(read("[5e0, -3.0, 1e19]").unwrap()[0].as_i64(), Some(5));
        assert_eq!(read("[5e0, -3.0, 1e19]").unwrap()[1].as_i64(), Some(-3));
        assert_eq!(
            read("[5e0, -3.0, 1e19]").unwrap()[2].as_u64(),
            Some(10_000_000_000_000_000_000)
        );
        assert!(read("5.5").unwrap().is_f64());
        assert!(read("1e300").unwrap().is_f64());
        assert!(read("-1e19").unwrap().is_f64());
    }

    #[test]
    fn a_member_named_twice_is_refused() {
        let error = read(r#"{"a": {"b": 1, "b": 2}}"#).unwrap_err();
        assert!(error.to_string().contains("duplicate field `b`"), "{error}");
    }
}
