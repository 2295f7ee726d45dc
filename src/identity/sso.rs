//! SSO providers of an organization: configuring them (with discovery), their mail domains,
//! the domain check every invitation goes through, and the provider keys used to verify
//! invitees' ID tokens. Metadata and keys live in the database, shared by every node, and are
//! refreshed when a token names a key they do not hold or when they are an hour old.

use chrono::{DateTime, Duration, Utc};
use entity::{sso_domain, sso_provider};
use openidconnect::{
    IssuerUrl,
    core::{CoreJsonWebKeySet, CoreProviderMetadata},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, ModelTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};

use super::oidc::{self, ProviderError};
use crate::{
    AppError, Result,
    domain::{Email, PublicId},
    invitations::policy::{EmailPolicy, Verdict},
    sheets::codes,
    tenant::Tenant,
};

/// Keys older than this are fetched again before use.
const KEYS_MAX_AGE: Duration = Duration::hours(1);

/// Mail services anyone can sign up to: never an organization's SSO domain.
const PUBLIC_MAIL_DOMAINS: &[&str] = &[
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

/// A provider as configured by an admin.
pub struct ProviderInput {
    pub name: String,
    pub issuer_url: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub domains: Vec<String>,
    pub enforced: bool,
    pub include_subdomains: bool,
}

/// A domain in canonical form: lower case, IDNA to ASCII (`bücher.de` → `xn--bcher-kva.de`).
pub fn normalise_domain(input: &str) -> std::result::Result<String, String> {
    let raw = input.trim().trim_start_matches('@').trim_end_matches('.');
    let ascii = idna::domain_to_ascii(raw).map_err(|_| format!("`{input}` is not a domain name"))?;
    let labels: Vec<&str> = ascii.split('.').collect();
    let valid = labels.len() >= 2
        && ascii.len() <= 253
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && !labels[labels.len() - 1].bytes().all(|b| b.is_ascii_digit());
    if !valid {
        return Err(format!("`{input}` is not a domain name like `example.com`"));
    }
    if PUBLIC_MAIL_DOMAINS.contains(&ascii.as_str()) {
        return Err(format!(
            "`{ascii}` is a public mail service; anyone can have an address there, so it cannot be an SSO domain"
        ));
    }
    Ok(ascii)
}

/// The domain of an address in the same canonical form as SSO domains.
fn email_domain(email: &Email) -> String {
    idna::domain_to_ascii(email.domain()).unwrap_or_else(|_| email.domain().to_owned())
}

fn covers(provider: &sso_provider::Model, domains: &[String], domain: &str) -> bool {
    domains.iter().any(|d| d == domain || (provider.include_subdomains && domain.ends_with(&format!(".{d}"))))
}

/// Configures the provider with this issuer (creating or replacing it): runs discovery and
/// refuses an issuer that is unreachable, not OpenID, or that names another issuer.
#[tracing::instrument(skip_all, fields(issuer = %input.issuer_url))]
pub async fn configure(
    db: &DatabaseConnection,
    tenant: &Tenant,
    input: ProviderInput,
    now: DateTime<Utc>,
) -> Result<(sso_provider::Model, Vec<String>)> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::bad_input("input.name", "give the provider a name of 1 to 200 characters"));
    }
    let client_id = input.client_id.trim();
    if client_id.is_empty() || client_id.len() > 500 {
        return Err(AppError::bad_input("input.clientId", "give the client id the provider issued to muster"));
    }
    let issuer =
        oidc::check_issuer_url(&input.issuer_url).map_err(|err| AppError::bad_input("input.issuerUrl", err))?;
    let mut domains = Vec::new();
    for domain in &input.domains {
        let domain = normalise_domain(domain).map_err(|message| AppError::bad_input("input.domains", message))?;
        if !domains.contains(&domain) {
            domains.push(domain);
        }
    }
    if domains.is_empty() {
        return Err(AppError::bad_input(
            "input.domains",
            "list the mail domains whose people sign in with this provider",
        ));
    }
    let metadata = oidc::discover(&issuer).await.map_err(|err| AppError::bad_input("input.issuerUrl", err))?;
    let metadata_json = serde_json::to_string(&metadata).map_err(|err| AppError::Internal(err.into()))?;
    let keys =
        oidc::fetch_keys(metadata.jwks_uri()).await.map_err(|err| AppError::bad_input("input.issuerUrl", err))?;
    let keys_json = serde_json::to_string(&keys).map_err(|err| AppError::Internal(err.into()))?;
    let secret = input.client_secret.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());

    let txn = db.begin().await?;
    let existing = sso_provider::Entity::find()
        .filter(sso_provider::Column::OrganizationId.eq(tenant.organization_id()))
        .filter(sso_provider::Column::IssuerUrl.eq(issuer.as_str()))
        .one(&txn)
        .await?;
    let mut active = match existing {
        Some(row) => {
            let keep_secret = row.client_secret.clone();
            let mut active: sso_provider::ActiveModel = row.into();
            // The secret is write-only: leaving it out keeps the one on file.
            active.client_secret = Set(secret.clone().or(keep_secret));
            active
        }
        None => sso_provider::ActiveModel {
            public_id: Set(PublicId::generate().into_inner()),
            organization_id: Set(tenant.organization_id()),
            issuer_url: Set(issuer.as_str().to_owned()),
            client_secret: Set(secret),
            created_at: Set(now),
            ..Default::default()
        },
    };
    active.name = Set(name.to_owned());
    active.client_id = Set(client_id.to_owned());
    active.enforced = Set(input.enforced);
    active.include_subdomains = Set(input.include_subdomains);
    active.metadata = Set(Some(metadata_json));
    active.jwks = Set(Some(keys_json));
    active.fetched_at = Set(Some(now));
    active.updated_at = Set(now);
    let provider = sea_orm::TryIntoModel::try_into_model(active.save(&txn).await?)?;
    sso_domain::Entity::delete_many().filter(sso_domain::Column::ProviderId.eq(provider.id)).exec(&txn).await?;
    for domain in &domains {
        sso_domain::ActiveModel {
            domain: Set(domain.clone()),
            provider_id: Set(provider.id),
            organization_id: Set(tenant.organization_id()),
        }
        .insert(&txn)
        .await
        .map_err(|err| {
            AppError::conflict_on_unique(err, || {
                format!(
                    "input.domains: `{domain}` already belongs to an SSO provider; a domain routes to one organization"
                )
            })
        })?;
    }
    txn.commit().await?;
    Ok((provider, domains))
}

