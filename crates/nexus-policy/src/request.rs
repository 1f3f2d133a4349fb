//! The typed authorization request: who asks, to do what, to which resource, in which context.
//!
//! These types are the crate's API boundary; they carry no Cedar types, so callers (the gateway,
//! the services, the auth service's `POST /v1/authorize`) never build Cedar entities by hand.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use nexus_core::Role;
use serde::{Deserialize, Serialize};

/// One authorization question.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Request {
    /// Who asks.
    #[serde(deserialize_with = "named_kind")]
    pub principal: Principal,
    /// What they want to do.
    pub action: Action,
    /// What they want to do it to, with the attributes the policies look at.
    #[serde(deserialize_with = "named_kind")]
    pub resource: Resource,
    /// Facts about the request itself.
    #[serde(default)]
    pub context: RequestContext,
}

/// Who asks: an anonymous visitor or a signed-in account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Principal {
    /// Not signed in.
    Guest,
    /// A signed-in account.
    User {
        /// The account id (the `sub` of its access token).
        id: String,
        /// The account's role; it is also a member of every role below it.
        #[serde(with = "role_name")]
        #[schema(schema_with = schema::role)]
        role: Role,
        /// A banned account keeps only public reads and its own private profile.
        #[serde(default)]
        is_banned: bool,
    },
}

impl Principal {
    /// A signed-in account that is not banned.
    pub fn user(id: impl Into<String>, role: Role) -> Self {
        Principal::User {
            id: id.into(),
            role,
            is_banned: false,
        }
    }
}

/// Facts about the request that are not attributes of the principal or the resource.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RequestContext {
    /// The session was confirmed with a second factor.
    #[serde(default)]
    pub mfa: bool,
    /// The caller's address, when known.
    #[serde(default)]
    #[schema(schema_with = schema::ip_address)]
    pub ip: Option<IpAddr>,
}

/// The kinds of resource the schema knows; every [`Action`] applies to exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    /// The platform itself (list actions, administration).
    Platform,
    /// A bounty.
    Bounty,
    /// An analysis report.
    Analysis,
    /// A submitted sample.
    File,
    /// A YARA ruleset.
    Ruleset,
    /// A retrohunt.
    Retrohunt,
    /// A user's account and profile.
    UserAccount,
    /// An in-app notification.
    Notification,
}

impl ResourceKind {
    /// The Cedar entity type name of this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Platform => "Platform",
            ResourceKind::Bounty => "Bounty",
            ResourceKind::Analysis => "Analysis",
            ResourceKind::File => "File",
            ResourceKind::Ruleset => "Ruleset",
            ResourceKind::Retrohunt => "Retrohunt",
            ResourceKind::UserAccount => "UserAccount",
            ResourceKind::Notification => "Notification",
        }
    }
}

/// A bounty's phase, as the policies see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BountyStatus {
    /// Accepting commitments.
    Open,
    /// Commitments closed, reveals being collected.
    Revealing,
    /// Resolved; rewards claimable.
    Resolved,
    /// A resolution is being disputed.
    Disputed,
    /// Expired without resolution; refunded.
    Expired,
    /// Cancelled by its owner.
    Cancelled,
}

impl BountyStatus {
    /// The status name the policies compare against.
    pub fn as_str(self) -> &'static str {
        match self {
            BountyStatus::Open => "open",
            BountyStatus::Revealing => "revealing",
            BountyStatus::Resolved => "resolved",
            BountyStatus::Disputed => "disputed",
            BountyStatus::Expired => "expired",
            BountyStatus::Cancelled => "cancelled",
        }
    }
}

/// Who may see an analysis besides its owner and admins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Everyone, guests included.
    Public,
    /// Only the owner (and admins).
    Private,
}

impl Visibility {
    /// The visibility name the policies compare against.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Private => "private",
        }
    }
}

/// The resource of a request, with the attributes the policies use. For a create, upload or
/// submit it is the resource about to exist, owned by the caller.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Resource {
    /// The platform: the resource of list actions and administration.
    Platform,
    /// A bounty.
    Bounty {
        /// Bounty id.
        id: String,
        /// Account id of the poster.
        owner: String,
        /// Current phase.
        status: BountyStatus,
        /// Listed publicly (guests can read it).
        is_public: bool,
    },
    /// An analysis report. It is derived from its sample's bytes, so it carries the sample's
    /// visibility attributes (see [`Resource::File`]).
    Analysis {
        /// Analysis id.
        id: String,
        /// Account ids of the sample's uploaders (at least the caller, when the caller is one).
        uploaders: Vec<String>,
        /// Public when any uploader made the sample public.
        visibility: Visibility,
        /// The sample is a bounty's artifact (analysts may read it).
        #[serde(default)]
        is_bounty_artifact: bool,
    },
    /// A stored sample; several accounts may upload the same bytes.
    File {
        /// Sample id (its SHA-256).
        id: String,
        /// Account ids of its uploaders. The service may pass only those a decision can turn
        /// on: the caller, when the caller uploaded it (for an upload, the caller).
        uploaders: Vec<String>,
        /// Public when any uploader chose public, else private.
        visibility: Visibility,
        /// A bounty names the sample as its artifact (analysts may read it).
        #[serde(default)]
        is_bounty_artifact: bool,
    },
    /// A YARA ruleset.
    Ruleset {
        /// Ruleset id.
        id: String,
        /// Account id of the author.
        owner: String,
        /// Readable by everyone.
        is_public: bool,
    },
    /// A retrohunt: YARA rules run over the samples its owner may read.
    Retrohunt {
        /// Retrohunt id.
        id: String,
        /// Account id of the hunter.
        owner: String,
    },
    /// A user's account; public or private data is chosen by the action.
    UserAccount {
        /// Account id of the account holder.
        id: String,
    },
    /// An in-app notification.
    Notification {
        /// Notification id.
        id: String,
        /// Account id of the inbox it is in.
        recipient: String,
    },
}

