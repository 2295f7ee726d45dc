//! The one place a member's invitation state moves. A member's state is the state of their
//! latest invitation, so issuing, acceptance and revocation each move it here — in the
//! caller's transaction, beside the invitation rows they write. Each move names the states it
//! may start from, so that a member who accepted meanwhile is never moved back, and the count
//! of members moved tells the caller whether anyone changed under it.

use chrono::{DateTime, Utc};
use entity::{InvitationState, member};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr};

use crate::{Result, db::in_json_list};

/// Where a member's state goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// A new link, pending until `expires_at`: from any state but accepted (an accepted
    /// member stays one).
    Invited { expires_at: DateTime<Utc> },
    /// Their pending link was accepted: a full member.
    Accepted,
    /// Their pending link was revoked.
    Revoked,
}

/// Moves these members (row ids the caller found through its tenant) and answers how many
/// moved; a member whose state may not move this way is left as it is and not counted.
pub async fn move_state(db: &impl ConnectionTrait, member_ids: &[i64], to: Move, now: DateTime<Utc>) -> Result<u64> {
    if member_ids.is_empty() {
        return Ok(0);
    }
    let no_date = Option::<DateTime<Utc>>::None;
    let mut update = member::Entity::update_many().col_expr(member::Column::UpdatedAt, Expr::value(now));
    update = match to {
        Move::Invited { expires_at } => update
            .col_expr(member::Column::InvitationState, Expr::value(InvitationState::Pending))
            .col_expr(member::Column::InvitationExpiresAt, Expr::value(expires_at))
            .filter(member::Column::InvitationState.ne(InvitationState::Accepted)),
        Move::Accepted => update
            .col_expr(member::Column::InvitationState, Expr::value(InvitationState::Accepted))
            .col_expr(member::Column::InvitationExpiresAt, Expr::value(no_date))
            .col_expr(member::Column::AcceptedAt, Expr::value(now)),
        Move::Revoked => update
            .col_expr(member::Column::InvitationState, Expr::value(InvitationState::Revoked))
            .col_expr(member::Column::InvitationExpiresAt, Expr::value(no_date))
            .filter(member::Column::InvitationState.eq(InvitationState::Pending)),
    };
    // By primary key alone: the ids are the tenant's own, and adding the organization led
    // PostgreSQL to scan the organization's members for each chunk of a sheet.
    let backend = db.get_database_backend();
    let moved = update.filter(in_json_list(backend, member::Column::Id, member_ids)).exec(db).await?;
    Ok(moved.rows_affected)
}
