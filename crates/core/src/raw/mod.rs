//! The connector-author API: what a connector crate builds on and an embedding service does not
//! need. Shared mechanisms live here once instead of in every connector:
//!
//! * [`hosts`] — the one check of where a live account's calls may go (the API domains a
//!   connector declares in [`ConnectorInfo::api_domains`](crate::ConnectorInfo::api_domains)),
//!   used by the connectors and by the gateway alike.
//! * [`cursor`] — the one opaque list cursor (connector tag, version, tamper-refusing decode).
//! * [`owners`] — the one owner resolution (cache, one lookup on a miss, never failing a read).
//! * [`errors`] — the shared opening of every connector's `parse_error` (body, request id,
//!   `Retry-After`, details) and the [`errors::Kind`] its mapping table chooses.
//! * [`oauth`] — the OAuth endpoints a connector declares
//!   ([`ConnectorInfo::oauth`](crate::ConnectorInfo::oauth)), the one "due" policy and the one
//!   refresh-token grant; no connector refreshes on its own.
//! * [`http`], [`transport`], [`convert`] — the shared HTTP path, the HTTP client and value
//!   conversions, reachable here as the kit's parts (their old paths `unicrm_core::http` … stay
//!   until every connector has moved).

pub mod cursor;
pub mod errors;
pub mod hosts;
pub mod oauth;
pub mod owners;

pub use crate::convert;
pub use crate::http;
pub use crate::transport;
