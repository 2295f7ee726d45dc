//! What is wrong with a sheet (errors) or what was done to read it (warnings), with the line a
//! person sees in their spreadsheet (the header is line 1; 0 where no line applies), the
//! column, a stable code and a message that says how to fix it.

use serde::Serialize;

/// Stable codes of sheet problems. Never rename one.
pub mod codes {
    pub const UNKNOWN_MEMBER: &str = "UNKNOWN_MEMBER";
    pub const INVALID_EMAIL: &str = "INVALID_EMAIL";
    pub const EMAIL_DOMAIN_NOT_IN_SSO: &str = "EMAIL_DOMAIN_NOT_IN_SSO";
    pub const EMAIL_TAKEN: &str = "EMAIL_TAKEN";
    pub const DUPLICATE_MEMBER: &str = "DUPLICATE_MEMBER";
    pub const DUPLICATE_EMAIL: &str = "DUPLICATE_EMAIL";
    pub const UNSUPPORTED_LANGUAGE: &str = "UNSUPPORTED_LANGUAGE";
    pub const UNKNOWN_ROLE: &str = "UNKNOWN_ROLE";
    pub const MISSING_VALUE: &str = "MISSING_VALUE";
    pub const ALREADY_ACCEPTED: &str = "ALREADY_ACCEPTED";
    pub const EMPTY_SHEET: &str = "EMPTY_SHEET";
    pub const MISSING_COLUMN: &str = "MISSING_COLUMN";
    pub const UNREADABLE_ENCODING: &str = "UNREADABLE_ENCODING";
    pub const TOO_MANY_ROWS: &str = "TOO_MANY_ROWS";
    pub const TOO_LARGE: &str = "TOO_LARGE";
    /// Warnings: what was converted or will happen, nothing that stops issuing.
    pub const CONVERTED: &str = "CONVERTED";
    pub const REISSUE: &str = "REISSUE";
    pub const EMAIL_CHANGED: &str = "EMAIL_CHANGED";
    pub const EMAIL_DOMAIN_OUTSIDE_SSO: &str = "EMAIL_DOMAIN_OUTSIDE_SSO";
}

/// The sheet's column names, as problems name them.
pub mod columns {
    pub const MEMBER_ID: &str = "Team Member ID";
    pub const EMAIL: &str = "Email";
    pub const LANGUAGE: &str = "Language";
    pub const ROLE_IDS: &str = "Role IDs";
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SheetProblem {
    pub line: u32,
    pub column: Option<String>,
    pub code: &'static str,
    pub message: String,
}

impl SheetProblem {
    pub fn new(line: u32, column: Option<&str>, code: &'static str, message: impl Into<String>) -> Self {
        Self { line, column: column.map(str::to_owned), code, message: message.into() }
    }

    /// A problem of the whole sheet (no line, no column).
    pub fn sheet(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(0, None, code, message)
    }
}