impl Resource {
    /// The resource's id (`nexus` for the platform), e.g. for audit lines.
    pub fn id(&self) -> &str {
        match self {
            Resource::Platform => "nexus",
            Resource::Bounty { id, .. }
            | Resource::Analysis { id, .. }
            | Resource::File { id, .. }
            | Resource::Ruleset { id, .. }
            | Resource::Retrohunt { id, .. }
            | Resource::UserAccount { id }
            | Resource::Notification { id, .. } => id,
        }
    }

    /// Which kind of resource this is.
    pub fn kind(&self) -> ResourceKind {
        match self {
            Resource::Platform => ResourceKind::Platform,
            Resource::Bounty { .. } => ResourceKind::Bounty,
            Resource::Analysis { .. } => ResourceKind::Analysis,
            Resource::File { .. } => ResourceKind::File,
            Resource::Ruleset { .. } => ResourceKind::Ruleset,
            Resource::Retrohunt { .. } => ResourceKind::Retrohunt,
            Resource::UserAccount { .. } => ResourceKind::UserAccount,
            Resource::Notification { .. } => ResourceKind::Notification,
        }
    }
}

macro_rules! actions {
    ($($variant:ident => $name:literal, $kind:ident, $doc:literal;)+) => {
        /// Everything a principal can ask to do. The wire and Cedar name is `area:verb`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action {
            $(#[doc = $doc] $variant,)+
        }

        impl Action {
            /// Every action, in schema order.
            pub const ALL: &'static [Action] = &[$(Action::$variant,)+];

            /// The action's stable name, as in the policies (`Action::"bounty:read"`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)+
                }
            }

            /// Position of the action in [`Action::ALL`].
            pub(crate) fn index(self) -> usize {
                self as usize
            }

            /// The kind of resource the action applies to.
            pub fn resource_kind(self) -> ResourceKind {
                match self {
                    $(Action::$variant => ResourceKind::$kind,)+
                }
            }
        }
    };
}

actions! {
    BountyList => "bounty:list", Platform, "List bounties (the service filters out what the caller may not read).";
    BountyRead => "bounty:read", Bounty, "Read one bounty.";
    BountyCreate => "bounty:create", Bounty, "Post a bounty.";
    BountyUpdate => "bounty:update", Bounty, "Edit a bounty.";
    BountyDelete => "bounty:delete", Bounty, "Cancel a bounty.";
    BountyAssert => "bounty:assert", Bounty, "Commit or reveal a verdict (with stake).";
    BountyResolve => "bounty:resolve", Bounty, "Trigger resolution, or the payouts it opens (claims, refunds).";
    BountyDispute => "bounty:dispute", Bounty, "Dispute a resolution.";
    BountyComment => "bounty:comment", Bounty, "Comment on a bounty.";
    BountyDeleteComment => "bounty:delete_comment", Bounty, "Delete a comment on a bounty (moderation).";
    AnalysisList => "analysis:list", Platform, "List analyses.";
    AnalysisRead => "analysis:read", Analysis, "Read an analysis report.";
    AnalysisSubmit => "analysis:submit", Analysis, "Submit a sample for analysis.";
    AnalysisDelete => "analysis:delete", Analysis, "Delete an analysis.";
    FileUpload => "file:upload", File, "Upload a sample.";
    FileRead => "file:read", File, "Read a sample's metadata (hashes, type), not its bytes.";
    FileDownload => "file:download", File, "Download a sample's bytes (live malware).";
    FileDelete => "file:delete", File, "Delete a sample.";
    FileAttachEvidence => "file:attach_evidence", File, "Attach evidence (a YARA rule, IOCs, byte ranges) to one's assertion on a sample, for the platform to re-run.";
    RulesetList => "ruleset:list", Platform, "List rulesets.";
    RulesetRead => "ruleset:read", Ruleset, "Read a ruleset.";
    RulesetCreate => "ruleset:create", Ruleset, "Write a new ruleset.";
    RulesetUpdate => "ruleset:update", Ruleset, "Edit a ruleset.";
    RulesetDelete => "ruleset:delete", Ruleset, "Delete a ruleset.";
    RetrohuntCreate => "retrohunt:create", Retrohunt, "Start a retrohunt (its own YARA rules over the samples the caller may read).";
    RetrohuntRead => "retrohunt:read", Retrohunt, "Read a retrohunt's progress and matches.";
    UserReadPublic => "user:read_public", UserAccount, "Read a public profile.";
    UserReadPrivate => "user:read_private", UserAccount, "Read private account data (email, wallets, settings).";
    UserUpdate => "user:update", UserAccount, "Edit an account.";
    UserChangeRole => "user:change_role", UserAccount, "Change an account's role.";
    NotificationList => "notification:list", Platform, "List the caller's own inbox.";
    NotificationRead => "notification:read", Notification, "Read a notification.";
    NotificationUpdate => "notification:update", Notification, "Mark a notification read or dismiss it.";
    AdminManagePolicies => "admin:manage_policies", Platform, "Validate and publish policies.";
    AdminViewAudit => "admin:view_audit", Platform, "Read the authorization audit log.";
    AdminQueryPolicies => "admin:query_policies", Platform, "Ask the policies about any principal (`POST /v1/authorize` for someone else).";
    AdminGrantKeyTier => "admin:grant_key_tier", Platform, "Give an API key a tier above standard (its quota and rate limits).";
    ChainRead => "chain:read", Platform, "Read confirmed chain state: status, governed parameters, accounts (public facts).";
    BountyStake => "bounty:stake", Platform, "Stake or unstake NXS through the relayer with a signed intent.";
    PresenceRead => "presence:read", Platform, "See which analyst engines are connected to the hub (`GET /v1/presence`).";
    PresencePublish => "presence:publish", Platform, "Appear as a connected analyst engine in the hub's presence (`GET /v1/presence`, `EngineConnected`) while a WebSocket session lasts.";
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text was not the name of an [`Action`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown action {0:?}: expected a name such as \"bounty:read\"")]
pub struct UnknownAction(pub String);

