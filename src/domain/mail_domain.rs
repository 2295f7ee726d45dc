//! Mail domains (`acme.com`), as SSO providers list them and as addresses end: lower case,
//! internationalised names in their ASCII form (`bücher.de` → `xn--bcher-kva.de`), so that a
//! domain typed by an admin and one read from an address compare equal.

use std::fmt;

use super::Email;

/// Mail services anyone can sign up to: never an organization's own domain.
const PUBLIC_MAIL_SERVICES: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "hotmail.co.uk",
    "hotmail.fr",
    "live.com",
    "live.fr",
    "msn.com",
    "yahoo.com",
    "yahoo.co.uk",
    "yahoo.fr",
    "ymail.com",
    "aol.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "proton.me",
    "protonmail.com",
    "pm.me",
    "gmx.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "mail.com",
    "yandex.com",
    "yandex.ru",
    "mail.ru",
    "zoho.com",
    "fastmail.com",
    "tutanota.com",
    "hey.com",
    "qq.com",
    "163.com",
    "126.com",
    "orange.fr",
    "free.fr",
    "laposte.net",
    "t-online.de",
    "libero.it",
    "uol.com.br",
    "bol.com.br",
];

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MailDomain(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a domain name like `example.com`")]
pub struct DomainError(String);

impl MailDomain {
    /// Parses a domain as an admin types it (`@Acme.COM.` reads as `acme.com`).
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let raw = input.trim().trim_start_matches('@').trim_end_matches('.');
        let ascii = idna::domain_to_ascii(raw).map_err(|_| DomainError(input.to_owned()))?;
        if !is_hostname(&ascii) {
            return Err(DomainError(input.to_owned()));
        }
        Ok(Self(ascii))
    }

    /// The domain an address ends with, in the same form.
    pub fn of(email: &Email) -> Self {
        Self(idna::domain_to_ascii(email.domain()).unwrap_or_else(|_| email.domain().to_owned()))
    }

    /// Whether anyone can have an address here (`gmail.com`), so that it says nothing of
    /// who the person works for.
    pub fn is_public_mail_service(&self) -> bool {
        PUBLIC_MAIL_SERVICES.contains(&self.0.as_str())
    }

    /// Whether `other` is this domain, or (with `subdomains`) one below it.
    pub fn covers(&self, other: &MailDomain, subdomains: bool) -> bool {
        other.0 == self.0
            || (subdomains && other.0.len() > self.0.len() + 1 && other.0.ends_with(&self.0) && {
                other.0.as_bytes()[other.0.len() - self.0.len() - 1] == b'.'
            })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Display for MailDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Two or more labels of letters, digits and inner `-`, the last not all digits.
fn is_hostname(ascii: &str) -> bool {
    let labels: Vec<&str> = ascii.split('.').collect();
    labels.len() >= 2
        && ascii.len() <= 253
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && !labels[labels.len() - 1].bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_canonical_and_checked() {
        assert_eq!(MailDomain::parse(" Acme.COM. ").unwrap().as_str(), "acme.com");
        assert_eq!(MailDomain::parse("@acme.com").unwrap().as_str(), "acme.com");
        assert_eq!(MailDomain::parse("bücher.de").unwrap().as_str(), "xn--bcher-kva.de");
        for bad in ["acme", "acme..com", "-acme.com", "acme.123", "exa mple.com", ""] {
            assert!(MailDomain::parse(bad).is_err(), "{bad:?}");
        }
        assert!(MailDomain::parse("Gmail.com").unwrap().is_public_mail_service());
        assert!(!MailDomain::parse("acme.com").unwrap().is_public_mail_service());
    }

    #[test]
    fn an_address_has_the_domain_an_admin_would_type() {
        let email = Email::parse("jose@Bücher.de").unwrap();
        assert_eq!(MailDomain::of(&email), MailDomain::parse("bücher.de").unwrap());
    }

    #[test]
    fn subdomains_count_only_when_asked_and_only_below_a_dot() {
        let acme = MailDomain::parse("acme.com").unwrap();
        let eu = MailDomain::parse("eu.acme.com").unwrap();
        let lookalike = MailDomain::parse("notacme.com").unwrap();
        assert!(acme.covers(&acme, false));
        assert!(!acme.covers(&eu, false));
        assert!(acme.covers(&eu, true));
        assert!(!acme.covers(&lookalike, true));
    }
}
