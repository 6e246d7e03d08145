//! Fault injection: make emulators misbehave the way real providers and networks do.
//!
//! A rule ([`FaultConfig`]) applies to a [`FaultScope`]: every request, one emulator, one sandbox
//! account (token), or one account within one emulator. The most specific rule matching a request
//! decides (account+emulator, account, emulator, global), so tests running in parallel against
//! one sandbox each scope their rule to their own token and do not disturb each other.
//!
//! Each rule draws from its own random generator, seeded from the rule's `seed` (or the sandbox
//! seed and the scope), so the same sequence of requests meets the same sequence of faults.
//! Per request a rule draws one number for latency and one for the fault, whose probabilities
//! stack in this order: `unauthorized`, `rate_limit`, `server_error`, `drop_connection`,
//! `drop_response`, `truncated_json`, `malformed_json`, `not_found`, `conflict`, `validation_error` (their sum is
//! at most 1). The last three are answered only by emulators whose [`crate::ErrorFormat`]
//! renders them; elsewhere the request is served normally.
//!
//! Over HTTP (sandbox-only control endpoints):
//! ```text
//! POST   /_sandbox/faults   {"tenant": "tok-1", "emulator": "hubspot", "seed": 7,
//!                            "rate_limit": 0.3, "retry_after_secs": 2, "latency_ms": 100}
//! GET    /_sandbox/faults   → [{"tenant", "emulator", "config", "stats"}]
//! DELETE /_sandbox/faults   (?tenant=tok-1 and/or ?emulator=hubspot: only rules of that scope)
//! ```

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::sandbox::fnv1a;
use crate::{SandboxError, StdRng};

/// Which requests a fault rule applies to. `None` means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FaultScope {
    /// Only requests carrying this token (sandbox account).
    pub tenant: Option<String>,
    /// Only requests to this emulator (e.g. `"hubspot"`).
    pub emulator: Option<String>,
}

impl FaultScope {
    /// Every request to every emulator.
    pub fn global() -> Self {
        FaultScope::default()
    }

    /// Requests carrying `token`, to any emulator.
    pub fn tenant(token: impl Into<String>) -> Self {
        FaultScope {
            tenant: Some(token.into()),
            emulator: None,
        }
    }

    /// Requests to emulator `id`, from any account.
    pub fn emulator(id: impl Into<String>) -> Self {
        FaultScope {
            tenant: None,
            emulator: Some(id.into()),
        }
    }

    /// Narrows this scope to emulator `id`.
    pub fn in_emulator(mut self, id: impl Into<String>) -> Self {
        self.emulator = Some(id.into());
        self
    }

    fn specificity(&self) -> u8 {
        u8::from(self.tenant.is_some()) * 2 + u8::from(self.emulator.is_some())
    }

    fn matches(&self, emulator: &str, token: Option<&str>) -> bool {
        self.emulator.as_deref().is_none_or(|e| e == emulator)
            && self.tenant.as_deref().is_none_or(|t| Some(t) == token)
    }
}

/// What a fault rule injects. Probabilities are in `0.0..=1.0`; all default to zero.
///
/// Built either from JSON (`POST /_sandbox/faults`) or in Rust:
/// `FaultConfig::new().rate_limit(1.0).retry_after_secs(3).max_faults(2)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct FaultConfig {
    /// Seed of this rule's random generator (default: derived from the sandbox seed and scope).
    pub seed: Option<u64>,
    /// Share of requests answered with the provider's rate-limit response (HubSpot 429,
    /// Salesforce 403 `REQUEST_LIMIT_EXCEEDED`, …).
    pub rate_limit: f64,
    /// The `Retry-After` the rate-limit response advertises, in seconds.
    pub retry_after_secs: u64,
    /// Share of requests answered with the provider's server error.
    pub server_error: f64,
    /// The status of injected server errors (500–599).
    pub server_error_status: u16,
    /// Share of requests answered with the provider's 401 (as if the token had just expired).
    pub unauthorized: f64,
    /// Share of requests whose connection is closed without any response (before the emulator
    /// handles them: nothing happens).
    pub drop_connection: f64,
    /// Share of requests the emulator handles (a create does happen) whose connection is then
    /// closed without the response — the "did my write go through?" case.
    pub drop_response: f64,
    /// Share of requests whose real response body is cut in half (invalid JSON, consistent
    /// `Content-Length`).
    pub truncated_json: f64,
    /// Share of requests whose real response body is made syntactically invalid JSON.
    pub malformed_json: f64,
    /// Share of requests answered with the provider's 404 (when the emulator renders one, see
    /// [`crate::ErrorFormat::not_found`]; otherwise the request is served normally).
    pub not_found: f64,
    /// Share of requests answered with the provider's 409 / duplicate error (see
    /// [`crate::ErrorFormat::conflict`]).
    pub conflict: f64,
    /// Share of requests answered with the provider's validation error (400/422, see
    /// [`crate::ErrorFormat::validation_error`]).
    pub validation_error: f64,
    /// Delay added before handling a request, in milliseconds.
    pub latency_ms: u64,
    /// Delay added after the emulator handled a request, before its answer is sent, in
    /// milliseconds: a slow provider that does the work — a create happens even when the client
    /// gives up waiting (a delay before handling is cancelled with the connection).
    pub response_latency_ms: u64,
    /// Share of requests that get the delays (default 1.0: all of them, when `latency_ms` or
    /// `response_latency_ms` > 0).
    pub latency_probability: f64,
    /// Stop injecting (everything but latency) after this many faults.
    pub max_faults: Option<u64>,
    /// Only requests whose path within the emulator starts with this (e.g. `/crm/v3/objects`).
    pub path_prefix: Option<String>,
    /// Only requests with one of these methods (upper-case; empty = all).
    pub methods: Vec<String>,
}

