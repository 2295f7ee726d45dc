//! SSO providers of an organization: configuring them (with discovery), their mail domains,
//! which provider an address signs in with, and the provider keys used to verify invitees' ID
//! tokens. Metadata and keys live in the database, shared by every node, and are refreshed
//! when a token names a key they do not hold or when they are an hour old.
//!
//! What a domain means for an invitation (a refusal, a warning) is the invitations' business;
//! this module only answers where an address stands ([`DomainCheck`]).

use chrono::{DateTime, Duration, Utc};
use entity::{sso_domain, sso_provider};
use openidconnect::{
    IssuerUrl,
    core::{CoreJsonWebKeySet, CoreProviderMetadata},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, ModelTrait, QueryFilter,
    QueryOrder, Set,
};

use super::{
    Caller,
    fetch::{Fetcher, REFRESH_EVERY},
    kinds::{self, Kind, KindError},
    oidc::{self, ProviderError},
};
use crate::{
    AppError, Result,
    audit::{self, Action, Event},
    domain::{DisplayName, Email, MailDomain, PublicId},
    limits::CLIENT_ID_BYTES,
    secrets::{self, SecretBox, SecretError},
    tenant::Tenant,
};

/// Keys older than this are fetched again before use.
const KEYS_MAX_AGE: Duration = Duration::hours(1);

/// A provider as an admin configures it, unparsed.
pub struct ProviderInput {
    pub name: String,
    pub issuer_url: String,
    /// Detected from the issuer when omitted.
    pub kind: Option<Kind>,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub domains: Vec<String>,
    pub enforced: bool,
    pub include_subdomains: bool,
}

/// A provider's settings, parsed: every field checked before any network call.
struct ProviderSettings {
    name: DisplayName,
    issuer: IssuerUrl,
    kind: Kind,
    client_id: String,
    client_secret: Option<String>,
    domains: Vec<MailDomain>,
    enforced: bool,
    include_subdomains: bool,
}

