//! Service authentication for `/internal/*`: a shared, rotatable service token that every
//! internal caller sends in [`SERVICE_TOKEN_HEADER`] and one middleware,
//! [`require_service_token`], checks in constant time before any internal handler runs.
//!
//! Why a token and not mutual TLS: the services talk plain HTTP inside the cluster (TLS ends at
//! the ingress or the mesh, see the gateway's upstream rules), so mTLS would need a CA, a
//! certificate per pod, rotation tooling and a TLS stack on every listener; a token needs one
//! Kubernetes Secret and gives the same guarantee that matters here: a pod that is not one of
//! ours (or a request that came in through some unexpected path) cannot call `/internal/*`.
//! docs/DECISIONS.md has the full reasoning; a mesh with mTLS can be added under it later.
//!
//! Rotation: `service_auth.tokens` is a list. Every token in it is accepted; the first one is
//! sent. Add the new token at the end everywhere, then move it to the front everywhere, then
//! remove the old one: at no point does a caller send a token its callee refuses.
//!
//! The check is applied by path, not per route: the runtime wraps every service's app with
//! [`require_service_token`], so a new `/internal` route cannot forget it.

use std::io::Write;
use std::path::{Path, PathBuf};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{Error, web};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::{ApiError, HttpError};

/// The header carrying the service token (an `X-Nexus-*` header, so the gateway strips any
/// copy a client sends before proxying).
pub const SERVICE_TOKEN_HEADER: &str = "x-nexus-service-token";
/// Shortest token accepted (characters): 32 hex digits are 128 bits.
pub const MIN_TOKEN_LEN: usize = 32;
/// Longest token accepted, so a header cannot make the check expensive.
const MAX_TOKEN_LEN: usize = 512;

/// `[service_auth]`: the service token every process sends on internal calls and accepts on
/// its own `/internal/*` routes.
#[derive(Clone, Deserialize)]
#[serde(default)]
pub struct ServiceAuthSettings {
    /// Accepted tokens, the first one sent (at least 32 characters each). Empty: read from
    /// `token_file`. A list, or one string with the tokens separated by commas (what an
    /// environment variable from a Secret holds: `NEXUS_SERVICE_AUTH__TOKENS=new,old`).
    #[serde(deserialize_with = "one_or_many")]
    pub tokens: Vec<SecretString>,
    /// Where the token is read from when `tokens` is empty, and written on a first local run.
    pub token_file: PathBuf,
    /// Create `token_file` with a random token when it is missing (first local run; every
    /// local service then reads the same file). Turn off in production, where the token comes
    /// from a Secret.
    pub generate_missing: bool,
}

/// A list of tokens, or one comma-separated string of them.
fn one_or_many<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<SecretString>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    let tokens = match OneOrMany::deserialize(deserializer)? {
        OneOrMany::One(text) => text.split(',').map(str::to_owned).collect(),
        OneOrMany::Many(list) => list,
    };
    Ok(tokens
        .into_iter()
        .map(|token| token.trim().to_owned())
        .filter(|token| !token.is_empty())
        .map(SecretString::from)
        .collect())
}

impl std::fmt::Debug for ServiceAuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAuthSettings")
            .field("tokens", &format_args!("[{} redacted]", self.tokens.len()))
            .field("token_file", &self.token_file)
            .field("generate_missing", &self.generate_missing)
            .finish()
    }
}

impl Default for ServiceAuthSettings {
    fn default() -> Self {
        Self {
            tokens: Vec::new(),
            token_file: PathBuf::from(".nexus/keys/service_token"),
            generate_missing: true,
        }
    }
}

impl ServiceAuthSettings {
    /// Problems with the configured tokens (never their values).
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (index, token) in self.tokens.iter().enumerate() {
            let length = token.expose_secret().len();
            if !(MIN_TOKEN_LEN..=MAX_TOKEN_LEN).contains(&length) {
                problems.push(format!(
                    "service_auth.tokens[{index}] must be {MIN_TOKEN_LEN} to {MAX_TOKEN_LEN} characters (generate one with `openssl rand -hex 32`)"
                ));
            }
            if !token
                .expose_secret()
                .bytes()
                .all(|byte| byte.is_ascii_graphic())
            {
                problems.push(format!(
                    "service_auth.tokens[{index}] must be printable ASCII without spaces (it travels in a header)"
                ));
            }
        }
        problems
    }

    /// The tokens to use: the configured list, else the file, else (when allowed) a new
    /// random token written to the file.
    pub fn resolve(&self) -> Result<ServiceCredentials, ServiceAuthError> {
        if !self.tokens.is_empty() {
            return ServiceCredentials::new(self.tokens.clone());
        }
        match std::fs::read_to_string(&self.token_file) {
            Ok(text) => {
                let tokens = text
                    .lines()
                    .map(str::trim)
                    .filter(|line| !line.is_empty())
                    .map(|line| SecretString::from(line.to_owned()))
                    .collect();
                ServiceCredentials::new(tokens)
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound && self.generate_missing => {
                let token = generate_token_file(&self.token_file)?;
                tracing::warn!(file = %self.token_file.display(), "No service token was configured; generated one (fine for a local run, provide service_auth.tokens from a Secret in production).");
                ServiceCredentials::new(vec![token])
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                Err(ServiceAuthError::Missing(self.token_file.clone()))
            }
            Err(source) => Err(ServiceAuthError::Io {
                path: self.token_file.clone(),
                source,
            }),
        }
    }
}

