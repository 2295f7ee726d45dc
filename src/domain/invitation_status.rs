//! Where an invitation stands — and a member, through their latest invitation. The stored
//! [`InvitationState`] has four words; EXPIRED is not stored but derived here, and only here:
//! in Rust by [`InvitationStatus::of`] and in SQL by [`InvitationStatus::condition`], side by
//! side so that a status shown and a status filtered on cannot disagree. No job has to flip
//! rows when a link runs out.

use chrono::{DateTime, Utc};
pub use entity::InvitationState;
use sea_orm::{ColumnTrait, Condition};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InvitationStatus {
    /// Never invited.
    NotInvited,
    /// Holds a link that can still be accepted.
    Pending,
    /// Accepted an invitation: a full member.
    Accepted,
    /// The latest link ran out before it was accepted.
    Expired,
    /// The latest link was revoked.
    Revoked,
}

impl InvitationStatus {
    pub const ALL: [Self; 5] = [Self::NotInvited, Self::Pending, Self::Accepted, Self::Expired, Self::Revoked];

    /// The status of a stored state and expiry at time `now`: a pending link past its expiry
    /// is EXPIRED.
    pub fn of(state: InvitationState, expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Self {
        match state {
            InvitationState::NotInvited => Self::NotInvited,
            InvitationState::Pending => match expires_at {
                Some(expires_at) if expires_at <= now => Self::Expired,
                _ => Self::Pending,
            },
            InvitationState::Accepted => Self::Accepted,
            InvitationState::Revoked => Self::Revoked,
        }
    }

    /// The rows whose `state` and `expires_at` columns have this status at time `now`: the
    /// SQL twin of [`InvitationStatus::of`].
    pub fn condition(self, state: impl ColumnTrait, expires_at: impl ColumnTrait, now: DateTime<Utc>) -> Condition {
        let is = |value: InvitationState| Condition::all().add(state.eq(value));
        match self {
            Self::NotInvited => is(InvitationState::NotInvited),
            Self::Accepted => is(InvitationState::Accepted),
            Self::Revoked => is(InvitationState::Revoked),
            Self::Pending => is(InvitationState::Pending).add(expires_at.gt(now)),
            Self::Expired => is(InvitationState::Pending).add(expires_at.lte(now)),
        }
    }

    /// The rows with any of these statuses; `None` for an empty list (no filter).
    pub fn any_condition(
        statuses: &[Self],
        state: impl ColumnTrait,
        expires_at: impl ColumnTrait,
        now: DateTime<Utc>,
    ) -> Option<Condition> {
        (!statuses.is_empty()).then(|| {
            statuses.iter().fold(Condition::any(), |any, status| any.add(status.condition(state, expires_at, now)))
        })
    }

    /// The words of the export's "Pending Invitations" column (as the platform's admin UI).
    pub fn label(self) -> &'static str {
        match self {
            Self::NotInvited => "Not Invited",
            Self::Pending => "Pending Invitation",
            Self::Accepted => "Accepted",
            Self::Expired => "Expired",
            Self::Revoked => "Revoked",
        }
    }

    /// Reads a status from a query parameter: the GraphQL name (`NOT_INVITED`), in any case,
    /// or the export's label (`Pending Invitation`), so a filter can be copied from either.
    pub fn parse_param(value: &str) -> Option<Self> {
        let letters = |text: &str| text.chars().filter(|c| c.is_alphanumeric()).collect::<String>().to_lowercase();
        let wanted = letters(value);
        Self::ALL
            .into_iter()
            .find(|status| wanted == letters(&format!("{status:?}")) || wanted == letters(status.label()))
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use sea_orm::{DbBackend, EntityTrait, QueryFilter, QueryTrait};

    use super::{InvitationState as State, InvitationStatus as S};

    #[test]
    fn expired_is_a_pending_state_past_its_expiry() {
        let now = chrono::Utc::now();
        assert_eq!(S::of(State::Pending, Some(now + Duration::seconds(1)), now), S::Pending);
        assert_eq!(S::of(State::Pending, Some(now), now), S::Expired);
        assert_eq!(S::of(State::Revoked, Some(now - Duration::days(1)), now), S::Revoked);
        assert_eq!(S::of(State::NotInvited, None, now), S::NotInvited);
    }

    #[test]
    fn the_sql_condition_says_the_same() {
        use entity::member::{Column, Entity};
        let now = chrono::Utc::now();
        let sql = |statuses: &[S]| {
            let condition = S::any_condition(statuses, Column::InvitationState, Column::InvitationExpiresAt, now);
            Entity::find().filter(condition.unwrap()).build(DbBackend::Sqlite).sql
        };
        let expired = sql(&[S::Expired]);
        assert!(expired.contains(r#""invitation_state" = ? AND "members"."invitation_expires_at" <= ?"#), "{expired}");
        assert!(sql(&[S::NotInvited, S::Revoked]).contains(" OR "));
        assert!(S::any_condition(&[], Column::InvitationState, Column::InvitationExpiresAt, now).is_none());
    }

    #[test]
    fn parses_names_and_labels() {
        assert_eq!(S::parse_param("NOT_INVITED"), Some(S::NotInvited));
        assert_eq!(S::parse_param("Not Invited"), Some(S::NotInvited));
        assert_eq!(S::parse_param("pending"), Some(S::Pending));
        assert_eq!(S::parse_param("Pending Invitation"), Some(S::Pending));
        assert_eq!(S::parse_param("expired"), Some(S::Expired));
        assert_eq!(S::parse_param("gone"), None);
    }
}
