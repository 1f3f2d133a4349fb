//! The auth service's wire types: login, tokens, MFA, API keys, policies, authorization
//! decisions, audit (REST bodies, internal introspection) and the events it publishes.
