//! Who may subscribe to which topic, decided by the published Cedar policies.
//!
//! The gateway holds no object's attributes (who owns bounty 7, whether analysis x is public),
//! so each per-object topic is decided in two steps, never by a role check of its own:
//!
//! 1. The policies are asked about the *least favourable* form of the object: private, owned
//!    by nobody the caller could be. A caller allowed even then (an analyst for bounties, an
//!    administrator for anything) subscribes without further ado.
//! 2. Otherwise the owning service is asked, with the caller's own access token, for the object
//!    (`GET /v1/bounties/{id}`, `GET /v1/analyses/{id}`): it decides with the real attributes
//!    and the same policies. A 2xx answer admits the subscription; 401, 403 and 404 refuse it;
//!    anything else (timeout, 5xx) is `topic_unavailable`, never an admission.
//!
//! Sessions signed in with an Ed25519 key carry no token to ask with: step 1 alone decides
//! them, so a key session reaches only what its role may read of anyone's private objects.
//!
//! Feeds: `bounties` puts the caller on the every-event key only if the policies let it read a
//! private bounty it does not own, else on the public-only key (see [`crate::ws::topics`]);
//! `user` is `notification:read` on the inbox (recipient only, administrators included);
//! `leaderboard` is `user:read_public` (the leaderboard shows public profiles).

use std::time::Duration;

use nexus_core::Role;
use nexus_http::token::AccessClaims;
use nexus_policy::{
    Action, BountyStatus, Principal, Request, RequestContext, Resource, Visibility,
};

use crate::GatewayService;
use crate::ws::topics::{BOUNTIES_ALL, BOUNTIES_PUBLIC, Topic, TopicRefusal};

/// An owner no account can be: the least favourable owner for a policy question.
const NOBODY: &str = "\u{0}nobody";
/// Longest wait for the owning service's answer.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// The caller of a WebSocket session, as the policies see it.
#[derive(Debug, Clone)]
pub struct TopicCaller<'a> {
    /// The account id.
    pub user_id: &'a str,
    /// Its highest role.
    pub role: Role,
    /// The access token's claims and the token, for token sessions.
    pub token: Option<(&'a AccessClaims, &'a str)>,
}

impl TopicCaller<'_> {
    fn principal(&self) -> Principal {
        match self.token {
            Some((claims, _)) => nexus_runtime::authz::principal_of(claims),
            None => Principal::user(self.user_id, self.role),
        }
    }

    fn context(&self) -> RequestContext {
        self.token
            .map_or_else(RequestContext::default, |(claims, _)| {
                nexus_runtime::authz::context_of(claims, None)
            })
    }
}

/// Decides `topic` for `caller`: the internal hub key to subscribe to, or why not.
pub async fn authorize_topic(
    gateway: &GatewayService,
    caller: &TopicCaller<'_>,
    topic: &str,
) -> Result<String, TopicRefusal> {
    let parsed = Topic::parse(topic).ok_or(TopicRefusal::Unknown)?;
    let allows = |action: Action, resource: Resource| {
        let request = Request {
            principal: caller.principal(),
            action,
            resource,
            context: caller.context(),
        };
        gateway
            .decisions
            .decide(&gateway.policies.current(), &request)
            .allowed
    };
    match parsed {
        Topic::Bounties => {
            if !allows(Action::BountyList, Resource::Platform) {
                return Err(TopicRefusal::Forbidden);
            }
            let private = least_favourable_bounty("*");
            Ok(if allows(Action::BountyRead, private) {
                BOUNTIES_ALL
            } else {
                BOUNTIES_PUBLIC
            }
            .to_owned())
        }
        Topic::Leaderboard => allows(
            Action::UserReadPublic,
            Resource::UserAccount { id: "*".to_owned() },
        )
        .then(|| "leaderboard".to_owned())
        .ok_or(TopicRefusal::Forbidden),
        Topic::User(id) => {
            let recipient = id.unwrap_or_else(|| caller.user_id.to_owned());
            let inbox = Resource::Notification {
                id: "*".to_owned(),
                recipient: recipient.clone(),
            };
            allows(Action::NotificationRead, inbox)
                .then(|| format!("user:{recipient}"))
                .ok_or(TopicRefusal::Forbidden)
        }
        Topic::Bounty(id) => {
            if allows(Action::BountyRead, least_favourable_bounty(&id)) {
                return Ok(format!("bounty:{id}"));
            }
            ask_owner(gateway, caller, "/v1/bounties", &id).await?;
            Ok(format!("bounty:{id}"))
        }
        Topic::Analysis(id) => {
            // Private, uploaded by nobody the caller could be, not a bounty's artifact.
            let private = Resource::Analysis {
                id: id.clone(),
                uploaders: Vec::new(),
                visibility: Visibility::Private,
                is_bounty_artifact: false,
            };
            if allows(Action::AnalysisRead, private) {
                return Ok(format!("analysis:{id}"));
            }
            ask_owner(gateway, caller, "/v1/analyses", &id).await?;
            Ok(format!("analysis:{id}"))
        }
    }
}

fn least_favourable_bounty(id: &str) -> Resource {
    Resource::Bounty {
        id: id.to_owned(),
        owner: NOBODY.to_owned(),
        status: BountyStatus::Open,
        is_public: false,
    }
}

/// Asks the service owning `prefix` (by the gateway's route table) whether the caller may read
/// object `id`, with the caller's own token.
async fn ask_owner(
    gateway: &GatewayService,
    caller: &TopicCaller<'_>,
    prefix: &str,
    id: &str,
) -> Result<(), TopicRefusal> {
    let Some((_, token)) = caller.token else {
        return Err(TopicRefusal::Forbidden);
    };
    let upstream = gateway
        .settings
        .routes
        .iter()
        .find(|route| route.prefix == prefix)
        .and_then(|route| gateway.settings.upstreams.get(&route.upstream))
        .ok_or(TopicRefusal::Forbidden)?;
    let url = format!("{}{prefix}/{id}", upstream.as_str().trim_end_matches('/'));
    let answer = gateway
        .hub
        .probe_client()
        .get(&url)
        .bearer_auth(token)
        .timeout(PROBE_TIMEOUT)
        .send()
        .await;
    match answer {
        Ok(response) if response.status().is_success() => Ok(()),
        Ok(response) if [401, 403, 404].contains(&response.status().as_u16()) => {
            Err(TopicRefusal::Forbidden)
        }
        Ok(response) => {
            tracing::warn!(status = %response.status(), url = %url, "The owning service could not say whether a topic may be read.");
            Err(TopicRefusal::Unavailable)
        }
        Err(error) => {
            tracing::warn!(error = %error, url = %url, "Asking the owning service about a topic failed.");
            Err(TopicRefusal::Unavailable)
        }
    }
}
