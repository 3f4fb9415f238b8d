//! The correlation id: what ties together everything one checkout causes, from the
//! shopper's request through the order, the saga, the gateway's webhooks, the events and
//! their consumers. It has the shape of a W3C Trace Context trace-id (32 lowercase hex
//! digits, not all zero), so a client that sends `traceparent` sees its own trace-id on
//! the order's every log line and event. An X-Ray trace id is the same 32 digits written
//! `1-<8>-<24>`, so on AWS a checkout without `traceparent` takes the id of the X-Ray trace
//! its function runs in.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

use super::ids::IdError;

/// A correlation id: 32 lowercase hex digits, not all zero.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct CorrelationId(String);

fn is_trace_id(raw: &str) -> bool {
    raw.len() == 32
        && raw
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && raw.bytes().any(|b| b != b'0')
}

impl CorrelationId {
    /// Validates `raw` as a correlation id.
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        if is_trace_id(raw) {
            Ok(CorrelationId(raw.to_owned()))
        } else {
            Err(IdError::new(
                "a correlation id is 32 lowercase hex digits, not all zero",
            ))
        }
    }

    /// A new id from `uuid` (a random one, for a request that brought none).
    pub fn from_uuid(uuid: Uuid) -> Self {
        // Only the nil UUID is all zero, which a trace-id may not be.
        let hex = uuid.simple().to_string();
        if is_trace_id(&hex) {
            CorrelationId(hex)
        } else {
            CorrelationId(format!("{:032x}", 1))
        }
    }

    /// The trace-id of a W3C `traceparent` header
    /// (`version-traceid-parentid-flags`, e.g. `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01`);
    /// `None` for a header that is not one. Later versions may append fields, which are
    /// ignored, as the specification asks. Written here rather than taken from the
    /// OpenTelemetry SDK: it is one split of a four-field header, and the SDK would bring a
    /// whole tracing pipeline the shop does not run.
    pub fn from_traceparent(header: &str) -> Option<Self> {
        let mut fields = header.trim().split('-');
        let version = fields.next()?;
        let trace_id = fields.next()?;
        let parent_id = fields.next()?;
        let flags = fields.next()?;
        let hex = |field: &str, len: usize| {
            field.len() == len
                && field
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        };
        let valid = hex(version, 2)
            && version != "ff"
            && (version != "00" || fields.next().is_none())
            && hex(parent_id, 16)
            && parent_id.bytes().any(|b| b != b'0')
            && hex(flags, 2);
        valid.then(|| CorrelationId::parse(trace_id).ok()).flatten()
    }

    /// The trace id of an X-Ray trace header (`Root=1-5759e988-bd862e3fe1be46a994272793;Parent=…;Sampled=1`,
    /// as Lambda hands each invocation); `None` for a header without a valid root.
    pub fn from_xray(header: &str) -> Option<Self> {
        let root = header
            .split(';')
            .find_map(|field| field.trim().strip_prefix("Root="))?;
        let mut parts = root.split('-');
        let (version, time, random) = (parts.next()?, parts.next()?, parts.next()?);
        let valid =
            version == "1" && time.len() == 8 && random.len() == 24 && parts.next().is_none();
        valid
            .then(|| CorrelationId::parse(&format!("{time}{random}")).ok())
            .flatten()
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CorrelationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CorrelationId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        CorrelationId::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

    #[test]
    fn a_traceparent_gives_its_trace_id() {
        let header = format!("00-{TRACE_ID}-00f067aa0ba902b7-01");
        assert_eq!(
            CorrelationId::from_traceparent(&header).unwrap().as_str(),
            TRACE_ID
        );
        let later = format!("01-{TRACE_ID}-00f067aa0ba902b7-00-more");
        assert_eq!(
            CorrelationId::from_traceparent(&later).unwrap().as_str(),
            TRACE_ID
        );
    }

    #[test]
    fn a_header_that_is_no_traceparent_gives_none() {
        for header in [
            "",
            "garbage",
            &format!("00-{TRACE_ID}-00f067aa0ba902b7"),
            &format!("00-{TRACE_ID}-00f067aa0ba902b7-01-extra"),
            &format!("ff-{TRACE_ID}-00f067aa0ba902b7-01"),
            &format!("00-{}-00f067aa0ba902b7-01", "0".repeat(32)),
            &format!("00-{TRACE_ID}-0000000000000000-01"),
            &format!("00-{}-00f067aa0ba902b7-01", TRACE_ID.to_uppercase()),
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
        ] {
            assert_eq!(CorrelationId::from_traceparent(header), None, "{header}");
        }
    }

    #[test]
    fn an_xray_header_gives_its_root() {
        let header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
        assert_eq!(
            CorrelationId::from_xray(header).unwrap().as_str(),
            "5759e988bd862e3fe1be46a994272793"
        );
        assert_eq!(
            CorrelationId::from_xray("Sampled=0; Root=1-5759e988-bd862e3fe1be46a994272793")
                .unwrap()
                .as_str(),
            "5759e988bd862e3fe1be46a994272793"
        );
        for header in [
            "",
            "Parent=53995c3f42cd8ad8",
            "Root=2-5759e988-bd862e3fe1be46a994272793",
            "Root=1-5759e98-bd862e3fe1be46a9942727931",
            "Root=1-5759e988-bd862e3fe1be46a994272793-00",
            "Root=1-5759E988-bd862e3fe1be46a994272793",
            "Root=1-00000000-000000000000000000000000",
        ] {
            assert_eq!(CorrelationId::from_xray(header), None, "{header}");
        }
    }

    #[test]
    fn a_uuid_makes_a_valid_id() {
        let id = CorrelationId::from_uuid(Uuid::new_v4());
        assert_eq!(CorrelationId::parse(id.as_str()), Ok(id));
        assert!(CorrelationId::parse("not-hex").is_err());
    }
}
