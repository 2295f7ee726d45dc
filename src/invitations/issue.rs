//! Issuing invitations in bulk: one transaction, a handful of statements per ten thousand rows,
//! and nothing left behind when any of it fails. Issuing to a member revokes the link they
//! held, so a member has at most one pending invitation (the database enforces it too).

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use chrono::{DateTime, Utc};
use entity::{InvitationState, RoleIds, invitation, invitation_batch};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, Set,
    Statement, Value, sea_query::Expr,
};

use super::rules::Candidate;
use crate::{
    AppError, Result,
    domain::{PublicId, SecretToken},
    error::{is_public_id_collision, is_second_pending_invitation},
    mail::outbox::{self, Cancel},
    members::state::{Move, move_state},
    tenant::Tenant,
};

/// Rows per bulk statement. Rows travel as one JSON parameter, so this bounds the size of
/// a statement's document (about 2 MB), not a count of bound parameters.
const CHUNK: usize = 10_000;
/// When members were invited, accepted or deleted by another request between the checks and
/// the issuing.
const CHANGED_MEANWHILE: &str = "another request invited, accepted or removed one of these members meanwhile; \
     nothing was issued: check the members again and retry";
/// Invitation tokens look like `inv_…` so that a leaked one is easy to recognise.
const TOKEN_PREFIX: &str = "inv_";

/// Where the invitations come from, for the batch record and the audit trail.
pub struct IssueRequest {
    pub created_by: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// A sheet upload is recorded as a batch; single invitations are not.
    pub batch: Option<BatchInfo>,
    /// When muster sends the invitations: each one's link, sealed for its token hash (see
    /// [`crate::mail::Outbox::seal`]), in the candidates' order. Each message is queued with
    /// its invitation.
    pub sealed_links: Option<Vec<String>>,
}

pub struct BatchInfo {
    pub file_name: Option<String>,
    pub row_count: usize,
    pub skipped_count: usize,
}

/// Inserts a chunk of pending invitations from one JSON array of rows: the database reads the
/// document itself (`jsonb_array_elements`, `json_each`), where a multi-row `VALUES` would
/// bind thirteen parameters per row and, on PostgreSQL, plan a statement that size. (`jsonb`
/// parses the document once; `json` would read it again for each `->>`.)
fn insert_invitations_sql(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => {
            "INSERT INTO invitations (organization_id, batch_id, status, created_by, created_at, expires_at, \
             public_id, member_id, email, language, token_hash, role_ids) \
             SELECT $1, $2, $3, $4, $5, $6, r->>0, (r->>1)::bigint, r->>2, r->>3, r->>4, r->>5 \
             FROM jsonb_array_elements($7::jsonb) AS rows(r)"
        }
        _ => {
            "INSERT INTO invitations (organization_id, batch_id, status, created_by, created_at, expires_at, \
             public_id, member_id, email, language, token_hash, role_ids) \
             SELECT ?, ?, ?, ?, ?, ?, value->>0, value->>1, value->>2, value->>3, value->>4, value->>5 \
             FROM json_each(?)"
        }
    }
}

/// A link's secret: the token goes into the link, once; only its hash is stored.
pub struct LinkSecret {
    pub token: SecretToken,
    pub hash: String,
}

impl LinkSecret {
    fn generate() -> Self {
        let token = SecretToken::generate(TOKEN_PREFIX);
        let hash = token.hash();
        Self { token, hash }
    }
}

/// Makes `count` link secrets, on a blocking thread (random bytes and SHA-256 for many rows
/// are CPU work).
pub async fn secrets(count: usize) -> Result<Vec<LinkSecret>> {
    SecretsInAdvance::start(count).take(count).await
}

/// Secrets made in the background while a sheet is checked, on the other core (0.4 s of CPU
/// per 100,000 rows, off the request's critical path). Dropped unused (the sheet had errors),
/// it stops making them.
pub struct SecretsInAdvance {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<Vec<LinkSecret>>,
}

