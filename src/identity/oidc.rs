//! OpenID Connect plumbing shared by SSO acceptance and admin JWTs: the HTTP client, discovery,
//! key sets, and ID token verification (signature, issuer, audience, expiry, nonce).
//!
//! Only asymmetric signatures are accepted: `none` and HMAC (`HS*`, which a client secret
//! could forge) are refused, whatever the token says.

use std::{collections::HashMap, time::Duration};

use chrono::{DateTime, Utc};
use openidconnect::{
    AdditionalClaims, ClientId, IdToken, IdTokenClaims, IssuerUrl, JsonWebKeySetUrl, Nonce,
    core::{
        CoreGenderClaim, CoreIdTokenVerifier, CoreJsonWebKeySet, CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm, CoreProviderMetadata,
    },
    reqwest,
};
use serde::{Deserialize, Serialize};

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

/// The client for talking to providers: short timeouts, and no redirects (a provider that
/// redirects its metadata elsewhere is not followed).
pub fn http_client() -> reqwest::Client {
    reqwest::ClientBuilder::new()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .build()
        .expect("an HTTP client with rustls")
}

/// Why a provider could not be used, in words for the admin who configured it.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("`{0}` is not a valid issuer URL: {1}")]
    BadUrl(String, String),
    #[error("the issuer must use https (plain http only for loopback addresses); got `{0}`")]
    NotHttps(String),
    #[error("cannot reach the issuer's discovery document at {0}: {1}")]
    Unreachable(String, String),
    #[error("{0} is not an OpenID provider's discovery document: {1}")]
    NotOpenId(String, String),
    #[error("the discovery document at {url} names another issuer, `{found}`; use that issuer URL")]
    OtherIssuer { url: String, found: String },
}

/// Whether `url` may be an issuer: https, or http on a loopback host for development.
pub fn check_issuer_url(url: &str) -> Result<IssuerUrl, ProviderError> {
    let issuer = IssuerUrl::new(url.trim().trim_end_matches('/').to_owned())
        .map_err(|err| ProviderError::BadUrl(url.to_owned(), err.to_string()))?;
    let parsed = issuer.url();
    let loopback = match parsed.host() {
        Some(url::Host::Domain(host)) => host == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match parsed.scheme() {
        "https" => Ok(issuer),
        "http" if loopback => Ok(issuer),
        _ => Err(ProviderError::NotHttps(url.to_owned())),
    }
}

/// Fetches and checks a provider's discovery document and keys.
pub async fn discover(issuer: &IssuerUrl) -> Result<CoreProviderMetadata, ProviderError> {
    let url = format!("{}/.well-known/openid-configuration", issuer.as_str().trim_end_matches('/'));
    let client = http_client();
    // First the document itself, to tell "unreachable" from "not OpenID" from "another issuer".
    let response =
        client.get(&url).send().await.map_err(|err| ProviderError::Unreachable(url.clone(), without_url(&err)))?;
    if !response.status().is_success() {
        return Err(ProviderError::NotOpenId(url.clone(), format!("it answered HTTP {}", response.status())));
    }
    let body = response.bytes().await.map_err(|err| ProviderError::Unreachable(url.clone(), without_url(&err)))?;
    let document: serde_json::Value =
        serde_json::from_slice(&body).map_err(|_| ProviderError::NotOpenId(url.clone(), "it is not JSON".into()))?;
    let found = document.get("issuer").and_then(|v| v.as_str()).unwrap_or_default();
    if found.trim_end_matches('/') != issuer.as_str().trim_end_matches('/') {
        return Err(ProviderError::OtherIssuer { url, found: found.to_owned() });
    }
    CoreProviderMetadata::discover_async(issuer.clone(), &client)
        .await
        .map_err(|err| ProviderError::NotOpenId(url, err.to_string()))
}

pub async fn fetch_keys(jwks_uri: &JsonWebKeySetUrl) -> Result<CoreJsonWebKeySet, ProviderError> {
    CoreJsonWebKeySet::fetch_async(jwks_uri, &http_client())
        .await
        .map_err(|err| ProviderError::Unreachable(jwks_uri.to_string(), err.to_string()))
}

fn without_url(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        "it did not answer in time".into()
    } else if err.is_connect() {
        "the connection was refused or failed".into()
    } else {
        err.to_string()
    }
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
    let result = match nonce {
        NonceCheck::Expect(expected) => token.claims(&verifier, expected).cloned(),
        NonceCheck::ClientKept | NonceCheck::AccessToken => {
            token.claims(&verifier, |_: Option<&Nonce>| Ok(())).cloned()
        }
    };
    result.map_err(|err| match err {
        openidconnect::ClaimsVerificationError::SignatureVerification(
            openidconnect::SignatureVerificationError::NoMatchingKey,
        ) => Refusal::UnknownKey,
        other => Refusal::Claims(other.to_string()),
    })
}
