//! OpenID Connect plumbing shared by SSO acceptance and admin JWTs: the HTTP client, discovery,
//! key sets, and ID token verification (signature, issuer, audience, expiry, nonce).
//!
//! Only asymmetric signatures are accepted: `none` and HMAC (`HS*`, which a client secret
//! could forge) are refused, whatever the token says.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use openidconnect::{
    AdditionalClaims, ClientId, IdToken, IdTokenClaims, IssuerUrl, JsonWebKeySetUrl, Nonce,
    core::{
        CoreGenderClaim, CoreIdTokenVerifier, CoreJsonWebKeySet, CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm, CoreProviderMetadata,
    },
    url::Url,
};
use serde::{Deserialize, Serialize};

use super::fetch::{FetchError, Fetcher};

/// Claims beyond the standard ones, kept as JSON (admin JWTs name the organization in one).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExtraClaims(pub HashMap<String, serde_json::Value>);

impl AdditionalClaims for ExtraClaims {}

pub type Token = IdToken<ExtraClaims, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>;
pub type Claims = IdTokenClaims<ExtraClaims, CoreGenderClaim>;

/// Signing algorithms accepted: asymmetric ones only.
pub const ALLOWED_ALGS: [CoreJwsSigningAlgorithm; 9] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
    CoreJwsSigningAlgorithm::EdDsa,
];

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

/// Why a token was refused: for the log only; callers see one plain error.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("the token is not a JWT: {0}")]
    Malformed(String),
    #[error("no published key matches the token's signature")]
    UnknownKey,
    #[error("{0}")]
    Claims(String),
}

/// What to do about the nonce.
pub enum NonceCheck<'a> {
    /// muster's own flow issued this nonce: the token must carry it.
    Expect(&'a Nonce),
    /// A single-page app kept its own nonce; muster cannot check it.
    ClientKept,
    /// An access token (admin JWT): no nonce, and any JOSE `typ` (`at+jwt` included).
    AccessToken,
}

/// Verifies a JWT's signature (with `keys`), issuer, audience (`client_id`), expiry (against
/// `now`) and nonce; returns its claims.
pub fn verify(
    jwt: &str,
    issuer: &IssuerUrl,
    client_id: &str,
    keys: &CoreJsonWebKeySet,
    nonce: NonceCheck<'_>,
    now: DateTime<Utc>,
) -> Result<Claims, Refusal> {
    let token: Token = jwt.trim().parse().map_err(|err: serde_json::Error| Refusal::Malformed(err.to_string()))?;
    let mut verifier =
        CoreIdTokenVerifier::new_public_client(ClientId::new(client_id.to_owned()), issuer.clone(), keys.clone())
            .set_allowed_algs(ALLOWED_ALGS)
            .set_time_fn(move || now);
    if matches!(nonce, NonceCheck::AccessToken) {
        verifier = verifier.allow_all_jose_types();
    }
    let access_token = matches!(nonce, NonceCheck::AccessToken);
    let result = match nonce {
        NonceCheck::Expect(expected) => token.claims(&verifier, expected).cloned(),
        NonceCheck::ClientKept | NonceCheck::AccessToken => {
            token.claims(&verifier, |_: Option<&Nonce>| Ok(())).cloned()
        }
    };
    let claims = result.map_err(|err| match err {
        openidconnect::ClaimsVerificationError::SignatureVerification(
            openidconnect::SignatureVerificationError::NoMatchingKey,
        ) => Refusal::UnknownKey,
        other => Refusal::Claims(other.to_string()),
    })?;
    // An ID token is muster's only if muster is the party it was issued to: `azp`, where the
    // token has one (and it must when it names several audiences). openidconnect leaves this
    // to its users. An access token's `azp` is the client that asked for it (an admin
    // frontend), not its audience, so it is not held to this.
    if !access_token {
        match claims.authorized_party() {
            Some(party) if party.as_str() != client_id => {
                return Err(Refusal::Claims("the token was issued to another party (azp)".into()));
            }
            None if claims.audiences().len() > 1 => {
                return Err(Refusal::Claims("the token names several audiences and no authorized party".into()));
            }
            _ => {}
        }
    }
    Ok(claims)
}
