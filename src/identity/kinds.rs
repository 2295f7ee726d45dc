//! How each kind of identity provider proves that the person signing in owns the invited
//! address — the rules of `SSO providers by kind`:
//! - `GENERIC`, `OKTA`, `AUTH0`, `KEYCLOAK`: the address is `email`, and `email_verified` must be
//!   true;
//! - `ENTRA` (Microsoft Entra ID): a provider is one tenant's (the issuer's first path segment;
//!   the multi-tenant `common`, `organizations` and `consumers` are refused) and a token's `tid`
//!   must be that tenant. The address is `email` when the token carries `xms_edov: true` (the
//!   tenant verified its domain), else the sign-in name in `preferred_username` (Entra only
//!   lets a tenant use its verified domains there);
//! - `GOOGLE` (Workspace): `email_verified` must be true and `hd`, the Workspace domain, one of
//!   the provider's domains: a consumer account, which has no `hd`, is not the company.
//!
//! Whatever the kind, the address must then be the invited one, in the provider's domains
//! (checked by the acceptance). The kind is detected from the issuer unless an admin names
//! it, and a known issuer cannot be given a weaker kind than its own.

pub use entity::SsoProviderKind as Kind;
use entity::sso_provider;
use openidconnect::url::{Host, Url};

use super::jwt::Verified;
use crate::domain::MailDomain;

/// Entra's hosts: the public cloud, the sovereign ones, External ID (CIAM).
const ENTRA_HOSTS: [&str; 4] = [
    "login.microsoftonline.com",
    "login.microsoftonline.us",
    "login.chinacloudapi.cn",
    "login.partner.microsoftonline.cn",
];
/// Entra's issuers that are not one tenant's.
const ENTRA_MULTI_TENANT: [&str; 3] = ["common", "organizations", "consumers"];
const GOOGLE_ISSUER: &str = "https://accounts.google.com";

/// The kind an issuer is known to be, from its host (and, for Keycloak, its path).
pub fn detect(issuer: &Url) -> Kind {
    let host = match issuer.host() {
        Some(Host::Domain(host)) => host.to_ascii_lowercase(),
        _ => String::new(),
    };
    let under = |suffix: &str| host.ends_with(suffix);
    if ENTRA_HOSTS.contains(&host.as_str()) || under(".ciamlogin.com") {
        Kind::Entra
    } else if host == "accounts.google.com" {
        Kind::Google
    } else if under(".okta.com") || under(".oktapreview.com") || under(".okta-emea.com") || under(".okta-gov.com") {
        Kind::Okta
    } else if under(".auth0.com") {
        Kind::Auth0
    } else if issuer.path().contains("/realms/") {
        Kind::Keycloak
    } else {
        Kind::Generic
    }
}

/// The kind of a stored provider: its own, or detected from its issuer.
pub fn of(provider: &sso_provider::Model) -> Kind {
    provider.kind.unwrap_or_else(|| Url::parse(&provider.issuer_url).map_or(Kind::Generic, |url| detect(&url)))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KindError {
    #[error("`{issuer}` is {known}'s issuer: its kind is {known_name}, not {asked}")]
    Contradicts { issuer: String, known: &'static str, known_name: &'static str, asked: &'static str },
    #[error(
        "`{0}` is Entra's issuer for any tenant; use your tenant's own: https://login.microsoftonline.com/<tenant id>/v2.0"
    )]
    MultiTenant(String),
    #[error("`{0}` names no tenant; Entra's issuer is https://login.microsoftonline.com/<tenant id>/v2.0")]
    NoTenant(String),
}

/// The kind to configure for `issuer`: the one asked for, else the detected one. An issuer
/// whose kind is known (Google, Entra) keeps it: a weaker kind would let impostors in (as
/// `GENERIC`, any Google account with a verified address would pass for the company).
pub fn choose(issuer: &Url, asked: Option<Kind>) -> Result<Kind, KindError> {
    let detected = detect(issuer);
    let kind = asked.unwrap_or(detected);
    let known = match detected {
        Kind::Entra => Some("Microsoft Entra ID"),
        Kind::Google => Some("Google"),
        _ => None,
    };
    if let Some(known) = known
        && kind != detected
    {
        return Err(KindError::Contradicts {
            issuer: issuer.to_string(),
            known,
            known_name: name(detected),
            asked: name(kind),
        });
    }
    if kind == Kind::Entra {
        entra_tenant(issuer)?;
    }
    Ok(kind)
}

