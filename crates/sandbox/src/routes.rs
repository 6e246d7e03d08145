//! Routing helpers: the emulator's answer to paths it does not model, and path segments that must
//! be record ids.
//!
//! Every emulator router gets a fallback (added by the server) answering with the emulator's
//! [`ErrorFormat::unknown_path`], for unknown paths and for methods a path does not serve. An `{id}` route, though, matches any segment: `GET
//! /deals/{id}` would take `/deals/search` for the record `search`. A handler takes a
//! [`Checked<S>`] argument to refuse such a request as an unknown path when the segment cannot
//! be a record id of the provider ([`Segment::accepts`]), as the real API routes it elsewhere.
//!
//! ```
//! use unicrm_sandbox::routes::{Checked, Segment};
//!
//! /// Pipedrive record ids are positive integers.
//! struct NumericId;
//! impl Segment for NumericId {
//!     fn accepts(id: &str) -> bool {
//!         !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
//!     }
//! }
//!
//! async fn get_deal(_: Checked<NumericId>, axum::extract::Path(id): axum::extract::Path<String>) -> String {
//!     id
//! }
//! # let _ = axum::Router::<()>::new().route("/deals/{id}", axum::routing::get(get_deal));
//! ```

use std::marker::PhantomData;

use axum::extract::{FromRequestParts, RawPathParams, Request};
use axum::response::{IntoResponse, Response};
use http::request::Parts;

use crate::format::{ErrorFormat, GenericErrors};
use crate::server::EmulatorContext;

/// What a path parameter of a record route must look like.
pub trait Segment: Send + Sync + 'static {
    /// The name of the path parameter checked (`{id}` by default).
    const PARAM: &'static str = "id";
    /// Whether `value` can be what the parameter names (a record id, a module name …).
    fn accepts(value: &str) -> bool;
}

/// Extractor that refuses the request with the emulator's unknown-path answer when the path
/// parameter [`Segment::PARAM`] is not accepted by `S` (put it first among the handler's
/// arguments). A route without that parameter is not checked.
pub struct Checked<S>(PhantomData<S>);

impl<S> std::fmt::Debug for Checked<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Checked")
    }
}

impl<S: Segment, St: Send + Sync> FromRequestParts<St> for Checked<S> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self, Self::Rejection> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let accepted = params
            .iter()
            .find(|(name, _)| *name == S::PARAM)
            .is_none_or(|(_, value)| S::accepts(value));
        if accepted {
            Ok(Checked(PhantomData))
        } else {
            Err(unknown_path_of(parts))
        }
    }
}

/// The emulator's unknown-path answer for this request (the neutral [`GenericErrors`] outside an
/// emulator).
pub fn unknown_path_of(parts: &Parts) -> Response {
    let errors: &dyn ErrorFormat = match parts.extensions.get::<EmulatorContext>() {
        Some(cx) => cx.errors,
        None => &GenericErrors,
    };
    errors.unknown_path(parts.uri.path())
}

/// The fallback of every emulator router (unknown paths and unserved methods): the emulator's
/// unknown-path answer.
pub(crate) async fn unknown_path(req: Request) -> Response {
    let (parts, _) = req.into_parts();
    unknown_path_of(&parts)
}
