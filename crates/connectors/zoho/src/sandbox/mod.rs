//! Zoho CRM emulator (feature `sandbox`): the endpoints this connector uses, with Zoho's paths,
//! bodies, ids, paging and errors, on the `unicrm-sandbox` machinery.
//!
//! Served (under the sandbox's `/zoho` prefix, which plays both the API domain and the accounts
//! server):
//!
//! * `POST|GET /crm/v8/{module}`, `GET|PUT|DELETE /crm/v8/{module}/{id}` for `Contacts`, `Leads`,
//!   `Deals`, `Events` and `Accounts`; bodies `{"data": [...]}` (≤ 100 records), one result per
//!   record — 201 when all succeed, 207 when some fail, 400 when all fail — with Zoho's per-record
//!   errors (`MANDATORY_NOT_FOUND`, `INVALID_DATA` naming `api_name` and `json_path`,
//!   `DUPLICATE_DATA` naming the existing record);
//! * lists: `fields` required (≤ 50, `REQUIRED_PARAM_MISSING` / `LIMIT_EXCEEDED`), `per_page`
//!   ≤ 200, `page` or `page_token` (`info.next_page_token`, `more_records`), `sort_by=id` +
//!   `sort_order`, `If-Modified-Since` (304 when nothing changed), 204 for an empty list;
//! * `GET /crm/v8/{module}/search?criteria=(Field:equals:value)` (also `starts_with`), 204 when
//!   nothing matches;
//! * `GET /crm/v8/users/{id}` (two users per account), `GET /crm/v8/settings/fields?module=…`
//!   (standard fields plus a few `custom_field: true` ones);
//! * `POST /oauth/v2/token` (`grant_type=refresh_token`; a bad refresh token is Zoho's
//!   `{"error": "invalid_code"}` with HTTP 200; the new access token names the same sandbox
//!   account and `api_domain` is the emulator's base URL);
//! * ids are Zoho's long decimal strings (`5725767000000001001`); `Authorization:
//!   Zoho-oauthtoken …` is required (a `Bearer` header is refused like a bad token); 401, 429
//!   and 5xx in Zoho's `{code, message, status, details}` shape.
//!
//! Rules modelled: mandatory fields (contacts `Last_Name`; leads `Last_Name`, `Company`; deals
//! `Deal_Name`, `Stage`, `Closing_Date`; events `Event_Title`, `Start_DateTime`, `End_DateTime`;
//! accounts `Account_Name`), lookups that must name existing records, owners that must be users,
//! e-mail, number, date and date-time formats, `First_Name` ≤ 40 and `Last_Name` ≤ 80
//! characters, and `Email` unique among contacts and among leads (as when the field is marked
//! unique).

use std::collections::BTreeMap;
use std::time::Duration;
use unicrm_sandbox::routes::{Checked, Segment};

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use http::request::Parts;
use serde_json::{json, Map, Value};
use unicrm_sandbox::auth::{AuthProblem, TenantToken};
use unicrm_sandbox::{ErrorFormat, Sandbox, StdRng, StoredRecord, TenantStore};

use crate::wire::Module;

mod auth;
mod errors;
mod fields;
mod list;
mod modules;
mod records;
mod render;
mod search;
mod seed;
mod users;
mod validate;

use auth::*;
pub use errors::*;
use fields::*;
use list::*;
use modules::*;
use records::*;
use render::*;
use search::*;
pub use seed::*;
use users::*;
use validate::*;

/// Largest `per_page`.
const MAX_PER_PAGE: usize = 200;
/// Largest number of `fields`.
const MAX_FIELDS: usize = 50;
/// Largest number of records in one write.
const MAX_RECORDS: usize = 100;
/// Discrete `page` paging reaches 2,000 records (`page` 1–10 × 200).
const MAX_PAGE: usize = 10;

/// The emulator's routes (paths as Zoho has them).
pub fn router(sandbox: Sandbox) -> Router {
    Router::new()
        .route("/oauth/v2/token", TOKEN.route())
        .route("/crm/v8/users/{id}", get(get_user))
        .route("/crm/v8/settings/fields", get(get_fields))
        .route("/crm/v8/{module}", get(list_records).post(create_records))
        .route("/crm/v8/{module}/search", get(search_records))
        .route(
            "/crm/v8/{module}/{id}",
            get(get_record).put(update_record).delete(delete_record),
        )
        .with_state(sandbox)
}

/// Zoho record ids are long integers: any other `{id}` segment is an endpoint, not a record.
struct RecordId;

impl Segment for RecordId {
    fn accepts(id: &str) -> bool {
        !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
    }
}

/// The `/crm/v8/{…}` names that are APIs of their own, not modules (COQL, settings, users, org,
/// bulk, composite, …): answered as unknown endpoints instead of `INVALID_MODULE`.
struct ModuleName;

impl Segment for ModuleName {
    const PARAM: &'static str = "module";

    fn accepts(module: &str) -> bool {
        !matches!(
            module,
            "coql" | "settings" | "users" | "org" | "bulk" | "composite" | "__features" | "actions"
        )
    }
}

unicrm_sandbox::register_emulator! {
    id: crate::config::ID,
    router: router,
    seed: seed,
    errors: &ZohoErrors,
}
