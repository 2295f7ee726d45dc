//! Which emails may be invited. The validator asks an [`EmailPolicy`] about every address
//! before anything is issued; the SSO domain check is one such policy.

use crate::domain::Email;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Not invitable: the row is an error with this code and message.
    Refused {
        code: &'static str,
        message: String,
    },
    /// Invitable, but the admin should know: a warning with this code and message.
    Warning {
        code: &'static str,
        message: String,
    },
}

pub trait EmailPolicy: Send + Sync {
    fn check(&self, email: &Email) -> Verdict;
}
