//! The hostile-token corpus: every forged, tampered, expired or misdirected token is refused with
//! 401 and its own code, through a real actix app using the `Authenticated` extractor.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/token_corpus.rs"]
mod token_corpus;

use actix_web::{App, HttpResponse, test, web};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use nexus_http::token::{Authenticated, KeySet, TokenRules, TokenValidator};
use nexus_proto::ErrorBody;
use serde_json::json;
use token_corpus::*;

fn validator() -> TokenValidator {
    let mut keys = KeySet::default();
    keys.insert(
        "rsa-1",
        Algorithm::RS256,
        DecodingKey::from_rsa_pem(RSA_PUBLIC).unwrap(),
    );
    keys.insert(
        "ed-1",
        Algorithm::EdDSA,
        DecodingKey::from_ed_pem(ED_PUBLIC).unwrap(),
    );
    TokenValidator::new(TokenRules::new(ISSUER, AUDIENCE), keys)
}

async fn whoami(caller: Authenticated) -> HttpResponse {
    HttpResponse::Ok().body(caller.0.sub)
}

#[actix_web::test]
async fn every_hostile_token_is_refused_with_401_and_its_code() {
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(validator()))
            .service(web::resource("/v1/me").route(web::get().to(whoami)))
            .wrap(actix_web::middleware::from_fn(
                nexus_http::middleware::nexus_middleware,
            )),
    )
    .await;
    let cases = corpus();
    assert!(cases.len() >= 40, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for (name, authorization, expected) in cases {
        let mut request = test::TestRequest::get().uri("/v1/me");
        if let Some(value) = authorization {
            request = request.insert_header(("authorization", value));
        }
        let response = test::call_service(&app, request.to_request()).await;
        let status = response.status().as_u16();
        let body: ErrorBody = test::read_body_json(response).await;
        if status != 401 || body.code != expected {
            failures.push(format!(
                "{name}: got {status} {} ({}), expected 401 {expected}",
                body.code, body.message
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} hostile tokens were not refused as expected:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[actix_web::test]
async fn genuine_tokens_pass_with_either_algorithm_and_within_the_leeway() {
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(validator()))
            .service(web::resource("/v1/me").route(web::get().to(whoami))),
    )
    .await;
    let eddsa = sign(
        &header("EdDSA", "ed-1"),
        &claims(),
        &EncodingKey::from_ed_pem(ED_PRIVATE).unwrap(),
        Algorithm::EdDSA,
    );
    let just_expired = rs256(
        &header("RS256", "rsa-1"),
        &with(claims(), "exp", json!(now() - 5)),
    );
    let audience_list = rs256(
        &header("RS256", "rsa-1"),
        &with(claims(), "aud", json!(["other", AUDIENCE])),
    );
    for token in [valid_rs256(), eddsa, just_expired, audience_list] {
        let request = test::TestRequest::get()
            .uri("/v1/me")
            .insert_header(("authorization", format!("Bearer {token}")));
        let response = test::call_service(&app, request.to_request()).await;
        assert_eq!(response.status(), 200);
        assert_eq!(test::read_body(response).await, "user-1");
    }
}

#[actix_web::test]
async fn replacing_the_key_set_takes_effect_immediately() {
    let validator = validator();
    assert!(validator.validate(&valid_rs256()).is_ok());
    validator.replace_keys(KeySet::default());
    assert!(!validator.knows_key("rsa-1"));
    assert_eq!(
        validator.validate(&valid_rs256()).unwrap_err().to_string(),
        "the access token was not signed with a key of ours"
    );
}
