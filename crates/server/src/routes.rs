//! The route table: the router and the OpenAPI document are both built from it.

use unicrm_core::dialect::Dialect;

/// Which handler serves a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handler {
    /// `/api/v1/{resource}`.
    V1Collection,
    /// `/api/v1/{resource}/{id}`.
    V1Item,
    /// `/api/v1/accounts`.
    AccountsCollection,
    /// `/api/v1/accounts/{id}`.
    AccountsItem,
    /// `/api/v1/keys`.
    KeysCollection,
    /// `/api/v1/keys/{id}`.
    KeysItem,
    /// `/api/v1/keys/{id}/rotate`.
    KeysRotate,
    /// `/unified/crm/{resources}`.
    UnifiedCollection,
    /// `/unified/crm/{resources}/{id}`.
    UnifiedItem,
    /// `/unified/crm/custom_field_definitions/{resources}`.
    Definitions,
    /// `/unified/crm/custom_field_definitions/{resources}/{id}`.
    Definition,
    /// `/unified/crm/lists`.
    Lists,
    /// `/unified/crm/lists/{id}`.
    List,
    /// `/health`.
    Health,
    /// `/openapi.json`.
    OpenApi,
}

/// One route: path, methods, dialect, and what each method does.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// axum path (`{param}` segments).
    pub path: &'static str,
    /// The handler.
    pub handler: Handler,
    /// The dialect (envelope of answers and errors); `None` for service endpoints.
    pub dialect: Option<Dialect>,
    /// `(method, summary)` pairs.
    pub methods: &'static [(&'static str, &'static str)],
}

/// Every route of the gateway.
pub const ROUTES: &[Route] = &[
    Route {
        path: "/health",
        handler: Handler::Health,
        dialect: None,
        methods: &[("GET", "Liveness and store check")],
    },
    Route {
        path: "/openapi.json",
        handler: Handler::OpenApi,
        dialect: None,
        methods: &[("GET", "This OpenAPI document")],
    },
    Route {
        path: "/api/v1/accounts",
        handler: Handler::AccountsCollection,
        dialect: Some(Dialect::V1),
        methods: &[
            (
                "POST",
                "Link a CRM account of an end user (credentials are write-only)",
            ),
            (
                "GET",
                "List the project's linked accounts in the key's environment",
            ),
        ],
    },
    Route {
        path: "/api/v1/accounts/{id}",
        handler: Handler::AccountsItem,
        dialect: Some(Dialect::V1),
        methods: &[
            ("GET", "Get a linked account"),
            (
                "PATCH",
                "Replace a linked account's credentials or field mapping",
            ),
            ("DELETE", "Unlink an account"),
        ],
    },
    Route {
        path: "/api/v1/keys",
        handler: Handler::KeysCollection,
        dialect: Some(Dialect::V1),
        methods: &[
            (
                "POST",
                "Create a named API key in the key's environment (its secret is shown only in this answer)",
            ),
            (
                "GET",
                "List the project's API keys in the key's environment (never their secrets)",
            ),
        ],
    },
    Route {
        path: "/api/v1/keys/{id}",
        handler: Handler::KeysItem,
        dialect: Some(Dialect::V1),
        methods: &[
            ("GET", "Get an API key (never its secret)"),
            ("DELETE", "Revoke an API key at once"),
        ],
    },
    Route {
        path: "/api/v1/keys/{id}/rotate",
        handler: Handler::KeysRotate,
        dialect: Some(Dialect::V1),
        methods: &[(
            "POST",
            "Rotate an API key: a new key (secret shown once); the old one works for overlapSeconds more",
        )],
    },
    Route {
        path: "/api/v1/{resource}",
        handler: Handler::V1Collection,
        dialect: Some(Dialect::V1),
        methods: &[("POST", "Create a record"), ("GET", "List records")],
    },
    Route {
        path: "/api/v1/{resource}/{id}",
        handler: Handler::V1Item,
        dialect: Some(Dialect::V1),
        methods: &[
            ("GET", "Get a record"),
            ("PATCH", "Update a record"),
            ("DELETE", "Delete a record"),
        ],
    },
    Route {
        path: "/unified/crm/custom_field_definitions/{resources}",
        handler: Handler::Definitions,
        dialect: Some(Dialect::Unified),
        methods: &[("GET", "List custom field definitions")],
    },
    Route {
        path: "/unified/crm/custom_field_definitions/{resources}/{id}",
        handler: Handler::Definition,
        dialect: Some(Dialect::Unified),
        methods: &[("GET", "Get a custom field definition")],
    },
    Route {
        path: "/unified/crm/lists",
        handler: Handler::Lists,
        dialect: Some(Dialect::Unified),
        methods: &[("GET", "List lists")],
    },
    Route {
        path: "/unified/crm/lists/{id}",
        handler: Handler::List,
        dialect: Some(Dialect::Unified),
        methods: &[("GET", "Get a list")],
    },
    Route {
        path: "/unified/crm/{resources}",
        handler: Handler::UnifiedCollection,
        dialect: Some(Dialect::Unified),
        methods: &[("POST", "Create a record"), ("GET", "List records")],
    },
    Route {
        path: "/unified/crm/{resources}/{id}",
        handler: Handler::UnifiedItem,
        dialect: Some(Dialect::Unified),
        methods: &[
            ("GET", "Get a record"),
            ("PATCH", "Update a record"),
            ("DELETE", "Delete a record"),
        ],
    },
];
