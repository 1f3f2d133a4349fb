//! Building a validated policy set and answering requests with it.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::str::FromStr;

use cedar_policy::{
    ActionConstraint, Authorizer, PolicyId, PolicySet, Response, Schema, ValidationMode, Validator,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::cedar::EntityBuilder;
use crate::decision::{Decision, DecisionError};
use crate::error::{PolicyDiagnostic, PolicyError};
use crate::request::{Action, Request};

/// The schema every policy set is validated against (Cedar schema syntax).
pub const SCHEMA_TEXT: &str = include_str!("../policies/nexus.cedarschema");

/// The default policies shipped with the crate: (file name, Cedar text).
pub const SHIPPED_POLICIES: &[(&str, &str)] = &[
    ("platform.cedar", include_str!("../policies/platform.cedar")),
    ("bounty.cedar", include_str!("../policies/bounty.cedar")),
    ("analysis.cedar", include_str!("../policies/analysis.cedar")),
    ("file.cedar", include_str!("../policies/file.cedar")),
    ("ruleset.cedar", include_str!("../policies/ruleset.cedar")),
    (
        "retrohunt.cedar",
        include_str!("../policies/retrohunt.cedar"),
    ),
    ("user.cedar", include_str!("../policies/user.cedar")),
    ("chain.cedar", include_str!("../policies/chain.cedar")),
    (
        "notification.cedar",
        include_str!("../policies/notification.cedar"),
    ),
];

/// One named policy text, e.g. a `.cedar` file or a row of the auth service's policy table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicySource {
    /// Where the text comes from; used in diagnostics and in the version.
    pub name: String,
    /// Cedar policy text; every policy in it needs an `@id("...")` annotation.
    pub text: String,
}

impl PolicySource {
    /// A named policy text.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        PolicySource {
            name: name.into(),
            text: text.into(),
        }
    }

    /// The policies shipped with the crate.
    pub fn shipped() -> Vec<PolicySource> {
        SHIPPED_POLICIES
            .iter()
            .map(|(name, text)| PolicySource::new(*name, *text))
            .collect()
    }
}

/// Identifies a policy set: the hex SHA-256 of the schema and of every source (name and text),
/// so caches can be keyed by it and a changed policy text always yields a new version.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PolicyVersion(String);

impl PolicyVersion {
    fn of(sources: &[PolicySource]) -> Self {
        let mut hasher = Sha256::new();
        // Length prefixes keep ("ab", "c") and ("a", "bc") apart.
        for part in std::iter::once(("schema", SCHEMA_TEXT))
            .chain(sources.iter().map(|s| (s.name.as_str(), s.text.as_str())))
        {
            for field in [part.0, part.1] {
                hasher.update((field.len() as u64).to_le_bytes());
                hasher.update(field.as_bytes());
            }
        }
        PolicyVersion(nexus_core::hex::encode(&hasher.finalize()))
    }

    /// The version as text (64 lower-case hex digits).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PolicyVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A validated policy set, ready to answer requests. Cheap to share behind an `Arc`; build a new
/// one (and swap it in) when the policies change.
#[derive(Debug)]
pub struct Policies {
    /// The policies that can apply to each action, in `Action::ALL` order. Cedar evaluates
    /// every policy of the set it is given; giving it only the policies whose action scope is
    /// the action or any action yields the same decision several times faster. This holds
    /// because the schema declares no action groups, so `action in [...]` is list membership.
    by_action: Vec<PolicySet>,
    /// Every policy, for the test that the index changes no decision.
    #[cfg(test)]
    policy_set: PolicySet,
    authorizer: Authorizer,
    entities: EntityBuilder,
    /// Some policy may read `context.ip` (see [`may_read_context_ip`]).
    reads_ip: bool,
    version: PolicyVersion,
    policy_ids: Vec<String>,
}

impl Policies {
    /// The policies shipped with the crate.
    ///
    /// # Errors
    /// Only if the shipped files are broken, which the crate's tests rule out.
    pub fn shipped() -> Result<Self, PolicyError> {
        Self::from_sources(&PolicySource::shipped())
    }

