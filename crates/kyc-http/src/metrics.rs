//! Prometheus metrics of the HTTP adapter: requests by route template and status, their
//! latency, and commands by operation and outcome. Labels hold route templates and codes only,
//! never ids, so their number stays bounded.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};

/// The adapter's metrics, registered in a [`Registry`] the service may share.
#[derive(Debug, Clone)]
pub struct HttpMetrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    commands: IntCounterVec,
}

impl HttpMetrics {
    /// Registers the metrics in `registry`.
    pub fn register(registry: Registry) -> Result<Self, prometheus::Error> {
        let requests = IntCounterVec::new(
            Opts::new("kyc_http_requests_total", "HTTP requests answered"),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "kyc_http_request_duration_seconds",
                "Time to answer an HTTP request",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["method", "route"],
        )?;
        let commands = IntCounterVec::new(
            Opts::new(
                "kyc_http_commands_total",
                "Commands executed through HTTP, by operation and outcome (ok or message_code)",
            ),
            &["op", "outcome"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(commands.clone()))?;
        Ok(Self {
            registry,
            requests,
            latency,
            commands,
        })
    }

    /// Counts an answered request.
    pub fn observe_request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .with_label_values(&[method, route, &status.to_string()])
            .inc();
        self.latency
            .with_label_values(&[method, route])
            .observe(seconds);
    }

    /// Counts an executed command.
    pub fn observe_command(&self, op: &str, outcome: &str) {
        self.commands.with_label_values(&[op, outcome]).inc();
    }

    /// The registry the metrics live in.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Every metric of the registry in Prometheus' text format.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        if let Err(error) = TextEncoder::new().encode(&self.registry.gather(), &mut buffer) {
            tracing::error!(%error, "encoding metrics");
        }
        String::from_utf8(buffer).unwrap_or_default()
    }
}
