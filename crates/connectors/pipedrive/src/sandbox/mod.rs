//! Pipedrive emulator (feature `sandbox`): the endpoints this connector uses, with Pipedrive's
//! paths, bodies, ids, paging and errors, on the `unicrm-sandbox` machinery.
//!
//! Served (under the sandbox's `/pipedrive` prefix):
//!
//! * API v2 `GET|POST /api/v2/{persons,organizations,deals,activities}` and
//!   `GET|PATCH|DELETE /api/v2/{…}/{id}`: numeric ids, `{"success": true, "data": …}` answers
//!   (200 on create), cursor paging (`limit` ≤ 500, default 100; `additional_data.next_cursor`,
//!   `null` at the end), `updated_since`, `sort_by` (`id`, `update_time`, `add_time`) and
//!   `sort_direction`, the `ids` (≤ 100) and `person_id` / `org_id` / `owner_id` / `deal_id` filters;
//! * `GET /api/v2/{persons,organizations}/search` (`term`, `fields`, `exact_match`, `limit`);
//! * `GET /api/v2/{personFields,organizationFields,dealFields,activityFields}`;
//! * API v1 `GET|POST /v1/leads` (201 on create, UUID ids, `start`/`limit` paging with
//!   `additional_data.pagination`) and `GET|PATCH|DELETE /v1/leads/{id}`;
//! * `GET /v1/users/{id}` (three users per account; id 1 owns what the API creates);
//! * `POST /oauth/token` (`grant_type=refresh_token`: the new access token names the same
//!   sandbox account);
//! * the rules: a person / organization needs a `name`, a deal a `title`, a lead a `title` and a
//!   person or an organization; references must exist; emails/phones are `{value, primary,
//!   label}` arrays; custom fields are 40-character hash keys; a stage must exist; an activity
//!   type must be known; 400/401/404/429/5xx in Pipedrive's `{"success": false, "error": …}` form.

// Helpers short-circuit with the provider's error `Response`; boxing it would only add noise.
#![allow(clippy::result_large_err)]

use std::time::Duration;
use unicrm_sandbox::routes::{Checked, Segment};

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, NaiveTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};
use unicrm_sandbox::auth::{AuthProblem, TenantToken};
use unicrm_sandbox::paging::{after_cursor, offset_limit};
use unicrm_sandbox::{ErrorFormat, Sandbox, StdRng, StoredRecord, TenantStore};

use crate::mapping::{is_custom_key, is_uuid};

mod errors;
mod fields;
mod leads;
mod oauth;
mod objects;
mod params;
mod search;
mod seed;
mod users;
mod v2;
mod validate;

pub use errors::*;
use fields::*;
use leads::*;
use oauth::*;
use objects::*;
use params::*;
use search::*;
pub use seed::*;
use users::*;
use v2::*;
use validate::*;

/// Pipedrive's `error_info` on every error answer.
const ERROR_INFO: &str =
    "Please check developers.pipedrive.com for more information about Pipedrive API.";
/// Largest v2 page ("a maximum value of 500 is allowed").
const PAGE_MAX: usize = 500;
/// Default page size ("If not provided, 100 items will be returned").
const PAGE_DEFAULT: usize = 100;
/// The user the API acts as (owner of what it creates without `owner_id`).
const API_USER: i64 = 1;
/// Activity types of a new Pipedrive account ("call, meeting, lunch or a custom type").
const ACTIVITY_TYPES: &[&str] = &["call", "meeting", "task", "deadline", "email", "lunch"];
/// Options of the organization field `industry` (a new account's list, abridged).
const INDUSTRIES: &[(i64, &str)] = &[
    (1, "Technology"),
    (2, "Finance"),
    (3, "Healthcare"),
    (4, "Manufacturing"),
    (5, "Retail"),
];
/// The default pipeline's stages (id, name); a new account has one pipeline (id 1).
const STAGES: &[(i64, &str)] = &[
    (1, "Qualified"),
    (2, "Contact Made"),
    (3, "Demo Scheduled"),
    (4, "Proposal Made"),
    (5, "Negotiations Started"),
];

