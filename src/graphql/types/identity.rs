//! SSO providers, address checks and the audit trail as clients see them.

use async_graphql::{Context, ID, Json, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{api_token, audit_event, sso_provider};

use super::{SsoProviderKind, connection::connection};
use crate::{AppError, audit, graphql::ContextExt, identity::kinds, tenant::Tenant};

pub struct SsoProvider(pub sso_provider::Model, pub Vec<String>);

/// An SSO provider of the organization. Its client secret is write-only and never shown.
#[Object]
impl SsoProvider {
    /// The provider's public id.
    async fn id(&self) -> ID {
        ID(self.0.public_id.clone())
    }
    /// What admins and invitees call it ("Acme SSO").
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The OpenID issuer; its discovery document was checked when configured.
    async fn issuer_url(&self) -> &str {
        &self.0.issuer_url
    }
    /// What kind of provider it is, and so how its tokens prove an address.
    async fn kind(&self) -> SsoProviderKind {
        kinds::of(&self.0).into()
    }
    /// The client id the provider issued to muster: ID tokens must be for it.
    async fn client_id(&self) -> &str {
        &self.0.client_id
    }
    /// Mail domains whose people sign in with this provider (IDNA in ASCII).
    async fn domains(&self) -> &[String] {
        &self.1
    }
    /// Whether every invitation must go to one of these domains (else: a warning).
    async fn enforced(&self) -> bool {
        self.0.enforced
    }
    /// Whether subdomains of the domains count too (`eu.acme.com` for `acme.com`).
    async fn include_subdomains(&self) -> bool {
        self.0.include_subdomains
    }
    /// Whether a client secret is on file (the secret itself is never shown).
    async fn has_client_secret(&self) -> bool {
        self.0.client_secret.is_some()
    }
}

/// Whether an address may be invited, and why not.
#[derive(SimpleObject)]
pub struct EmailCheck {
    /// The address as given (as parsed, where it is one).
    pub email: String,
    /// It is an email address.
    pub valid: bool,
    /// It may be invited (under the organization's SSO rules).
    pub allowed: bool,
    /// The SSO provider the address signs in with.
    pub sso_provider: Option<SsoProvider>,
    /// Why it is not valid or not allowed, or what to know about it.
    pub reason: Option<String>,
}

pub struct AuditEvent(pub audit_event::Model);

/// Who did what, and when.
#[Object]
impl AuditEvent {
    /// The event's id; higher is newer.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// A token's name, `jwt:<subject>` for an admin JWT, `cli:<user>` at the command line, or
    /// `invitee`.
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    /// `invitations.issued`, `invitation.revoked`, `invitation.accepted`, `invitation.refused`, …
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The public id of what the action was done to.
    async fn target(&self) -> Option<&str> {
        self.0.target.as_deref()
    }
    /// The particulars (counts, reasons); never a token or a secret.
    async fn details(&self) -> Result<Json<serde_json::Value>> {
        let details = serde_json::from_str(&self.0.details).map_err(|err| AppError::Internal(err.into()))?;
        Ok(Json(details))
    }
    /// When it happened.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Fields of the audit trail's connection beyond Relay's own.
pub struct AuditEventConnectionFields {
    pub tenant: Tenant,
}

#[Object]
impl AuditEventConnectionFields {
    /// How many events the organization's trail holds.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(audit::count(ctx.db(), &self.tenant).await? as i32)
    }
}

connection! {
    /// A page of the organization's audit trail, newest first.
    AuditEventConnection of AuditEvent, with AuditEventConnectionFields
}

pub struct ApiToken(pub api_token::Model);

/// An admin API token of the organization: its name and life, never the token itself (muster
/// keeps only a hash of it).
#[Object]
impl ApiToken {
    /// Who or what uses it, as named when it was created.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it was revoked; null while it works.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
}
