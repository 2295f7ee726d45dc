//! The audit trail: who did what, when, in an organization. Events hold ids, counts and
//! reasons — never a token, a link or a secret.

use chrono::{DateTime, Utc};
use entity::audit_event;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde_json::Value;

use crate::{Result, pagination::Cursor, tenant::Tenant};

/// What happened; the names clients filter on.
pub mod action {
    pub const TOKEN_CREATED: &str = "token.created";
    pub const INVITATIONS_ISSUED: &str = "invitations.issued";
    pub const INVITATION_ISSUED: &str = "invitation.issued";
    pub const INVITATION_REVOKED: &str = "invitation.revoked";
    pub const INVITATION_RESENT: &str = "invitation.resent";
    pub const INVITATION_ACCEPTED: &str = "invitation.accepted";
    pub const INVITATION_REFUSED: &str = "invitation.refused";
    pub const SSO_PROVIDER_CONFIGURED: &str = "sso_provider.configured";
    pub const SSO_PROVIDER_REMOVED: &str = "sso_provider.removed";
}

/// The actor of what invitees do.
pub const INVITEE: &str = "invitee";

/// Records an event. A failure to record is logged, not raised: the audit trail must not undo
/// what already happened.
pub async fn record(
    db: &impl ConnectionTrait,
    organization_id: i64,
    actor: &str,
    action: &str,
    target: Option<&str>,
    details: Value,
    now: DateTime<Utc>,
) {
    let event = audit_event::ActiveModel {
        organization_id: Set(organization_id),
        actor: Set(actor.chars().take(200).collect()),
        action: Set(action.to_owned()),
        target: Set(target.map(str::to_owned)),
        details: Set(details.to_string()),
        created_at: Set(now),
        ..Default::default()
    };
    if let Err(err) = event.insert(db).await {
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
    let mut select =
        audit_event::Entity::find().filter(audit_event::Column::OrganizationId.eq(tenant.organization_id()));
    if let Some(after) = after {
        select = select.filter(audit_event::Column::Id.lt(Cursor::decode(after, ORDERING)?.id));
    }
    let mut events = select.order_by_desc(audit_event::Column::Id).limit(first + 1).all(db).await?;
    let has_next_page = events.len() as u64 > first;
    events.truncate(first as usize);
    Ok(AuditPage { events, has_next_page })
}

pub async fn count(db: &impl ConnectionTrait, tenant: &Tenant) -> Result<u64> {
    Ok(audit_event::Entity::find()
        .filter(audit_event::Column::OrganizationId.eq(tenant.organization_id()))
        .count(db)
        .await?)
}

pub fn cursor_of(event: &audit_event::Model) -> String {
    Cursor { ordering: ORDERING.into(), id: event.id, key: String::new() }.encode()
}
