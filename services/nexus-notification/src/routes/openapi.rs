//! The notification service's public API as OpenAPI (served at `/openapi.json`, merged by the
//! gateway under `/api`). Each handler's `#[utoipa::path]` is listed in `paths(...)` as it
//! lands; internal paths are deliberately absent.

use nexus_http::openapi::BearerAuth;
use utoipa::OpenApi;

use super::{
    follow_file, get_follow, get_preferences, list_notices, mark_all_read, mark_read,
    put_preferences, unfollow_file, unread_count, unsubscribe,
};

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(title = "nexus-notification", description = "Notices, preferences and webhooks."),
    paths(
        list_notices::list_notices,
        unread_count::unread_count,
        mark_all_read::mark_all_read,
        mark_read::mark_read,
        get_preferences::get_preferences,
        put_preferences::put_preferences,
        unsubscribe::unsubscribe,
        follow_file::follow_file,
        get_follow::get_follow,
        unfollow_file::unfollow_file,
        super::create_webhook_endpoint::create_webhook_endpoint,
        super::list_webhook_endpoints::list_webhook_endpoints,
        super::get_webhook_endpoint::get_webhook_endpoint,
        super::update_webhook_endpoint::update_webhook_endpoint,
        super::delete_webhook_endpoint::delete_webhook_endpoint,
        super::rotate_webhook_secret::rotate_webhook_secret,
        super::list_webhook_deliveries::list_webhook_deliveries,
        super::replay_webhook_message::replay_webhook_message,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;
