//! HubSpot emulator (feature `sandbox`): the endpoints this connector uses, with HubSpot's paths,
//! bodies, ids, paging and errors, on the `unicrm-sandbox` machinery.
//!
//! Served (under the sandbox's `/hubspot` prefix):
//!
//! * `GET|POST /crm/v3/objects/{type}`, `GET|PATCH|DELETE /crm/v3/objects/{type}/{id}` for
//!   contacts, companies, deals, meetings and leads (names, singular names or type ids `0-1` …);
//!   list paging with `limit` (≤ 100) + `after` (the id of the next record, as HubSpot does);
//!   `properties=` and `associations=` query parameters;
//! * `POST /crm/v3/objects/{type}/search`: `filterGroups` (`EQ NEQ LT LTE GT GTE BETWEEN IN
//!   NOT_IN HAS_PROPERTY NOT_HAS_PROPERTY CONTAINS_TOKEN NOT_CONTAINS_TOKEN`), one sort, `limit`
//!   (≤ 200), integer `after` and the 10,000-result window (a 400 past it);
//! * associations in create bodies and `PUT /crm/v4/objects/{from}/{id}/associations/default/{to}/{toId}`,
//!   `DELETE /crm/v4/objects/{from}/{id}/associations/{to}/{toId}`;
//! * `GET|POST /crm/v3/properties/{type}` (create custom properties; writing an unknown property
//!   is HubSpot's 400 `PROPERTY_DOESNT_EXIST`);
//! * `GET /crm/v3/owners`, `GET /crm/v3/owners/{id}` (seeded owners);
//! * `PUT /contacts/v1/secondary-email/{vid}/email/{email}` (additional contact emails);
//! * `POST /oauth/v1/token` (refresh: the new access token names the same sandbox account);
//! * the rules: a duplicate contact email is a 409 `Contact already exists. Existing ID: N`, a
//!   lead must be created with an association to an existing contact, a meeting needs
//!   `hs_timestamp` (defaulted from `hs_meeting_start_time`), a deal needs `dealname` and
//!   `dealstage`; 401/429/5xx in HubSpot's format.

// Helpers short-circuit with the provider's error `Response`; boxing it would only add noise.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use unicrm_sandbox::routes::{Checked, Segment};

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::{json, Map, Value};
use unicrm_sandbox::auth::{AuthProblem, TenantToken};
use unicrm_sandbox::{ErrorFormat, Sandbox, StdRng, StoredRecord, TenantStore};

use crate::mapping::convert;
use crate::wire::{
    AssociationInput, Filter, ObjectInput, ObjectInputForCreate, PropertyCreate, SearchRequest,
};

mod associations;
mod crud;
mod emails;
mod errors;
mod oauth;
mod objects;
mod owners;
mod properties;
mod records;
mod search;
mod seed;

use associations::*;
use crud::*;
use emails::*;
pub use errors::*;
use oauth::*;
use objects::*;
use owners::*;
use properties::*;
use records::*;
use search::*;
pub use seed::*;

/// Largest `limit` of a list page (HubSpot: "up to 100").
const LIST_MAX: usize = 100;
/// Largest `limit` of a search page ("The maximum number of supported objects per page is 200").
const SEARCH_MAX: usize = 200;
/// "The search endpoints are limited to 10,000 total results for any given query."
pub const SEARCH_WINDOW: usize = 10_000;

/// The emulator's routes (paths as HubSpot has them).
pub fn router(sandbox: Sandbox) -> Router {
    Router::new()
        .route(
            "/crm/v3/objects/{object_type}",
            get(list_objects).post(create_object),
        )
        .route("/crm/v3/objects/{object_type}/search", post(search_objects))
        .route("/crm/v3/objects/{object_type}/batch/read", post(batch_read))
        .route(
            "/crm/v3/objects/{object_type}/{id}",
            get(get_object).patch(update_object).delete(delete_object),
        )
        .route(
            "/crm/v4/objects/{from}/{from_id}/associations/default/{to}/{to_id}",
            put(associate_default),
        )
        .route(
            "/crm/v4/objects/{from}/{from_id}/associations/{to}/{to_id}",
            axum::routing::delete(dissociate),
        )
        .route(
            "/crm/v3/properties/{object_type}",
            get(list_properties).post(create_property),
        )
        .route("/crm/v3/owners", get(list_owners))
        .route("/crm/v3/owners/{id}", get(get_owner))
        .route(
            "/contacts/v1/secondary-email/{vid}/email/{email}",
            put(add_secondary_email).delete(remove_secondary_email),
        )
        .route("/oauth/v1/token", TOKEN.route())
        .with_state(sandbox)
}

/// The literal sub-paths of HubSpot's objects API (`/crm/v3/objects/{type}/search`, `/batch/…`,
/// `/merge`, `/gdpr-delete`): never a record id (an `idProperty` value may be anything else), so
/// a method the emulator does not serve there is an unknown endpoint, not a record lookup.
struct RecordId;

impl Segment for RecordId {
    fn accepts(id: &str) -> bool {
        !matches!(id, "search" | "batch" | "merge" | "gdpr-delete")
    }
}

unicrm_sandbox::register_emulator! {
    id: "hubspot",
    router: router,
    seed: seed,
    errors: &HubSpotErrors,
}
