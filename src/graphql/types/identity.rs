use async_graphql::{ID, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{audit_event, sso_provider};

/// An SSO provider of the organization. Its client secret is write-only and never shown.
pub struct SsoProvider(pub sso_provider::Model, pub Vec<String>);

#[Object]
impl SsoProvider {
    async fn id(&self) -> ID {
        ID(self.0.public_id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn issuer_url(&self) -> &str {
        &self.0.issuer_url
    }
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

/// Who did what, and when.
pub struct AuditEvent(pub audit_event::Model);

#[Object]
impl AuditEvent {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// A token's name, `jwt:<subject>` for an admin JWT, or `invitee`.
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
    async fn details(&self) -> Json<serde_json::Value> {
        Json(serde_json::from_str(&self.0.details).unwrap_or_default())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
