//! The connector-author API: what a connector crate builds on and an embedding service does not
//! need. Shared mechanisms live here once instead of in every connector:
//!
//! * [`hosts`] — the one check of where a live account's calls may go (the API domains a
//!   connector declares in [`ConnectorInfo::api_domains`](crate::ConnectorInfo::api_domains)),
//!   used by the connectors and by the gateway alike.
//! * [`oauth`] — the OAuth endpoints a connector declares
//!   ([`ConnectorInfo::oauth`](crate::ConnectorInfo::oauth)), the one "due" policy and the one
//!   refresh-token grant; no connector refreshes on its own.
//! * [`http`], [`transport`], [`convert`] — the shared HTTP path, the HTTP client and value
//!   conversions, reachable here as the kit's parts (their old paths `unicrm_core::http` … stay
//!   until every connector has moved).

pub mod hosts;
pub mod oauth;

pub use crate::convert;
pub use crate::http;
pub use crate::transport;
