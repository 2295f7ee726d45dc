//! Where a member stands with invitations. The stored state is one of four words; EXPIRED is
//! derived at read time from `invitation_expires_at`, so no job has to flip rows when a link
//! runs out, and filters compute it the same way (see `filter`).

use chrono::{DateTime, Utc};
use entity::member;

/// Values of `members.invitation_state`.
pub mod state {
    pub const NOT_INVITED: &str = "not_invited";
    pub const PENDING: &str = "pending";
    pub const ACCEPTED: &str = "accepted";
    pub const REVOKED: &str = "revoked";
}

#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    pub fn of(member: &member::Model, now: DateTime<Utc>) -> Self {
        Self::from_state(&member.invitation_state, member.invitation_expires_at, now)
    }

    /// The status from the stored state and expiry, at time `now`.
    pub fn from_state(state: &str, expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Self {
        match state {
            state::PENDING => match expires_at {
                Some(expires_at) if expires_at <= now => Self::Expired,
                _ => Self::Pending,
            },
            state::ACCEPTED => Self::Accepted,
            state::REVOKED => Self::Revoked,
            _ => Self::NotInvited,
        }
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

    pub const ALL: [Self; 5] = [Self::NotInvited, Self::Pending, Self::Accepted, Self::Expired, Self::Revoked];

    /// Reads a status from a query parameter: the GraphQL name (`NOT_INVITED`), in any case,
    /// or the export's label (`Pending Invitation`), so a filter can be copied from either.
    pub fn parse_param(value: &str) -> Option<Self> {
        let wanted: String = value.chars().filter(|c| c.is_alphanumeric()).collect::<String>().to_lowercase();
        Self::ALL.into_iter().find(|status| {
            let name = format!("{status:?}").to_lowercase();
            let label: String =
                status.label().chars().filter(|c| c.is_alphanumeric()).collect::<String>().to_lowercase();
            wanted == name || wanted == label || (*status == Self::Pending && wanted == "pending")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::InvitationStatus as S;

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
