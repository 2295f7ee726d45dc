//! Domain types: input is parsed into these once, at the edge (GraphQL arguments, sheet cells,
//! query parameters, the command line); past that point nothing re-checks it. No I/O here.

mod email;
mod invitation_status;
mod language;
mod mail_domain;
mod name;
mod public_id;
mod search;
mod secret;
mod slug;

pub use email::{Email, EmailError};
pub use invitation_status::{InvitationState, InvitationStatus};
pub use language::{Language, LanguageError, SupportedLanguages};
pub use mail_domain::{DomainError, MailDomain};
pub use name::{DisplayName, NameError, RoleName};
pub use public_id::PublicId;
pub use search::{SearchText, SearchTooLong};
pub use secret::SecretToken;
pub use slug::{Slug, SlugError};

/// Starts a cell that a spreadsheet would run as a formula (OWASP CSV injection).
pub fn starts_like_formula(value: &str) -> bool {
    value.starts_with(['=', '+', '-', '@', '\t', '\r'])
}
