//! `POST /v1/auth/mfa/totp`: starts a TOTP enrolment (secret, `otpauth://` URI, QR code).

use actix_web::{HttpResponse, web};
use nexus_http::ApiError;
use nexus_http::token::Authenticated;
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_proto::auth::TotpEnrolment;
use qrcode::QrCode;
use qrcode::render::svg;

use crate::AuthService;
use crate::domain::secrets::random_bytes;
use crate::domain::totp::{SECRET_BYTES, base32_encode, otpauth_uri};
use crate::error::AuthError;

/// Issuer name shown by authenticator apps.
const TOTP_ISSUER: &str = "Nexus Security";

/// Creates (or replaces an unconfirmed) TOTP secret for the caller; confirm it with a code.
#[utoipa::path(
    post,
    path = "/v1/auth/mfa/totp",
    tag = "auth",
    responses(
        (status = 201, description = "Secret, otpauth URI and QR code (SVG)", body = TotpEnrolment),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 409, description = "Already enabled", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn enrol_totp(
    service: web::Data<AuthService>,
    caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let claims = caller.0;
    let user_id = service.own_account(&claims, Action::UserUpdate)?;
    let secret = random_bytes(SECRET_BYTES);
    if !service.start_totp(user_id, &secret).await? {
        return Err(AuthError::MfaAlreadyEnabled.into());
    }
    let uri = otpauth_uri(TOTP_ISSUER, &claims.sub, &secret);
    let qr_svg = QrCode::new(uri.as_bytes())
        .map_err(|error| AuthError::Internal(format!("QR encoding failed: {error}")))?
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build();
    Ok(HttpResponse::Created().json(TotpEnrolment {
        secret: base32_encode(&secret),
        otpauth_uri: uri,
        qr_svg,
    }))
}
