//! # unicrm-core
//!
//! The unified CRM model ([`model`]), its two public API dialects ([`dialect`]), the
//! [`Connector`] trait every provider crate implements, the [`Context`] a call carries, the shared
//! HTTP path ([`http`]), value conversions providers need ([`convert`]), the [`Error`] kinds users
//! branch on, and connector registration ([`registry`], [`register_connector!`]).
#![deny(missing_docs)]

pub mod connector;
pub mod context;
pub mod convert;
pub mod dialect;
pub mod error;
pub mod export;
pub mod http;
pub mod limit;
pub mod lookup;
pub mod model;
pub mod raw;
pub mod registry;
pub mod transport;

pub use connector::{AuthKind, Capability, Connector, ConnectorInfo};
pub use context::{Context, Credentials, OwnerCache, RawCall, Recorder};
pub use error::{Error, ProviderDetails, Result};
pub use limit::{RateLimiter, RetryPolicy};
pub use lookup::Lookup;
pub use model::{
    Account, Address, Contact, CustomField, CustomFieldDefinition, CustomFieldOption, Deal,
    EnumValue, FieldType, Lead, ListQuery, Meeting, Operation, Owner, Page, Passthrough, Record,
    Resource,
};

#[doc(hidden)]
pub use inventory;
