//! The Close emulator (feature `sandbox`): Close's real paths under `/api/v1/…/`, `lead_…` /
//! `cont_…` / `oppo_…` / `acti_…` / `user_…` ids, `_skip`/`_limit` paging answering
//! `{data, has_more}`, validation errors as `{"errors": [], "field-errors": {…}}`, and 429s with
//! `Retry-After`, `RateLimit-Reset`, `RateLimit` and a body `error.rate_reset`.
//!
//! Records live in the per-account store of `unicrm-sandbox`: collections `lead`, `contact`,
//! `opportunity` and `meeting`. A lead is answered with its contacts and opportunities nested,
//! as Close does. Meetings cannot be created through Close's API (they are synced from
//! calendars); the seed function puts some in every seeded account.
//!
//! Simplifications (documented, not Close behaviour claims): phones are kept as sent (Close
//! normalises them to E.164); the lead search `query` understands `name:"…"` only.

// Handlers answer `Result<Response, Response>` (the error is the provider's error response); a
// boxed error would only add noise to every handler.
#![allow(clippy::result_large_err)]

use std::time::Duration;
use unicrm_sandbox::routes::{Checked, Segment};

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use http::StatusCode;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use unicrm_sandbox::auth::{AuthProblem, TenantToken};
use unicrm_sandbox::paging::offset_limit;
use unicrm_sandbox::{ErrorFormat, Sandbox, StdRng, StoredRecord, TenantStore};

use crate::config::ID;

mod contacts;
mod errors;
mod leads;
mod meetings;
mod oauth;
mod opportunities;
mod org;
mod paging;
mod render;
mod seed;
mod validate;

use contacts::*;
pub use errors::*;
use leads::*;
use meetings::*;
use oauth::*;
use opportunities::*;
pub use org::*;
use paging::*;
use render::*;
pub use seed::*;
use validate::*;

/// Close ids are a type prefix, `_` and letters and digits (`lead_…`, `cont_…`): a segment without
/// that shape (`/lead/merge/`, …) is an endpoint the emulator does not serve, not a record.
struct RecordId;

impl Segment for RecordId {
    fn accepts(id: &str) -> bool {
        id.split_once('_').is_some_and(|(prefix, rest)| {
            !prefix.is_empty()
                && prefix.bytes().all(|b| b.is_ascii_lowercase())
                && !rest.is_empty()
                && rest.bytes().all(|b| b.is_ascii_alphanumeric())
        })
    }
}

unicrm_sandbox::register_emulator! {
    id: ID,
    router: router,
    seed: seed,
    errors: &CloseErrors,
}

/// The emulator's routes (Close's paths, with `/api/v1`).
pub fn router(sandbox: Sandbox) -> Router {
    Router::new()
        .route("/api/v1/lead/", get(list_leads).post(create_lead))
        .route(
            "/api/v1/lead/{id}/",
            get(get_lead).put(update_lead).delete(delete_lead),
        )
        .route("/api/v1/contact/", get(list_contacts).post(create_contact))
        .route(
            "/api/v1/contact/{id}/",
            get(get_contact).put(update_contact).delete(delete_contact),
        )
        .route(
            "/api/v1/opportunity/",
            get(list_opportunities).post(create_opportunity),
        )
        .route(
            "/api/v1/opportunity/{id}/",
            get(get_opportunity)
                .put(update_opportunity)
                .delete(delete_opportunity),
        )
        .route("/api/v1/activity/meeting/", get(list_meetings))
        .route(
            "/api/v1/activity/meeting/{id}/",
            get(get_meeting).put(update_meeting).delete(delete_meeting),
        )
        .route("/api/v1/user/{id}/", get(get_user))
        .route("/api/v1/me/", get(get_me))
        .route("/api/v1/status/lead/", get(lead_statuses))
        .route("/api/v1/status/opportunity/", get(opportunity_statuses))
        .route("/api/v1/custom_field/{family}/", get(custom_fields))
        .route("/oauth2/token/", TOKEN.route())
        .with_state(sandbox)
}

type Answer = Result<Response, Response>;
