//! The Customer as a `cqrs_es::Aggregate`, which `kyc_store::cqrs::customer_cqrs` runs in a
//! `CqrsFramework` over the commit-ordered log (kyc-log's `LogRepository`).
//!
//! cqrs-es 0.5 pulls in tokio, which the pure domain crate must not depend on, and Rust's
//! orphan rule forbids implementing its traits for the domain's types from here. Thin wrappers
//! bridge the two: they delegate every decision to [`kyc_domain::Customer`].

use kyc_domain::{Customer, CustomerCommand, CustomerError, CustomerEvent};
use serde::{Deserialize, Serialize};

/// The Customer aggregate for cqrs-es.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CustomerAggregate(pub Customer);

/// A customer event for cqrs-es; the same JSON as [`CustomerEvent`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CustomerDomainEvent(pub CustomerEvent);

impl cqrs_es::DomainEvent for CustomerDomainEvent {
    fn event_type(&self) -> String {
        self.0.event_type().to_owned()
    }

    fn event_version(&self) -> String {
        self.0.event_version().to_owned()
    }
}

impl cqrs_es::Aggregate for CustomerAggregate {
    const TYPE: &'static str = "Customer";
    type Command = CustomerCommand;
    type Event = CustomerDomainEvent;
    type Error = CustomerError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &cqrs_es::event_sink::EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for event in self.0.decide(command)? {
            sink.write(CustomerDomainEvent(event), self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        self.0.apply(&event.0);
    }
}
