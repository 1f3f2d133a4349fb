//! A nexus-notification per test (fresh database and Redis prefix) and small HTTP helpers.

use nexus_notification::NotificationService;
use nexus_testkit::{TestContext, TestService};

/// One running service and its test context (dropped after the service).
pub struct TestApp {
    pub service: TestService,
    pub context: TestContext,
}

impl TestApp {
    /// The service with its default settings on a fresh context.
    pub async fn spawn() -> Self {
        let context = TestContext::new().await.expect("test context");
        let service = context
            .spawn::<NotificationService>()
            .await
            .expect("service starts");
        Self { service, context }
    }

    /// An absolute URL for `path` on the service.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.service.base_url())
    }

    /// Stops the service; the shutdown must be clean.
    pub async fn stop(self) {
        let report = self.service.running.shutdown().await;
        assert!(report.is_clean(), "{report:?}");
        drop(self.context);
    }
}
