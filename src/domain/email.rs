//! Email addresses as muster accepts them: the everyday `local@domain` form (no quoted local
//! parts, no IP-literal domains, no comments), which is what SSO providers issue and what
//! spreadsheets hold. The domain is lower-cased; the local part keeps its case, as mail
//! servers may treat it as significant, but two addresses that differ only in case are the
//! same member (see `key`).

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("is empty")]
    Empty,
    #[error("`{0}` starts with `{1}`, which spreadsheets run as a formula; remove it")]
    FormulaLike(String, char),
    #[error("`{0}` is not an email address: it needs one `@` between a name and a domain, like `ana@example.com`")]
    Shape(String),
    #[error("`{0}` is longer than 254 characters")]
    TooLong(String),
    #[error("`{0}` has a character an address cannot have before the `@`: `{1}`")]
    LocalChar(String, char),
    #[error("`{0}` has dots in the wrong place before the `@` (first, last or doubled)")]
    LocalDots(String),
    #[error("`{0}` has no valid domain after the `@`: {1}")]
    Domain(String, &'static str),
}

impl Email {
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let raw = input.trim();
        if raw.is_empty() {
            return Err(EmailError::Empty);
        }
        if let Some(first) = raw.chars().next().filter(|c| ['=', '+', '-', '@'].contains(c)) {
            return Err(EmailError::FormulaLike(raw.to_owned(), first));
        }
        if raw.chars().count() > 254 {
            return Err(EmailError::TooLong(truncate(raw)));
        }
        let Some((local, domain)) = raw.rsplit_once('@') else {
            return Err(EmailError::Shape(raw.to_owned()));
        };
        if local.is_empty() || domain.is_empty() || local.len() > 64 {
            return Err(EmailError::Shape(raw.to_owned()));
        }
        if let Some(bad) = local.chars().find(|c| !is_local_char(*c)) {
            return Err(EmailError::LocalChar(raw.to_owned(), bad));
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(EmailError::LocalDots(raw.to_owned()));
        }
        let domain = domain.to_lowercase();
        check_domain(&domain).map_err(|why| EmailError::Domain(raw.to_owned(), why))?;
        Ok(Self(format!("{local}@{domain}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The whole address lower-cased: what uniqueness and search compare.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }

    /// The part after the `@`, lower case.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, domain)| domain).unwrap_or_default()
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn truncate(raw: &str) -> String {
    let mut short: String = raw.chars().take(40).collect();
    short.push('…');
    short
}

fn is_local_char(c: char) -> bool {
    c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c)
}

fn check_domain(domain: &str) -> Result<(), &'static str> {
    if domain.len() > 253 {
        return Err("it is longer than 253 characters");
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Err("it needs a dot, like `example.com`");
    }
    for label in &labels {
        if label.is_empty() {
            return Err("it has an empty part between dots");
        }
        if label.chars().count() > 63 {
            return Err("one of its parts is longer than 63 characters");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("a part starts or ends with `-`");
        }
        if !label.chars().all(|c| c.is_alphanumeric() || c == '-') {
            return Err("it has a character other than letters, digits, `-` and `.`");
        }
    }
    let tld = labels[labels.len() - 1];
    if tld.chars().all(|c| c.is_ascii_digit()) {
        return Err("it ends in a number; use a domain name");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_everyday_addresses_and_lowercases_the_domain() {
        let email = Email::parse("  Ana.Silva+team@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "Ana.Silva+team@example.com");
        assert_eq!(email.key(), "ana.silva+team@example.com");
        assert_eq!(email.domain(), "example.com");
        assert!(Email::parse("o'neil@sub.example.co.uk").is_ok());
        assert!(Email::parse("jose@bücher.de").is_ok());
    }

    #[test]
    fn refuses_what_is_not_an_address() {
        for bad in [
            "",
            "   ",
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "ana@@example.com",
            "ana@exa mple.com",
            "a na@example.com",
            ".ana@example.com",
            "ana.@example.com",
            "an..a@example.com",
            "ana@-example.com",
            "ana@example..com",
            "ana@1.2.3.4",
            "ana@example.com,bob@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn refuses_formula_like_cells() {
        for bad in ["=HYPERLINK(\"x\")@a.com", "+ana@example.com", "-ana@example.com", "@ana@example.com"] {
            assert!(matches!(Email::parse(bad), Err(EmailError::FormulaLike(..))), "{bad}");
        }
    }

    #[test]
    fn errors_say_what_to_fix() {
        let message = Email::parse("ana.example.com").unwrap_err().to_string();
        assert!(message.contains("ana.example.com") && message.contains('@'), "{message}");
    }
}
