//! The role × action × resource matrix of docs/AUTHORIZATION.md, decided by the shipped policies.
//!
//! Every row names an action, a representative resource and the expected decision for a guest,
//! a user, an analyst and an admin (in that order). The principal is always "alice" (or the
//! anonymous guest); "own" resources belong to alice, "other" ones to bob. The expectations are
//! written out by hand from the role table, not derived from the policies, so a policy change
//! that alters a decision fails here.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;

use nexus_core::Role;
use nexus_policy::{
    Action, BountyStatus, Decision, Policies, Principal, Request, RequestContext, Resource,
    Visibility,
};

const Y: bool = true;
const N: bool = false;
const ALICE: &str = "alice";
const BOB: &str = "bob";

/// Representative resources; `own` ones are alice's.
#[derive(Debug, Clone, Copy)]
enum Fixture {
    Platform,
    BountyPublicOpenOwn,
    BountyPublicOpenOther,
    BountyPrivateOpenOwn,
    BountyPrivateOpenOther,
    BountyRevealingOwn,
    BountyRevealingOther,
    BountyResolvedOwn,
    BountyResolvedOther,
    AnalysisPublicOther,
    AnalysisPrivateOwn,
    AnalysisPrivateOther,
    FileOwn,
    FileOther,
    FilePublicOther,
    FileArtifactOther,
    AnalysisArtifactOther,
    RetrohuntOwn,
    RetrohuntOther,
    RulesetPublicOther,
    RulesetPrivateOwn,
    RulesetPrivateOther,
    AccountOwn,
    AccountOther,
    NotificationOwn,
    NotificationOther,
}

use Fixture::*;

fn bounty(owner: &str, status: BountyStatus, is_public: bool) -> Resource {
    Resource::Bounty {
        id: "bounty-1".to_owned(),
        owner: owner.to_owned(),
        status,
        is_public,
    }
}

impl Fixture {
    fn resource(self) -> Resource {
        match self {
            Platform => Resource::Platform,
            BountyPublicOpenOwn => bounty(ALICE, BountyStatus::Open, true),
            BountyPublicOpenOther => bounty(BOB, BountyStatus::Open, true),
            BountyPrivateOpenOwn => bounty(ALICE, BountyStatus::Open, false),
            BountyPrivateOpenOther => bounty(BOB, BountyStatus::Open, false),
            BountyRevealingOwn => bounty(ALICE, BountyStatus::Revealing, true),
            BountyRevealingOther => bounty(BOB, BountyStatus::Revealing, true),
            BountyResolvedOwn => bounty(ALICE, BountyStatus::Resolved, true),
            BountyResolvedOther => bounty(BOB, BountyStatus::Resolved, true),
            AnalysisPublicOther => analysis(BOB, Visibility::Public, false),
            AnalysisPrivateOwn => analysis(ALICE, Visibility::Private, false),
            AnalysisPrivateOther => analysis(BOB, Visibility::Private, false),
            AnalysisArtifactOther => analysis(BOB, Visibility::Private, true),
            FileOwn => file(ALICE, Visibility::Private, false),
            FileOther => file(BOB, Visibility::Private, false),
            FilePublicOther => file(BOB, Visibility::Public, false),
            FileArtifactOther => file(BOB, Visibility::Private, true),
            RetrohuntOwn => retrohunt(ALICE),
            RetrohuntOther => retrohunt(BOB),
            RulesetPublicOther => ruleset(BOB, true),
            RulesetPrivateOwn => ruleset(ALICE, false),
            RulesetPrivateOther => ruleset(BOB, false),
            AccountOwn => Resource::UserAccount {
                id: ALICE.to_owned(),
            },
            AccountOther => Resource::UserAccount { id: BOB.to_owned() },
            NotificationOwn => notification(ALICE),
            NotificationOther => notification(BOB),
        }
    }
}

fn analysis(uploader: &str, visibility: Visibility, is_bounty_artifact: bool) -> Resource {
    Resource::Analysis {
        id: "analysis-1".to_owned(),
        uploaders: vec![uploader.to_owned()],
        visibility,
        is_bounty_artifact,
    }
}

