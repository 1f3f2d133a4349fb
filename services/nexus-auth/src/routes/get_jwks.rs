//! `GET /.well-known/jwks.json`: the public keys of every active signing key.

use actix_web::{HttpResponse, web};

use crate::AuthService;

/// The JWKS document (cacheable for five minutes).
#[utoipa::path(
    get,
    path = "/.well-known/jwks.json",
    tag = "auth",
    responses(
        (status = 200, description = "Public keys of every active signing key (RFC 7517)", body = Object)
    )
)]
pub async fn get_jwks(service: web::Data<AuthService>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(service.signer.jwks())
}
