//! Invitations: personal links issued in bulk from a sheet or one at a time, their lifecycle
//! (revoke, resend, expiry) and their acceptance.
//!
//! - [`rules`]: the checks a row or a single invitation goes through (member, email, language,
//!   roles), each answering a typed problem; pure, no I/O;
//! - [`validate`]: a whole sheet's rows against the organization, with cross-row checks;
//! - [`issue`]: writes invitations in bulk, in one transaction;
//! - [`sheet`]: the whole upload flow, from bytes to the links sheet;
//! - [`lifecycle`]: single invitations, revoke, resend;
//! - [`list`]: lists, counts and the relations the API shows;
//! - [`accept`]: the invitee's side: looking a link up and accepting it;
//! - [`sso_flow`]: accepting by signing in with the organization's provider (code flow).

pub mod accept;
pub mod issue;
pub mod lifecycle;
pub mod list;
pub mod rules;
pub mod sheet;
pub mod sso_flow;
pub mod validate;

pub use issue::EarlyIssuing;

use chrono::{DateTime, Utc};

use crate::{AppError, Result, limits::INVITE_TTL_DAYS};

/// What invitations need of the configuration: where links point, and how long they live
/// unless a request says otherwise.
#[derive(Debug, Clone)]
pub struct LinkSettings {
    public_base: String,
    default_ttl_days: i32,
}

impl LinkSettings {
    /// `public_url` is where invitees reach muster (`MUSTER_PUBLIC_URL`).
    pub fn new(public_url: &str, default_ttl_days: u32) -> Self {
        let default_ttl_days = i32::try_from(default_ttl_days).unwrap_or(i32::MAX);
        Self { public_base: public_url.trim_end_matches('/').to_owned(), default_ttl_days }
    }

    /// The link an invitee opens.
    pub fn link(&self, token: &str) -> String {
        format!("{}/invite/{token}", self.public_base)
    }

    /// Where the organization's provider sends the invitee back after signing in.
    pub fn sso_callback(&self) -> String {
        format!("{}/sso/callback", self.public_base)
    }

    /// When links issued `now` expire: after `expires_in_days` or the configured default.
    pub fn expiry(&self, expires_in_days: Option<i32>, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
        let days = expires_in_days.unwrap_or(self.default_ttl_days);
        if !INVITE_TTL_DAYS.contains(&days) {
            return Err(AppError::bad_input(
                "expiresInDays",
                format!("must be between {} and {} days, got {days}", INVITE_TTL_DAYS.start(), INVITE_TTL_DAYS.end()),
            ));
        }
        Ok(now + chrono::Duration::days(days as i64))
    }
}

#[cfg(test)]
mod tests {
    use super::LinkSettings;

    #[test]
    fn links_and_expiry() {
        let settings = LinkSettings::new("https://muster.example/", 7);
        assert_eq!(settings.link("inv_x"), "https://muster.example/invite/inv_x");
        assert_eq!(settings.sso_callback(), "https://muster.example/sso/callback");
        let now = chrono::Utc::now();
        assert_eq!(settings.expiry(None, now).unwrap(), now + chrono::Duration::days(7));
        assert_eq!(settings.expiry(Some(30), now).unwrap(), now + chrono::Duration::days(30));
        assert!(settings.expiry(Some(0), now).is_err());
        assert!(settings.expiry(Some(31), now).is_err());
    }
}