fn file(uploader: &str, visibility: Visibility, is_bounty_artifact: bool) -> Resource {
    Resource::File {
        id: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".to_owned(),
        uploaders: vec![uploader.to_owned()],
        visibility,
        is_bounty_artifact,
    }
}

fn retrohunt(owner: &str) -> Resource {
    Resource::Retrohunt {
        id: "retrohunt-1".to_owned(),
        owner: owner.to_owned(),
    }
}

fn ruleset(owner: &str, is_public: bool) -> Resource {
    Resource::Ruleset {
        id: "ruleset-1".to_owned(),
        owner: owner.to_owned(),
        is_public,
    }
}

fn notification(recipient: &str) -> Resource {
    Resource::Notification {
        id: "notification-1".to_owned(),
        recipient: recipient.to_owned(),
    }
}

/// (action, resource, [guest, user, analyst, admin]) without a second factor.
const MATRIX: &[(Action, Fixture, [bool; 4])] = &[
    // Platform-wide lists and administration.
    (Action::BountyList, Platform, [Y, Y, Y, Y]),
    (Action::AnalysisList, Platform, [Y, Y, Y, Y]),
    (Action::RulesetList, Platform, [Y, Y, Y, Y]),
    (Action::NotificationList, Platform, [N, Y, Y, Y]),
    (Action::AdminViewAudit, Platform, [N, N, N, Y]),
    (Action::AdminQueryPolicies, Platform, [N, N, N, Y]),
    (Action::AdminGrantKeyTier, Platform, [N, N, N, Y]),
    (Action::AdminManagePolicies, Platform, [N, N, N, N]), // needs MFA, see MFA_MATRIX
    (Action::ChainRead, Platform, [Y, Y, Y, Y]),
    (Action::BountyStake, Platform, [N, Y, Y, Y]),
    (Action::PresenceRead, Platform, [N, Y, Y, Y]),
    // The hub's presence lists analyst engines only.
    (Action::PresencePublish, Platform, [N, N, Y, Y]),
    // Bounties.
    (Action::BountyRead, BountyPublicOpenOther, [Y, Y, Y, Y]),
    (Action::BountyRead, BountyPrivateOpenOther, [N, N, Y, Y]),
    (Action::BountyRead, BountyPrivateOpenOwn, [N, Y, Y, Y]),
    (Action::BountyCreate, BountyPrivateOpenOwn, [N, Y, Y, Y]),
    (Action::BountyCreate, BountyPublicOpenOther, [N, N, N, Y]),
    (Action::BountyUpdate, BountyPublicOpenOwn, [N, Y, Y, Y]),
    (Action::BountyUpdate, BountyRevealingOwn, [N, N, N, Y]),
    (Action::BountyUpdate, BountyPublicOpenOther, [N, N, N, Y]),
    (Action::BountyDelete, BountyPublicOpenOwn, [N, Y, Y, Y]),
    (Action::BountyDelete, BountyPublicOpenOther, [N, N, N, Y]),
    (Action::BountyAssert, BountyPublicOpenOther, [N, N, Y, Y]),
    (Action::BountyAssert, BountyPrivateOpenOther, [N, N, Y, Y]),
    (Action::BountyAssert, BountyRevealingOther, [N, N, Y, Y]),
    (Action::BountyAssert, BountyResolvedOther, [N, N, N, Y]),
    (Action::BountyAssert, BountyPublicOpenOwn, [N, N, N, N]),
    // Resolve, claims and refunds only pay the named accounts: any signed-in account may ask
    // (the bounty service checks the state).
    (Action::BountyResolve, BountyRevealingOwn, [N, Y, Y, Y]),
    (Action::BountyResolve, BountyRevealingOther, [N, Y, Y, Y]),
    (Action::BountyResolve, BountyPublicOpenOwn, [N, Y, Y, Y]),
    (Action::BountyResolve, BountyResolvedOther, [N, Y, Y, Y]),
    (Action::BountyDispute, BountyResolvedOwn, [N, Y, Y, Y]),
    (Action::BountyDispute, BountyResolvedOther, [N, N, Y, Y]),
    (Action::BountyDispute, BountyPublicOpenOther, [N, N, N, Y]),
    (Action::BountyComment, BountyPublicOpenOther, [N, Y, Y, Y]),
    (Action::BountyComment, BountyPrivateOpenOther, [N, N, Y, Y]),
    (Action::BountyComment, BountyPrivateOpenOwn, [N, Y, Y, Y]),
    // Deleting comments is moderation: administrators only, on their own bounty too.
    (
        Action::BountyDeleteComment,
        BountyPublicOpenOther,
        [N, N, N, Y],
    ),
    (
        Action::BountyDeleteComment,
        BountyPublicOpenOwn,
        [N, N, N, Y],
    ),
    // Analyses: as visible as their sample.
    (Action::AnalysisRead, AnalysisPublicOther, [Y, Y, Y, Y]),
    (Action::AnalysisRead, AnalysisPrivateOther, [N, N, N, Y]),
    (Action::AnalysisRead, AnalysisPrivateOwn, [N, Y, Y, Y]),
    (Action::AnalysisRead, AnalysisArtifactOther, [N, N, Y, Y]),
    (Action::AnalysisSubmit, AnalysisPrivateOwn, [N, Y, Y, Y]),
    (Action::AnalysisSubmit, AnalysisPrivateOther, [N, N, N, Y]),
    (Action::AnalysisDelete, AnalysisPrivateOwn, [N, Y, Y, Y]),
    (Action::AnalysisDelete, AnalysisPublicOther, [N, N, N, Y]),
    // Files (samples): private by default; public when any uploader chose so.
    (Action::FileUpload, FileOwn, [N, Y, Y, Y]),
    (Action::FileUpload, FileOther, [N, N, N, Y]),
    (Action::FileRead, FileOwn, [N, Y, Y, Y]),
    (Action::FileRead, FileOther, [N, N, N, Y]),
    (Action::FileRead, FilePublicOther, [Y, Y, Y, Y]),
    (Action::FileRead, FileArtifactOther, [N, N, Y, Y]),
    (Action::FileDownload, FileOwn, [N, Y, Y, Y]),
    (Action::FileDownload, FileOther, [N, N, N, Y]),
    (Action::FileDownload, FilePublicOther, [N, N, Y, Y]),
    (Action::FileDownload, FileArtifactOther, [N, N, Y, Y]),
    // Evidence: analysts (and admins) on the samples whose bytes they may read.
    (Action::FileAttachEvidence, FileOwn, [N, N, Y, Y]),
    (Action::FileAttachEvidence, FileOther, [N, N, N, Y]),
    (Action::FileAttachEvidence, FilePublicOther, [N, N, Y, Y]),
    (Action::FileAttachEvidence, FileArtifactOther, [N, N, Y, Y]),
    (Action::FileDelete, FileOwn, [N, Y, Y, Y]),
    (Action::FileDelete, FileOther, [N, N, N, Y]),
    // Retrohunts: the owner's alone.
    (Action::RetrohuntCreate, RetrohuntOwn, [N, Y, Y, Y]),
    (Action::RetrohuntCreate, RetrohuntOther, [N, N, N, Y]),
    (Action::RetrohuntRead, RetrohuntOwn, [N, Y, Y, Y]),
    (Action::RetrohuntRead, RetrohuntOther, [N, N, N, Y]),
    // Rulesets.
    (Action::RulesetRead, RulesetPublicOther, [Y, Y, Y, Y]),
    (Action::RulesetRead, RulesetPrivateOther, [N, N, N, Y]),
    (Action::RulesetRead, RulesetPrivateOwn, [N, Y, Y, Y]),
    (Action::RulesetCreate, RulesetPrivateOwn, [N, N, Y, Y]),
    (Action::RulesetCreate, RulesetPrivateOther, [N, N, N, Y]),
    (Action::RulesetUpdate, RulesetPrivateOwn, [N, N, Y, Y]),
    (Action::RulesetUpdate, RulesetPublicOther, [N, N, N, Y]),
    (Action::RulesetDelete, RulesetPrivateOwn, [N, N, Y, Y]),
    (Action::RulesetDelete, RulesetPrivateOther, [N, N, N, Y]),
    // Accounts.
    (Action::UserReadPublic, AccountOwn, [Y, Y, Y, Y]),
    (Action::UserReadPublic, AccountOther, [Y, Y, Y, Y]),
    (Action::UserReadPrivate, AccountOwn, [N, Y, Y, Y]),
    (Action::UserReadPrivate, AccountOther, [N, N, N, Y]),
    (Action::UserUpdate, AccountOwn, [N, Y, Y, Y]),
    (Action::UserUpdate, AccountOther, [N, N, N, Y]),
    (Action::UserChangeRole, AccountOther, [N, N, N, N]), // needs MFA, see MFA_MATRIX
    (Action::UserChangeRole, AccountOwn, [N, N, N, N]),
    // Notifications: recipient only, admins included.
    (Action::NotificationRead, NotificationOwn, [N, Y, Y, Y]),
    (Action::NotificationRead, NotificationOther, [N, N, N, N]),
    (Action::NotificationUpdate, NotificationOwn, [N, Y, Y, Y]),
    (Action::NotificationUpdate, NotificationOther, [N, N, N, N]),
];

