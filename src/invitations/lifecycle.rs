//! One invitation at a time: invite a member (the same rules as a sheet row), revoke a link,
//! resend it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{InvitationState, invitation, member};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, sea_query::Expr,
};

use super::{
    LinkSettings,
    issue::{self, IssueRequest},
    list,
    rules::{self, MemberRef, RowProblem, Rules},
};
use crate::{
    AppError, Result,
    audit::{self, Action, Event},
    domain::Email,
    identity::Caller,
    mail::{
        self, Outbox,
        outbox::{self, Cancel},
    },
    members::{
        self,
        state::{Move, move_state},
    },
    tenant::Tenant,
};

/// What `inviteMember` asks; what it leaves out comes from the member as they are.
#[derive(Debug, Default)]
pub struct InviteRequest {
    pub member_id: String,
    pub email: Option<String>,
    pub language: Option<String>,
    pub role_ids: Option<Vec<String>>,
    pub expires_in_days: Option<i32>,
    /// muster emails the invitee their link.
    pub send: bool,
}

/// Invites one member, with the same rules as a sheet row; revokes the link they held.
/// Answers the invitation and its link (shown this once).
#[tracing::instrument(skip_all, fields(member = %request.member_id))]
pub async fn invite_member(
    db: &DatabaseConnection,
    caller: &Caller,
    links: &LinkSettings,
    outbox: Option<&Outbox>,
    rules: &Rules<'_>,
    request: InviteRequest,
) -> Result<(invitation::Model, String)> {
    let tenant = &caller.tenant;
    let outbox = mail::sending(request.send, outbox)?;
    let expires_at = links.expiry(request.expires_in_days, rules.now)?;
    let found = tenant.member(db, &request.member_id).await?;
    let role_ids = match request.role_ids {
        Some(ids) => ids,
        None => current_role_ids(db, tenant, found.id).await?,
    };
    let email = request.email.unwrap_or_else(|| found.email.clone());
    let language = request.language.unwrap_or_else(|| found.language.clone());
    let candidate = check(db, tenant, rules, &found, email.trim(), language.trim(), &role_ids).await?;
    let secret = issue::secrets(1).await?.pop().ok_or_else(|| AppError::Internal(anyhow::anyhow!("no secret")))?;
    let link = links.link(secret.token.reveal());
    let sealed_links = outbox.map(|outbox| vec![outbox.seal(&link, &secret.hash)]);
    let issue =
        IssueRequest { created_by: caller.name.clone(), issued_at: rules.now, expires_at, batch: None, sealed_links };
    let (_, mut issued) = issue::issue(db, tenant, &[candidate], &issue, &[secret.hash]).await?;
    if let Some(outbox) = outbox {
        outbox.wake();
    }
    let issued = issued.pop().ok_or_else(|| AppError::Internal(anyhow::anyhow!("nothing issued")))?;
    let invitation = tenant.invitation(db, &issued).await?;
    tracing::info!(invitation = %invitation.public_id, "invitation issued");
    let details = serde_json::json!({ "member": found.public_id, "queued": outbox.is_some() });
    let event = Event::new(Action::InvitationIssued, Some(&invitation.public_id), details);
    audit::record(db, tenant, &caller.name, event, rules.now).await;
    Ok((invitation, link))
}

/// The member's roles as they are, by public id.
async fn current_role_ids(db: &impl ConnectionTrait, tenant: &Tenant, member_id: i64) -> Result<Vec<String>> {
    let mut roles = members::roles_of(db, tenant, &[member_id]).await?;
    Ok(roles.remove(&member_id).unwrap_or_default().into_iter().map(|role| role.public_id).collect())
}

/// The rules of a sheet row, in its column order; the first problem is the error.
async fn check(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    rules: &Rules<'_>,
    found: &member::Model,
    email: &str,
    language: &str,
    role_ids: &[String],
) -> Result<rules::Candidate> {
    let member = rules::member(&found.public_id, Some(MemberRef::from(found)), rules.now);
    let member = member.map_err(RowProblem::into_error)?;
    let email = rules::email(email, Email::parse(email)).map_err(RowProblem::into_error)?;
    let owner = other_owner_of(db, tenant, &email, member.id).await?;
    rules::not_taken(&email, owner.as_ref()).map_err(RowProblem::into_error)?;
    rules::sso(&email, rules.sso).map_err(RowProblem::into_error)?;
    let (language, _) = rules::language(language, rules.languages).map_err(RowProblem::into_error)?;
    let known: HashMap<String, i64> =
        crate::roles::list(db, tenant).await?.into_iter().map(|role| (role.public_id, role.id)).collect();
    let role_ids = rules::roles(role_ids, &known).map_err(RowProblem::into_error)?;
    Ok(rules::candidate(&member, email, language, role_ids, rules.now).0)
}

/// Another member of the tenant whose address this is, if any.
async fn other_owner_of(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    email: &Email,
    member_id: i64,
) -> Result<Option<MemberRef>> {
    Ok(tenant
        .members()
        .select_only()
        .columns(MemberRef::COLUMNS)
        .filter(member::Column::EmailKey.eq(email.key()))
        .filter(member::Column::Id.ne(member_id))
        .into_model::<MemberRef>()
        .one(db)
        .await?)
}