    /// Parses the sources, checks that every policy has a unique `@id`, and validates them all
    /// against the schema (strict mode).
    ///
    /// # Errors
    /// [`PolicyError`] with the located problems; nothing is partially accepted.
    pub fn from_sources(sources: &[PolicySource]) -> Result<Self, PolicyError> {
        let schema = schema()?;
        let mut policy_set = PolicySet::new();
        // Policy id → index of its source, to locate validation errors.
        let mut origin: HashMap<String, usize> = HashMap::new();
        let mut policy_ids = Vec::new();
        for (index, source) in sources.iter().enumerate() {
            let parsed = PolicySet::from_str(&source.text).map_err(|errors| {
                PolicyError::Parse(
                    errors
                        .iter()
                        .flat_map(|error| locate(error, source, None))
                        .collect(),
                )
            })?;
            if let Some(template) = parsed.templates().next() {
                return Err(PolicyError::TemplateNotSupported(PolicyDiagnostic {
                    source_name: source.name.clone(),
                    policy_id: template.annotation("id").map(str::to_owned),
                    message: "use static policies with an @id; templates are not supported"
                        .to_owned(),
                    line: None,
                    column: None,
                }));
            }
            for (position, policy) in parsed.policies().enumerate() {
                let Some(id) = policy.annotation("id") else {
                    return Err(PolicyError::MissingId(PolicyDiagnostic {
                        source_name: source.name.clone(),
                        policy_id: None,
                        message: format!(
                            "policy number {} in this source has no @id: {}",
                            position + 1,
                            first_line(&policy.to_string())
                        ),
                        line: None,
                        column: None,
                    }));
                };
                if origin.insert(id.to_owned(), index).is_some() {
                    return Err(PolicyError::DuplicateId(id.to_owned()));
                }
                policy_set
                    .add(policy.new_id(PolicyId::new(id)))
                    .map_err(|_| PolicyError::DuplicateId(id.to_owned()))?;
                policy_ids.push(id.to_owned());
            }
        }

        // Warnings (an impossible policy, confusable Unicode) are refused too: a policy that can
        // never apply is almost always a mistake, and published policies should be clean.
        let validation = Validator::new(schema).validate(&policy_set, ValidationMode::Strict);
        if !validation.validation_passed_without_warnings() {
            let located = |policy_id: String, error: &dyn miette::Diagnostic| match origin
                .get(&policy_id)
                .and_then(|index| sources.get(*index))
            {
                Some(source) => locate(error, source, Some(policy_id)),
                None => vec![PolicyDiagnostic {
                    source_name: String::new(),
                    policy_id: Some(policy_id),
                    message: error.to_string(),
                    line: None,
                    column: None,
                }],
            };
            let errors = validation
                .validation_errors()
                .flat_map(|error| located(error.policy_id().to_string(), error));
            let warnings = validation
                .validation_warnings()
                .flat_map(|warning| located(warning.policy_id().to_string(), warning));
            return Err(PolicyError::Validation(errors.chain(warnings).collect()));
        }

        let reads_ip = policy_set.policies().any(|policy| {
            policy
                .to_json()
                .map_or(true, |json| may_read_context_ip(&json))
        });
        Ok(Policies {
            by_action: index_by_action(&policy_set)?,
            reads_ip,
            #[cfg(test)]
            policy_set,
            authorizer: Authorizer::new(),
            entities: EntityBuilder::new()?,
            version: PolicyVersion::of(sources),
            policy_ids,
        })
    }

    /// The version of this policy set (see [`PolicyVersion`]).
    pub fn version(&self) -> &PolicyVersion {
        &self.version
    }

    /// The `@id`s of all policies, in source order.
    pub fn policy_ids(&self) -> &[String] {
        &self.policy_ids
    }

    /// Decides a request. Never fails: a request that cannot be put to Cedar is denied with an
    /// error in [`Decision::errors`].
    pub fn authorize(&self, request: &Request) -> Decision {
        self.authorize_with(request, self.by_action.get(request.action.index()))
    }