macro_rules! v2_routes {
    ($router:expr, $obj:expr, $path:literal) => {
        $router
            .route(
                concat!("/api/v2/", $path),
                get(
                    |State(sb): State<Sandbox>, TenantToken(t): TenantToken, RawQuery(q): RawQuery| async move {
                        list_v2(sb, t, q, $obj).await
                    },
                )
                .post(
                    |State(sb): State<Sandbox>, TenantToken(t): TenantToken, body: Bytes| async move {
                        create_v2(sb, t, body, $obj).await
                    },
                ),
            )
            .route(
                concat!("/api/v2/", $path, "/{id}"),
                get(
                    |_: Checked<NumericId>, State(sb): State<Sandbox>, TenantToken(t): TenantToken, Path(id): Path<String>| async move {
                        get_v2(sb, t, id, $obj).await
                    },
                )
                .patch(
                    |_: Checked<NumericId>,
                     State(sb): State<Sandbox>,
                     TenantToken(t): TenantToken,
                     Path(id): Path<String>,
                     body: Bytes| async move { update_v2(sb, t, id, body, $obj).await },
                )
                .delete(
                    |_: Checked<NumericId>, State(sb): State<Sandbox>, TenantToken(t): TenantToken, Path(id): Path<String>| async move {
                        delete_v2(sb, t, id, $obj).await
                    },
                ),
            )
    };
}

macro_rules! fields_route {
    ($router:expr, $obj:expr, $path:literal) => {
        $router.route(
            concat!("/api/v2/", $path),
            get(|_t: TenantToken| async move { list_fields($obj).await }),
        )
    };
}

/// The emulator's routes (paths as Pipedrive has them, without the `/pipedrive` prefix).
pub fn router(sandbox: Sandbox) -> Router {
    let r = Router::new();
    let r = v2_routes!(r, Obj::Persons, "persons");
    let r = v2_routes!(r, Obj::Organizations, "organizations");
    let r = v2_routes!(r, Obj::Deals, "deals");
    let r = v2_routes!(r, Obj::Activities, "activities");
    let r = r
        .route(
            "/api/v2/persons/search",
            get(
                |State(sb): State<Sandbox>, TenantToken(t): TenantToken, RawQuery(q): RawQuery| async move {
                    search(sb, t, q, Obj::Persons).await
                },
            ),
        )
        .route(
            "/api/v2/organizations/search",
            get(
                |State(sb): State<Sandbox>, TenantToken(t): TenantToken, RawQuery(q): RawQuery| async move {
                    search(sb, t, q, Obj::Organizations).await
                },
            ),
        );
    let r = fields_route!(r, Obj::Persons, "personFields");
    let r = fields_route!(r, Obj::Organizations, "organizationFields");
    let r = fields_route!(r, Obj::Deals, "dealFields");
    let r = fields_route!(r, Obj::Activities, "activityFields");
    r.route("/v1/leads", get(list_leads).post(create_lead))
        .route(
            "/v1/leads/{id}",
            get(get_lead).patch(update_lead).delete(delete_lead),
        )
        .route("/v1/users/{id}", get(get_user))
        .route("/oauth/token", TOKEN.route())
        .with_state(sandbox)
}

/// Pipedrive's v2 records and users have integer ids: any other `{id}` segment (`/deals/search`,
/// `/users/me`, …) is an endpoint, not a record.
struct NumericId;

impl Segment for NumericId {
    fn accepts(id: &str) -> bool {
        !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
    }
}

/// Lead ids are UUIDs (`/v1/leads/search`, `/v1/leads/labels` are endpoints, not leads).
struct LeadId;

impl Segment for LeadId {
    fn accepts(id: &str) -> bool {
        is_uuid(id)
    }
}

unicrm_sandbox::register_emulator! {
    id: crate::config::ID,
    router: router,
    seed: seed,
    errors: &PipedriveErrors,
}