/// Writes a new random token (64 hex digits) to `path`, readable by the owner only. Services
/// of one local run start together: the token is written whole to a private file first and
/// then hard-linked into place, which fails if another process got there first, so every
/// process ends up reading the same complete token.
fn generate_token_file(path: &Path) -> Result<SecretString, ServiceAuthError> {
    let io = |source| ServiceAuthError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let bytes: [u8; 32] = rand::random();
    let token = nexus_core::hex::encode(&bytes);
    // A draft name of its own (process and random part), so concurrent writers never share one.
    let draft = path.with_extension(format!(
        "{}-{}.tmp",
        std::process::id(),
        nexus_core::hex::encode(&rand::random::<[u8; 8]>())
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options
        .open(&draft)
        .and_then(|mut file| file.write_all(token.as_bytes()));
    if let Err(error) = written {
        let _ = std::fs::remove_file(&draft);
        return Err(io(error));
    }
    let linked = std::fs::hard_link(&draft, path);
    let _ = std::fs::remove_file(&draft);
    match linked {
        Ok(()) => Ok(SecretString::from(token)),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            let text = std::fs::read_to_string(path).map_err(io)?;
            Ok(SecretString::from(text.trim().to_owned()))
        }
        Err(error) => Err(io(error)),
    }
}

/// The resolved tokens: the one this process sends and the digests of all it accepts.
#[derive(Clone)]
pub struct ServiceCredentials {
    current: SecretString,
    accepted: Vec<[u8; 32]>,
}

impl std::fmt::Debug for ServiceCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceCredentials")
            .field("accepted", &self.accepted.len())
            .finish_non_exhaustive()
    }
}

impl ServiceCredentials {
    /// Credentials from `tokens` (the first is sent); refuses an empty list or a short token.
    pub fn new(tokens: Vec<SecretString>) -> Result<Self, ServiceAuthError> {
        let mut tokens = tokens.into_iter();
        let current = tokens.next().ok_or(ServiceAuthError::Empty)?;
        let mut accepted = Vec::new();
        for token in std::iter::once(&current).chain(tokens.as_slice()) {
            if token.expose_secret().len() < MIN_TOKEN_LEN {
                return Err(ServiceAuthError::TooShort);
            }
            accepted.push(digest(token.expose_secret()));
        }
        Ok(Self { current, accepted })
    }

    /// The token this process sends on its internal calls.
    pub fn current(&self) -> &SecretString {
        &self.current
    }

    /// Whether `presented` is one of the accepted tokens. Every accepted token is compared,
    /// each over a fixed-size digest, so the time taken says nothing about which part matched.
    pub fn accepts(&self, presented: &str) -> bool {
        if presented.is_empty() || presented.len() > MAX_TOKEN_LEN {
            return false;
        }
        let presented = digest(presented);
        self.accepted
            .iter()
            .fold(subtle::Choice::from(0), |found, accepted| {
                found | accepted.ct_eq(&presented)
            })
            .into()
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Why service authentication failed or could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ServiceAuthError {
    /// An internal route was called without an accepted service token.
    #[error(
        "internal endpoints need the service token in X-Nexus-Service-Token; only Nexus services may call them"
    )]
    Required,
    /// No token configured and none may be generated.
    #[error(
        "no service token: set service_auth.tokens (NEXUS_SERVICE_AUTH__TOKENS) or provide {0}"
    )]
    Missing(PathBuf),
    /// The configured list is empty (an empty token file).
    #[error("the service token list is empty")]
    Empty,
    /// A token is shorter than [`MIN_TOKEN_LEN`].
    #[error("a service token is shorter than {MIN_TOKEN_LEN} characters")]
    TooShort,
    /// Reading or writing the token file failed.
    #[error("service token file {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The failure.
        #[source]
        source: std::io::Error,
    },
}