pub async fn remove(db: &DatabaseConnection, tenant: &Tenant, id: &str) -> Result<sso_provider::Model> {
    let provider = find(db, tenant, id).await?;
    provider.clone().delete(db).await?;
    Ok(provider)
}

pub async fn find(db: &impl ConnectionTrait, tenant: &Tenant, id: &str) -> Result<sso_provider::Model> {
    sso_provider::Entity::find()
        .filter(sso_provider::Column::OrganizationId.eq(tenant.organization_id()))
        .filter(sso_provider::Column::PublicId.eq(id.trim()))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("SSO provider"))
}

/// The organization's providers with their domains.
pub async fn list(db: &impl ConnectionTrait, tenant: &Tenant) -> Result<Vec<(sso_provider::Model, Vec<String>)>> {
    let providers = sso_provider::Entity::find()
        .filter(sso_provider::Column::OrganizationId.eq(tenant.organization_id()))
        .order_by_asc(sso_provider::Column::Id)
        .all(db)
        .await?;
    let domains = sso_domain::Entity::find()
        .filter(sso_domain::Column::OrganizationId.eq(tenant.organization_id()))
        .order_by_asc(sso_domain::Column::Domain)
        .all(db)
        .await?;
    Ok(providers
        .into_iter()
        .map(|provider| {
            let own = domains.iter().filter(|d| d.provider_id == provider.id).map(|d| d.domain.clone()).collect();
            (provider, own)
        })
        .collect())
}

/// The organization's domain rules, as the invitation checks use them.
pub struct SsoPolicy {
    providers: Vec<(sso_provider::Model, Vec<String>)>,
}

impl SsoPolicy {
    pub async fn load(db: &impl ConnectionTrait, tenant: &Tenant) -> Result<Self> {
        Ok(Self { providers: list(db, tenant).await? })
    }

