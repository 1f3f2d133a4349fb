//! `Caller` through a real actix app with the shared validator and the shipped policies: guests,
//! signed-in users, banned accounts and API keys with narrow scopes, one table of cases.

use std::sync::Arc;

use actix_web::{App, HttpResponse, test, web};
use nexus_http::ApiError;
use nexus_http::token::{AccessClaims, TokenValidator};
use nexus_policy::{Action, LivePolicies, Policies, Resource};
use nexus_proto::ErrorBody;
use nexus_runtime::Caller;
use nexus_testkit::TestTokens;

const ALICE: &str = "0192f000-0000-7000-8000-00000000000a";
const BOB: &str = "0192f000-0000-7000-8000-00000000000b";

fn validator(tokens: &TestTokens) -> TokenValidator {
    TokenValidator::new(tokens.settings().rules(), tokens.settings().static_keys())
}

/// `who`: the subject or `guest`.
async fn whoami(caller: Caller) -> HttpResponse {
    HttpResponse::Ok().body(caller.subject().unwrap_or("guest").to_owned())
}

/// Uploads a sample in the caller's name (needs an account, `file:upload`).
async fn upload(caller: Caller) -> Result<HttpResponse, ApiError> {
    let owner = caller.require_signed_in()?.sub.clone();
    caller.authorize(
        Action::FileUpload,
        Resource::File {
            id: "f".into(),
            uploaders: vec![owner],
            visibility: nexus_policy::Visibility::Private,
            is_bounty_artifact: false,
        },
    )?;
    Ok(HttpResponse::Ok().finish())
}

/// Reads a public bounty owned by Alice (`bounty:read`, open to guests).
async fn read_public_bounty(caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.authorize(
        Action::BountyRead,
        Resource::Bounty {
            id: "b".into(),
            owner: ALICE.into(),
            status: nexus_policy::BountyStatus::Open,
            is_public: true,
        },
    )?;
    Ok(HttpResponse::Ok().finish())
}

/// Reads Alice's private profile (`user:read_private`, hers only).
async fn read_alice_private(caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.authorize(
        Action::UserReadPrivate,
        Resource::UserAccount { id: ALICE.into() },
    )?;
    Ok(HttpResponse::Ok().finish())
}

