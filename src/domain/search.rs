//! What a list is searched for: part of an address or a name, ignoring case. Bounded, so that
//! a pasted page of text is a clear error rather than a scan with a megabyte-long pattern.

use crate::limits::SEARCH_CHARS;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is longer than {SEARCH_CHARS} characters; search for part of an address or a name")]
pub struct SearchTooLong;

impl SearchText {
    /// Trimmed and lower-cased; blank means no search.
    pub fn parse(input: Option<&str>) -> Result<Option<Self>, SearchTooLong> {
        let Some(text) = input.map(str::trim).filter(|text| !text.is_empty()) else { return Ok(None) };
        if text.chars().nth(SEARCH_CHARS).is_some() {
            return Err(SearchTooLong);
        }
        Ok(Some(Self(text.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_are_trimmed_lowered_and_bounded() {
        assert_eq!(SearchText::parse(Some("  Ana ")).unwrap().unwrap().as_str(), "ana");
        assert_eq!(SearchText::parse(Some("   ")), Ok(None));
        assert_eq!(SearchText::parse(None), Ok(None));
        assert!(SearchText::parse(Some(&"é".repeat(SEARCH_CHARS))).unwrap().is_some());
        assert_eq!(SearchText::parse(Some(&"a".repeat(SEARCH_CHARS + 1))), Err(SearchTooLong));
    }
}
