//! The invitee's side: looking a link up (never using it up: mail scanners open links) and
//! accepting it, once. Every refusal looks the same to the caller — unknown, expired, revoked
//! and used links are indistinguishable — while the log says which it was. Failures count
//! against the client in a limiter kept in the database, so guessing is slow on every node.

use chrono::{DateTime, Utc};
use entity::{invitation, invitation_role, member, member_role, organization};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait,
    sea_query::Expr,
};

use super::{state, status_of};
use crate::{
    AppError, Result,
    domain::SecretToken,
    graphql::Services,
    members::{InvitationStatus, status::state as member_state},
    ratelimit::{self, INVITATION_FAILURES},
};

/// An invitation as its invitee may see it.
pub struct PublicInvitation {
    pub invitation: invitation::Model,
    pub organization: organization::Model,
    pub status: InvitationStatus,
}

pub struct Accepted {
    pub member_id: String,
    pub email: String,
    pub organization_name: String,
}

fn limiter_key(client: &str) -> String {
    format!("invitation-failures:{client}")
}

async fn refuse(services: &Services, client: &str, reason: &str) -> AppError {
    tracing::info!(client, reason, "invitation refused");
    if let Err(err) = ratelimit::record(&services.db, &limiter_key(client), INVITATION_FAILURES, services.clock.now()).await {
        tracing::error!(error = %err, "cannot count a failed invitation attempt");
    }
    AppError::InvalidInvitation
}

async fn ensure_not_limited(services: &Services, client: &str) -> Result<()> {
    if ratelimit::is_blocked(&services.db, &limiter_key(client), INVITATION_FAILURES, services.clock.now()).await? {
        tracing::warn!(client, "too many failed invitation attempts");
        return Err(AppError::RateLimited);
    }
    Ok(())
}

async fn by_token(db: &impl ConnectionTrait, token: &str) -> Result<Option<(invitation::Model, organization::Model)>> {
    // Tokens are short; anything long is not one of ours and is not worth hashing.
    if token.is_empty() || token.len() > 200 {
        return Ok(None);
    }
    let found = invitation::Entity::find()
        .filter(invitation::Column::TokenHash.eq(SecretToken::hash_of(token)))
        .one(db)
        .await?;
    let Some(found) = found else { return Ok(None) };
    let org = organization::Entity::find_by_id(found.organization_id).one(db).await?;
    Ok(org.map(|org| (found, org)))
}

/// The invitation behind a link, whatever its state; `None` for a link that is not one.
pub async fn look_up(services: &Services, token: &str, client: &str) -> Result<Option<PublicInvitation>> {
    ensure_not_limited(services, client).await?;
    match by_token(&services.db, token).await? {
        Some((invitation, organization)) => {
            let status = status_of(&invitation, services.clock.now());
            Ok(Some(PublicInvitation { invitation, organization, status }))
        }
        None => {
            refuse(services, client, "unknown token").await;
            Ok(None)
        }
    }
}

/// Accepts the invitation behind a link: marks it and the member accepted, and gives the
/// member the invitation's address, language and roles. Works once.
#[tracing::instrument(skip_all, fields(client))]
pub async fn accept(services: &Services, token: &str, client: &str) -> Result<Accepted> {
    ensure_not_limited(services, client).await?;
    let now = services.clock.now();
    let Some((found, organization)) = by_token(&services.db, token).await? else {
        return Err(refuse(services, client, "unknown token").await);
    };
    match status_of(&found, now) {
        InvitationStatus::Pending => {}
        other => return Err(refuse(services, client, &format!("invitation {} is {other:?}", found.public_id)).await),
    }
    match complete(&services.db, &found, now).await? {
        Some(member) => {
            tracing::info!(invitation = %found.public_id, member = %member.public_id, "invitation accepted");
            Ok(Accepted { member_id: member.public_id, email: found.email, organization_name: organization.name })
        }
        None => Err(refuse(services, client, &format!("invitation {} was used or replaced meanwhile", found.public_id)).await),
    }
}

/// Marks the invitation and its member accepted, in one transaction; `None` when another
/// request got there first (the invitation is no longer pending).
async fn complete(db: &sea_orm::DatabaseConnection, found: &invitation::Model, now: DateTime<Utc>) -> Result<Option<member::Model>> {
    let txn = db.begin().await?;
    let marked = invitation::Entity::update_many()
        .col_expr(invitation::Column::Status, Expr::value(state::ACCEPTED))
        .col_expr(invitation::Column::AcceptedAt, Expr::value(now))
        .filter(invitation::Column::Id.eq(found.id))
        .filter(invitation::Column::Status.eq(state::PENDING))
        .filter(invitation::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    if marked.rows_affected != 1 {
        return Ok(None);
    }
    let Some(member) = member::Entity::find_by_id(found.member_id).one(&txn).await? else { return Ok(None) };
    let email_key = found.email.to_lowercase();
    // The member signs in with the invited address from now on, unless another member of
    // the organization took it since the invitation was issued.
    let taken = member::Entity::find()
        .filter(member::Column::OrganizationId.eq(member.organization_id))
        .filter(member::Column::EmailKey.eq(email_key.clone()))
        .filter(member::Column::Id.ne(member.id))
        .one(&txn)
        .await?
        .is_some();
    let mut update = member::Entity::update_many()
        .col_expr(member::Column::InvitationState, Expr::value(member_state::ACCEPTED))
        .col_expr(member::Column::InvitationExpiresAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(member::Column::AcceptedAt, Expr::value(now))
        .col_expr(member::Column::Language, Expr::value(found.language.clone()))
        .col_expr(member::Column::UpdatedAt, Expr::value(now));
    if !taken {
        update = update
            .col_expr(member::Column::Email, Expr::value(found.email.clone()))
            .col_expr(member::Column::EmailKey, Expr::value(email_key));
    }
    update.filter(member::Column::Id.eq(member.id)).exec(&txn).await?;
    let roles = invitation_role::Entity::find()
        .filter(invitation_role::Column::InvitationId.eq(found.id))
        .all(&txn)
        .await?;
    if !roles.is_empty() {
        member_role::Entity::insert_many(roles.into_iter().map(|link| member_role::ActiveModel {
            member_id: sea_orm::Set(member.id),
            role_id: sea_orm::Set(link.role_id),
        }))
        .on_conflict_do_nothing_on([member_role::Column::MemberId, member_role::Column::RoleId])
        .exec(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(Some(member))
}
