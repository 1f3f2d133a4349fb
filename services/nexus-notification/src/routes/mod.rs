//! HTTP handlers, one per file (`routes/<verb_noun>.rs`), and the route table:
//!
//! - `GET /v1/notifications` ([`list_notices`]): the caller's inbox, cursor pages, `?unread=true`
//! - `GET /v1/notifications/unread-count` ([`unread_count`])
//! - `POST /v1/notifications/read-all` ([`mark_all_read`])
//! - `POST /v1/notifications/{id}/read` ([`mark_read`]): recipient only
//! - `GET|PUT /v1/notifications/preferences` ([`get_preferences`], [`put_preferences`])
//! - `GET|POST /v1/notifications/unsubscribe?token=` ([`unsubscribe`]): no sign-in, the signed
//!   link is the credential
//! - `GET|POST /v1/webhooks/endpoints`, `GET|PATCH|DELETE /v1/webhooks/endpoints/{id}`,
//!   `POST .../{id}/rotate-secret`, `GET .../{id}/deliveries`, `POST /v1/webhooks/messages/{id}/replay`
//!   (`*webhook*.rs`; WEBHOOKS): the caller's own endpoints only
//! - `GET|POST|DELETE /v1/files/{sha256}/follow` ([`get_follow`], [`follow_file`],
//!   [`unfollow_file`])
//!
//! Each handler takes `nexus_runtime::Caller` and asks it (docs/AUTHORIZATION.md; [`caller`])
//! before touching the store, and returns `Result<_, ApiError>` from
//! [`NotificationError`](crate::error::NotificationError).

pub mod caller;
pub mod create_webhook_endpoint;
pub mod delete_webhook_endpoint;
pub mod follow_file;
pub mod get_follow;
pub mod get_preferences;
pub mod get_webhook_endpoint;
pub mod list_notices;
pub mod list_webhook_deliveries;
pub mod list_webhook_endpoints;
pub mod mark_all_read;
pub mod mark_read;
pub mod openapi;
pub mod put_preferences;
pub mod replay_webhook_message;
pub mod rotate_webhook_secret;
pub mod unfollow_file;
pub mod unread_count;
pub mod unsubscribe;
pub mod update_webhook_endpoint;
pub mod webhook_views;

use actix_web::web;

/// Mounts every route. Declare each path with `web::resource(...)` so a wrong method is a 405.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(
            web::resource("/v1/webhooks/endpoints")
                .route(web::get().to(list_webhook_endpoints::list_webhook_endpoints))
                .route(web::post().to(create_webhook_endpoint::create_webhook_endpoint)),
        )
        .service(
            web::resource("/v1/webhooks/endpoints/{id}")
                .route(web::get().to(get_webhook_endpoint::get_webhook_endpoint))
                .route(web::patch().to(update_webhook_endpoint::update_webhook_endpoint))
                .route(web::delete().to(delete_webhook_endpoint::delete_webhook_endpoint)),
        )
        .service(
            web::resource("/v1/webhooks/endpoints/{id}/rotate-secret")
                .route(web::post().to(rotate_webhook_secret::rotate_webhook_secret)),
        )
        .service(
            web::resource("/v1/webhooks/endpoints/{id}/deliveries")
                .route(web::get().to(list_webhook_deliveries::list_webhook_deliveries)),
        )
        .service(
            web::resource("/v1/webhooks/messages/{id}/replay")
                .route(web::post().to(replay_webhook_message::replay_webhook_message)),
        )
        .service(
            web::resource("/v1/notifications").route(web::get().to(list_notices::list_notices)),
        )
        .service(
            web::resource("/v1/notifications/unread-count")
                .route(web::get().to(unread_count::unread_count)),
        )
        .service(
            web::resource("/v1/notifications/read-all")
                .route(web::post().to(mark_all_read::mark_all_read)),
        )
        .service(
            web::resource("/v1/notifications/preferences")
                .route(web::get().to(get_preferences::get_preferences))
                .route(web::put().to(put_preferences::put_preferences)),
        )
        .service(
            web::resource("/v1/notifications/unsubscribe")
                .route(web::get().to(unsubscribe::unsubscribe))
                .route(web::post().to(unsubscribe::unsubscribe)),
        )
        .service(
            web::resource("/v1/notifications/{id}/read")
                .route(web::post().to(mark_read::mark_read)),
        )
        .service(
            web::resource("/v1/files/{sha256}/follow")
                .route(web::get().to(get_follow::get_follow))
                .route(web::post().to(follow_file::follow_file))
                .route(web::delete().to(unfollow_file::unfollow_file)),
        );
}