enum Token {
    None,
    Garbage,
    User(&'static str, &'static str),
    Banned(&'static str),
    ApiKey(&'static str, &'static str),
}

fn token(tokens: &TestTokens, token: &Token) -> Option<String> {
    let signed = |claims: AccessClaims| Some(format!("Bearer {}", tokens.sign(&claims).unwrap()));
    match token {
        Token::None => None,
        Token::Garbage => Some("Bearer not.a.token".into()),
        Token::User(subject, role) => signed(tokens.claims(subject, &[role])),
        Token::Banned(subject) => {
            let mut claims = tokens.claims(subject, &["user"]);
            claims.status = Some("banned".into());
            signed(claims)
        }
        Token::ApiKey(subject, scope) => {
            let mut claims = tokens.claims(subject, &["user"]);
            claims.amr = vec!["api_key".into()];
            claims.scope = Some((*scope).to_owned());
            signed(claims)
        }
    }
}

#[actix_web::test]
async fn caller_is_a_guest_without_a_token_and_every_denial_has_its_code() {
    let tokens = TestTokens::generate().unwrap();
    let policies = web::Data::new(LivePolicies::new(1, Policies::shipped().unwrap()));
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(validator(&tokens)))
            .app_data(policies)
            .route("/whoami", web::get().to(whoami))
            .route("/upload", web::post().to(upload))
            .route("/bounty", web::get().to(read_public_bounty))
            .route("/alice", web::get().to(read_alice_private))
            .wrap(actix_web::middleware::from_fn(
                nexus_http::middleware::nexus_middleware,
            )),
    )
    .await;

    // (case, method, path, token, expected status, expected code or body)
    let cases = [
        (
            "guest is a guest",
            "GET",
            "/whoami",
            Token::None,
            200,
            "guest",
        ),
        (
            "user is the subject",
            "GET",
            "/whoami",
            Token::User(BOB, "user"),
            200,
            BOB,
        ),
        (
            "a bad token is 401, not a guest",
            "GET",
            "/whoami",
            Token::Garbage,
            401,
            "token_malformed",
        ),
        (
            "guest may not upload",
            "POST",
            "/upload",
            Token::None,
            401,
            "unauthenticated",
        ),
        (
            "user uploads",
            "POST",
            "/upload",
            Token::User(BOB, "user"),
            200,
            "",
        ),
        (
            "banned user may not upload",
            "POST",
            "/upload",
            Token::Banned(BOB),
            403,
            "forbidden",
        ),
        (
            "read-only key may not upload",
            "POST",
            "/upload",
            Token::ApiKey(BOB, "bounty:read"),
            403,
            "scope_insufficient",
        ),
        (
            "upload key uploads",
            "POST",
            "/upload",
            Token::ApiKey(BOB, "bounty:read file:upload"),
            200,
            "",
        ),
        (
            "guest reads a public bounty",
            "GET",
            "/bounty",
            Token::None,
            200,
            "",
        ),
        (
            "banned user still reads public data",
            "GET",
            "/bounty",
            Token::Banned(BOB),
            200,
            "",
        ),
        (
            "read key reads a public bounty",
            "GET",
            "/bounty",
            Token::ApiKey(BOB, "bounty:read"),
            200,
            "",
        ),
        (
            "upload-only key may not read bounties",
            "GET",
            "/bounty",
            Token::ApiKey(BOB, "file:upload"),
            403,
            "scope_insufficient",
        ),
        (
            "another user's private data is forbidden",
            "GET",
            "/alice",
            Token::User(BOB, "user"),
            403,
            "forbidden",
        ),
        (
            "the owner reads her private data",
            "GET",
            "/alice",
            Token::User(ALICE, "user"),
            200,
            "",
        ),
        (
            "guest on private data must sign in",
            "GET",
            "/alice",
            Token::None,
            401,
            "unauthenticated",
        ),
        (
            "the owner's key without the scope is refused",
            "GET",
            "/alice",
            Token::ApiKey(ALICE, "bounty:read"),
            403,
            "scope_insufficient",
        ),
    ];
    let mut failures = Vec::new();
    for (name, method, path, sent, status, expected) in &cases {
        let mut request = match *method {
            "POST" => test::TestRequest::post(),
            _ => test::TestRequest::get(),
        }
        .uri(path);
        if let Some(value) = token(&tokens, sent) {
            request = request.insert_header(("authorization", value));
        }
        let response = test::call_service(&app, request.to_request()).await;
        let got = response.status().as_u16();
        let body = test::read_body(response).await;
        let seen = if got >= 400 {
            serde_json::from_slice::<ErrorBody>(&body)
                .map(|error| error.code)
                .unwrap_or_default()
        } else {
            String::from_utf8_lossy(&body).into_owned()
        };
        if got != *status || seen != *expected {
            failures.push(format!(
                "{name}: got {got} {seen:?}, expected {status} {expected:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[actix_web::test]
async fn denials_carry_actionable_messages_and_only_scope_denials_reveal_nothing_to_hide() {
    let policies = Arc::new(LivePolicies::new(1, Policies::shipped().unwrap()));
    let guest = Caller::guest(Arc::clone(&policies));
    let denied = guest
        .authorize(Action::FileUpload, Resource::Platform)
        .unwrap_err();
    assert!(
        denied.to_string().contains("Authorization: Bearer"),
        "{denied}"
    );
    assert!(denied.hides_existence());
    let tokens = TestTokens::generate().unwrap();
    let mut claims = tokens.claims(BOB, &["user"]);
    claims.amr = vec!["api_key".into()];
    claims.scope = Some("bounty:read".into());
    let key = Caller::signed_in(claims, policies);
    let denied = key.require_scope(Action::FileUpload).unwrap_err();
    assert!(denied.to_string().contains("file:upload"), "{denied}");
    assert!(!denied.hides_existence());
    assert!(key.allows(
        Action::BountyRead,
        Resource::Bounty {
            id: "b".into(),
            owner: ALICE.into(),
            status: nexus_policy::BountyStatus::Open,
            is_public: true,
        }
    ));
}
