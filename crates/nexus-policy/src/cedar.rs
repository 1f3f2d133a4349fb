//! Turning a typed [`Request`] into Cedar's request and entities. The only place that knows the
//! schema's entity and attribute names on the Rust side.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use cedar_policy::{
    Context, Entities, Entity, EntityId, EntityTypeName, EntityUid, RestrictedExpression,
};
use nexus_core::Role;

use crate::error::PolicyError;
use crate::request::{Action, Principal, Request, Resource};

/// Id of the one `Platform` entity and of the anonymous `Guest`.
const PLATFORM_ID: &str = "nexus";
const GUEST_ID: &str = "anonymous";

/// Type names and uids parsed once, so a decision parses nothing.
#[derive(Debug)]
pub(crate) struct EntityBuilder {
    user: EntityTypeName,
    guest: EntityUid,
    platform: EntityUid,
    bounty: EntityTypeName,
    analysis: EntityTypeName,
    file: EntityTypeName,
    ruleset: EntityTypeName,
    retrohunt: EntityTypeName,
    user_account: EntityTypeName,
    notification: EntityTypeName,
    /// `Role::"<name>"` for every role, least privileged first (as `Role::ALL`).
    roles: Vec<EntityUid>,
    /// `Action::"<name>"` for every action, in `Action::ALL` order.
    actions: Vec<EntityUid>,
}

fn type_name(name: &str) -> Result<EntityTypeName, PolicyError> {
    EntityTypeName::from_str(name)
        .map_err(|error| PolicyError::Schema(format!("bad entity type name {name:?}: {error}")))
}

fn uid(type_name: &EntityTypeName, id: &str) -> EntityUid {
    EntityUid::from_type_name_and_id(type_name.clone(), EntityId::new(id))
}

impl EntityBuilder {
    pub(crate) fn new() -> Result<Self, PolicyError> {
        let role = type_name("Role")?;
        let action = type_name("Action")?;
        Ok(EntityBuilder {
            user: type_name("User")?,
            guest: uid(&type_name("Guest")?, GUEST_ID),
            platform: uid(&type_name("Platform")?, PLATFORM_ID),
            bounty: type_name("Bounty")?,
            analysis: type_name("Analysis")?,
            file: type_name("File")?,
            ruleset: type_name("Ruleset")?,
            retrohunt: type_name("Retrohunt")?,
            user_account: type_name("UserAccount")?,
            notification: type_name("Notification")?,
            roles: Role::ALL
                .iter()
                .map(|role_value| uid(&role, role_value.as_str()))
                .collect(),
            actions: Action::ALL
                .iter()
                .map(|action_value| uid(&action, action_value.as_str()))
                .collect(),
        })
    }

    fn user_uid(&self, id: &str) -> EntityUid {
        uid(&self.user, id)
    }