/// Privilege changes with a second factor.
const MFA_MATRIX: &[(Action, Fixture, [bool; 4])] = &[
    (Action::AdminManagePolicies, Platform, [N, N, N, Y]),
    (Action::UserChangeRole, AccountOther, [N, N, N, Y]),
    (Action::UserChangeRole, AccountOwn, [N, N, N, N]),
    (Action::AdminViewAudit, Platform, [N, N, N, Y]),
    (Action::BountyRead, BountyPrivateOpenOther, [N, N, Y, Y]),
];

fn principal(role: Role, is_banned: bool) -> Principal {
    match role {
        Role::Guest => Principal::Guest,
        _ => Principal::User {
            id: ALICE.to_owned(),
            role,
            is_banned,
        },
    }
}

fn decide(
    policies: &Policies,
    principal: Principal,
    action: Action,
    fixture: Fixture,
    mfa: bool,
) -> Decision {
    policies.authorize(&Request {
        principal,
        action,
        resource: fixture.resource(),
        context: RequestContext { mfa, ip: None },
    })
}

fn check(table: &[(Action, Fixture, [bool; 4])], mfa: bool) -> usize {
    let policies = Policies::shipped().unwrap();
    let mut failures = Vec::new();
    let mut cases = 0;
    for (action, fixture, expected) in table {
        for (role, expected) in Role::ALL.into_iter().zip(expected) {
            let decision = decide(&policies, principal(role, false), *action, *fixture, mfa);
            cases += 1;
            assert!(
                decision.errors.is_empty(),
                "{action} {fixture:?}: {decision:?}"
            );
            if decision.allowed != *expected {
                failures.push(format!(
                    "{role} {action} {fixture:?} (mfa {mfa}): expected {}, got {} by {:?}",
                    if *expected { "allow" } else { "deny" },
                    if decision.allowed { "allow" } else { "deny" },
                    decision.determining_policies
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    cases
}

#[test]
fn every_role_gets_the_tabled_decision_for_every_action_without_mfa() {
    assert_eq!(check(MATRIX, false), MATRIX.len() * 4);
}

#[test]
fn privilege_changes_need_an_admin_with_a_second_factor() {
    check(MFA_MATRIX, true);
}

#[test]
fn the_matrix_covers_every_action() {
    let covered: HashSet<Action> = MATRIX.iter().map(|(action, _, _)| *action).collect();
    let missing: Vec<&Action> = Action::ALL
        .iter()
        .filter(|action| !covered.contains(action))
        .collect();
    assert!(
        missing.is_empty(),
        "actions missing from the matrix: {missing:?}"
    );
}

#[test]
fn guests_cannot_write_anything_whatever_the_resource() {
    let policies = Policies::shipped().unwrap();
    let reads = [
        Action::BountyList,
        Action::BountyRead,
        Action::AnalysisList,
        Action::AnalysisRead,
        Action::RulesetList,
        Action::RulesetRead,
        Action::UserReadPublic,
        Action::FileRead,
        Action::ChainRead,
    ];
    for (action, fixture, _) in MATRIX {
        for mfa in [false, true] {
            let decision = decide(&policies, Principal::Guest, *action, *fixture, mfa);
            if !reads.contains(action) {
                assert!(!decision.allowed, "guest may {action} {fixture:?}");
            }
        }
    }
}

#[test]
fn banned_accounts_keep_public_reads_and_their_own_profile_only() {
    let policies = Policies::shipped().unwrap();
    for role in [Role::User, Role::Analyst, Role::Admin] {
        let banned = || principal(role, true);
        for (action, fixture, allowed) in [
            (Action::BountyRead, BountyPublicOpenOther, Y),
            (Action::AnalysisRead, AnalysisPublicOther, Y),
            (Action::UserReadPrivate, AccountOwn, Y),
            (Action::BountyCreate, BountyPublicOpenOwn, N),
            (Action::BountyComment, BountyPublicOpenOther, N),
            (Action::BountyStake, Platform, N),
            (Action::PresencePublish, Platform, N),
            (Action::BountyResolve, BountyRevealingOther, N),
            (Action::AnalysisSubmit, AnalysisPrivateOwn, N),
            (Action::FileUpload, FileOwn, N),
            (Action::FileDownload, FileOther, N),
            (Action::FileRead, FilePublicOther, Y),
            (Action::FileRead, FileOwn, Y),
            (Action::ChainRead, Platform, Y),
            (Action::PresenceRead, Platform, Y),
            (Action::RetrohuntRead, RetrohuntOwn, Y),
            (Action::RetrohuntCreate, RetrohuntOwn, N),
            (Action::UserUpdate, AccountOwn, N),
            (Action::NotificationRead, NotificationOwn, N),
            (Action::AdminViewAudit, Platform, N),
            (Action::AdminGrantKeyTier, Platform, N),
        ] {
            let decision = decide(&policies, banned(), action, fixture, true);
            assert_eq!(
                decision.allowed, allowed,
                "banned {role} {action} {fixture:?}"
            );
            if !allowed {
                assert!(
                    decision
                        .determining_policies
                        .iter()
                        .any(|id| id == "banned-read-only"),
                    "banned {role} {action}: {decision:?}"
                );
            }
        }
    }
}

#[test]
fn a_user_cannot_read_another_users_private_data_samples_hunts_or_notifications() {
    let policies = Policies::shipped().unwrap();
    for role in [Role::User, Role::Analyst] {
        for (action, fixture) in [
            (Action::UserReadPrivate, AccountOther),
            (Action::UserUpdate, AccountOther),
            (Action::NotificationRead, NotificationOther),
            (Action::AnalysisRead, AnalysisPrivateOther),
            (Action::RulesetRead, RulesetPrivateOther),
            (Action::FileRead, FileOther),
            (Action::FileDownload, FileOther),
            (Action::RetrohuntRead, RetrohuntOther),
        ] {
            let decision = decide(&policies, principal(role, false), action, fixture, true);
            assert!(!decision.allowed, "{role} may {action} {fixture:?}");
        }
    }
}

#[test]
fn a_public_bounty_is_readable_by_everyone_because_of_the_public_policy() {
    let policies = Policies::shipped().unwrap();
    for role in [Role::Guest, Role::User] {
        let decision = decide(
            &policies,
            principal(role, false),
            Action::BountyRead,
            BountyPublicOpenOther,
            false,
        );
        assert!(decision.allowed);
        assert_eq!(decision.determining_policies, ["bounty-read-public"]);
    }
}

#[test]
fn the_forbid_that_decided_a_denial_is_named() {
    let policies = Policies::shipped().unwrap();
    let cases = [
        (
            Role::Analyst,
            Action::BountyAssert,
            BountyPublicOpenOwn,
            "bounty-no-self-assert",
        ),
        (
            Role::Admin,
            Action::NotificationRead,
            NotificationOther,
            "notification-recipient-only",
        ),
        (
            Role::User,
            Action::FileDownload,
            FilePublicOther,
            "file-download-uploaders-and-analysts-only",
        ),
        (
            Role::Guest,
            Action::FileDownload,
            FilePublicOther,
            "file-download-never-guests",
        ),
        (
            Role::Admin,
            Action::UserChangeRole,
            AccountOther,
            "mfa-for-privilege-changes",
        ),
    ];
    for (role, action, fixture, forbid) in cases {
        let decision = decide(&policies, principal(role, false), action, fixture, false);
        assert!(!decision.allowed);
        assert_eq!(decision.determining_policies, [forbid], "{role} {action}");
    }
}

#[test]
fn a_denial_without_any_permit_names_no_policy() {
    let policies = Policies::shipped().unwrap();
    let decision = decide(
        &policies,
        principal(Role::User, false),
        Action::UserReadPrivate,
        AccountOther,
        false,
    );
    assert!(!decision.allowed);
    assert!(decision.determining_policies.is_empty());
    assert!(decision.errors.is_empty());
}

#[test]
fn an_action_on_the_wrong_kind_of_resource_is_denied_with_a_code() {
    let policies = Policies::shipped().unwrap();
    let decision = decide(
        &policies,
        principal(Role::Admin, false),
        Action::BountyRead,
        FileOwn,
        true,
    );
    assert!(!decision.allowed);
    assert_eq!(decision.errors.len(), 1);
    assert_eq!(decision.errors[0].code, "action_resource_mismatch");
}

#[test]
fn the_callers_ip_reaches_the_policies_without_changing_the_table() {
    let policies = Policies::shipped().unwrap();
    let decision = policies.authorize(&Request {
        principal: principal(Role::User, false),
        action: Action::BountyRead,
        resource: BountyPrivateOpenOwn.resource(),
        context: RequestContext {
            mfa: false,
            ip: Some("203.0.113.7".parse().unwrap()),
        },
    });
    assert!(decision.allowed, "{decision:?}");
    assert!(decision.errors.is_empty());
}

/// The forbid holds even against a broader permit: an extra policy that lets every signed-in
/// account download everything still gives a plain user no other account's private sample, and
/// an analyst no private sample they may not read.
#[test]
fn a_broader_download_permit_cannot_hand_out_private_samples() {
    let mut sources = nexus_policy::PolicySource::shipped();
    sources.push(nexus_policy::PolicySource::new(
        "broad.cedar",
        "@id(\"download-everything\") permit (principal is User, action == Action::\"file:download\", resource is File);",
    ));
    let policies = Policies::from_sources(&sources).unwrap();
    for (role, fixture, allowed) in [
        (Role::User, FileOther, N),
        (Role::User, FilePublicOther, N),
        (Role::User, FileOwn, Y),
        (Role::Analyst, FileOther, N),
        (Role::Analyst, FilePublicOther, Y),
        (Role::Admin, FileOther, Y),
    ] {
        let decision = decide(
            &policies,
            principal(role, false),
            Action::FileDownload,
            fixture,
            false,
        );
        assert_eq!(
            decision.allowed, allowed,
            "{role} {fixture:?}: {decision:?}"
        );
    }
}

/// Only the uploaders the service passes count: another account among several uploaders gives
/// the caller nothing.
#[test]
fn a_sample_uploaded_by_several_accounts_is_each_uploaders_own() {
    let policies = Policies::shipped().unwrap();
    let shared = Resource::File {
        id: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".to_owned(),
        uploaders: vec![BOB.to_owned(), ALICE.to_owned()],
        visibility: Visibility::Private,
        is_bounty_artifact: false,
    };
    let decide_for = |id: &str| {
        policies
            .authorize(&Request {
                principal: Principal::user(id, Role::User),
                action: Action::FileDownload,
                resource: shared.clone(),
                context: RequestContext::default(),
            })
            .allowed
    };
    assert!(decide_for(ALICE));
    assert!(decide_for(BOB));
    assert!(!decide_for("carol"));
}