/// Revokes an invitation: its link stops working. Revoking twice is harmless.
#[tracing::instrument(skip(db, caller))]
pub async fn revoke(
    db: &DatabaseConnection,
    caller: &Caller,
    id: &str,
    now: DateTime<Utc>,
) -> Result<invitation::Model> {
    let tenant = &caller.tenant;
    let txn = crate::db::begin_write(db).await?;
    let found = tenant.invitation(&txn, id).await?;
    match found.status {
        InvitationState::Accepted => {
            return Err(AppError::Conflict("this invitation was accepted; to remove access, delete the member".into()));
        }
        InvitationState::Revoked => return Ok(found),
        InvitationState::Pending | InvitationState::NotInvited => {}
    }
    // This invitation, not whatever the member holds pending now: a sheet may have replaced
    // it meanwhile, and then there is nothing left to revoke.
    let revoked = invitation::Entity::update_many()
        .col_expr(invitation::Column::Status, Expr::value(InvitationState::Revoked))
        .col_expr(invitation::Column::RevokedAt, Expr::value(now))
        .filter(invitation::Column::Id.eq(found.id))
        .filter(invitation::Column::Status.eq(InvitationState::Pending))
        .exec(&txn)
        .await?;
    if revoked.rows_affected == 1 {
        // A pending invitation is its member's only one, and their newest: the member's state
        // follows it.
        move_state(&txn, &[found.member_id], Move::Revoked, now).await?;
    }
    outbox::cancel(&txn, tenant, Cancel::Invitation(found.id), now).await?;
    let revoked = tenant.invitation(&txn, id).await?;
    txn.commit().await?;
    tracing::info!(invitation = %revoked.public_id, "invitation revoked");
    let event = Event::new(Action::InvitationRevoked, Some(&revoked.public_id), serde_json::json!({}));
    audit::record(db, tenant, &caller.name, event, now).await;
    Ok(revoked)
}

/// What taking back an upload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedBatch {
    pub batch_id: String,
    /// Invitations whose link stopped working; accepted, expired and already revoked ones
    /// are left as they are.
    pub revoked: u64,
    /// Messages of the batch that were not sent yet, and now will not be.
    pub cancelled_messages: u64,
}

/// Takes back one upload (a wrong sheet, say): every invitation of the batch whose link still
/// works is revoked, and its member shows as revoked, in one transaction, with one audit
/// event. Accepted invitations stay accepted. Taking a batch back twice is harmless.
#[tracing::instrument(skip(db, caller))]
pub async fn revoke_batch(
    db: &DatabaseConnection,
    caller: &Caller,
    batch_id: &str,
    now: DateTime<Utc>,
) -> Result<RevokedBatch> {
    let tenant = &caller.tenant;
    let Some(public_id) = crate::domain::PublicId::parse(batch_id) else { return Err(AppError::NotFound("batch")) };
    let txn = crate::db::begin_write(db).await?;
    let batch = tenant
        .invitation_batches()
        .filter(entity::invitation_batch::Column::PublicId.eq(public_id.as_str()))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("batch"))?;
    // The revoked rows answer whose they were: exactly those members move, even if another
    // sheet invited one of them again meanwhile (that one's link is another invitation).
    let revoked = invitation::Entity::update_many()
        .col_expr(invitation::Column::Status, Expr::value(InvitationState::Revoked))
        .col_expr(invitation::Column::RevokedAt, Expr::value(now))
        .filter(invitation::Column::OrganizationId.eq(tenant.organization_id()))
        .filter(invitation::Column::BatchId.eq(batch.id))
        .filter(invitation::Column::Status.eq(InvitationState::Pending))
        .filter(invitation::Column::ExpiresAt.gt(now))
        .exec_with_returning(&txn)
        .await?;
    let member_ids: Vec<i64> = revoked.iter().map(|invitation| invitation.member_id).collect();
    for chunk in member_ids.chunks(10_000) {
        move_state(&txn, chunk, Move::Revoked, now).await?;
    }
    // After the invitations, as every transaction does (see `outbox::cancel`).
    let cancelled_messages = outbox::cancel(&txn, tenant, Cancel::Batch(batch.id), now).await?;
    txn.commit().await?;
    let count = revoked.len() as u64;
    tracing::info!(batch = %batch.public_id, revoked = count, cancelled_messages, "batch revoked");
    let details = serde_json::json!({ "revoked": count, "cancelledMessages": cancelled_messages });
    audit::record(db, tenant, &caller.name, Event::new(Action::BatchRevoked, Some(&batch.public_id), details), now)
        .await;
    Ok(RevokedBatch { batch_id: batch.public_id, revoked: count, cancelled_messages })
}

/// A new link for the same member, address, language and roles; the old link stops working.
#[tracing::instrument(skip(db, caller, links, outbox, rules))]
pub async fn resend(
    db: &DatabaseConnection,
    caller: &Caller,
    links: &LinkSettings,
    outbox: Option<&Outbox>,
    rules: &Rules<'_>,
    id: &str,
    send: bool,
) -> Result<(invitation::Model, String)> {
    let tenant = &caller.tenant;
    let old = tenant.invitation(db, id).await?;
    if old.status == InvitationState::Accepted {
        return Err(AppError::Conflict("this invitation was already accepted".into()));
    }
    let member = members::by_ids(db, tenant, &[old.member_id])
        .await?
        .remove(&old.member_id)
        .ok_or(AppError::NotFound("member"))?;
    let role_ids = list::granted_roles(db, tenant, &old).await?.into_iter().map(|role| role.public_id).collect();
    let request = InviteRequest {
        member_id: member.public_id,
        email: Some(old.email.clone()),
        language: Some(old.language.clone()),
        role_ids: Some(role_ids),
        expires_in_days: None,
        send,
    };
    let (invitation, link) = invite_member(db, caller, links, outbox, rules, request).await?;
    let details = serde_json::json!({ "newInvitation": invitation.public_id });
    audit::record(
        db,
        tenant,
        &caller.name,
        Event::new(Action::InvitationResent, Some(&old.public_id), details),
        rules.now,
    )
    .await;
    Ok((invitation, link))
}
