//! Names people give things: a member, an organization, an API token, an SSO provider
//! ([`DisplayName`]), a role ([`RoleName`]). Trimmed, never empty, bounded, and free of control
//! characters and line breaks, which would break a sheet's row or a log line.

use std::fmt;

use crate::limits;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("is empty")]
    Empty,
    #[error("is longer than {0} characters")]
    TooLong(usize),
    #[error("holds control characters or line breaks; remove them")]
    ControlCharacters,
}

/// A name of 1 to [`limits::NAME_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(input: &str) -> Result<Self, NameError> {
        checked(input, limits::NAME_CHARS).map(Self)
    }

    /// An optional name: blank means none.
    pub fn parse_optional(input: Option<&str>) -> Result<Option<Self>, NameError> {
        match input.map(str::trim).filter(|name| !name.is_empty()) {
            Some(name) => Self::parse(name).map(Some),
            None => Ok(None),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Display for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A role's name, 1 to [`limits::ROLE_NAME_CHARS`] characters; unique per organization
/// ignoring case ([`RoleName::key`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleName(String);

impl RoleName {
    pub fn parse(input: &str) -> Result<Self, NameError> {
        checked(input, limits::ROLE_NAME_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What uniqueness and ordering compare.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for RoleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn checked(input: &str, max_chars: usize) -> Result<String, NameError> {
    let name = input.trim();
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.chars().count() > max_chars {
        return Err(NameError::TooLong(max_chars));
    }
    if name.chars().any(char::is_control) {
        return Err(NameError::ControlCharacters);
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_bounded_and_single_line() {
        assert_eq!(DisplayName::parse("  Ana Silva ").unwrap().as_str(), "Ana Silva");
        assert_eq!(DisplayName::parse(" "), Err(NameError::Empty));
        assert_eq!(DisplayName::parse(&"a".repeat(201)), Err(NameError::TooLong(200)));
        assert!(DisplayName::parse(&"é".repeat(200)).is_ok(), "characters, not bytes");
        assert_eq!(DisplayName::parse("Ana\nSilva"), Err(NameError::ControlCharacters));
        assert_eq!(DisplayName::parse_optional(Some("  ")), Ok(None));
        assert_eq!(DisplayName::parse_optional(None), Ok(None));
        assert_eq!(RoleName::parse(&"r".repeat(101)), Err(NameError::TooLong(100)));
        assert_eq!(RoleName::parse("Team Lead").unwrap().key(), "team lead");
    }
}