    /// The provider an address signs in with, if its domain is one of theirs.
    pub fn provider_for(&self, email: &Email) -> Option<&sso_provider::Model> {
        let domain = email_domain(email);
        self.providers
            .iter()
            .find(|(provider, domains)| covers(provider, domains, &domain))
            .map(|(provider, _)| provider)
    }
}

impl EmailPolicy for SsoPolicy {
    fn check(&self, email: &Email) -> Verdict {
        if self.providers.is_empty() || self.provider_for(email).is_some() {
            return Verdict::Allowed;
        }
        let domains: Vec<String> =
            self.providers.iter().flat_map(|(_, d)| d.iter().map(|d| format!("`{d}`"))).collect();
        let names: Vec<&str> = self.providers.iter().map(|(p, _)| p.name.as_str()).collect();
        if self.providers.iter().any(|(provider, _)| provider.enforced) {
            Verdict::Refused {
                code: codes::EMAIL_DOMAIN_NOT_IN_SSO,
                message: format!(
                    "`{email}` is not in the SSO domains ({}); use the address the member signs in to {} with",
                    domains.join(", "),
                    names.join(" or ")
                ),
            }
        } else {
            Verdict::Warning {
                code: codes::EMAIL_DOMAIN_OUTSIDE_SSO,
                message: format!(
                    "`{email}` is outside the SSO domains ({}); the member will not sign in with SSO",
                    domains.join(", ")
                ),
            }
        }
    }
}

/// The provider's metadata and keys, fetching them again when stale or when `refresh`.
pub async fn metadata_and_keys(
    db: &impl ConnectionTrait,
    provider: &sso_provider::Model,
    refresh: bool,
    now: DateTime<Utc>,
) -> std::result::Result<(CoreProviderMetadata, CoreJsonWebKeySet), ProviderError> {
    let cached = provider.metadata.as_deref().and_then(|json| serde_json::from_str::<CoreProviderMetadata>(json).ok());
    let keys = provider.jwks.as_deref().and_then(|json| serde_json::from_str::<CoreJsonWebKeySet>(json).ok());
    let fresh = provider.fetched_at.is_some_and(|at| now - at < KEYS_MAX_AGE);
    if let (Some(metadata), Some(keys), true, false) = (&cached, &keys, fresh, refresh) {
        return Ok((metadata.clone(), keys.clone()));
    }
    let issuer = IssuerUrl::new(provider.issuer_url.clone())
        .map_err(|err| ProviderError::BadUrl(provider.issuer_url.clone(), err.to_string()))?;
    let metadata = match oidc::discover(&issuer).await {
        Ok(metadata) => metadata,
        // A provider outage with keys on file: keep using them rather than failing everyone.
        Err(err) => match (cached, keys) {
            (Some(metadata), Some(keys)) if !refresh => {
                tracing::warn!(issuer = %provider.issuer_url, error = %err, "SSO provider unreachable; using its cached keys");
                return Ok((metadata, keys));
            }
            _ => return Err(err),
        },
    };
    let keys = oidc::fetch_keys(metadata.jwks_uri()).await?;
    let update = sso_provider::Entity::update_many()
        .col_expr(
            sso_provider::Column::Metadata,
            sea_orm::sea_query::Expr::value(serde_json::to_string(&metadata).ok()),
        )
        .col_expr(sso_provider::Column::Jwks, sea_orm::sea_query::Expr::value(serde_json::to_string(&keys).ok()))
        .col_expr(sso_provider::Column::FetchedAt, sea_orm::sea_query::Expr::value(Some(now)))
        .filter(sso_provider::Column::Id.eq(provider.id))
        .exec(db)
        .await;
    if let Err(err) = update {
        tracing::warn!(error = %err, "could not store refreshed SSO provider keys");
    }
    Ok((metadata, keys))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_normalised_and_checked() {
        assert_eq!(normalise_domain(" Acme.COM. ").unwrap(), "acme.com");
        assert_eq!(normalise_domain("@acme.com").unwrap(), "acme.com");
        assert_eq!(normalise_domain("bücher.de").unwrap(), "xn--bcher-kva.de");
        for bad in ["acme", "acme..com", "-acme.com", "acme.123", "exa mple.com", ""] {
            assert!(normalise_domain(bad).is_err(), "{bad:?}");
        }
        let message = normalise_domain("Gmail.com").unwrap_err();
        assert!(message.contains("public mail service"), "{message}");
    }
}
