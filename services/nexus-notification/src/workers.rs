//! The notification service's background loops, all registered here, from
//! [`Service::workers`](nexus_runtime::Service::workers), with the service itself handed over.
//!
//! - `source-<group>`: one consumer per source stream ([`crate::events::CONSUMERS`]); each
//!   envelope applied once (the inbox), replicas share the group.

use std::sync::Arc;

use nexus_bus::ConsumerParams;
use nexus_runtime::Workers;

use crate::NotificationService;
use crate::events::{CONSUMERS, SourceEvents};

/// Registers every background loop of the service; each gets `service` (the same state the
/// handlers see) and stops when its cancellation token fires.
pub fn register(service: Arc<NotificationService>, workers: &mut Workers) {
    crate::webhooks::delivery::register(Arc::clone(&service), workers);
    crate::email::sender::register(Arc::clone(&service), workers);
    crate::email::digest::register(Arc::clone(&service), workers);
    crate::email::password_reset::register(Arc::clone(&service), workers);
    for (stream, group, planner) in CONSUMERS {
        let consumer_name = format!("nexus-notification-{}", uuid::Uuid::now_v7().simple());
        let bus = service.bus.clone();
        let handler = SourceEvents {
            service: Arc::clone(&service),
            stream,
            group,
            planner,
        };
        workers.add(&format!("source-{group}"), move |shutdown| async move {
            let consumer = bus
                .consumer(ConsumerParams::new(stream, group, consumer_name))
                .await?;
            consumer.run(handler, shutdown).await;
            Ok(())
        });
    }
}
