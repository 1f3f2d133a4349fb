//! OpenAPI pieces every service's document shares.

use utoipa::Modify;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

/// Declares the `bearer` security scheme (an access token from nexus-auth) that the paths of
/// every service refer to with `security(("bearer" = []))`. Use as
/// `#[openapi(modifiers(&nexus_http::openapi::BearerAuth))]`.
#[derive(Debug, Clone, Copy)]
pub struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// Adds to every operation the answers the shared plumbing gives whatever the handler does, so
/// that no handler has to repeat them and none can forget one (each with the shared error body,
/// `ErrorBody`): 400/413/415/422 from the JSON extractor ([`crate::json_config`]) on operations
/// with a JSON body, 400 from the path and query extractors, 401 for a presented token or API
/// key that is not valid (checked on every route, guests' too), 429 from the gateway's rate
/// limits, and 503 when PostgreSQL, Redis or the upstream cannot serve. An answer the handler's
/// `responses(...)` already lists keeps the handler's description. Use after the paths, as
/// `#[openapi(modifiers(&BearerAuth, &SharedResponses))]`.
#[derive(Debug, Clone, Copy)]
pub struct SharedResponses;

impl Modify for SharedResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;
        use utoipa::openapi::{RefOr, path::Operation};

        let components = openapi.components.get_or_insert_with(Default::default);
        components
            .schemas
            .entry("ErrorBody".to_owned())
            .or_insert_with(<nexus_proto::ErrorBody as utoipa::PartialSchema>::schema);
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                let Operation {
                    parameters,
                    request_body,
                    responses,
                    ..
                } = operation;
                let takes_json = match request_body {
                    Some(RefOr::T(body)) => body.content.contains_key("application/json"),
                    _ => false,
                };
                let takes = |place: ParameterIn| {
                    parameters.iter().flatten().any(|parameter| {
                        matches!(parameter, RefOr::T(parameter) if parameter.parameter_in == place)
                    })
                };
                let mut shared = vec![
                    (
                        "401",
                        "A presented access token or API key that is not valid (`unauthenticated`, `token_*`)",
                    ),
                    (
                        "429",
                        "Too many requests from this address, account or API key (`rate_limited`, with `Retry-After`)",
                    ),
                    (
                        "503",
                        "A dependency (PostgreSQL, Redis, the upstream service) cannot serve now (`*_unavailable`)",
                    ),
                ];
                if takes(ParameterIn::Path) {
                    shared.push((
                        "400",
                        "A malformed path parameter (`invalid_path_parameter`)",
                    ));
                }
                if takes(ParameterIn::Query) {
                    shared.push(("400", "A malformed query string (`invalid_query`)"));
                }
                if takes_json {
                    shared.extend([
                        ("400", "The body is not JSON (`invalid_json`) or is unreadable"),
                        ("413", "The JSON body is larger than the endpoint accepts (`payload_too_large`)"),
                        ("415", "The body is not sent as `Content-Type: application/json` (`unsupported_media_type`)"),
                        ("422", "The JSON body does not have the expected shape (`invalid_request_body`)"),
                    ]);
                }
                for (status, description) in shared {
                    responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| error_response(description));
                }
            }
        }
    }
}

/// A response with the shared error body.
fn error_response(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
        .into()
}

/// Declares that `schema`'s string property `property` (or, for an array, each of its items)
/// takes only `values`, for the sets a wire type carries as text but the service knows as a
/// Rust enum or constant list (action names, roles, tiers): a service's `Modify` passes the
/// list it checks requests against, so the document cannot drift from it.
pub fn restrict_to_values(
    openapi: &mut utoipa::openapi::OpenApi,
    schema: &str,
    property: &str,
    values: impl IntoIterator<Item = impl Into<String>>,
) {
    use utoipa::openapi::schema::ArrayItems;
    use utoipa::openapi::{RefOr, Schema};

    let values: Vec<serde_json::Value> = values
        .into_iter()
        .map(|value| serde_json::Value::String(value.into()))
        .collect();
    let Some(RefOr::T(Schema::Object(object))) = openapi
        .components
        .as_mut()
        .and_then(|components| components.schemas.get_mut(schema))
    else {
        return;
    };
    match object.properties.get_mut(property) {
        Some(RefOr::T(Schema::Object(text))) => text.enum_values = Some(values),
        Some(RefOr::T(Schema::Array(array))) => {
            if let ArrayItems::RefOrSchema(items) = &mut array.items
                && let RefOr::T(Schema::Object(text)) = items.as_mut()
            {
                text.enum_values = Some(values);
            }
        }
        _ => {}
    }
}