impl ProviderSettings {
    fn parse(fetcher: &Fetcher, input: ProviderInput) -> Result<Self> {
        let name = DisplayName::parse(&input.name)
            .map_err(|err| AppError::bad_input("input.name", format!("the provider's name {err}")))?;
        let client_id = input.client_id.trim();
        if client_id.is_empty() || client_id.len() > CLIENT_ID_BYTES {
            return Err(AppError::bad_input("input.clientId", "give the client id the provider issued to muster"));
        }
        let issuer = oidc::check_issuer_url(fetcher, &kinds::issuer_input(&input.issuer_url))
            .map_err(|err| AppError::bad_input("input.issuerUrl", err))?;
        let kind = kinds::choose(issuer.url(), input.kind).map_err(|err| {
            let field = if matches!(err, KindError::Contradicts { .. }) { "input.kind" } else { "input.issuerUrl" };
            AppError::bad_input(field, err)
        })?;
        let mut domains = Vec::new();
        for raw in &input.domains {
            let domain = MailDomain::parse(raw).map_err(|err| AppError::bad_input("input.domains", err))?;
            if domain.is_public_mail_service() {
                return Err(AppError::bad_input(
                    "input.domains",
                    format!(
                        "`{domain}` is a public mail service; anyone can have an address there, so it cannot be an SSO domain"
                    ),
                ));
            }
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
        let client_secret = input.client_secret.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(Self {
            name,
            issuer,
            kind,
            client_id: client_id.to_owned(),
            client_secret,
            domains,
            enforced: input.enforced,
            include_subdomains: input.include_subdomains,
        })
    }
}

/// Configures the provider with this issuer (creating or replacing it): runs discovery and
/// refuses an issuer that is unreachable, not OpenID, or that names another issuer.
#[tracing::instrument(skip_all, fields(issuer = %input.issuer_url))]
pub async fn configure(
    db: &DatabaseConnection,
    (fetcher, sealer): (&Fetcher, Option<&SecretBox>),
    caller: &Caller,
    input: ProviderInput,
    now: DateTime<Utc>,
) -> Result<(sso_provider::Model, Vec<String>)> {
    let settings = ProviderSettings::parse(fetcher, input)?;
    if settings.client_secret.is_some() && sealer.is_none() {
        return Err(AppError::bad_input(
            "input.clientSecret",
            "muster keeps client secrets encrypted, and has no key to encrypt with: the operator sets \
             MUSTER_SECRET_KEY (32 random bytes, base64)",
        ));
    }
    let issuer_error = |err| AppError::bad_input("input.issuerUrl", err);
    let metadata = oidc::discover(fetcher, &settings.issuer).await.map_err(issuer_error)?;
    let keys = oidc::fetch_keys(fetcher, metadata.jwks_uri()).await.map_err(issuer_error)?;
    let txn = crate::db::begin_write(db).await?;
    let provider = store(&txn, &caller.tenant, &settings, sealer, (&metadata, &keys), now).await?;
    let domains = store_domains(&txn, &caller.tenant, &provider, &settings.domains).await?;
    txn.commit().await?;
    let details = serde_json::json!({
        "issuer": provider.issuer_url, "kind": kinds::name(settings.kind), "domains": domains, "enforced": provider.enforced
    });
    let event = Event::new(Action::SsoProviderConfigured, Some(&provider.public_id), details);
    audit::record(db, &caller.tenant, &caller.name, event, now).await;
    Ok((provider, domains))
}

/// Creates or updates the tenant's provider with this issuer, with its discovery and keys.
async fn store(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    settings: &ProviderSettings,
    sealer: Option<&SecretBox>,
    (metadata, keys): (&CoreProviderMetadata, &CoreJsonWebKeySet),
    now: DateTime<Utc>,
) -> Result<sso_provider::Model> {
    let json = |value: serde_json::Result<String>| value.map_err(|err| AppError::Internal(err.into()));
    let existing =
        tenant.sso_providers().filter(sso_provider::Column::IssuerUrl.eq(settings.issuer.as_str())).one(db).await?;
    let public_id = existing.as_ref().map_or_else(|| PublicId::generate().into_inner(), |row| row.public_id.clone());
    let sealed = match (&settings.client_secret, sealer) {
        (Some(secret), Some(sealer)) => Some(sealer.seal(secret, &secret_context(&public_id))),
        _ => None,
    };
    let mut active = match existing {
        Some(row) => {
            let keep_secret = row.client_secret.clone();
            let mut active: sso_provider::ActiveModel = row.into();
            // The secret is write-only: leaving it out keeps the one on file.
            active.client_secret = Set(sealed.or(keep_secret));
            active
        }
        None => sso_provider::ActiveModel {
            public_id: Set(public_id),
            organization_id: Set(tenant.organization_id()),
            issuer_url: Set(settings.issuer.as_str().to_owned()),
            client_secret: Set(sealed),
            created_at: Set(now),
            ..Default::default()
        },
    };
    active.name = Set(settings.name.as_str().to_owned());
    active.kind = Set(Some(settings.kind));
    active.client_id = Set(settings.client_id.clone());
    active.enforced = Set(settings.enforced);
    active.include_subdomains = Set(settings.include_subdomains);
    active.metadata = Set(Some(json(serde_json::to_string(metadata))?));
    active.jwks = Set(Some(json(serde_json::to_string(keys))?));
    active.fetched_at = Set(Some(now));
    active.updated_at = Set(now);
    Ok(sea_orm::TryIntoModel::try_into_model(active.save(db).await?)?)
}

/// Replaces the provider's domains; a domain routes to one organization.
async fn store_domains(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    provider: &sso_provider::Model,
    domains: &[MailDomain],
) -> Result<Vec<String>> {
    sso_domain::Entity::delete_many().filter(sso_domain::Column::ProviderId.eq(provider.id)).exec(db).await?;
    for domain in domains {
        sso_domain::ActiveModel {
            domain: Set(domain.as_str().to_owned()),
            provider_id: Set(provider.id),
            organization_id: Set(tenant.organization_id()),
        }
        .insert(db)
        .await
        .map_err(|err| {
            AppError::conflict_on_unique(err, || {
                format!(
                    "input.domains: `{domain}` is already a domain of another of this organization's SSO providers; \
                     remove it there first"
                )
            })
        })?;
    }
    Ok(domains.iter().map(|domain| domain.as_str().to_owned()).collect())
}

/// Removes the tenant's provider (and its domains) on behalf of `caller`.
pub async fn remove(db: &DatabaseConnection, caller: &Caller, id: &str, now: DateTime<Utc>) -> Result<String> {
    let provider = caller.tenant.sso_provider(db, id).await?;
    provider.clone().delete(db).await?;
    let event = Event::new(
        Action::SsoProviderRemoved,
        Some(&provider.public_id),
        serde_json::json!({ "issuer": provider.issuer_url }),
    );
    audit::record(db, &caller.tenant, &caller.name, event, now).await;
    Ok(provider.public_id)
}

/// What a provider's sealed client secret is bound to: its row.
fn secret_context(public_id: &str) -> String {
    format!("sso_provider:{public_id}")
}

/// The provider's client secret, opened; `None` when it has none.
pub fn client_secret(
    provider: &sso_provider::Model,
    sealer: Option<&SecretBox>,
) -> std::result::Result<Option<String>, SecretError> {
    let Some(stored) = &provider.client_secret else { return Ok(None) };
    if !secrets::is_sealed(stored) {
        // Stored by an older muster that had no key; sealed at the next start with one.
        return Ok(Some(stored.clone()));
    }
    let sealer = sealer.ok_or(SecretError::DoesNotOpen)?;
    sealer.open(stored, &secret_context(&provider.public_id)).map(Some)
}

/// Encrypts the client secrets an older muster stored in plain. Runs at start.
pub async fn seal_plain_secrets(db: &impl ConnectionTrait, sealer: &SecretBox) -> Result<u64> {
    let plain = sso_provider::Entity::find().filter(sso_provider::Column::ClientSecret.is_not_null()).all(db).await?;
    let mut sealed = 0;
    for provider in plain {
        let Some(secret) = provider.client_secret.as_deref().filter(|stored| !secrets::is_sealed(stored)) else {
            continue;
        };
        let value = sealer.seal(secret, &secret_context(&provider.public_id));
        sso_provider::Entity::update_many()
            .col_expr(sso_provider::Column::ClientSecret, sea_orm::sea_query::Expr::value(Some(value)))
            .filter(sso_provider::Column::Id.eq(provider.id))
            .exec(db)
            .await?;
        sealed += 1;
    }
    if sealed > 0 {
        tracing::info!(sealed, "encrypted SSO client secrets stored in plain text");
    }
    Ok(sealed)
}

/// Whether any client secret is still stored in plain.
pub async fn has_plain_secrets(db: &impl ConnectionTrait) -> Result<bool> {
    let stored = sso_provider::Entity::find().filter(sso_provider::Column::ClientSecret.is_not_null()).all(db).await?;
    Ok(stored.iter().any(|provider| provider.client_secret.as_deref().is_some_and(|s| !secrets::is_sealed(s))))
}

/// The organization's providers with their domains.
pub async fn list(db: &impl ConnectionTrait, tenant: &Tenant) -> Result<Vec<(sso_provider::Model, Vec<String>)>> {
    let providers = tenant.sso_providers().order_by_asc(sso_provider::Column::Id).all(db).await?;
    let domains = tenant.sso_domains().order_by_asc(sso_domain::Column::Domain).all(db).await?;
    Ok(providers
        .into_iter()
        .map(|provider| {
            let own = domains.iter().filter(|d| d.provider_id == provider.id).map(|d| d.domain.clone()).collect();
            (provider, own)
        })
        .collect())
}

/// Where an address stands with the organization's SSO providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainCheck<'a> {
    /// The organization has no SSO provider: any address signs in without one.
    NoProvider,
    /// In this provider's domains: the invitee signs in with it.
    Covered(&'a sso_provider::Model),
    /// Outside every provider's domains; `enforced` when a provider requires its domains.
    Outside { enforced: bool },
}

/// The organization's providers and their domains, loaded once for many addresses.
pub struct SsoDomains {
    providers: Vec<(sso_provider::Model, Vec<MailDomain>)>,
}

impl SsoDomains {
    pub async fn load(db: &impl ConnectionTrait, tenant: &Tenant) -> Result<Self> {
        Ok(Self::new(list(db, tenant).await?))
    }