/// The tenant an Entra issuer is for: its first path segment, whatever the host (sovereign
/// clouds and External ID use others).
pub fn entra_tenant(issuer: &Url) -> Result<String, KindError> {
    let tenant = issuer.path_segments().and_then(|mut segments| segments.next()).unwrap_or_default();
    if tenant.is_empty() {
        return Err(KindError::NoTenant(issuer.to_string()));
    }
    if ENTRA_MULTI_TENANT.iter().any(|multi| tenant.eq_ignore_ascii_case(multi)) {
        return Err(KindError::MultiTenant(issuer.to_string()));
    }
    Ok(tenant.to_ascii_lowercase())
}

/// An issuer as an admin may type it: Google's without its scheme counts as Google's.
pub fn issuer_input(text: &str) -> String {
    let text = text.trim().trim_end_matches('/');
    if text.eq_ignore_ascii_case("accounts.google.com") { GOOGLE_ISSUER.to_owned() } else { text.to_owned() }
}

/// The kind's name, as the API spells it.
pub fn name(kind: Kind) -> &'static str {
    match kind {
        Kind::Generic => "GENERIC",
        Kind::Entra => "ENTRA",
        Kind::Google => "GOOGLE",
        Kind::Okta => "OKTA",
        Kind::Auth0 => "AUTH0",
        Kind::Keycloak => "KEYCLOAK",
    }
}

/// Which rule admitted an address: recorded in the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// `email`, with `email_verified: true`.
    EmailVerified,
    /// Google: `email_verified`, and `hd` in the provider's domains.
    GoogleHostedDomain,
    /// Entra: `email`, with `xms_edov: true`.
    EntraVerifiedDomain,
    /// Entra: the UPN in `preferred_username`.
    EntraUpn,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EmailVerified => "email_verified",
            Self::GoogleHostedDomain => "google_hd",
            Self::EntraVerifiedDomain => "entra_xms_edov",
            Self::EntraUpn => "entra_upn",
        }
    }
}

/// An address a token proves, and the rule that proved it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    pub address: String,
    pub rule: Rule,
}

/// Why a token proves no address: muster's words, for the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unproven {
    NoAddress,
    EmailNotVerified,
    /// Google: no `hd`, a consumer account.
    ConsumerGoogleAccount,
    /// Google: `hd` is not one of the provider's domains.
    OtherWorkspace,
    /// Entra: no `tid`, or another tenant's.
    OtherTenant,
}

impl Unproven {
    pub fn reason(self) -> &'static str {
        match self {
            Self::NoAddress => "the token carries no address",
            Self::EmailNotVerified => "the provider has not verified the token's email",
            Self::ConsumerGoogleAccount => "a Google account outside any Workspace (no hd)",
            Self::OtherWorkspace => "a Google account of another Workspace (hd)",
            Self::OtherTenant => "a user of another Entra tenant (tid)",
        }
    }
}