    /// The role groups a principal of `role` belongs to: its own and every one below it.
    fn role_groups(&self, role: Role) -> impl Iterator<Item = EntityUid> + '_ {
        Role::ALL
            .iter()
            .zip(&self.roles)
            .filter(move |(candidate, _)| **candidate <= role)
            .map(|(_, group)| group.clone())
    }

    fn owner(&self, id: &str) -> RestrictedExpression {
        RestrictedExpression::new_entity_uid(self.user_uid(id))
    }

    fn users(&self, ids: &[String]) -> RestrictedExpression {
        RestrictedExpression::new_set(ids.iter().map(|id| self.owner(id)))
    }

    /// The attributes a sample and its analyses share: who uploaded it, its visibility and
    /// whether it is a bounty's artifact.
    fn sample_attributes(
        &self,
        uploaders: &[String],
        visibility: crate::request::Visibility,
        is_bounty_artifact: bool,
    ) -> Vec<(&'static str, RestrictedExpression)> {
        vec![
            ("uploaders", self.users(uploaders)),
            (
                "visibility",
                RestrictedExpression::new_string(visibility.as_str().to_owned()),
            ),
            (
                "is_bounty_artifact",
                RestrictedExpression::new_bool(is_bounty_artifact),
            ),
        ]
    }

    pub(crate) fn build(
        &self,
        request: &Request,
        include_ip: bool,
    ) -> Result<(cedar_policy::Request, Entities), String> {
        let (principal_uid, principal) = match &request.principal {
            Principal::Guest => (
                self.guest.clone(),
                Entity::new_no_attrs(self.guest.clone(), self.role_groups(Role::Guest).collect()),
            ),
            Principal::User {
                id,
                role,
                is_banned,
            } => {
                let uid = self.user_uid(id);
                let attrs = HashMap::from([
                    (
                        "role".to_owned(),
                        RestrictedExpression::new_string(role.as_str().to_owned()),
                    ),
                    (
                        "is_banned".to_owned(),
                        RestrictedExpression::new_bool(*is_banned),
                    ),
                ]);
                let entity = Entity::new(uid.clone(), attrs, self.role_groups(*role).collect())
                    .map_err(|error| error.to_string())?;
                (uid, entity)
            }
        };

        let (resource_uid, resource) = self.resource(&request.resource)?;

        let mut context = vec![(
            "mfa".to_owned(),
            RestrictedExpression::new_bool(request.context.mfa),
        )];
        if let Some(ip) = request.context.ip.filter(|_| include_ip) {
            context.push((
                "ip".to_owned(),
                RestrictedExpression::new_ip(ip.to_string()),
            ));
        }
        let context = Context::from_pairs(context).map_err(|error| error.to_string())?;

        let action_uid = self
            .actions
            .get(request.action.index())
            .cloned()
            .ok_or_else(|| format!("no uid for action {}", request.action))?;

        // The typed request always fits the schema (action and resource kind were checked by
        // the caller), so Cedar's per-request schema check is skipped: it would cost more than
        // the decision itself. The matrix tests run every action and kind through the validator.
        let cedar_request =
            cedar_policy::Request::new(principal_uid, action_uid, resource_uid, context, None)
                .map_err(|error| error.to_string())?;
        let mut entities = vec![principal];
        entities.extend(resource);
        let entities =
            Entities::from_entities(entities, None).map_err(|error| error.to_string())?;
        Ok((cedar_request, entities))
    }

    /// The resource's uid and, unless it is the attribute-less platform, its entity.
    fn resource(&self, resource: &Resource) -> Result<(EntityUid, Option<Entity>), String> {
        let (uid, attrs) = match resource {
            Resource::Platform => return Ok((self.platform.clone(), None)),
            Resource::Bounty {
                id,
                owner,
                status,
                is_public,
            } => (
                uid(&self.bounty, id),
                vec![
                    ("owner", self.owner(owner)),
                    (
                        "status",
                        RestrictedExpression::new_string(status.as_str().to_owned()),
                    ),
                    ("is_public", RestrictedExpression::new_bool(*is_public)),
                ],
            ),
            Resource::Analysis {
                id,
                uploaders,
                visibility,
                is_bounty_artifact,
            } => (
                uid(&self.analysis, id),
                self.sample_attributes(uploaders, *visibility, *is_bounty_artifact),
            ),
            Resource::File {
                id,
                uploaders,
                visibility,
                is_bounty_artifact,
            } => (
                uid(&self.file, id),
                self.sample_attributes(uploaders, *visibility, *is_bounty_artifact),
            ),
            Resource::Ruleset {
                id,
                owner,
                is_public,
            } => (
                uid(&self.ruleset, id),
                vec![
                    ("owner", self.owner(owner)),
                    ("is_public", RestrictedExpression::new_bool(*is_public)),
                ],
            ),
            Resource::Retrohunt { id, owner } => {
                (uid(&self.retrohunt, id), vec![("owner", self.owner(owner))])
            }
            Resource::UserAccount { id } => {
                (uid(&self.user_account, id), vec![("owner", self.owner(id))])
            }
            Resource::Notification { id, recipient } => (
                uid(&self.notification, id),
                vec![("recipient", self.owner(recipient))],
            ),
        };
        let attrs: HashMap<String, RestrictedExpression> = attrs
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect();
        let entity =
            Entity::new(uid.clone(), attrs, HashSet::new()).map_err(|error| error.to_string())?;
        Ok((uid, Some(entity)))
    }
}
