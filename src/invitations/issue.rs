//! Issuing invitations in bulk: one transaction, a handful of statements per ten thousand rows,
//! and nothing left behind when any of it fails. Issuing to a member revokes the link they
//! held, so a member has at most one pending invitation (the database enforces it too).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use entity::{InvitationState, RoleIds, invitation, invitation_batch};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, EntityTrait,
    QueryFilter, Set, Statement, Value, sea_query::Expr,
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

use super::rules::Candidate;
use crate::{
    AppError, Result,
    domain::{PublicId, SecretToken},
    error::{is_public_id_collision, is_second_pending_invitation, joined},
    mail::outbox::{self, Cancel},
    members::state::{Move, move_state},
    tenant::Tenant,
};

/// Rows per bulk statement. Rows travel as one JSON parameter, so this bounds the size of
/// a statement's document (about 2 MB), not a count of bound parameters.
pub const CHUNK: usize = 10_000;
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
/// are CPU work: 0.4 s per 100,000).
pub async fn secrets(count: usize) -> Result<Vec<LinkSecret>> {
    joined(tokio::task::spawn_blocking(move || (0..count).map(|_| LinkSecret::generate()).collect()).await).await
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
            other => return other.map_err(changed_meanwhile),
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
    let mut issuing = Issuing::begin(db, *tenant, request).await?;
    let mut public_ids = Vec::with_capacity(candidates.len());
    for (index, (chunk, hashes)) in candidates.chunks(CHUNK).zip(token_hashes.chunks(CHUNK)).enumerate() {
        let sealed = request.sealed_links.as_ref().map(|sealed| &sealed[index * CHUNK..index * CHUNK + chunk.len()]);
        public_ids.extend(issuing.add(chunk, hashes, sealed).await?);
    }
    let batch = issuing.commit(request).await?;
    Ok((batch, public_ids))
}

/// A second pending invitation for a member is another request's doing: the members changed
/// between the checks and the issuing.
fn changed_meanwhile(err: AppError) -> AppError {
    match err {
        AppError::Database(err) if is_second_pending_invitation(&err) => AppError::Conflict(CHANGED_MEANWHILE.into()),
        other => other,
    }
}

/// One issuing under way: its transaction takes the invitations a chunk at a time, and nothing
/// of it is seen unless it commits (dropped, it rolls back).
struct Issuing {
    txn: DatabaseTransaction,
    tenant: Tenant,
    batch: Option<invitation_batch::Model>,
    issued_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    created_by: String,
    issued: usize,
}

impl Issuing {
    /// Opens the transaction, with the sheet's batch record when there is one (its counts are
    /// written at the commit, when they are known).
    async fn begin(db: &DatabaseConnection, tenant: Tenant, request: &IssueRequest) -> Result<Self> {
        let txn = crate::db::begin_write(db).await?;
        crate::db::long_statements(&txn).await?;
        let batch = match &request.batch {
            Some(info) => Some(insert_batch(&txn, &tenant, request, info).await?),
            None => None,
        };
        Ok(Self {
            txn,
            tenant,
            batch,
            issued_at: request.issued_at,
            expires_at: request.expires_at,
            created_by: request.created_by.clone(),
            issued: 0,
        })
    }

    /// Issues to the next candidates (at most [`CHUNK`]): answers their invitations' public ids.
    async fn add(
        &mut self,
        candidates: &[Candidate],
        hashes: &[String],
        sealed: Option<&[String]>,
    ) -> Result<Vec<String>> {
        if hashes.len() != candidates.len() || sealed.is_some_and(|sealed| sealed.len() != candidates.len()) {
            return Err(AppError::Internal(anyhow::anyhow!("one token hash (and sealed link) per invitation")));
        }
        let (txn, now) = (&self.txn, self.issued_at);
        // Only members who held a pending link when checked can hold one now: a member's state
        // follows their latest invitation. One invited meanwhile by another request makes the
        // insert below fail on the one-pending-per-member index, and nothing is issued.
        let holding: Vec<i64> = candidates.iter().filter(|c| c.held_pending).map(|c| c.member_id).collect();
        if !holding.is_empty() {
            revoke_pending_of(txn, &self.tenant, &holding, now).await?;
        }
        // Members are marked before their invitations are inserted: the check that each
        // invitation names a member (a foreign key; on PostgreSQL the triggers of migration 13)
        // then finds its member already locked by this transaction, where the other order writes
        // a lock on every member row and then updates it (measured on PostgreSQL, 10,000 rows:
        // 510 ms instead of 560). A member who accepted (or was deleted) since the checks is not
        // moved, and then nothing is issued.
        let member_ids: Vec<i64> = candidates.iter().map(|c| c.member_id).collect();
        let invited = Move::Invited { expires_at: self.expires_at };
        if move_state(txn, &member_ids, invited, now).await? != candidates.len() as u64 {
            return Err(AppError::Conflict(CHANGED_MEANWHILE.into()));
        }
        let public_ids: Vec<String> = candidates.iter().map(|_| PublicId::generate().into_inner()).collect();
        self.insert(candidates, &public_ids, hashes).await?;
        if let Some(sealed) = sealed {
            let messages: Vec<(&str, &str)> =
                hashes.iter().map(String::as_str).zip(sealed.iter().map(String::as_str)).collect();
            if outbox::queue(txn, self.tenant.organization_id(), &messages, now).await? != candidates.len() as u64 {
                return Err(AppError::Internal(anyhow::anyhow!("a message was not queued with its invitation")));
            }
        }
        self.issued += candidates.len();
        Ok(public_ids)
    }