/// The address a verified token proves under `kind`'s rule. `tenant` is an Entra provider's;
/// `domains` the provider's (Google's `hd` must be one of them).
pub fn prove(kind: Kind, tenant: Option<&str>, domains: &[MailDomain], token: &Verified) -> Result<Proof, Unproven> {
    let email = token.string("email").filter(|email| !email.is_empty());
    match kind {
        Kind::Generic | Kind::Okta | Kind::Auth0 | Kind::Keycloak => {
            let address = email.ok_or(Unproven::NoAddress)?;
            if !token.is_true("email_verified") {
                return Err(Unproven::EmailNotVerified);
            }
            Ok(Proof { address: address.to_owned(), rule: Rule::EmailVerified })
        }
        Kind::Google => {
            let address = email.ok_or(Unproven::NoAddress)?;
            if !token.is_true("email_verified") {
                return Err(Unproven::EmailNotVerified);
            }
            let hosted = token.string("hd").ok_or(Unproven::ConsumerGoogleAccount)?;
            let hosted = MailDomain::parse(hosted).map_err(|_| Unproven::OtherWorkspace)?;
            if !domains.contains(&hosted) {
                return Err(Unproven::OtherWorkspace);
            }
            Ok(Proof { address: address.to_owned(), rule: Rule::GoogleHostedDomain })
        }
        Kind::Entra => {
            let tid = token.string("tid").map(str::to_ascii_lowercase);
            if tid.is_none() || tid.as_deref() != tenant {
                return Err(Unproven::OtherTenant);
            }
            match email {
                Some(address) if token.is_true("xms_edov") => {
                    Ok(Proof { address: address.to_owned(), rule: Rule::EntraVerifiedDomain })
                }
                _ => {
                    let upn = token.string("preferred_username").filter(|upn| !upn.is_empty());
                    let upn = upn.ok_or(Unproven::NoAddress)?;
                    Ok(Proof { address: upn.to_owned(), rule: Rule::EntraUpn })
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn kinds_are_detected_from_the_issuer() {
        let kind = |issuer: &str| detect(&url(issuer));
        assert_eq!(kind("https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0"), Kind::Entra);
        assert_eq!(kind("https://login.microsoftonline.us/tid/v2.0"), Kind::Entra);
        assert_eq!(kind("https://contoso.ciamlogin.com/tid/v2.0"), Kind::Entra);
        assert_eq!(kind("https://accounts.google.com"), Kind::Google);
        assert_eq!(kind("https://acme.okta.com/oauth2/default"), Kind::Okta);
        assert_eq!(kind("https://acme.eu.auth0.com/"), Kind::Auth0);
        assert_eq!(kind("https://sso.acme.com/realms/staff"), Kind::Keycloak);
        assert_eq!(kind("https://sso.acme.com"), Kind::Generic);
    }

    #[test]
    fn a_known_issuer_keeps_its_kind_and_entra_needs_one_tenant() {
        let google = url("https://accounts.google.com");
        assert_eq!(choose(&google, None), Ok(Kind::Google));
        assert!(matches!(choose(&google, Some(Kind::Generic)), Err(KindError::Contradicts { .. })));
        let custom = url("https://login.acme.com");
        assert_eq!(choose(&custom, Some(Kind::Okta)), Ok(Kind::Okta), "a custom domain may be named");
        assert_eq!(choose(&custom, Some(Kind::Entra)), Err(KindError::NoTenant(custom.to_string())));
        for multi in ["common", "organizations", "consumers"] {
            let issuer = url(&format!("https://login.microsoftonline.com/{multi}/v2.0"));
            let refused = choose(&issuer, None).unwrap_err();
            assert!(refused.to_string().contains("your tenant's own"), "{refused}");
        }
        let tenant = url("https://login.microsoftonline.com/9188040D-6C67-4C5B-B112-36A304B66DAD/v2.0");
        assert_eq!(entra_tenant(&tenant).unwrap(), "9188040d-6c67-4c5b-b112-36a304b66dad");
        assert_eq!(issuer_input(" accounts.google.com/ "), "https://accounts.google.com");
    }

    fn domains() -> Vec<MailDomain> {
        vec![MailDomain::parse("acme.test").unwrap()]
    }

    fn proves(kind: Kind, claims: serde_json::Value) -> Result<Proof, Unproven> {
        prove(kind, Some("tenant-1"), &domains(), &Verified::assumed(claims))
    }

    #[test]
    fn each_kind_proves_an_address_its_own_way() {
        let verified = json!({ "email": "ana@acme.test", "email_verified": true });
        for kind in [Kind::Generic, Kind::Okta, Kind::Auth0, Kind::Keycloak] {
            assert_eq!(proves(kind, verified.clone()).unwrap().rule, Rule::EmailVerified);
            assert_eq!(proves(kind, json!({ "email": "ana@acme.test" })), Err(Unproven::EmailNotVerified));
        }
        assert_eq!(
            proves(Kind::Auth0, json!({ "email": "a@acme.test", "email_verified": "true" })).unwrap().rule,
            Rule::EmailVerified
        );

        let workspace = json!({ "email": "ana@acme.test", "email_verified": true, "hd": "acme.test" });
        assert_eq!(proves(Kind::Google, workspace).unwrap().rule, Rule::GoogleHostedDomain);
        assert_eq!(proves(Kind::Google, verified.clone()), Err(Unproven::ConsumerGoogleAccount));
        let other = json!({ "email": "ana@acme.test", "email_verified": true, "hd": "other.test" });
        assert_eq!(proves(Kind::Google, other), Err(Unproven::OtherWorkspace));

        let upn = json!({ "preferred_username": "ana@acme.test", "tid": "tenant-1" });
        assert_eq!(proves(Kind::Entra, upn).unwrap(), Proof { address: "ana@acme.test".into(), rule: Rule::EntraUpn });
        let edov = json!({ "email": "bob@acme.test", "xms_edov": true, "preferred_username": "b.smith@acme.test", "tid": "tenant-1" });
        assert_eq!(
            proves(Kind::Entra, edov).unwrap(),
            Proof { address: "bob@acme.test".into(), rule: Rule::EntraVerifiedDomain }
        );
        let unverified_email =
            json!({ "email": "ana@acme.test", "preferred_username": "x@elsewhere.test", "tid": "tenant-1" });
        assert_eq!(
            proves(Kind::Entra, unverified_email).unwrap().address,
            "x@elsewhere.test",
            "the UPN, not the email"
        );
        let other_tenant = json!({ "preferred_username": "ana@acme.test", "tid": "tenant-2" });
        assert_eq!(proves(Kind::Entra, other_tenant), Err(Unproven::OtherTenant));
        assert_eq!(proves(Kind::Entra, json!({ "preferred_username": "ana@acme.test" })), Err(Unproven::OtherTenant));
    }
}