    /// From providers and their domains as stored.
    pub fn new(providers: Vec<(sso_provider::Model, Vec<String>)>) -> Self {
        let providers = providers
            .into_iter()
            .map(|(provider, domains)| {
                // Stored domains were parsed when configured; one that no longer parses (the
                // rules got stricter) covers nothing rather than failing every check.
                (provider, domains.iter().filter_map(|domain| MailDomain::parse(domain).ok()).collect())
            })
            .collect();
        Self { providers }
    }

    /// Where `email` stands.
    pub fn check(&self, email: &Email) -> DomainCheck<'_> {
        if self.providers.is_empty() {
            return DomainCheck::NoProvider;
        }
        match self.provider_for(email) {
            Some(provider) => DomainCheck::Covered(provider),
            None => DomainCheck::Outside { enforced: self.providers.iter().any(|(provider, _)| provider.enforced) },
        }
    }

    /// The provider an address signs in with, if its domain is one of theirs.
    pub fn provider_for(&self, email: &Email) -> Option<&sso_provider::Model> {
        self.covering(email).map(|(provider, _)| provider)
    }

    /// The provider an address signs in with, and that provider's domains.
    pub fn covering(&self, email: &Email) -> Option<(&sso_provider::Model, &[MailDomain])> {
        let domain = MailDomain::of(email);
        self.providers
            .iter()
            .find(|(provider, domains)| domains.iter().any(|d| d.covers(&domain, provider.include_subdomains)))
            .map(|(provider, domains)| (provider, domains.as_slice()))
    }