impl Default for FaultConfig {
    fn default() -> Self {
        FaultConfig {
            seed: None,
            rate_limit: 0.0,
            retry_after_secs: 1,
            server_error: 0.0,
            server_error_status: 500,
            unauthorized: 0.0,
            drop_connection: 0.0,
            drop_response: 0.0,
            truncated_json: 0.0,
            malformed_json: 0.0,
            not_found: 0.0,
            conflict: 0.0,
            validation_error: 0.0,
            latency_ms: 0,
            response_latency_ms: 0,
            latency_probability: 1.0,
            max_faults: None,
            path_prefix: None,
            methods: Vec::new(),
        }
    }
}

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty),* $(,)?) => {
        $( $(#[$doc])* pub fn $name(mut self, value: $ty) -> Self { self.$name = value; self } )*
    };
}

impl FaultConfig {
    /// A rule that injects nothing (set fields with the builder methods).
    pub fn new() -> Self {
        FaultConfig::default()
    }

    setters! {
        /// Sets [`FaultConfig::rate_limit`].
        rate_limit: f64,
        /// Sets [`FaultConfig::retry_after_secs`].
        retry_after_secs: u64,
        /// Sets [`FaultConfig::server_error`].
        server_error: f64,
        /// Sets [`FaultConfig::server_error_status`].
        server_error_status: u16,
        /// Sets [`FaultConfig::unauthorized`].
        unauthorized: f64,
        /// Sets [`FaultConfig::drop_connection`].
        drop_connection: f64,
        /// Sets [`FaultConfig::drop_response`].
        drop_response: f64,
        /// Sets [`FaultConfig::truncated_json`].
        truncated_json: f64,
        /// Sets [`FaultConfig::malformed_json`].
        malformed_json: f64,
        /// Sets [`FaultConfig::not_found`].
        not_found: f64,
        /// Sets [`FaultConfig::conflict`].
        conflict: f64,
        /// Sets [`FaultConfig::validation_error`].
        validation_error: f64,
        /// Sets [`FaultConfig::latency_ms`].
        latency_ms: u64,
        /// Sets [`FaultConfig::response_latency_ms`].
        response_latency_ms: u64,
        /// Sets [`FaultConfig::latency_probability`].
        latency_probability: f64,
    }

    /// Sets [`FaultConfig::seed`].
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Sets [`FaultConfig::max_faults`].
    pub fn max_faults(mut self, n: u64) -> Self {
        self.max_faults = Some(n);
        self
    }

    /// Sets [`FaultConfig::path_prefix`].
    pub fn path_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.path_prefix = Some(prefix.into());
        self
    }

    /// Sets [`FaultConfig::methods`].
    pub fn methods<I: IntoIterator<Item = S>, S: Into<String>>(mut self, methods: I) -> Self {
        self.methods = methods
            .into_iter()
            .map(|m| m.into().to_ascii_uppercase())
            .collect();
        self
    }

    /// Checks ranges: each probability in `0..=1`, their sum at most 1, a 5xx status.
    pub fn validate(&self) -> Result<(), SandboxError> {
        let probabilities = [
            ("unauthorized", self.unauthorized),
            ("rate_limit", self.rate_limit),
            ("server_error", self.server_error),
            ("drop_connection", self.drop_connection),
            ("drop_response", self.drop_response),
            ("truncated_json", self.truncated_json),
            ("malformed_json", self.malformed_json),
            ("not_found", self.not_found),
            ("conflict", self.conflict),
            ("validation_error", self.validation_error),
            ("latency_probability", self.latency_probability),
        ];
        for (field, p) in probabilities {
            if !(0.0..=1.0).contains(&p) {
                return Err(SandboxError::InvalidFaults {
                    field,
                    reason: format!("a probability between 0 and 1 is expected, got {p}"),
                });
            }
        }
        let sum: f64 = probabilities[..10].iter().map(|(_, p)| p).sum();
        if sum > 1.0 + 1e-9 {
            return Err(SandboxError::InvalidFaults {
                field: "rate_limit",
                reason: format!(
                    "the fault probabilities (unauthorized, rate_limit, server_error, \
                     drop_connection, drop_response, truncated_json, malformed_json, not_found, conflict, \
                     validation_error) add up to {sum}, more than 1"
                ),
            });
        }
        if !(500..=599).contains(&self.server_error_status) {
            return Err(SandboxError::InvalidFaults {
                field: "server_error_status",
                reason: format!("a 5xx status is expected, got {}", self.server_error_status),
            });
        }
        Ok(())
    }
}

