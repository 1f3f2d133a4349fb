//! What the gateway decides before forwarding: for each public route, the Cedar action and
//! resource it checks, or that it leaves the decision to the owning service.
//!
//! The gateway decides only what it can decide *fully* from the request: actions on the
//! platform (lists, administration), creations (the resource is the one about to exist, owned
//! by the caller), account actions (the account id is in the path) and sample downloads (no
//! download policy looks at the owner). Decisions that need a row's attributes (a bounty's
//! status, an analysis's visibility) belong to the service that owns the row; the gateway
//! only requires a signed-in caller where guests can never succeed.

use nexus_policy::{Action, BountyStatus, Resource, Visibility};

/// The gateway's check for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessRule {
    /// Guests may call it; the service decides the rest.
    Open,
    /// A signed-in caller is required; the service decides the rest.
    SignedIn,
    /// A Cedar decision on this action and resource.
    Check(Action, Resource),
}

/// The id used for a resource that does not exist yet (creations).
const NEW: &str = "new";

/// The rule for `method` on `path` (after `/api`, e.g. `/v1/bounties/7`) by `caller` (the
/// account id, `None` for guests).
pub fn access_rule(method: &str, path: &str, caller: Option<&str>) -> AccessRule {
    let segments: Vec<&str> = path
        .trim_start_matches('/')
        .trim_end_matches('/')
        .split('/')
        .collect();
    let me = caller.unwrap_or("guest").to_owned();
    let is_read = matches!(method, "GET" | "HEAD");
    let account = |id: &str| Resource::UserAccount {
        id: if id == "me" {
            me.clone()
        } else {
            id.to_owned()
        },
    };
    match (method, segments.as_slice()) {
        (_, ["v1", "policies", ..]) if !is_read => {
            AccessRule::Check(Action::AdminManagePolicies, Resource::Platform)
        }
        (_, ["v1", "audit", ..]) => AccessRule::Check(Action::AdminViewAudit, Resource::Platform),
        (_, ["v1", "auth", ..]) => AccessRule::Open,
        // The gateway's own route (routes/presence.rs), decided here like the proxied ones.
        ("GET", ["v1", "presence"]) => AccessRule::Check(Action::PresenceRead, Resource::Platform),

        ("GET", ["v1", "bounties"]) => AccessRule::Check(Action::BountyList, Resource::Platform),
        ("POST", ["v1", "bounties"]) => AccessRule::Check(
            Action::BountyCreate,
            Resource::Bounty {
                id: NEW.into(),
                owner: me,
                status: BountyStatus::Open,
                is_public: false,
            },
        ),

        // An account's own bounties, assertions and earnings: the bounty service decides
        // (`bounty:list`, `user:read_private` on the caller's account); guests never succeed.
        ("GET", ["v1", "me", "bounties" | "assertions" | "earnings"]) => AccessRule::SignedIn,

        ("GET", ["v1", "analyses"]) => AccessRule::Check(Action::AnalysisList, Resource::Platform),
        ("POST", ["v1", "analyses"]) => AccessRule::Check(
            Action::AnalysisSubmit,
            Resource::Analysis {
                id: NEW.into(),
                uploaders: vec![me],
                visibility: Visibility::Private,
                is_bounty_artifact: false,
            },
        ),

        ("POST", ["v1", "files"]) => AccessRule::Check(
            Action::FileUpload,
            Resource::File {
                id: NEW.into(),
                uploaders: vec![me],
                visibility: Visibility::Private,
                is_bounty_artifact: false,
            },
        ),
        // Sample reads and downloads depend on the sample's uploaders and visibility, which
        // only the analysis service knows: guests read public samples, uploaders download their
        // own, analysts what they may read, and a sample the caller may not read is a 404 there
        // (a 401 here would tell a guest that the hash names a private sample).
        (
            "GET" | "HEAD",
            ["v1", "files", _] | ["v1", "files", _, "similar" | "strings" | "download"],
        ) => AccessRule::Open,
        // The file verdict (reputation): public chain facts, guests included.
        ("GET" | "HEAD", ["v1", "files", _, "verdict"]) => AccessRule::Open,

        ("GET", ["v1", "rulesets"]) => AccessRule::Check(Action::RulesetList, Resource::Platform),
        ("POST", ["v1", "rulesets"]) => AccessRule::Check(
            Action::RulesetCreate,
            Resource::Ruleset {
                id: NEW.into(),
                owner: me,
                is_public: false,
            },
        ),

        ("POST", ["v1", "users"]) | ("POST", ["v1", "users", "password-reset", ..]) => {
            AccessRule::Open
        }
        ("PUT", ["v1", "users", id, "status"])
        | ("POST", ["v1", "users", id, "disable" | "enable" | "ban" | "unban"]) => {
            AccessRule::Check(Action::UserChangeRole, account(id))
        }
        // Credentials and wallets of one's own account: an account change, so an API key needs
        // the `user:update` scope (auth refuses API keys for key management altogether).
        (
            "POST" | "PUT" | "DELETE",
            ["v1", "users", "me", "wallets" | "ws-keys" | "password", ..],
        )
        | ("POST" | "DELETE", ["v1", "api-keys", ..]) => {
            AccessRule::Check(Action::UserUpdate, account("me"))
        }
        ("GET", ["v1", "users", "me", ..]) => {
            AccessRule::Check(Action::UserReadPrivate, account("me"))
        }
        ("GET", ["v1", "users", id]) => AccessRule::Check(Action::UserReadPublic, account(id)),
        // Only the methods the user service routes: any other method on these paths is left
        // to it, so it answers 405 (not a 403 for a route that does not exist).
        ("PUT", ["v1", "users", id, "role"]) => {
            AccessRule::Check(Action::UserChangeRole, account(id))
        }
        ("PATCH", ["v1", "users", "me"]) => AccessRule::Check(Action::UserUpdate, account("me")),

        // An e-mail's unsubscribe link: the signed token is the credential (no sign-in).
        ("GET" | "POST", ["v1", "notifications", "unsubscribe"]) => AccessRule::Open,
        ("GET", ["v1", "notifications"]) => {
            AccessRule::Check(Action::NotificationList, Resource::Platform)
        }

        // Public reads whose rows carry their own visibility.
        ("GET" | "HEAD", ["v1", "bounties" | "analyses" | "rulesets", _, ..])
        | ("GET" | "HEAD", ["v1", "reputation" | "leaderboards" | "chain", ..]) => AccessRule::Open,
        _ => AccessRule::SignedIn,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_map_to_their_actions() {
        let cases = [
            ("GET", "/v1/bounties", Some(Action::BountyList)),
            ("POST", "/v1/bounties", Some(Action::BountyCreate)),
            ("POST", "/v1/files", Some(Action::FileUpload)),
            ("GET", "/v1/files/ab12/download", None),
            ("GET", "/v1/users/me", Some(Action::UserReadPrivate)),
            ("PUT", "/v1/users/u-2/role", Some(Action::UserChangeRole)),
            ("PATCH", "/v1/users/me", Some(Action::UserUpdate)),
            // Methods the user service does not route there: signed in only, then its 405.
            ("PATCH", "/v1/users/u-2/role", None),
            ("PUT", "/v1/users/u-2", None),
            ("PATCH", "/v1/users/u-2", None),
            ("POST", "/v1/policies", Some(Action::AdminManagePolicies)),
            ("GET", "/v1/audit", Some(Action::AdminViewAudit)),
            ("POST", "/v1/users/me/wallets", Some(Action::UserUpdate)),
            ("POST", "/v1/users/me/ws-keys", Some(Action::UserUpdate)),
            (
                "DELETE",
                "/v1/users/me/ws-keys/k-1",
                Some(Action::UserUpdate),
            ),
            ("POST", "/v1/api-keys", Some(Action::UserUpdate)),
            ("PUT", "/v1/users/u-2/status", Some(Action::UserChangeRole)),
            (
                "POST",
                "/v1/users/u-2/disable",
                Some(Action::UserChangeRole),
            ),
        ];
        for (method, path, expected) in cases {
            let rule = access_rule(method, path, Some("u-1"));
            let action = match rule {
                AccessRule::Check(action, _) => Some(action),
                _ => None,
            };
            assert_eq!(action, expected, "{method} {path}");
        }
    }

    #[test]
    fn creations_are_owned_by_the_caller_and_me_is_the_caller() {
        assert_eq!(
            access_rule("POST", "/v1/files", Some("u-1")),
            AccessRule::Check(
                Action::FileUpload,
                Resource::File {
                    id: "new".into(),
                    uploaders: vec!["u-1".into()],
                    visibility: Visibility::Private,
                    is_bounty_artifact: false,
                }
            )
        );
        assert_eq!(
            access_rule("GET", "/v1/users/me", Some("u-1")),
            AccessRule::Check(
                Action::UserReadPrivate,
                Resource::UserAccount { id: "u-1".into() }
            )
        );
    }

    #[test]
    fn unknown_routes_need_a_signed_in_caller_and_public_reads_do_not() {
        assert_eq!(access_rule("POST", "/v1/scans", None), AccessRule::SignedIn);
        assert_eq!(
            access_rule("DELETE", "/v1/bounties/7", None),
            AccessRule::SignedIn
        );
        assert_eq!(access_rule("GET", "/v1/bounties/7", None), AccessRule::Open);
        assert_eq!(
            access_rule("GET", "/v1/files/ab12/verdict", None),
            AccessRule::Open
        );
        for own in ["/v1/me/bounties", "/v1/me/assertions", "/v1/me/earnings"] {
            assert_eq!(access_rule("GET", own, None), AccessRule::SignedIn, "{own}");
        }
        // Comments: guests read those of bounties they may read; posting and deleting need an
        // account (the bounty service decides `bounty:comment` and `bounty:delete_comment`).
        assert_eq!(
            access_rule("GET", "/v1/bounties/7/comments", None),
            AccessRule::Open
        );
        assert_eq!(
            access_rule("POST", "/v1/bounties/7/comments", None),
            AccessRule::SignedIn
        );
        assert_eq!(
            access_rule("DELETE", "/v1/bounties/7/comments/c-1", None),
            AccessRule::SignedIn
        );
        assert_eq!(
            access_rule("POST", "/v1/auth/login", None),
            AccessRule::Open
        );
        assert_eq!(
            access_rule("POST", "/v1/users/password-reset/confirm", None),
            AccessRule::Open
        );
        assert_eq!(
            access_rule("GET", "/v1/leaderboards/weekly", None),
            AccessRule::Open
        );
        // Governance proposals are public chain data (the listener's `chain:read`).
        for path in [
            "/v1/chain/proposals",
            "/v1/chain/proposals/42",
            "/v1/chain/proposals/42/votes",
        ] {
            assert_eq!(access_rule("GET", path, None), AccessRule::Open, "{path}");
        }
    }
}