    /// Every provider's domains, for messages: "`acme.com`, `acme.fr`".
    pub fn domains(&self) -> String {
        let quoted: Vec<String> =
            self.providers.iter().flat_map(|(_, domains)| domains.iter().map(|d| format!("`{d}`"))).collect();
        quoted.join(", ")
    }

    /// The providers' names, for messages: "Acme SSO or Acme EU".
    pub fn provider_names(&self) -> String {
        self.providers.iter().map(|(provider, _)| provider.name.as_str()).collect::<Vec<_>>().join(" or ")
    }
}

/// The provider's metadata and keys, as stored.
fn stored(provider: &sso_provider::Model) -> Option<(CoreProviderMetadata, CoreJsonWebKeySet)> {
    let metadata = serde_json::from_str(provider.metadata.as_deref()?).ok()?;
    let keys = serde_json::from_str(provider.jwks.as_deref()?).ok()?;
    Some((metadata, keys))
}

/// The provider's metadata and keys, fetching them again when an hour old or when `refresh`
/// — but at most once a minute per provider on this node, whatever the tokens say: a request
/// that finds a fetch under way or just done waits for it and takes what it stored.
pub async fn metadata_and_keys(
    db: &impl ConnectionTrait,
    fetcher: &Fetcher,
    provider: &sso_provider::Model,
    refresh: bool,
    now: DateTime<Utc>,
) -> std::result::Result<(CoreProviderMetadata, CoreJsonWebKeySet), ProviderError> {
    let cached = stored(provider);
    let fresh = provider.fetched_at.is_some_and(|at| now - at < KEYS_MAX_AGE);
    if let (Some(cached), true, false) = (&cached, fresh, refresh) {
        return Ok(cached.clone());
    }
    let mut last_fetch = fetcher.refresh_gate(&format!("sso-provider:{}", provider.id)).await;
    if last_fetch.is_some_and(|at| now - at < REFRESH_EVERY) {
        let current = sso_provider::Entity::find_by_id(provider.id).one(db).await.ok().flatten();
        return current.as_ref().and_then(stored).or(cached).ok_or_else(|| {
            ProviderError::NotOpenId(provider.issuer_url.clone(), "its keys could not be fetched a moment ago".into())
        });
    }
    *last_fetch = Some(now);
    let issuer = IssuerUrl::new(provider.issuer_url.clone())
        .map_err(|err| ProviderError::BadUrl(provider.issuer_url.clone(), err.to_string()))?;
    let fetched = async {
        let metadata = oidc::discover(fetcher, &issuer).await?;
        let keys = oidc::fetch_keys(fetcher, metadata.jwks_uri()).await?;
        Ok::<_, ProviderError>((metadata, keys))
    };
    let (metadata, keys) = match (fetched.await, cached) {
        (Ok(fetched), _) => fetched,
        // A provider outage with keys on file: keep using them rather than failing everyone.
        (Err(err), Some(cached)) if !refresh => {
            tracing::warn!(issuer = %provider.issuer_url, error = %err, "SSO provider unreachable; using its cached keys");
            return Ok(cached);
        }
        (Err(err), _) => return Err(err),
    };
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