/// One kind of injected fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FaultKind {
    /// The provider's 401.
    Unauthorized,
    /// The provider's rate-limit answer.
    RateLimit,
    /// The provider's server error.
    ServerError,
    /// Connection closed without a response, before handling.
    DropConnection,
    /// Request handled, then the connection closed without the response.
    DropResponse,
    /// Response body cut short.
    TruncatedJson,
    /// Response body made invalid JSON.
    MalformedJson,
    /// The provider's 404.
    NotFound,
    /// The provider's 409 / duplicate error.
    Conflict,
    /// The provider's validation error.
    ValidationError,
}

/// What a rule decided for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Decision {
    pub latency: Option<Duration>,
    pub response_latency: Option<Duration>,
    pub fault: Option<FaultKind>,
    pub retry_after: Duration,
    pub server_error_status: u16,
}

/// How often a rule matched and what it injected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FaultStats {
    /// Requests the rule applied to.
    pub requests: u64,
    /// Requests that were delayed.
    pub delayed: u64,
    /// Faults injected, by kind.
    pub injected: BTreeMap<FaultKind, u64>,
}

impl FaultStats {
    /// Total faults injected (latency not counted).
    pub fn total_injected(&self) -> u64 {
        self.injected.values().sum()
    }
}

/// A fault rule as `GET /_sandbox/faults` and [`crate::Sandbox::faults`] show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FaultRuleView {
    /// Account the rule is limited to.
    pub tenant: Option<String>,
    /// Emulator the rule is limited to.
    pub emulator: Option<String>,
    /// What it injects.
    pub config: FaultConfig,
    /// What it has done so far.
    pub stats: FaultStats,
}

struct Rule {
    config: FaultConfig,
    rng: StdRng,
    stats: FaultStats,
}

/// Every fault rule of a sandbox.
pub(crate) struct FaultTable {
    seed: u64,
    rules: Mutex<BTreeMap<FaultScope, Rule>>,
}

