//! Connector registration: each connector crate submits one [`ConnectorRegistration`] with
//! [`register_connector!`](crate::register_connector); [`registered`] finds every linked one.
//!
//! `inventory` only sees crates that are linked into the final binary; `unicrm-registry` links
//! exactly the connector crates enabled by its cargo features.

use crate::connector::Connector;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

/// A connector factory, submitted once per connector crate.
pub struct ConnectorRegistration {
    /// Connector id; must equal the built connector's `info().id`.
    pub id: &'static str,
    /// Builds the connector.
    pub build: fn() -> Arc<dyn Connector>,
}

inventory::collect!(ConnectorRegistration);

/// Registers a connector: `register_connector!("hubspot", || Arc::new(HubSpot::default()));`
#[macro_export]
macro_rules! register_connector {
    ($id:expr, $build:expr) => {
        $crate::inventory::submit! {
            $crate::registry::ConnectorRegistration { id: $id, build: $build }
        }
    };
}

/// Why the set of registered connectors is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// Two linked crates registered the same id.
    #[error("two connectors are registered with the id {0:?}; each connector id must be unique")]
    DuplicateId(String),
    /// A registration's id differs from its connector's `info().id`.
    #[error("connector registered as {registered:?} reports the id {reported:?}")]
    IdMismatch {
        /// Id in the registration.
        registered: String,
        /// Id the connector reports.
        reported: String,
    },
}

/// Registered connectors by id.
pub type ConnectorMap = BTreeMap<&'static str, Arc<dyn Connector>>;

/// Every linked connector, by id, built once. Refuses duplicate ids.
pub fn registered() -> Result<&'static ConnectorMap, RegistryError> {
    static CELL: OnceLock<Result<ConnectorMap, RegistryError>> = OnceLock::new();
    CELL.get_or_init(build).as_ref().map_err(Clone::clone)
}

fn build() -> Result<ConnectorMap, RegistryError> {
    let mut map = BTreeMap::new();
    for reg in inventory::iter::<ConnectorRegistration> {
        let connector = (reg.build)();
        if connector.info().id != reg.id {
            return Err(RegistryError::IdMismatch {
                registered: reg.id.to_owned(),
                reported: connector.info().id.to_owned(),
            });
        }
        if map.insert(reg.id, connector).is_some() {
            return Err(RegistryError::DuplicateId(reg.id.to_owned()));
        }
    }
    Ok(map)
}
