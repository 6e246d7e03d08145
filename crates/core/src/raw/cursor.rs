//! The one opaque list cursor: a connector's small paging state (offset, page token, keyset …)
//! as a URL-safe string tagged with the connector and a version, and back.
//!
//! A cursor is base64url (no padding) of `{"c": connector, "v": version, "p": state}`. Users
//! hand cursors back unchanged; anything else — garbage, a tampered or truncated cursor, one of
//! another connector or of an older cursor version — is [`Error::InvalidInput`] naming the
//! parameter `cursor`, never a provider call with a made-up position.
//!
//! ```
//! use unicrm_core::raw::cursor::CursorCodec;
//!
//! const CURSOR: CursorCodec = CursorCodec::new("example", 1);
//! let text = CURSOR.encode(&42u64);
//! assert_eq!(CURSOR.decode::<u64>(&text).unwrap(), 42);
//! assert!(CursorCodec::new("other", 1).decode::<u64>(&text).is_err());
//! assert!(CURSOR.decode::<u64>("garbage").is_err());
//! ```

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The parameter a bad cursor is reported on.
pub const FIELD: &str = "cursor";

/// Longest cursor text decoded: a cursor is small state, so longer input is refused unread.
pub const MAX_LEN: usize = 4096;

/// Encodes and decodes one connector's cursors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CursorCodec {
    connector: &'static str,
    version: u32,
}

#[derive(Serialize)]
struct Envelope<'a, T> {
    c: &'a str,
    v: u32,
    p: &'a T,
}

#[derive(Deserialize)]
struct Opened {
    c: String,
    v: u32,
    p: serde_json::Value,
}

impl CursorCodec {
    /// The codec of `connector` (its id) whose cursor state has shape `version`: bump the version
    /// when the state's shape changes, and older cursors are refused instead of misread.
    pub const fn new(connector: &'static str, version: u32) -> Self {
        CursorCodec { connector, version }
    }

    /// The opaque text of `state`.
    pub fn encode<T: Serialize>(&self, state: &T) -> String {
        let envelope = Envelope {
            c: self.connector,
            v: self.version,
            p: state,
        };
        // Serialising plain paging state cannot fail; an empty cursor (refused when handed
        // back) is the fallback rather than a panic.
        let json = serde_json::to_vec(&envelope).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    /// The state of a cursor this codec encoded; anything else is `InvalidInput` on `cursor`.
    pub fn decode<T: DeserializeOwned>(&self, text: &str) -> Result<T> {
        let text = text.trim();
        if text.is_empty() || text.len() > MAX_LEN {
            return Err(invalid(NOT_OURS));
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| invalid(NOT_OURS))?;
        let opened: Opened = serde_json::from_slice(&bytes).map_err(|_| invalid(NOT_OURS))?;
        if opened.c != self.connector {
            return Err(invalid(
                "this cursor was issued by another connector; pass next_cursor of this listing's previous page",
            ));
        }
        if opened.v != self.version {
            return Err(invalid(
                "this cursor comes from an older version of the connector; start the listing again",
            ));
        }
        serde_json::from_value(opened.p).map_err(|_| invalid(NOT_OURS))
    }
}

const NOT_OURS: &str =
    "not a cursor this connector issued (pass next_cursor of the previous page unchanged)";

/// `InvalidInput` on the `cursor` parameter, for a connector's own checks of a decoded state
/// (a cursor of another listing, an id of the wrong kind …).
pub fn invalid(reason: impl Into<String>) -> Error {
    Error::invalid(FIELD, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    enum State {
        Offset(u64),
        Token(String),
    }

    const CODEC: CursorCodec = CursorCodec::new("one", 1);

    fn field_of(e: Error) -> String {
        match e {
            Error::InvalidInput { field, .. } => field,
            other => panic!("not InvalidInput: {other:?}"),
        }
    }

    #[test]
    fn round_trips_and_is_url_safe() {
        for s in [
            State::Offset(0),
            State::Offset(u64::MAX),
            State::Token("a/b+c==?&".into()),
        ] {
            let text = CODEC.encode(&s);
            assert!(text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            assert_eq!(CODEC.decode::<State>(&text).unwrap(), s);
        }
    }

    #[test]
    fn refuses_garbage_other_connectors_versions_and_tampering() {
        let text = CODEC.encode(&State::Offset(5));
        let other = CursorCodec::new("two", 1)
            .decode::<State>(&text)
            .unwrap_err();
        assert_eq!(field_of(other), "cursor");
        let newer = CursorCodec::new("one", 2)
            .decode::<State>(&text)
            .unwrap_err();
        assert_eq!(field_of(newer), "cursor");
        for bad in [
            "",
            "garbage!",
            "eyJ9",
            &text[..text.len() - 3],
            &"A".repeat(MAX_LEN + 1),
        ] {
            assert_eq!(
                field_of(CODEC.decode::<State>(bad).unwrap_err()),
                "cursor",
                "{bad}"
            );
        }
        // Well-formed envelope, state of another shape.
        let forged = URL_SAFE_NO_PAD.encode(r#"{"c":"one","v":1,"p":{"Offset":"x"}}"#);
        assert_eq!(
            field_of(CODEC.decode::<State>(&forged).unwrap_err()),
            "cursor"
        );
    }
}