impl FaultTable {
    pub(crate) fn new(seed: u64) -> Self {
        FaultTable {
            seed,
            rules: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<FaultScope, Rule>> {
        self.rules.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn set(&self, scope: FaultScope, config: FaultConfig) -> Result<(), SandboxError> {
        config.validate()?;
        let seed = config.seed.unwrap_or_else(|| {
            let scope_bytes = scope
                .tenant
                .iter()
                .flat_map(|t| t.bytes())
                .chain([0])
                .chain(scope.emulator.iter().flat_map(|e| e.bytes()));
            self.seed ^ fnv1a(scope_bytes)
        });
        let rule = Rule {
            config,
            rng: StdRng::seed_from_u64(seed),
            stats: FaultStats::default(),
        };
        self.lock().insert(scope, rule);
        Ok(())
    }

    pub(crate) fn clear(&self, scope: &FaultScope) -> bool {
        self.lock().remove(scope).is_some()
    }

    pub(crate) fn clear_all(&self) {
        self.lock().clear();
    }

    pub(crate) fn clear_tenant(&self, token: &str) {
        self.lock()
            .retain(|scope, _| scope.tenant.as_deref() != Some(token));
    }

    /// Removes the rules whose scope matches the given filters (`None` = any).
    pub(crate) fn clear_matching(&self, tenant: Option<&str>, emulator: Option<&str>) -> usize {
        let mut rules = self.lock();
        let before = rules.len();
        rules.retain(|scope, _| {
            let hit = tenant.is_none_or(|t| scope.tenant.as_deref() == Some(t))
                && emulator.is_none_or(|e| scope.emulator.as_deref() == Some(e));
            !hit
        });
        before - rules.len()
    }

    pub(crate) fn views(&self) -> Vec<FaultRuleView> {
        self.lock()
            .iter()
            .map(|(scope, rule)| FaultRuleView {
                tenant: scope.tenant.clone(),
                emulator: scope.emulator.clone(),
                config: rule.config.clone(),
                stats: rule.stats.clone(),
            })
            .collect()
    }

    /// Picks the most specific rule for a request and draws its decision.
    pub(crate) fn decide(
        &self,
        emulator: &str,
        token: Option<&str>,
        method: &str,
        path: &str,
    ) -> Decision {
        let mut rules = self.lock();
        let Some(rule) = rules
            .iter_mut()
            .filter(|(scope, _)| scope.matches(emulator, token))
            .max_by_key(|(scope, _)| scope.specificity())
            .map(|(_, rule)| rule)
        else {
            return Decision::default();
        };
        let cfg = &rule.config;
        if cfg
            .path_prefix
            .as_deref()
            .is_some_and(|p| !path.starts_with(p))
            || (!cfg.methods.is_empty() && !cfg.methods.iter().any(|m| m == method))
        {
            return Decision::default();
        }
        rule.stats.requests += 1;
        let latency_draw: f64 = rule.rng.gen();
        let fault_draw: f64 = rule.rng.gen();
        let latency = (cfg.latency_ms > 0 && latency_draw < cfg.latency_probability)
            .then(|| Duration::from_millis(cfg.latency_ms));
        let response_latency = (cfg.response_latency_ms > 0
            && latency_draw < cfg.latency_probability)
            .then(|| Duration::from_millis(cfg.response_latency_ms));
        if latency.is_some() || response_latency.is_some() {
            rule.stats.delayed += 1;
        }
        let exhausted = cfg
            .max_faults
            .is_some_and(|max| rule.stats.total_injected() >= max);
        let bands = [
            (FaultKind::Unauthorized, cfg.unauthorized),
            (FaultKind::RateLimit, cfg.rate_limit),
            (FaultKind::ServerError, cfg.server_error),
            (FaultKind::DropConnection, cfg.drop_connection),
            (FaultKind::DropResponse, cfg.drop_response),
            (FaultKind::TruncatedJson, cfg.truncated_json),
            (FaultKind::MalformedJson, cfg.malformed_json),
            (FaultKind::NotFound, cfg.not_found),
            (FaultKind::Conflict, cfg.conflict),
            (FaultKind::ValidationError, cfg.validation_error),
        ];
        let mut upper = 0.0;
        let mut fault = None;
        for (kind, p) in bands {
            upper += p;
            if p > 0.0 && fault_draw < upper {
                fault = Some(kind);
                break;
            }
        }
        let fault = fault.filter(|_| !exhausted);
        if let Some(kind) = fault {
            *rule.stats.injected.entry(kind).or_default() += 1;
        }
        Decision {
            latency,
            response_latency,
            fault,
            retry_after: Duration::from_secs(cfg.retry_after_secs),
            server_error_status: cfg.server_error_status,
        }
    }
}

/// Cuts a JSON body so it no longer parses: the first half of it (at least one byte, and never
/// the whole body), or `{` for an empty body.
pub fn truncate_json(body: &[u8]) -> Vec<u8> {
    if body.is_empty() {
        return b"{".to_vec();
    }
    let keep = (body.len() / 2).max(1).min(body.len().saturating_sub(1));
    if keep == 0 {
        // A one-byte body: replace it by an opening brace, which never parses.
        return b"{".to_vec();
    }
    body[..keep].to_vec()
}

/// Makes a JSON body syntactically invalid while keeping its size and look: the first `:`
/// outside a string becomes `=` (without one, a stray `,}` is appended).
pub fn malform_json(body: &[u8]) -> Vec<u8> {
    let mut out = body.to_vec();
    let mut in_string = false;
    let mut escaped = false;
    let mut colon = None;
    for (i, b) in body.iter().enumerate() {
        match (in_string, escaped, *b) {
            (true, true, _) => escaped = false,
            (true, false, b'\\') => escaped = true,
            (true, false, b'"') => in_string = false,
            (false, _, b'"') => in_string = true,
            (false, _, b':') => {
                colon = Some(i);
                break;
            }
            _ => {}
        }
    }
    match colon {
        Some(i) => out[i] = b'=',
        None => out.extend_from_slice(b",}"),
    }
    out
}
