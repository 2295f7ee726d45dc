//! The audit trail: who did what, when, in an organization. Services record the events of what
//! they do, each as one [`Event`]; the actor is whoever the caller is (an API token's name, an
//! admin JWT's subject, the operator at the command line, an invitee). Events hold ids, counts
//! and reasons — never a token, a link or a secret.

use chrono::{DateTime, Utc};
use entity::audit_event;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::Value;

use crate::{Result, pagination::Cursor, tenant::Tenant};

/// What happened; the names clients filter on. Never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    TokenCreated,
    TokenRevoked,
    InvitationsIssued,
    InvitationIssued,
    InvitationRevoked,
    BatchRevoked,
    InvitationResent,
    InvitationAccepted,
    InvitationRefused,
    MessageSent,
    MessageFailed,
    SsoProviderConfigured,
    SsoProviderRemoved,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TokenCreated => "token.created",
            Self::TokenRevoked => "token.revoked",
            Self::InvitationsIssued => "invitations.issued",
            Self::InvitationIssued => "invitation.issued",
            Self::InvitationRevoked => "invitation.revoked",
            Self::BatchRevoked => "batch.revoked",
            Self::InvitationResent => "invitation.resent",
            Self::InvitationAccepted => "invitation.accepted",
            Self::InvitationRefused => "invitation.refused",
            Self::MessageSent => "message.sent",
            Self::MessageFailed => "message.failed",
            Self::SsoProviderConfigured => "sso_provider.configured",
            Self::SsoProviderRemoved => "sso_provider.removed",
        }
    }
}

/// The actor of what invitees do (they have no name of their own until they accept).
pub const INVITEE: &str = "invitee";
/// The actor of what muster does on its own (sending the invitations it was asked to send).
pub const MAILER: &str = "mailer";

/// One thing that happened: what, to what (a public id), and the particulars.
#[derive(Debug, Clone)]
pub struct Event {
    pub action: Action,
    pub target: Option<String>,
    pub details: Value,
}

impl Event {
    pub fn new(action: Action, target: Option<&str>, details: Value) -> Self {
        Self { action, target: target.map(str::to_owned), details }
    }
}

/// Records an event of the tenant's, done by `actor`. A failure to record is logged, not
/// raised: the audit trail must not undo what already happened.
pub async fn record(db: &impl ConnectionTrait, tenant: &Tenant, actor: &str, event: Event, now: DateTime<Utc>) {
    let action = event.action.as_str();
    let row = audit_event::ActiveModel {
        organization_id: Set(tenant.organization_id()),
        actor: Set(actor.chars().take(crate::limits::NAME_CHARS).collect()),
        action: Set(action.to_owned()),
        target: Set(event.target),
        details: Set(event.details.to_string()),
        created_at: Set(now),
        ..Default::default()
    };
    if let Err(err) = row.insert(db).await {
        tracing::error!(error = %err, action, "could not record an audit event");
    }
}

pub struct AuditPage {
    pub events: Vec<audit_event::Model>,
    pub has_next_page: bool,
}

const ORDERING: &str = "AUDIT";

/// A page of the tenant's events, newest first.
pub async fn page(db: &impl ConnectionTrait, tenant: &Tenant, first: u64, after: Option<&str>) -> Result<AuditPage> {
    let mut select = tenant.audit_events();
    if let Some(after) = after {
        select = select.filter(audit_event::Column::Id.lt(Cursor::decode(after, ORDERING)?.id));
    }
    let mut events = select.order_by_desc(audit_event::Column::Id).limit(first + 1).all(db).await?;
    let has_next_page = events.len() as u64 > first;
    events.truncate(first as usize);
    Ok(AuditPage { events, has_next_page })
}

pub async fn count(db: &impl ConnectionTrait, tenant: &Tenant) -> Result<u64> {
    Ok(tenant.audit_events().count(db).await?)
}

pub fn cursor_of(event: &audit_event::Model) -> String {
    Cursor { ordering: ORDERING.into(), id: event.id, key: String::new() }.encode()
}