impl SecretsInAdvance {
    /// Starts making up to `count` secrets.
    pub fn start(count: usize) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let task = tokio::task::spawn_blocking(move || {
            let mut secrets = Vec::with_capacity(count);
            for _ in 0..count {
                if secrets.len() % 1_024 == 0 && stopped.load(Ordering::Relaxed) {
                    break;
                }
                secrets.push(LinkSecret::generate());
            }
            secrets
        });
        Self { stop, task }
    }

    /// The first `count` secrets (no more than were asked for at the start).
    pub async fn take(mut self, count: usize) -> Result<Vec<LinkSecret>> {
        let mut secrets = (&mut self.task).await.map_err(|err| AppError::Internal(err.into()))?;
        if secrets.len() < count {
            return Err(AppError::Internal(anyhow::anyhow!("fewer secrets made than links to issue")));
        }
        secrets.truncate(count);
        Ok(secrets)
    }
}

impl Drop for SecretsInAdvance {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Issues an invitation to each candidate (each a different member), in one transaction, with
/// the token hash at the same index. Answers the batch and the invitations' public ids, in
/// the candidates' order. Tokens themselves never reach this module's statements.
#[tracing::instrument(skip_all, fields(count = candidates.len()))]
pub async fn issue(
    db: &DatabaseConnection,
    tenant: &Tenant,
    candidates: &[Candidate],
    request: &IssueRequest,
    token_hashes: &[String],
) -> Result<(Option<invitation_batch::Model>, Vec<String>)> {
    if token_hashes.len() != candidates.len() {
        return Err(AppError::Internal(anyhow::anyhow!("one token hash per invitation")));
    }
    if request.sealed_links.as_ref().is_some_and(|links| links.len() != candidates.len()) {
        return Err(AppError::Internal(anyhow::anyhow!("one sealed link per invitation sent")));
    }
    // A public-id collision (about one in 10^16 per id) rolls back and tries again.
    for attempt in 0.. {
        match issue_once(db, tenant, candidates, request, token_hashes).await {
            Err(AppError::Database(err)) if is_public_id_collision(&err) && attempt < 3 => continue,
            Err(AppError::Database(err)) if is_second_pending_invitation(&err) => {
                return Err(AppError::Conflict(CHANGED_MEANWHILE.into()));
            }
            Ok(issued) => {
                metrics::counter!("muster_invitations_issued_total").increment(issued.1.len() as u64);
                return Ok(issued);
            }
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
    token_hashes: &[String],
) -> Result<(Option<invitation_batch::Model>, Vec<String>)> {
    let now = request.issued_at;
    let txn = crate::db::begin_write(db).await?;
    crate::db::long_statements(&txn).await?;
    // Only members who held a pending link when checked can hold one now: a member's state
    // follows their latest invitation. One invited meanwhile by another request makes the
    // insert below fail on the one-pending-per-member index, and nothing is issued.
    let holding: Vec<i64> = candidates.iter().filter(|c| c.held_pending).map(|c| c.member_id).collect();
    for chunk in holding.chunks(CHUNK) {
        revoke_pending_of(&txn, tenant, chunk, now).await?;
    }
    let batch = match &request.batch {
        Some(info) => Some(insert_batch(&txn, tenant, request, info, candidates.len()).await?),
        None => None,
    };
    // Members are marked before their invitations are inserted: the check that each
    // invitation names a member (a foreign key; on PostgreSQL the triggers of migration 13)
    // then finds its member already locked by this transaction, where the other order writes
    // a lock on every member row and then updates it (measured on PostgreSQL, 10,000 rows:
    // 510 ms instead of 560). A member who accepted (or was deleted) since the checks is not
    // moved, and then nothing is issued.
    let member_ids: Vec<i64> = candidates.iter().map(|c| c.member_id).collect();
    let invited = Move::Invited { expires_at: request.expires_at };
    for chunk in member_ids.chunks(CHUNK) {
        if move_state(&txn, chunk, invited, now).await? != chunk.len() as u64 {
            return Err(AppError::Conflict(CHANGED_MEANWHILE.into()));
        }
    }
    let public_ids: Vec<String> = candidates.iter().map(|_| PublicId::generate().into_inner()).collect();
    let rows = Rows { tenant, batch_id: batch.as_ref().map(|b| b.id), request };
    for (index, ((chunk, ids), hashes)) in
        candidates.chunks(CHUNK).zip(public_ids.chunks(CHUNK)).zip(token_hashes.chunks(CHUNK)).enumerate()
    {
        rows.insert(&txn, chunk, ids, hashes).await?;
        if let Some(sealed) = &request.sealed_links {
            let sealed = &sealed[index * CHUNK..index * CHUNK + chunk.len()];
            let messages: Vec<(&str, &str)> =
                hashes.iter().map(String::as_str).zip(sealed.iter().map(String::as_str)).collect();
            if outbox::queue(&txn, tenant.organization_id(), &messages, now).await? != chunk.len() as u64 {
                return Err(AppError::Internal(anyhow::anyhow!("a message was not queued with its invitation")));
            }
        }
    }
    txn.commit().await?;
    Ok((batch, public_ids))
}

/// The record of a sheet upload.
async fn insert_batch(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    request: &IssueRequest,
    info: &BatchInfo,
    issued: usize,
) -> Result<invitation_batch::Model> {
    Ok(invitation_batch::ActiveModel {
        public_id: Set(PublicId::generate().into_inner()),
        organization_id: Set(tenant.organization_id()),
        created_by: Set(request.created_by.clone()),
        file_name: Set(info.file_name.clone()),
        row_count: Set(info.row_count as i32),
        issued_count: Set(issued as i32),
        skipped_count: Set(info.skipped_count as i32),
        created_at: Set(request.issued_at),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// What every invitation row of one issuing shares.
struct Rows<'a> {
    tenant: &'a Tenant,
    batch_id: Option<i64>,
    request: &'a IssueRequest,
}

impl Rows<'_> {
    /// Inserts a chunk of invitations as one JSON document:
    /// `[public id, member, email, language, token hash, roles]` per row.
    async fn insert(
        &self,
        db: &impl ConnectionTrait,
        candidates: &[Candidate],
        public_ids: &[String],
        hashes: &[String],
    ) -> Result<()> {
        let rows: Vec<(&str, i64, &str, &str, &str, String)> = candidates
            .iter()
            .zip(public_ids)
            .zip(hashes)
            .map(|((candidate, public_id), hash)| {
                let roles = RoleIds(candidate.role_ids.clone()).to_json();
                (
                    public_id.as_str(),
                    candidate.member_id,
                    candidate.email.as_str(),
                    candidate.language.as_str(),
                    hash.as_str(),
                    roles,
                )
            })
            .collect();
        let rows = serde_json::to_string(&rows).map_err(|err| AppError::Internal(err.into()))?;
        let values: [Value; 7] = [
            self.tenant.organization_id().into(),
            self.batch_id.into(),
            InvitationState::Pending.into(),
            self.request.created_by.as_str().into(),
            self.request.issued_at.into(),
            self.request.expires_at.into(),
            rows.into(),
        ];
        let backend = db.get_database_backend();
        db.execute_raw(Statement::from_sql_and_values(backend, insert_invitations_sql(backend), values)).await?;
        Ok(())
    }
}

/// Revokes the pending invitations of these members of the tenant (their links stop working),
/// then cancels their messages not yet sent. Matched by member through the partial index of
/// pending invitations; the member ids are the tenant's own.
pub async fn revoke_pending_of(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    member_ids: &[i64],
    now: DateTime<Utc>,
) -> Result<u64> {
    let result = invitation::Entity::update_many()
        .col_expr(invitation::Column::Status, Expr::value(InvitationState::Revoked))
        .col_expr(invitation::Column::RevokedAt, Expr::value(now))
        .filter(invitation::Column::Status.eq(InvitationState::Pending))
        .filter(crate::db::in_json_list(db.get_database_backend(), invitation::Column::MemberId, member_ids))
        .exec(db)
        .await?;
    outbox::cancel(db, tenant, Cancel::OfMembers(member_ids), now).await?;
    Ok(result.rows_affected)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use super::{SecretsInAdvance, secrets};
    use crate::domain::SecretToken;

    #[tokio::test]
    async fn secrets_are_distinct_and_hashed() {
        let made = secrets(3).await.unwrap();
        assert_eq!(made.len(), 3);
        assert_ne!(made[0].token.reveal(), made[1].token.reveal());
        assert!(made[0].token.reveal().starts_with("inv_"));
        assert_eq!(made[2].hash, SecretToken::hash_of(made[2].token.reveal()));
        assert!(SecretsInAdvance::start(2).take(3).await.is_err(), "never fewer secrets than links");
    }

    #[tokio::test]
    async fn secrets_made_in_advance_stop_when_no_longer_wanted() {
        let mut advance = SecretsInAdvance::start(100_000_000);
        advance.stop.store(true, Ordering::Relaxed);
        let made = (&mut advance.task).await.unwrap();
        assert!(made.len() < 100_000_000, "stopped after {} secrets", made.len());
    }
}
