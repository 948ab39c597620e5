//! What every handler shares: the application services, the token verifier, readiness probes
//! and metrics.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use kyc_app::ports::CustomerStore;
use kyc_app::tenant::TenantPolicies;
use kyc_app::{CommandService, QueryService, RetryPolicy};
use prometheus::Registry;

use crate::auth::JwtVerifier;
use crate::metrics::HttpMetrics;

/// The future a readiness probe returns: `Err` names what is wrong (logged, not shown).
pub type ProbeFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

/// A named readiness check, run on every `GET /readyz` (e.g. `nats`, added by `kycd`).
#[derive(Clone)]
pub struct Probe {
    name: String,
    check: Arc<dyn Fn() -> ProbeFuture + Send + Sync>,
}

impl Probe {
    /// A probe called `name` that runs `check`.
    pub fn new<F, Fut>(name: impl Into<String>, check: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        Self {
            name: name.into(),
            check: Arc::new(move || Box::pin(check())),
        }
    }

    /// Its name, as `/readyz` reports it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs the check.
    pub fn run(&self) -> ProbeFuture {
        (self.check)()
    }
}

impl std::fmt::Debug for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Probe")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The router's state.
pub struct HttpState<S> {
    pub(crate) commands: CommandService<S>,
    pub(crate) queries: QueryService<S>,
    pub(crate) auth: Arc<JwtVerifier>,
    pub(crate) probes: Arc<Vec<Probe>>,
    pub(crate) metrics: HttpMetrics,
}

impl<S> Clone for HttpState<S> {
    fn clone(&self) -> Self {
        Self {
            commands: self.commands.clone(),
            queries: self.queries.clone(),
            auth: Arc::clone(&self.auth),
            probes: Arc::clone(&self.probes),
            metrics: self.metrics.clone(),
        }
    }
}

impl<S: CustomerStore> HttpState<S> {
    /// State over the given services; the adapter's metrics are registered in `registry`
    /// (share it with the rest of the service so `/metrics` shows everything). The store's own
    /// readiness (`QueryService::ready`) is always probed, as `database`.
    pub fn new(
        commands: CommandService<S>,
        queries: QueryService<S>,
        auth: JwtVerifier,
        registry: Registry,
    ) -> Result<Self, prometheus::Error> {
        let metrics = HttpMetrics::register(registry)?;
        let database = queries.clone();
        let probes = vec![Probe::new("database", move || {
            let database = database.clone();
            async move { database.ready().await.map_err(|e| e.to_string()) }
        })];
        Ok(Self {
            commands,
            queries,
            auth: Arc::new(auth),
            probes: Arc::new(probes),
            metrics,
        })
    }

    /// State over `store` with the default retry policy and a registry of its own.
    pub fn for_store(store: Arc<S>, auth: JwtVerifier) -> Result<Self, prometheus::Error> {
        Self::new(
            CommandService::new(Arc::clone(&store), RetryPolicy::default()),
            QueryService::new(store),
            auth,
            Registry::new(),
        )
    }

    /// The same state with `policies` (retention, dormancy per tenant) for both services.
    #[must_use]
    pub fn with_tenant_policies(mut self, policies: TenantPolicies) -> Self {
        self.commands = self.commands.with_tenant_policies(policies.clone());
        self.queries = self.queries.with_tenant_policies(policies);
        self
    }

    /// The same state screening against `lists` (commands and ad hoc screenings share them:
    /// an import replaces them for both).
    #[must_use]
    pub fn with_screening_lists(mut self, lists: kyc_app::screening::ScreeningLists) -> Self {
        self.commands = self.commands.with_screening_lists(lists.clone());
        self.queries = self.queries.with_screening_lists(lists);
        self
    }

    /// Adds a readiness probe.
    #[must_use]
    pub fn with_probe(mut self, probe: Probe) -> Self {
        Arc::make_mut(&mut self.probes).push(probe);
        self
    }

    /// The metrics registry.
    pub fn registry(&self) -> &Registry {
        self.metrics.registry()
    }
}