    fn authorize_with(&self, request: &Request, policy_set: Option<&PolicySet>) -> Decision {
        if request.action.resource_kind() != request.resource.kind() {
            return Decision::refused(DecisionError {
                code: "action_resource_mismatch".to_owned(),
                policy_id: None,
                message: format!(
                    "the action {} applies to {}, not to {}",
                    request.action,
                    request.action.resource_kind().as_str(),
                    request.resource.kind().as_str()
                ),
            });
        }
        let (cedar_request, entities) = match self.entities.build(request, self.reads_ip) {
            Ok(built) => built,
            Err(message) => {
                return Decision::refused(DecisionError {
                    code: "request_invalid".to_owned(),
                    policy_id: None,
                    message,
                });
            }
        };
        let Some(policy_set) = policy_set else {
            return Decision::refused(DecisionError {
                code: "request_invalid".to_owned(),
                policy_id: None,
                message: format!("no policies indexed for the action {}", request.action),
            });
        };
        let response = self
            .authorizer
            .is_authorized(&cedar_request, policy_set, &entities);
        decision_of(&response)
    }
}

/// Whether a policy (as Cedar's JSON form) may observe `context.ip`. Building the `ipaddr` value
/// costs about half of a whole decision, so the context carries it only when some policy may
/// read it. Conservative: any use of `context` other than reading or testing the `mfa`
/// attribute counts as reading `ip` (Cedar has no variables, so there is no other way in).
fn may_read_context_ip(json: &serde_json::Value) -> bool {
    use serde_json::Value;
    match json {
        Value::Object(map) => {
            for operator in [".", "has"] {
                if let Some(Value::Object(access)) = map.get(operator)
                    && access.get("left") == Some(&serde_json::json!({ "Var": "context" }))
                {
                    return access.get("attr").and_then(Value::as_str) != Some("mfa");
                }
            }
            if map.get("Var").and_then(Value::as_str) == Some("context") {
                return true;
            }
            map.values().any(may_read_context_ip)
        }
        Value::Array(items) => items.iter().any(may_read_context_ip),
        _ => false,
    }
}

fn index_by_action(policy_set: &PolicySet) -> Result<Vec<PolicySet>, PolicyError> {
    Action::ALL
        .iter()
        .map(|action| {
            let names = |uid: &cedar_policy::EntityUid| uid.id().unescaped() == action.as_str();
            let applicable = policy_set
                .policies()
                .filter(|policy| match policy.action_constraint() {
                    ActionConstraint::Any => true,
                    ActionConstraint::Eq(uid) => names(&uid),
                    ActionConstraint::In(uids) => uids.iter().any(names),
                })
                .cloned();
            PolicySet::from_policies(applicable)
                .map_err(|error| PolicyError::Schema(format!("indexing policies: {error}")))
        })
        .collect()
}

fn decision_of(response: &Response) -> Decision {
    let diagnostics = response.diagnostics();
    // Cedar reports policies in no particular order; sorted, equal decisions compare and log
    // equal.
    let mut determining_policies: Vec<String> =
        diagnostics.reason().map(ToString::to_string).collect();
    determining_policies.sort_unstable();
    let mut errors: Vec<DecisionError> = diagnostics
        .errors()
        .map(|error| {
            let cedar_policy::AuthorizationError::PolicyEvaluationError(evaluation) = error;
            DecisionError {
                code: "policy_evaluation_failed".to_owned(),
                policy_id: Some(evaluation.policy_id().to_string()),
                message: error.to_string(),
            }
        })
        .collect();
    errors.sort_unstable_by(|left, right| left.policy_id.cmp(&right.policy_id));
    Decision {
        allowed: response.decision() == cedar_policy::Decision::Allow,
        determining_policies,
        errors,
    }
}

fn schema() -> Result<Schema, PolicyError> {
    let (schema, _warnings) = Schema::from_cedarschema_str(SCHEMA_TEXT)
        .map_err(|error| PolicyError::Schema(error.to_string()))?;
    Ok(schema)
}

/// One diagnostic per labelled span of a Cedar error (or one without a location).
fn locate(
    error: &dyn miette::Diagnostic,
    source: &PolicySource,
    policy_id: Option<String>,
) -> Vec<PolicyDiagnostic> {
    let mut message = error.to_string();
    if let Some(help) = error.help() {
        let _ = write!(message, " ({help})");
    }
    let offsets: HashSet<usize> = error
        .labels()
        .into_iter()
        .flatten()
        .map(|label| label.offset())
        .collect();
    let mut offsets: Vec<usize> = offsets.into_iter().collect();
    offsets.sort_unstable();
    if offsets.is_empty() {
        return vec![PolicyDiagnostic {
            source_name: source.name.clone(),
            policy_id,
            message,
            line: None,
            column: None,
        }];
    }
    offsets
        .into_iter()
        .map(|offset| {
            let (line, column) = line_and_column(&source.text, offset);
            PolicyDiagnostic {
                source_name: source.name.clone(),
                policy_id: policy_id.clone(),
                message: message.clone(),
                line: Some(line),
                column: Some(column),
            }
        })
        .collect()
}

/// 1-based line and character column of a byte offset.
fn line_and_column(text: &str, offset: usize) -> (u32, u32) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let column = before
        .get(line_start..)
        .map_or(0, |rest| rest.chars().count())
        + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

fn first_line(text: &str) -> &str {
    text.lines()
        .find(|line| !line.trim().is_empty() && !line.trim_start().starts_with('@'))
        .unwrap_or(text)
        .trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::request::{Principal, RequestContext, Resource, ResourceKind};
    use nexus_core::Role;

    fn resource_of(kind: ResourceKind, owner: &str) -> Resource {
        let id = "r1".to_owned();
        let owner = owner.to_owned();
        match kind {
            ResourceKind::Platform => Resource::Platform,
            ResourceKind::Bounty => Resource::Bounty {
                id,
                owner,
                status: crate::BountyStatus::Open,
                is_public: false,
            },
            ResourceKind::Analysis => Resource::Analysis {
                id,
                uploaders: vec![owner],
                visibility: crate::Visibility::Private,
                is_bounty_artifact: false,
            },
            ResourceKind::File => Resource::File {
                id,
                uploaders: vec![owner],
                visibility: crate::Visibility::Private,
                is_bounty_artifact: false,
            },
            ResourceKind::Retrohunt => Resource::Retrohunt { id, owner },
            ResourceKind::Ruleset => Resource::Ruleset {
                id,
                owner,
                is_public: false,
            },
            ResourceKind::UserAccount => Resource::UserAccount { id: owner },
            ResourceKind::Notification => Resource::Notification {
                id,
                recipient: owner,
            },
        }
    }

    #[test]
    fn the_action_index_changes_no_decision() {
        let policies = Policies::shipped().unwrap();
        let mut compared = 0;
        for role in Role::ALL {
            for action in Action::ALL {
                for owner in ["alice", "bob"] {
                    for mfa in [false, true] {
                        let request = Request {
                            principal: Principal::user("alice", role),
                            action: *action,
                            resource: resource_of(action.resource_kind(), owner),
                            context: RequestContext { mfa, ip: None },
                        };
                        let indexed = policies.authorize(&request);
                        let full = policies.authorize_with(&request, Some(&policies.policy_set));
                        assert_eq!(indexed, full, "{request:?}");
                        compared += 1;
                    }
                }
            }
        }
        assert_eq!(compared, 4 * Action::ALL.len() * 4);
    }

    #[test]
    fn every_action_has_at_least_one_policy_in_the_index() {
        let policies = Policies::shipped().unwrap();
        assert_eq!(policies.by_action.len(), Action::ALL.len());
        for (action, set) in Action::ALL.iter().zip(&policies.by_action) {
            // admin-all applies to every action; each action also has its own rules.
            assert!(set.policies().count() >= 2, "{action}");
        }
    }

    fn reads_ip(text: &str) -> bool {
        Policies::from_sources(&[PolicySource::new("t.cedar", text)])
            .unwrap()
            .reads_ip
    }

    #[test]
    fn only_policies_that_may_look_at_the_ip_make_the_context_carry_it() {
        assert!(!Policies::shipped().unwrap().reads_ip);
        assert!(!reads_ip(
            "@id(\"a\") permit(principal, action, resource) when { context.mfa };"
        ));
        assert!(reads_ip(
            "@id(\"a\") forbid(principal, action, resource) unless { context has ip && context.ip.isInRange(ip(\"10.0.0.0/8\")) };"
        ));
        // The validator refuses this one, but the check must not depend on that.
        let whole_context = cedar_policy::Policy::parse(
            None,
            "permit(principal, action, resource) when { context == { mfa: true } };",
        )
        .unwrap();
        assert!(may_read_context_ip(&whole_context.to_json().unwrap()));
    }

    #[test]
    fn a_policy_on_the_ip_sees_it() {
        let internal_only = Policies::from_sources(&[PolicySource::new(
            "t.cedar",
            "@id(\"internal-only\") permit(principal, action == Action::\"bounty:list\", resource) when { context has ip && context.ip.isInRange(ip(\"10.0.0.0/8\")) };",
        )])
        .unwrap();
        let from = |ip: &str| {
            internal_only
                .authorize(&Request {
                    principal: Principal::Guest,
                    action: Action::BountyList,
                    resource: Resource::Platform,
                    context: RequestContext {
                        mfa: false,
                        ip: Some(ip.parse().unwrap()),
                    },
                })
                .allowed
        };
        assert!(from("10.1.2.3"));
        assert!(!from("192.0.2.1"));
    }

    #[test]
    fn line_and_column_count_from_one() {
        let text = "ab\ncdé\nf";
        assert_eq!(line_and_column(text, 0), (1, 1));
        assert_eq!(line_and_column(text, 4), (2, 2));
        assert_eq!(line_and_column(text, text.len()), (3, 2));
    }
}
