//! Invitations: issuing personal links in bulk from a sheet or one at a time, their lifecycle
//! (revoke, resend, expiry) and their acceptance.
//!
//! - [`validate`]: checks sheet rows against the organization, every problem with its line;
//! - [`issue`]: writes invitations in bulk, in one transaction;
//! - [`sheet`]: the whole upload flow, from bytes to the links sheet;
//! - [`lifecycle`]: single invitations, revoke, resend, lists;
//! - [`accept`]: the invitee's side: looking a link up and accepting it.

pub mod accept;
pub mod issue;
pub mod lifecycle;
pub mod policy;
pub mod sheet;
pub mod validate;

use chrono::{DateTime, Utc};
use entity::invitation;

use crate::{Config, Result, members::InvitationStatus, tenant::Tenant};

/// Values of `invitations.status`; EXPIRED is derived from `expires_at`.
pub mod state {
    pub const PENDING: &str = "pending";
    pub const ACCEPTED: &str = "accepted";
    pub const REVOKED: &str = "revoked";
}

pub fn status_of(invitation: &invitation::Model, now: DateTime<Utc>) -> InvitationStatus {
    match invitation.status.as_str() {
        state::ACCEPTED => InvitationStatus::Accepted,
        state::REVOKED => InvitationStatus::Revoked,
        _ if invitation.expires_at <= now => InvitationStatus::Expired,
        _ => InvitationStatus::Pending,
    }
}

/// The role row ids an invitation grants, as its `role_ids` column keeps them (a JSON array).
/// muster writes the column itself; should one not read, it grants nothing (and says so in
/// the log) rather than making the invitation unusable.
pub fn granted_role_ids(invitation: &invitation::Model) -> Vec<i64> {
    serde_json::from_str(&invitation.role_ids).unwrap_or_else(|err| {
        tracing::warn!(invitation = %invitation.public_id, error = %err, "unreadable role_ids column");
        Vec::new()
    })
}

/// The `role_ids` column for these role row ids.
pub(crate) fn role_ids_json(role_ids: &[i64]) -> String {
    serde_json::to_string(role_ids).unwrap_or_else(|_| "[]".to_owned())
}

/// The link an invitee opens.
pub fn link(config: &Config, token: &str) -> String {
    format!("{}/invite/{token}", config.public_base())
}

/// How long links live: the request's `expiresInDays` or the configured default, 1..=30.
pub fn expiry(config: &Config, expires_in_days: Option<i32>, now: DateTime<Utc>) -> crate::Result<DateTime<Utc>> {
    let days = expires_in_days.unwrap_or(config.invite_ttl_days as i32);
    if !(1..=30).contains(&days) {
        return Err(crate::AppError::bad_input("expiresInDays", format!("must be between 1 and 30 days, got {days}")));
    }
    Ok(now + chrono::Duration::days(days as i64))
}

/// The rules an organization's invitations follow for email addresses: its SSO domains.
pub async fn policy_for(db: &impl sea_orm::ConnectionTrait, tenant: &Tenant) -> Result<Box<dyn policy::EmailPolicy>> {
    Ok(Box::new(crate::identity::sso::SsoPolicy::load(db, tenant).await?))
}
