//! What is wrong with a sheet (errors) or what was done to read it (warnings), with the line a
//! person sees in their spreadsheet (the header is line 1; 0 where no line applies), the
//! column, a stable code and a message that says how to fix it.

use serde::{Serialize, Serializer};

/// The stable codes of sheet problems, as clients read them (`UNKNOWN_MEMBER`). Never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    UnknownMember,
    InvalidEmail,
    EmailDomainNotInSso,
    EmailTaken,
    DuplicateMember,
    DuplicateEmail,
    UnsupportedLanguage,
    UnknownRole,
    MissingValue,
    AlreadyAccepted,
    ValueTooLong,
    TooManyRoles,
    CellNotText,
    EmptySheet,
    MissingColumn,
    UnreadableEncoding,
    TooManyRows,
    TooLarge,
    // Warnings: what was converted or will happen, nothing that stops issuing.
    Converted,
    Reissue,
    EmailChanged,
    EmailDomainOutsideSso,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnknownMember => "UNKNOWN_MEMBER",
            Self::InvalidEmail => "INVALID_EMAIL",
            Self::EmailDomainNotInSso => "EMAIL_DOMAIN_NOT_IN_SSO",
            Self::EmailTaken => "EMAIL_TAKEN",
            Self::DuplicateMember => "DUPLICATE_MEMBER",
            Self::DuplicateEmail => "DUPLICATE_EMAIL",
            Self::UnsupportedLanguage => "UNSUPPORTED_LANGUAGE",
            Self::UnknownRole => "UNKNOWN_ROLE",
            Self::MissingValue => "MISSING_VALUE",
            Self::AlreadyAccepted => "ALREADY_ACCEPTED",
            Self::ValueTooLong => "VALUE_TOO_LONG",
            Self::TooManyRoles => "TOO_MANY_ROLES",
            Self::CellNotText => "CELL_NOT_TEXT",
            Self::EmptySheet => "EMPTY_SHEET",
            Self::MissingColumn => "MISSING_COLUMN",
            Self::UnreadableEncoding => "UNREADABLE_ENCODING",
            Self::TooManyRows => "TOO_MANY_ROWS",
            Self::TooLarge => "TOO_LARGE",
            Self::Converted => "CONVERTED",
            Self::Reissue => "REISSUE",
            Self::EmailChanged => "EMAIL_CHANGED",
            Self::EmailDomainOutsideSso => "EMAIL_DOMAIN_OUTSIDE_SSO",
        }
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The invitation sheet's columns, named as its header names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    MemberId,
    Email,
    Language,
    RoleIds,
}

impl Column {
    pub const ALL: [Self; 4] = [Self::MemberId, Self::Email, Self::Language, Self::RoleIds];

    pub fn header(self) -> &'static str {
        match self {
            Self::MemberId => "Team Member ID",
            Self::Email => "Email",
            Self::Language => "Language",
            Self::RoleIds => "Role IDs",
        }
    }
}

impl Serialize for Column {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.header())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SheetProblem {
    pub line: u32,
    pub column: Option<Column>,
    pub code: Code,
    pub message: String,
    /// In a workbook, the worksheet and the cell as the spreadsheet names them
    /// (`Invitation Links!B7`); a worksheet alone for a problem of the whole worksheet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
}

impl SheetProblem {
    pub fn new(line: u32, column: Option<Column>, code: Code, message: impl Into<String>) -> Self {
        Self { line, column, code, message: message.into(), cell: None }
    }

    /// A problem of the whole sheet (no line, no column).
    pub fn sheet(code: Code, message: impl Into<String>) -> Self {
        Self::new(0, None, code, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_clients_read_it() {
        let problem = SheetProblem::new(7, Some(Column::RoleIds), Code::UnknownRole, "no such role");
        assert_eq!(
            serde_json::to_value(&problem).unwrap(),
            serde_json::json!({ "line": 7, "column": "Role IDs", "code": "UNKNOWN_ROLE", "message": "no such role" })
        );
    }
}
