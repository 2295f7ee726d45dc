//! Issuing invitations in bulk: one transaction, a handful of statements per thousand rows,
//! and nothing left behind when any of it fails. Issuing to a member revokes the link they
//! held, so a member has at most one pending invitation (the database enforces it too).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{invitation, invitation_batch, invitation_role, member};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, Set,
    TransactionTrait, sea_query::Expr,
};

use super::{state, validate::Candidate};
use crate::{
    AppError, Result,
    domain::{PublicId, SecretToken},
    error::is_public_id_collision,
    members::status::state as member_state,
    tenant::Tenant,
};

/// Rows per INSERT or `IN (…)`: far below both databases' limits on bound parameters.
const CHUNK: usize = 1_000;
/// Invitation tokens look like `inv_…` so that a leaked one is easy to recognise.
const TOKEN_PREFIX: &str = "inv_";

/// Where the invitations come from, for the batch record and the audit trail.
pub struct IssueRequest {
    pub created_by: String,
    pub expires_at: DateTime<Utc>,
    /// A sheet upload is recorded as a batch; single invitations are not.
    pub batch: Option<BatchInfo>,
}

pub struct BatchInfo {
    pub file_name: Option<String>,
    pub row_count: usize,
    pub skipped_count: usize,
}

/// One issued invitation: the token is here once, to build the link; only its hash is kept.
pub struct Issued {
    pub invitation_id: String,
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Issues an invitation to each candidate (each a different member), in one transaction.
#[tracing::instrument(skip_all, fields(count = candidates.len()))]
pub async fn issue(
    db: &DatabaseConnection,
    tenant: &Tenant,
    candidates: &[Candidate],
    request: &IssueRequest,
    now: DateTime<Utc>,
) -> Result<(Option<invitation_batch::Model>, Vec<Issued>)> {
    let count = candidates.len();
    // Random bytes and SHA-256 for many rows is CPU work: off the async threads.
    let secrets = tokio::task::spawn_blocking(move || {
        (0..count)
            .map(|_| {
                let token = SecretToken::generate(TOKEN_PREFIX);
                let hash = token.hash();
                (token.reveal().to_owned(), hash)
            })
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|err| AppError::Internal(err.into()))?;

    // A public-id collision (about one in 10^16 per id) rolls back and tries again.
    for attempt in 0.. {
        match issue_once(db, tenant, candidates, request, &secrets, now).await {
            Err(AppError::Database(err)) if is_public_id_collision(&err) && attempt < 3 => continue,
            other => return other,
        }
    }
    unreachable!("the loop returns")
}

async fn issue_once(
    db: &DatabaseConnection,
    tenant: &Tenant,
    candidates: &[Candidate],
    request: &IssueRequest,
    secrets: &[(String, String)],
    now: DateTime<Utc>,
) -> Result<(Option<invitation_batch::Model>, Vec<Issued>)> {
    let txn = db.begin().await?;
    let member_ids: Vec<i64> = candidates.iter().map(|c| c.member.id).collect();
    for chunk in member_ids.chunks(CHUNK) {
        revoke_pending_of(&txn, tenant, chunk, now).await?;
    }

    let batch = match &request.batch {
        Some(info) => Some(
            invitation_batch::ActiveModel {
                public_id: Set(PublicId::generate().into_inner()),
                organization_id: Set(tenant.organization_id()),
                created_by: Set(request.created_by.clone()),
                file_name: Set(info.file_name.clone()),
                row_count: Set(info.row_count as i32),
                issued_count: Set(candidates.len() as i32),
                skipped_count: Set(info.skipped_count as i32),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?,
        ),
        None => None,
    };

    let public_ids: Vec<String> = candidates.iter().map(|_| PublicId::generate().into_inner()).collect();
    for ((chunk, ids), secrets) in candidates.chunks(CHUNK).zip(public_ids.chunks(CHUNK)).zip(secrets.chunks(CHUNK)) {
        let rows =
            chunk.iter().zip(ids).zip(secrets).map(|((candidate, public_id), (_, hash))| invitation::ActiveModel {
                public_id: Set(public_id.clone()),
                organization_id: Set(tenant.organization_id()),
                member_id: Set(candidate.member.id),
                batch_id: Set(batch.as_ref().map(|b| b.id)),
                email: Set(candidate.email.as_str().to_owned()),
                language: Set(candidate.language.as_str().to_owned()),
                token_hash: Set(hash.clone()),
                status: Set(state::PENDING.to_owned()),
                created_by: Set(request.created_by.clone()),
                created_at: Set(now),
                expires_at: Set(request.expires_at),
                accepted_at: Set(None),
                revoked_at: Set(None),
                ..Default::default()
            });
        invitation::Entity::insert_many(rows).exec(&txn).await?;

        // The new rows' ids, to attach their roles (two columns, not whole rows).
        let row_ids: HashMap<String, i64> = invitation::Entity::find()
            .select_only()
            .columns([invitation::Column::PublicId, invitation::Column::Id])
            .filter(invitation::Column::PublicId.is_in(ids.iter().cloned()))
            .into_tuple::<(String, i64)>()
            .all(&txn)
            .await?
            .into_iter()
            .collect();
        let links: Vec<invitation_role::ActiveModel> = chunk
            .iter()
            .zip(ids)
            .flat_map(|(candidate, public_id)| {
                let invitation_id = row_ids.get(public_id).copied();
                candidate.roles.iter().filter_map(move |role| {
                    invitation_id.map(|invitation_id| invitation_role::ActiveModel {
                        invitation_id: Set(invitation_id),
                        role_id: Set(role.id),
                    })
                })
            })
            .collect();
        for links in links.chunks(CHUNK * 5) {
            invitation_role::Entity::insert_many(links.to_vec()).exec(&txn).await?;
        }
    }

    // The member ids come from the tenant's own rows (the candidates were looked up through
    // it); filtering by primary key alone lets the database use it, where adding the
    // organization led PostgreSQL to scan the organization's members for each chunk.
    for chunk in member_ids.chunks(CHUNK) {
        member::Entity::update_many()
            .col_expr(member::Column::InvitationState, Expr::value(member_state::PENDING))
            .col_expr(member::Column::InvitationExpiresAt, Expr::value(request.expires_at))
            .col_expr(member::Column::UpdatedAt, Expr::value(now))
            .filter(member::Column::Id.is_in(chunk.iter().copied()))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;

    let issued = public_ids
        .into_iter()
        .zip(secrets)
        .map(|(invitation_id, (token, _))| Issued {
            invitation_id,
            token: token.clone(),
            expires_at: request.expires_at,
        })
        .collect();
    Ok((batch, issued))
}

/// Revokes the pending invitations of these members of the tenant (their links stop working).
/// Matched by member through the partial index of pending invitations; the member ids are
/// the tenant's own.
pub async fn revoke_pending_of(
    db: &impl ConnectionTrait,
    _tenant: &Tenant,
    member_ids: &[i64],
    now: DateTime<Utc>,
) -> Result<u64> {
    let result = invitation::Entity::update_many()
        .col_expr(invitation::Column::Status, Expr::value(state::REVOKED))
        .col_expr(invitation::Column::RevokedAt, Expr::value(now))
        .filter(invitation::Column::Status.eq(state::PENDING))
        .filter(invitation::Column::MemberId.is_in(member_ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
