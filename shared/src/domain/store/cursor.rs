//! The one codec of cursors: a listing's position as URL-safe base64 of JSON, opaque to
//! callers. What a position holds is the listing's business (a store's keyset, search's
//! sort key); how it travels is decided here.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The longest cursor worth decoding; anything longer was not handed out.
pub const MAX_CURSOR_LENGTH: usize = 1_024;

/// `position` as a cursor to hand out.
pub fn encode_cursor(position: &impl Serialize) -> String {
    // The positions are plain structs of strings and numbers, which always serialize.
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(position).unwrap_or_default())
}

/// The position `raw` holds; `None` for anything not made by [`encode_cursor`] of a `T`.
pub fn decode_cursor<T: DeserializeOwned>(raw: &str) -> Option<T> {
    if raw.len() > MAX_CURSOR_LENGTH {
        return None;
    }
    let json = URL_SAFE_NO_PAD.decode(raw).ok()?;
    serde_json::from_slice(&json).ok()
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Position {
        at: i64,
        id: String,
    }

    #[test]
    fn positions_round_trip_and_nothing_else_decodes() {
        let position = Position {
            at: 7,
            id: "a".into(),
        };
        let raw = encode_cursor(&position);
        assert_eq!(decode_cursor::<Position>(&raw), Some(position));
        let long = "A".repeat(MAX_CURSOR_LENGTH + 1);
        for raw in ["", "%%%", "e30", long.as_str()] {
            assert_eq!(decode_cursor::<Position>(raw), None, "{raw}");
        }
    }
}
