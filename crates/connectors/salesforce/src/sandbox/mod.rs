//! Emulator of the Salesforce REST endpoints this connector calls (feature `sandbox`).
//!
//! Served by `unicrm-sandbox` under `/salesforce`, with the real paths below it:
//!
//! | method | path | answer |
//! | --- | --- | --- |
//! | POST | `/services/oauth2/token` (`grant_type=refresh_token`) | token JSON with `instance_url` |
//! | POST | `/services/data/vNN.N/sobjects/{Obj}/` | 201 `{id, success, errors}` |
//! | GET | `/services/data/vNN.N/sobjects/{Obj}/{id}[?fields=…]` | the record |
//! | PATCH | `/services/data/vNN.N/sobjects/{Obj}/{id}` | 204 |
//! | DELETE | `/services/data/vNN.N/sobjects/{Obj}/{id}` | 204 |
//! | GET | `/services/data/vNN.N/sobjects/{Obj}/describe` | describe with custom fields |
//! | GET | `/services/data/vNN.N/query?q=…` | first batch, `nextRecordsUrl` when more |
//! | GET | `/services/data/vNN.N/query/{locator}-{offset}` | next batch |
//!
//! Objects: Contact, Lead, Opportunity, Event, Account, User (ids from the sandbox's Salesforce
//! id generator: 18 characters with the right key prefix). The SOQL subset the connector emits is
//! parsed properly ([`query`]); anything else is `MALFORMED_QUERY`. Errors are Salesforce's
//! arrays: `REQUIRED_FIELD_MISSING` naming the field, `INVALID_FIELD`, `NOT_FOUND`,
//! `INVALID_SESSION_ID` (401); the fault layer's rate-limit slot answers `403
//! REQUEST_LIMIT_EXCEEDED` as Salesforce does. Every REST answer carries `Sforce-Limit-Info`.

mod describe;
mod exec;
mod ids;
mod org;
mod query;
mod schema;

use std::collections::HashMap;
use std::time::Duration;
use unicrm_sandbox::routes::{Checked, Segment};

use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::Utc;
use http::{header, HeaderValue, StatusCode};
use serde_json::{json, Map, Value};
use unicrm_sandbox::auth::{self, AuthProblem, TenantToken};
use unicrm_sandbox::{fake, ErrorFormat, Sandbox, StdRng};

pub use org::{Failure, Org};

use crate::wire::SObjectType;

mod errors;
mod oauth;
mod rest;
mod seed;

pub use errors::*;
use oauth::*;
use rest::*;
pub use seed::*;

/// Emulator id (the path prefix under the sandbox server).
pub const EMULATOR_ID: &str = crate::config::ID;

/// The org's daily API request limit the emulator reports in `Sforce-Limit-Info`.
pub const API_LIMIT: u64 = 100_000;

/// The emulator's routes (paths as Salesforce has them).
pub fn router(sb: Sandbox) -> Router {
    let data = "/services/data/{version}";
    Router::new()
        .route("/services/oauth2/token", TOKEN.route())
        .route(&format!("{data}/query"), get(run_query))
        .route(&format!("{data}/query/"), get(run_query))
        .route(&format!("{data}/query/{{locator}}"), get(query_more))
        .route(&format!("{data}/sobjects/{{object}}"), post(create))
        .route(&format!("{data}/sobjects/{{object}}/"), post(create))
        .route(
            &format!("{data}/sobjects/{{object}}/describe"),
            get(describe),
        )
        .route(
            &format!("{data}/sobjects/{{object}}/{{id}}"),
            get(read).patch(update).delete(remove),
        )
        .layer(middleware::from_fn_with_state(sb.clone(), limit_info))
        .with_state(sb)
}

/// Salesforce ids always hold digits (a key prefix and a number): a segment without one
/// (`/sobjects/Contact/updated`, `/deleted`, `/listviews`, …) is an endpoint, not a record.
struct RecordId;

impl Segment for RecordId {
    fn accepts(id: &str) -> bool {
        id.bytes().any(|b| b.is_ascii_digit())
    }
}
