//! OpenID Connect plumbing shared by SSO acceptance and admin JWTs: issuer URLs, discovery and
//! key sets, all fetched through the guarded `fetch` client. Tokens are verified in `jwt`.

use openidconnect::{
    IssuerUrl, JsonWebKeySetUrl,
    core::{CoreJsonWebKeySet, CoreProviderMetadata},
    url::Url,
};

use super::fetch::{FetchError, Fetcher};

/// Why a provider could not be used, in words for the admin who configured it.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("`{0}` is not a valid issuer URL: {1}")]
    BadUrl(String, String),
    #[error("the issuer URL `{0}` has a query or a fragment; give the issuer alone, as its tokens name it")]
    NotBare(String),
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("{0} is not an OpenID provider's discovery document: {1}")]
    NotOpenId(String, String),
    #[error("the discovery document at {url} names another issuer, `{found}`; use that issuer URL")]
    OtherIssuer { url: String, found: String },
    #[error("the discovery document names `{field}`: {reason}")]
    UnsafeUrl { field: String, reason: String },
}

/// Whether `url` may be an issuer: a bare URL (no query, no fragment) that the fetcher may
/// fetch (https on a public host; see `fetch`).
pub fn check_issuer_url(fetcher: &Fetcher, url: &str) -> Result<IssuerUrl, ProviderError> {
    let issuer = IssuerUrl::new(url.trim().trim_end_matches('/').to_owned())
        .map_err(|err| ProviderError::BadUrl(url.to_owned(), err.to_string()))?;
    let parsed = issuer.url();
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(ProviderError::NotBare(url.to_owned()));
    }
    fetcher.check_url(parsed)?;
    Ok(issuer)
}

/// Fetches and checks a provider's discovery document: it must name this issuer, and every
/// URL in it must be one muster may fetch.
pub async fn discover(fetcher: &Fetcher, issuer: &IssuerUrl) -> Result<CoreProviderMetadata, ProviderError> {
    let url = format!("{}/.well-known/openid-configuration", issuer.as_str().trim_end_matches('/'));
    let parsed = Url::parse(&url).map_err(|err| ProviderError::BadUrl(url.clone(), err.to_string()))?;
    let body = match fetcher.get(&parsed).await {
        Ok(body) => body,
        Err(FetchError::Status(_, status)) => {
            return Err(ProviderError::NotOpenId(url, format!("it answered HTTP {status}")));
        }
        Err(err) => return Err(err.into()),
    };
    let document: serde_json::Value =
        serde_json::from_slice(&body).map_err(|_| ProviderError::NotOpenId(url.clone(), "it is not JSON".into()))?;
    let found = document.get("issuer").and_then(|v| v.as_str()).unwrap_or_default();
    if found.trim_end_matches('/') != issuer.as_str().trim_end_matches('/') {
        return Err(ProviderError::OtherIssuer { url, found: found.to_owned() });
    }
    check_named_urls(fetcher, &document)?;
    serde_json::from_value(document).map_err(|err| ProviderError::NotOpenId(url, err.to_string()))
}

/// Every endpoint a discovery document names (`jwks_uri`, `token_endpoint`, …) passes the same
/// checks as the issuer, whether or not muster ever calls it.
fn check_named_urls(fetcher: &Fetcher, document: &serde_json::Value) -> Result<(), ProviderError> {
    let Some(fields) = document.as_object() else { return Ok(()) };
    for (field, value) in fields {
        let Some(text) = value.as_str() else { continue };
        if !(field.ends_with("_uri") || field.ends_with("_endpoint")) {
            continue;
        }
        let unsafe_url = |reason: String| ProviderError::UnsafeUrl { field: field.clone(), reason };
        let url = Url::parse(text).map_err(|err| unsafe_url(format!("`{text}` is not a URL ({err})")))?;
        fetcher.check_url(&url).map_err(|err| unsafe_url(err.to_string()))?;
    }
    Ok(())
}

pub async fn fetch_keys(fetcher: &Fetcher, jwks_uri: &JsonWebKeySetUrl) -> Result<CoreJsonWebKeySet, ProviderError> {
    let body = fetcher.get(jwks_uri.url()).await?;
    serde_json::from_slice(&body)
        .map_err(|err| ProviderError::NotOpenId(jwks_uri.to_string(), format!("its key set does not read: {err}")))
}