impl FromStr for Action {
    type Err = UnknownAction;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Action::ALL
            .iter()
            .copied()
            .find(|action| action.as_str() == text)
            .ok_or_else(|| UnknownAction(text.to_owned()))
    }
}

impl Serialize for Action {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Action {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

impl utoipa::PartialSchema for Action {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        schema::names(Action::ALL.iter().map(|action| action.as_str())).into()
    }
}

impl utoipa::ToSchema for Action {}

/// The OpenAPI schemas of the fields whose Rust type says more than a derive can: sets of names
/// taken from the Rust values themselves, so the document cannot drift from the code.
mod schema {
    use nexus_core::Role;
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, SchemaFormat, Type};

    /// A string that is one of `names`.
    pub(super) fn names<'a>(names: impl IntoIterator<Item = &'a str>) -> ObjectBuilder {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(names.into_iter().map(str::to_owned)))
    }

    /// A role by its stable name.
    pub(super) fn role() -> ObjectBuilder {
        names(Role::ALL.iter().map(|role| role.as_str()))
    }

    /// An IPv4 or IPv6 address in text, or null.
    pub(super) fn ip_address() -> OneOfBuilder {
        let text = |format: &str| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::Custom(format.to_owned())))
        };
        OneOfBuilder::new()
            .item(text("ipv4"))
            .item(text("ipv6"))
            .item(ObjectBuilder::new().schema_type(Type::Null))
    }
}

/// Reads an internally tagged enum (`{"type": "user", ...}`) only when its tag is a name: serde
/// also takes the variant's index there (`"type": 0`), which the API document does not allow.
fn named_kind<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let value = serde_json::Value::deserialize(deserializer)?;
    if !matches!(value.get("type"), Some(serde_json::Value::String(_))) {
        return Err(serde::de::Error::custom(
            "expected an object whose `type` names its kind, e.g. {\"type\": \"guest\"}",
        ));
    }
    T::deserialize(value).map_err(serde::de::Error::custom)
}

/// Serde for [`Role`] by its stable name (nexus-core stays serde-free).
mod role_name {
    use nexus_core::Role;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(role: &Role, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(role.as_str())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Role, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn request(principal: serde_json::Value, resource: serde_json::Value) -> serde_json::Value {
        json!({"principal": principal, "action": "bounty:read", "resource": resource})
    }

    #[test]
    fn kinds_are_read_by_name_only() {
        let bounty =
            json!({"type": "bounty", "id": "b", "owner": "u", "status": "open", "is_public": true});
        let parsed: Request =
            serde_json::from_value(request(json!({"type": "guest"}), bounty.clone())).unwrap();
        assert_eq!(parsed.principal, Principal::Guest);
        assert_eq!(parsed.resource.kind(), ResourceKind::Bounty);

        let mut by_index = bounty.clone();
        by_index["type"] = json!(1);
        for (principal, resource) in [
            (json!({"type": 0}), bounty.clone()),
            (json!({}), bounty.clone()),
            (json!({"type": "guest"}), by_index),
        ] {
            let error = serde_json::from_value::<Request>(request(principal.clone(), resource))
                .unwrap_err()
                .to_string();
            assert!(error.contains("names its kind"), "{principal}: {error}");
        }
    }
}
