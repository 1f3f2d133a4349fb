//! `GET /internal/v1/wallets/{address}`: whose wallet this is (nexus-bounty's `user:{id}` feed).

use alloy::signers::SignerSync;
use alloy::signers::local::PrivateKeySigner;
use nexus_proto::user::{LinkWalletRequest, WalletChallengeRequest};
use nexus_testkit::nexus_client::CallContext;
use reqwest::StatusCode;

use crate::helpers::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_linked_wallet_names_its_account_and_an_unlinked_one_is_404() {
    let app = TestApp::spawn().await;
    let (user_id, token) = app.signed_up("wally").await;
    let wallet = PrivateKeySigner::random();
    let users = app.service.client.users();
    let as_wally = CallContext::bearer(&token);
    let challenge = users
        .create_wallet_challenge(
            &as_wally,
            &WalletChallengeRequest {
                address: wallet.address().to_checksum(None),
                chain_id: 1,
            },
        )
        .await
        .unwrap();
    let signature = wallet
        .sign_message_sync(challenge.message.as_bytes())
        .unwrap();
    users
        .link_wallet(
            &as_wally,
            &LinkWalletRequest {
                message: challenge.message.clone(),
                signature: alloy::hex::encode_prefixed(signature.as_bytes()),
            },
        )
        .await
        .unwrap();

    let checksummed = wallet.address().to_checksum(None);
    for form in [checksummed.clone(), checksummed.to_lowercase()] {
        let (status, owner) = app.get(&format!("/internal/v1/wallets/{form}")).await;
        assert_eq!(status, StatusCode::OK, "{form}: {owner}");
        assert_eq!(owner["user_id"], user_id);
        assert_eq!(owner["address"], checksummed);
        assert_eq!(owner["chain_id"], 1);
    }
    let stranger = PrivateKeySigner::random().address().to_checksum(None);
    let (status, error) = app.get(&format!("/internal/v1/wallets/{stranger}")).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("wallet_not_found"))
    );
    let (status, error) = app.get("/internal/v1/wallets/0x1234").await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_wallet_address"))
    );
    // The typed client the bounty service uses.
    let owner = users
        .wallet_owner(
            &CallContext::none(),
            checksummed.parse().expect("an address"),
        )
        .await
        .unwrap();
    assert_eq!(owner.user_id.to_string(), user_id);

    // Internal: a caller without the service token is not answered.
    let public = reqwest::Client::new()
        .get(app.url(&format!("/internal/v1/wallets/{checksummed}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_ne!(public.status(), StatusCode::OK);
    app.stop().await;
}
