//! Languages as BCP 47 tags (`en`, `pt-BR`, `zh-Hant-TW`) in their canonical case, and the
//! organization's list of supported ones. Spreadsheets write `EN`, `pt_br` or ` fr `: those
//! parse to the canonical tag, and callers can tell the input was not already canonical.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Language(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LanguageError {
    #[error("is empty")]
    Empty,
    #[error("`{0}` is not a language tag; use a BCP 47 tag such as `en` or `pt-BR`")]
    Malformed(String),
    #[error("`{tag}` is not a supported language{hint}; supported: {supported}")]
    Unsupported { tag: String, hint: String, supported: String },
}

impl Language {
    /// Parses the syntax of a tag into canonical case: language lower, script title, region
    /// upper, other subtags lower. `_` is accepted as a separator, as spreadsheets and
    /// POSIX locales use it.
    pub fn parse_tag(input: &str) -> Result<Self, LanguageError> {
        let raw = input.trim();
        if raw.is_empty() {
            return Err(LanguageError::Empty);
        }
        let malformed = || LanguageError::Malformed(raw.to_owned());
        let mut parts = Vec::new();
        for (index, sub) in raw.split(['-', '_']).enumerate() {
            if sub.is_empty() || sub.len() > 8 || !sub.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(malformed());
            }
            let canonical = if index == 0 {
                if !(2..=3).contains(&sub.len()) || !sub.chars().all(|c| c.is_ascii_alphabetic()) {
                    return Err(malformed());
                }
                sub.to_ascii_lowercase()
            } else if sub.len() == 4 && sub.chars().all(|c| c.is_ascii_alphabetic()) {
                let lower = sub.to_ascii_lowercase();
                lower[..1].to_ascii_uppercase() + &lower[1..]
            } else if (sub.len() == 2 && sub.chars().all(|c| c.is_ascii_alphabetic()))
                || (sub.len() == 3 && sub.chars().all(|c| c.is_ascii_digit()))
            {
                sub.to_ascii_uppercase()
            } else {
                sub.to_ascii_lowercase()
            };
            parts.push(canonical);
        }
        Ok(Self(parts.join("-")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The primary language subtag: `pt` for `pt-BR`.
    pub fn primary(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The languages an organization's members may have.
#[derive(Debug, Clone)]
pub struct SupportedLanguages(Vec<Language>);

impl SupportedLanguages {
    pub fn new(mut tags: Vec<Language>) -> Self {
        tags.dedup();
        Self(tags)
    }

    pub fn tags(&self) -> &[Language] {
        &self.0
    }

    pub fn default_language(&self) -> &Language {
        &self.0[0]
    }

    /// Parses and checks a tag against the list, saying which supported tag was probably
    /// meant when it is not on it (`pt-PT` → `pt`, `en-US` → `en`).
    pub fn parse(&self, input: &str) -> Result<Language, LanguageError> {
        let tag = Language::parse_tag(input)?;
        if self.0.contains(&tag) {
            return Ok(tag);
        }
        let hint = self.nearest(&tag).map(|near| format!(" (did you mean `{near}`?)")).unwrap_or_default();
        Err(LanguageError::Unsupported {
            tag: tag.0,
            hint,
            supported: self.0.iter().map(Language::as_str).collect::<Vec<_>>().join(", "),
        })
    }

    fn nearest(&self, tag: &Language) -> Option<&Language> {
        self.0
            .iter()
            .find(|known| known.as_str() == tag.primary())
            .or_else(|| self.0.iter().find(|known| known.primary() == tag.primary()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn supported() -> SupportedLanguages {
        SupportedLanguages::new(
            ["en", "fr", "es", "de", "it", "pt", "pt-BR", "nl"]
                .iter()
                .map(|t| Language::parse_tag(t).unwrap())
                .collect(),
        )
    }

    #[test]
    fn canonicalises_case_and_separators() {
        assert_eq!(Language::parse_tag("EN").unwrap().as_str(), "en");
        assert_eq!(Language::parse_tag("pt_br").unwrap().as_str(), "pt-BR");
        assert_eq!(Language::parse_tag(" zh-hant-tw ").unwrap().as_str(), "zh-Hant-TW");
        assert_eq!(Language::parse_tag("es-419").unwrap().as_str(), "es-419");
    }

    #[test]
    fn refuses_malformed_tags() {
        for bad in ["", "e", "english1", "en--us", "en-", "1en", "en us"] {
            assert!(Language::parse_tag(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn checks_the_supported_list_and_suggests_the_nearest() {
        let langs = supported();
        assert_eq!(langs.parse("pt_BR").unwrap().as_str(), "pt-BR");
        let message = langs.parse("pt-PT").unwrap_err().to_string();
        assert!(message.contains("did you mean `pt`"), "{message}");
        let message = langs.parse("en-US").unwrap_err().to_string();
        assert!(message.contains("did you mean `en`"), "{message}");
        let message = langs.parse("ja").unwrap_err().to_string();
        assert!(!message.contains("did you mean") && message.contains("pt-BR"), "{message}");
    }
}