    /// Writes the batch's counts and commits: answers the batch record.
    async fn commit(mut self, request: &IssueRequest) -> Result<Option<invitation_batch::Model>> {
        if let (Some(batch), Some(info)) = (self.batch.as_mut(), &request.batch) {
            batch.issued_count = self.issued as i32;
            batch.skipped_count = info.skipped_count as i32;
            invitation_batch::Entity::update_many()
                .col_expr(invitation_batch::Column::IssuedCount, Expr::value(batch.issued_count))
                .col_expr(invitation_batch::Column::SkippedCount, Expr::value(batch.skipped_count))
                .filter(invitation_batch::Column::Id.eq(batch.id))
                .exec(&self.txn)
                .await?;
        }
        self.txn.commit().await?;
        metrics::counter!("muster_invitations_issued_total").increment(self.issued as u64);
        Ok(self.batch)
    }
}

/// The record of a sheet upload; its counts are written when the issuing commits.
async fn insert_batch(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    request: &IssueRequest,
    info: &BatchInfo,
) -> Result<invitation_batch::Model> {
    Ok(invitation_batch::ActiveModel {
        public_id: Set(PublicId::generate().into_inner()),
        organization_id: Set(tenant.organization_id()),
        created_by: Set(request.created_by.clone()),
        file_name: Set(info.file_name.clone()),
        row_count: Set(info.row_count as i32),
        issued_count: Set(0),
        skipped_count: Set(0),
        created_at: Set(request.issued_at),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// The invitations of a sheet, issued while its rows are still being checked: the checks hand
/// over each chunk of rows that can be issued, and a task of its own inserts it into the
/// issuing's open transaction. The database's work for one chunk (about 0.25 s per 10,000 rows
/// on PostgreSQL) then overlaps with muster looking up and checking the next, on the other
/// core. Nothing is seen until [`Issuer::commit`]; dropped without it (a row had an error, or
/// the request went away), the transaction rolls back.
pub struct Issuer {
    feed: mpsc::Sender<Feed>,
    task: tokio::task::JoinHandle<Result<Option<Issued>>>,
}

/// A chunk of invitations to issue: each candidate with its link's token hash and, when muster
/// sends the invitations, its sealed link.
pub struct IssueChunk {
    pub candidates: Vec<Candidate>,
    pub token_hashes: Vec<String>,
    pub sealed_links: Option<Vec<String>>,
}

/// What an issuing committed: the batch record and how many invitations it holds.
pub struct Issued {
    pub batch: Option<invitation_batch::Model>,
    pub count: usize,
}

enum Feed {
    Chunk(IssueChunk),
    Commit { skipped: usize },
}

/// How many sheets may issue while they are still being checked. Such a sheet's transaction
/// holds a connection while its checks take others from the same pool: were every connection
/// held by one, their checks would wait on each other until the pool gave up. So it is at most
/// one fewer than the pool's connections (none with a single one); a sheet that finds none
/// free issues once its checks are done.
#[derive(Debug, Clone)]
pub struct EarlyIssuing(Arc<Semaphore>);

impl EarlyIssuing {
    pub fn new(max_connections: u32) -> Self {
        Self(Arc::new(Semaphore::new(max_connections.saturating_sub(1) as usize)))
    }

    /// A place for one sheet, when one is free.
    pub fn try_place(&self) -> Option<OwnedSemaphorePermit> {
        self.0.clone().try_acquire_owned().ok()
    }
}

impl Issuer {
    /// Starts the task; its transaction opens with the first chunk. `place`, when given, is
    /// held until the task ends.
    pub fn start(
        db: DatabaseConnection,
        tenant: Tenant,
        request: IssueRequest,
        place: Option<OwnedSemaphorePermit>,
    ) -> Self {
        // One chunk waits while another is inserted: the checks stay at most a chunk ahead.
        let (feed, chunks) = mpsc::channel(1);
        let task = tokio::spawn(async move {
            let issued = issue_as_fed(db, tenant, request, chunks).await;
            drop(place);
            issued
        });
        Self { feed, task }
    }

    /// Hands over a chunk. `false` when the issuing already failed: [`Issuer::commit`] says why.
    pub async fn send(&self, chunk: IssueChunk) -> bool {
        self.feed.send(Feed::Chunk(chunk)).await.is_ok()
    }

    /// Commits what was handed over, recording `skipped` rows on the batch.
    pub async fn commit(self, skipped: usize) -> Result<Issued> {
        // A failed send means the task ended; its result says why.
        let _ = self.feed.send(Feed::Commit { skipped }).await;
        drop(self.feed);
        let issued = joined(self.task.await).await??;
        issued.ok_or_else(|| AppError::Internal(anyhow::anyhow!("the issuing ended before its commit")))
    }
}

/// The issuer's task. Every chunk is also kept: after a public-id collision (about one in
/// 10^16 per id) the transaction is rolled back and, once all chunks are in, the whole
/// issuing runs again through [`issue`], which retries.
async fn issue_as_fed(
    db: DatabaseConnection,
    tenant: Tenant,
    mut request: IssueRequest,
    mut feed: mpsc::Receiver<Feed>,
) -> Result<Option<Issued>> {
    let mut issuing: Option<Issuing> = None;
    let mut collided = false;
    let mut kept: Vec<IssueChunk> = Vec::new();
    while let Some(item) = feed.recv().await {
        match item {
            Feed::Chunk(chunk) => {
                if !collided {
                    match add_chunk(&mut issuing, &db, tenant, &request, &chunk).await {
                        Err(AppError::Database(err)) if is_public_id_collision(&err) => {
                            issuing = None;
                            collided = true;
                        }
                        Err(err) => return Err(changed_meanwhile(err)),
                        Ok(()) => {}
                    }
                }
                kept.push(chunk);
            }
            Feed::Commit { skipped } => {
                if let Some(info) = request.batch.as_mut() {
                    info.skipped_count = skipped;
                }
                if let Some(open) = issuing.take() {
                    let count = open.issued;
                    let batch = open.commit(&request).await.map_err(changed_meanwhile)?;
                    return Ok(Some(Issued { batch, count }));
                }
                let mut candidates = Vec::new();
                let mut hashes = Vec::new();
                let mut sealed: Option<Vec<String>> = None;
                for chunk in kept {
                    candidates.extend(chunk.candidates);
                    hashes.extend(chunk.token_hashes);
                    if let Some(links) = chunk.sealed_links {
                        sealed.get_or_insert_with(Vec::new).extend(links);
                    }
                }
                request.sealed_links = sealed;
                let (batch, public_ids) = issue(&db, &tenant, &candidates, &request, &hashes).await?;
                return Ok(Some(Issued { batch, count: public_ids.len() }));
            }
        }
    }
    // Closed without a commit: `issuing`, if open, rolls back as it drops.
    Ok(None)
}

/// Adds a chunk to the issuing, opening it with the first.
async fn add_chunk(
    issuing: &mut Option<Issuing>,
    db: &DatabaseConnection,
    tenant: Tenant,
    request: &IssueRequest,
    chunk: &IssueChunk,
) -> Result<()> {
    let open = match issuing {
        Some(open) => open,
        None => issuing.insert(Issuing::begin(db, tenant, request).await?),
    };
    open.add(&chunk.candidates, &chunk.token_hashes, chunk.sealed_links.as_deref()).await.map(drop)
}

impl Issuing {
    /// Inserts a chunk of invitations as one JSON document:
    /// `[public id, member, email, language, token hash, roles]` per row.
    async fn insert(&self, candidates: &[Candidate], public_ids: &[String], hashes: &[String]) -> Result<()> {
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
            self.batch.as_ref().map(|batch| batch.id).into(),
            InvitationState::Pending.into(),
            self.created_by.as_str().into(),
            self.issued_at.into(),
            self.expires_at.into(),
            rows.into(),
        ];
        let backend = self.txn.get_database_backend();
        self.txn.execute_raw(Statement::from_sql_and_values(backend, insert_invitations_sql(backend), values)).await?;
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
    use super::secrets;
    use crate::domain::SecretToken;

    #[tokio::test]
    async fn secrets_are_distinct_and_hashed() {
        let made = secrets(3).await.unwrap();
        assert_eq!(made.len(), 3);
        assert_ne!(made[0].token.reveal(), made[1].token.reveal());
        assert!(made[0].token.reveal().starts_with("inv_"));
        assert_eq!(made[2].hash, SecretToken::hash_of(made[2].token.reveal()));
    }
}
