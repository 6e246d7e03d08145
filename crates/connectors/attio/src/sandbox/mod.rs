//! The Attio emulator (feature `sandbox`): the endpoints this connector uses, at Attio's paths,
//! with Attio's bodies, value shapes, validation errors, UUID ids, paging and 429s, on the
//! `unicrm-sandbox` machinery.
//!
//! Served (under the emulator prefix `/attio`):
//! * `POST /v2/objects/{object}/records`, `POST …/records/query`,
//!   `GET|PATCH|PUT|DELETE …/records/{record_id}` for `people`, `companies`, `deals`;
//! * `GET /v2/objects/{object}/attributes[/{attribute}[/options|/statuses]]`;
//! * `GET /v2/workspace_members[/{id}]`;
//! * `GET|POST /v2/meetings`, `GET|PATCH|PUT|DELETE /v2/meetings/{meeting_id}`.
//!
//! Each sandbox account (token) is its own workspace with the standard people, companies and
//! deals attributes (plus one custom attribute each: `preferred_language`, `tier`,
//! `renewal_date`), the default deal stages and two workspace members. Writes follow Attio's
//! documented semantics: values are stored as typed value objects with `active_from`; `PATCH`
//! appends to multiselect attributes, `PUT` overwrites them; unique attributes
//! (`email_addresses`, `domains`) answer 409; required deal attributes answer `missing_value`;
//! relationship attributes keep their inverse in step (person `company` ↔ company `team`, deal
//! `associated_people` ↔ person `associated_deals`, deal `associated_company` ↔ company
//! `associated_deals`). Error messages the docs do not quote are modelled, not copied.

// Handlers short-circuit with the provider's error `Response` as the `Err` of a `Result`.
#![allow(clippy::result_large_err)]

use std::time::Duration;
use unicrm_sandbox::routes::{Checked, Segment};

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, SecondsFormat, Utc};
use http::StatusCode;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use unicrm_sandbox::auth::{AuthProblem, TenantToken};
use unicrm_sandbox::{ids, paging, ErrorFormat, Sandbox, StdRng, TenantStore};

use crate::config::{COMPANIES, DEALS, ID, PEOPLE};

mod attributes;
mod errors;
mod meetings;
mod query;
mod records;
mod schema;
mod seed;
mod values;
mod workspace;

use attributes::*;
pub use errors::*;
use meetings::*;
use query::*;
use records::*;
use schema::*;
pub use seed::*;
use values::*;
use workspace::*;

type Answer = Result<Response, Response>;

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// The emulator's routes (Attio's real paths).
pub fn router(sandbox: Sandbox) -> Router {
    Router::new()
        .route(
            "/v2/objects/{object}/records",
            axum::routing::post(create_record),
        )
        .route(
            "/v2/objects/{object}/records/query",
            axum::routing::post(query_records),
        )
        .route(
            "/v2/objects/{object}/records/{record_id}",
            get(get_record)
                .patch(patch_record)
                .put(put_record)
                .delete(delete_record),
        )
        .route("/v2/objects/{object}/attributes", get(list_attributes))
        .route(
            "/v2/objects/{object}/attributes/{attribute}",
            get(get_attribute),
        )
        .route(
            "/v2/objects/{object}/attributes/{attribute}/options",
            get(list_options),
        )
        .route(
            "/v2/objects/{object}/attributes/{attribute}/statuses",
            get(list_statuses),
        )
        .route("/v2/self", get(identify))
        .route("/v2/workspace_members", get(list_members))
        .route("/v2/workspace_members/{id}", get(get_member))
        .route("/v2/meetings", get(list_meetings).post(create_meeting))
        .route(
            "/v2/meetings/{id}",
            get(get_meeting)
                .patch(patch_meeting)
                .put(put_meeting)
                .delete(delete_meeting),
        )
        .with_state(sandbox)
}

/// Attio record, meeting and member ids are UUIDs: any other `{id}` segment (`records/query` with
/// `GET`, …) is an endpoint the emulator does not serve, not a record.
struct RecordId;

impl Segment for RecordId {
    fn accepts(id: &str) -> bool {
        is_uuid_shaped(id)
    }
}

fn is_uuid_shaped(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

unicrm_sandbox::register_emulator! {
    id: ID,
    router: router,
    seed: seed,
    errors: &AttioErrors,
}