impl HttpError for ServiceAuthError {
    fn status(&self) -> StatusCode {
        match self {
            ServiceAuthError::Required => StatusCode::UNAUTHORIZED,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ServiceAuthError::Required => "service_authentication_required",
            _ => "service_auth_misconfigured",
        }
    }
}

/// Whether `path` addresses an internal route. Deliberately broad: percent-escapes are decoded,
/// repeated leading slashes collapsed and case ignored, so no spelling the router might map to
/// an `/internal` route slips past (no public route starts with `internal`).
pub fn is_internal_path(path: &str) -> bool {
    let decoded = percent_decode(path);
    let trimmed = decoded.trim_start_matches('/');
    trimmed
        .get(..8)
        .is_some_and(|head| head.eq_ignore_ascii_case("internal"))
}

fn percent_decode(path: &str) -> String {
    decode_except(path, &[])
}

/// Decodes `%XX` escapes except those of the bytes in `keep` (which stay escaped), the way the
/// router's own re-quoting keeps `%`, `/` and `+` escaped.
fn decode_except(path: &str, keep: &[u8]) -> String {
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escaped = (bytes[index] == b'%')
            .then(|| bytes.get(index + 1..index + 3))
            .flatten()
            .and_then(|pair| std::str::from_utf8(pair).ok())
            .and_then(|pair| u8::from_str_radix(pair, 16).ok())
            .filter(|byte| !keep.contains(byte));
        match escaped {
            Some(byte) => {
                decoded.push(byte);
                index += 3;
            }
            None => {
                decoded.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// Whether any route of the app matches `path` as sent, as the router re-quotes it, or fully
/// decoded. A path no route matches gets the router's own 404 (a service without internal
/// routes, such as the gateway, keeps answering `not_found` for them).
fn is_routed(request: &ServiceRequest) -> bool {
    let map = request.request().resource_map();
    let path = request.path();
    map.has_resource(path)
        || map.has_resource(&decode_except(path, b"%/+"))
        || map.has_resource(&percent_decode(path))
}

/// Refuses every request for an internal route without an accepted service token (401
/// `service_authentication_required`); other paths pass untouched, and internal paths no route
/// serves get the router's 404. The accepted tokens come
/// from `web::Data<ServiceCredentials>`; an app without them refuses every internal call.
pub async fn require_service_token<B: MessageBody + 'static>(
    request: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    if !is_internal_path(request.path()) || !is_routed(&request) {
        return next
            .call(request)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    let accepted = request
        .app_data::<web::Data<ServiceCredentials>>()
        .zip(request.headers().get(SERVICE_TOKEN_HEADER))
        .and_then(|(credentials, value)| Some(credentials.accepts(value.to_str().ok()?)))
        .unwrap_or(false);
    if accepted {
        return next
            .call(request)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    tracing::warn!(path = %request.path(), "An internal call without a valid service token was refused.");
    let response =
        actix_web::ResponseError::error_response(&ApiError::from(ServiceAuthError::Required));
    Ok(request.into_response(response).map_into_right_body())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use actix_web::test as actix_test;
    use actix_web::{App, HttpResponse};

    const TOKEN: &str = "0123456789abcdef0123456789abcdef";
    const NEXT: &str = "fedcba9876543210fedcba9876543210";

    fn credentials(tokens: &[&str]) -> ServiceCredentials {
        ServiceCredentials::new(
            tokens
                .iter()
                .map(|token| SecretString::from((*token).to_owned()))
                .collect(),
        )
        .unwrap()
    }

    #[test]
    fn every_listed_token_is_accepted_and_nothing_else() {
        let both = credentials(&[TOKEN, NEXT]);
        assert!(both.accepts(TOKEN));
        assert!(both.accepts(NEXT));
        assert_eq!(both.current().expose_secret(), TOKEN);
        for wrong in [
            "",
            "0123456789abcdef0123456789abcdee",
            &TOKEN[1..],
            &"x".repeat(600),
        ] {
            assert!(!both.accepts(wrong), "{wrong}");
        }
        assert!(matches!(
            ServiceCredentials::new(vec![SecretString::from("short".to_owned())]),
            Err(ServiceAuthError::TooShort)
        ));
        assert!(matches!(
            ServiceCredentials::new(Vec::new()),
            Err(ServiceAuthError::Empty)
        ));
    }

    #[test]
    fn tokens_read_from_a_list_or_a_comma_separated_string() {
        let from_string: ServiceAuthSettings =
            serde_json::from_value(serde_json::json!({"tokens": format!("{TOKEN}, {NEXT}")}))
                .unwrap();
        let from_list: ServiceAuthSettings =
            serde_json::from_value(serde_json::json!({"tokens": [TOKEN, NEXT]})).unwrap();
        for settings in [from_string, from_list] {
            let credentials = settings.resolve().unwrap();
            assert_eq!(credentials.current().expose_secret(), TOKEN);
            assert!(credentials.accepts(NEXT));
        }
    }

    #[test]
    fn debug_output_never_shows_a_token() {
        let settings = ServiceAuthSettings {
            tokens: vec![SecretString::from(TOKEN.to_owned())],
            ..ServiceAuthSettings::default()
        };
        let printed = format!("{settings:?} {:?}", credentials(&[TOKEN]));
        assert!(!printed.contains(TOKEN), "{printed}");
    }

    #[test]
    fn every_spelling_of_an_internal_path_counts_as_internal() {
        for path in [
            "/internal/v1/users/1",
            "//internal/v1/users/1",
            "/%69nternal/v1/users/1",
            "/%2Finternal/v1",
            "/INTERNAL/v1",
            "/internal",
        ] {
            assert!(is_internal_path(path), "{path}");
        }
        for path in ["/v1/users", "/health", "/v1/internal", "/", "/intern"] {
            assert!(!is_internal_path(path), "{path}");
        }
    }

    #[test]
    fn services_starting_together_agree_on_one_generated_token() {
        let dir = std::env::temp_dir().join(format!("nexus-service-race-{}", uuid::Uuid::now_v7()));
        let settings = ServiceAuthSettings {
            token_file: dir.join("token"),
            ..ServiceAuthSettings::default()
        };
        let tokens: Vec<String> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    scope.spawn(|| {
                        settings
                            .resolve()
                            .map(|c| c.current().expose_secret().to_owned())
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|handle| handle.join().unwrap().unwrap())
                .collect()
        });
        assert!(
            tokens
                .iter()
                .all(|token| token == &tokens[0] && token.len() == 64),
            "{tokens:?}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_missing_file_is_generated_once_and_read_back() {
        let dir =
            std::env::temp_dir().join(format!("nexus-service-token-{}", uuid::Uuid::now_v7()));
        let settings = ServiceAuthSettings {
            token_file: dir.join("token"),
            ..ServiceAuthSettings::default()
        };
        let first = settings.resolve().unwrap();
        let second = settings.resolve().unwrap();
        assert_eq!(
            first.current().expose_secret(),
            second.current().expose_secret()
        );
        assert_eq!(first.current().expose_secret().len(), 64);
        let refused = ServiceAuthSettings {
            token_file: dir.join("absent"),
            generate_missing: false,
            ..ServiceAuthSettings::default()
        };
        assert!(matches!(
            refused.resolve(),
            Err(ServiceAuthError::Missing(_))
        ));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[actix_web::test]
    async fn internal_routes_need_the_token_and_public_routes_do_not() {
        let app = actix_test::init_service(
            App::new()
                .app_data(web::Data::new(credentials(&[TOKEN, NEXT])))
                .route("/internal/v1/x", web::get().to(HttpResponse::Ok))
                .route("/internal/v1/users/{id}", web::get().to(HttpResponse::Ok))
                .route("/v1/x", web::get().to(HttpResponse::Ok))
                .wrap(actix_web::middleware::from_fn(require_service_token)),
        )
        .await;
        let call = |path: &str, token: Option<&str>| {
            let mut request = actix_test::TestRequest::get().uri(path);
            if let Some(token) = token {
                request = request.insert_header((SERVICE_TOKEN_HEADER, token));
            }
            request.to_request()
        };
        let refused = actix_test::call_service(&app, call("/internal/v1/x", None)).await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        let body: serde_json::Value = actix_test::read_body_json(refused).await;
        assert_eq!(body["code"], "service_authentication_required");
        for (path, token, status) in [
            (
                "/internal/v1/x",
                Some("wrong-token-wrong-token-wrong-token"),
                401,
            ),
            ("/%69nternal/v1/x", None, 401),
            ("/%69nternal/v1/users/a%2Fb", None, 401),
            ("/internal/v1/users/a%2Fb", None, 401),
            ("/internal/v1/users/%61", Some(TOKEN), 200),
            ("/internal/v1/nothing-here", None, 404),
            ("/internal/v1/x", Some(TOKEN), 200),
            ("/internal/v1/x", Some(NEXT), 200),
            ("/v1/x", None, 200),
        ] {
            let response = actix_test::call_service(&app, call(path, token)).await;
            assert_eq!(response.status().as_u16(), status, "{path} {token:?}");
        }
    }
}
