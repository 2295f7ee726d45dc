//! Verifying the JWTs identity providers sign — ID tokens at acceptance, admin JWTs — by
//! muster's own rules, with openidconnect's keys doing the cryptography:
//! - the signature, with a published key (by `kid`), in an asymmetric algorithm only: `none`
//!   and HMAC (`HS*`, which a client secret could forge) are refused whatever the token says;
//! - the issuer, as providers really write it: with or without a trailing slash (Auth0 adds
//!   one), and for Google also without its scheme (`accounts.google.com`);
//! - the audience, the expiry (and `nbf`), the nonce where muster issued one, and for ID tokens
//!   the authorized party (`azp`).
//!
//! The claims then stay as JSON ([`Verified`]): what each kind of provider proves with them is
//! `kinds`' business.

use chrono::{DateTime, Duration, Utc};
use openidconnect::{
    JsonWebKey, Nonce,
    core::{CoreJsonWebKeySet, CoreJwsSigningAlgorithm},
};
use serde::Deserialize;
use serde_json::{Map, Value};

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

/// How far a provider's clock may be ahead of muster's for `nbf` and `iat`.
const SKEW: Duration = Duration::seconds(60);

/// Why a token was refused: for the log only; callers see one plain error.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("the token is not a JWT: {0}")]
    Malformed(String),
    #[error("no published key matches the token's signature")]
    UnknownKey,
    #[error("the token's signature does not verify")]
    BadSignature,
    #[error("{0}")]
    Claims(String),
}

/// What to do about the nonce.
pub enum NonceCheck<'a> {
    /// muster's own flow issued this nonce: the token must carry it.
    Expect(&'a Nonce),
    /// A single-page app kept its own nonce; muster cannot check it.
    ClientKept,
    /// An access token (admin JWT): no nonce, any `typ`, and its `azp` is the client that asked
    /// for it, not its audience.
    AccessToken,
}

/// What a token must say to be accepted.
pub struct Expected<'a> {
    /// The issuer as configured.
    pub issuer: &'a str,
    /// Whether the issuer may also be written without its scheme (Google's older tokens).
    pub scheme_less_issuer: bool,
    /// muster's client id (ID tokens), or the audience admin JWTs are for.
    pub audience: &'a str,
    pub nonce: NonceCheck<'a>,
}

/// A token whose signature and registered claims were checked; its claims, as sent.
#[derive(Debug, Clone)]
pub struct Verified(Map<String, Value>);

impl Verified {
    pub fn subject(&self) -> &str {
        self.string("sub").unwrap_or_default()
    }

    /// A claim that is a string.
    pub fn string(&self, name: &str) -> Option<&str> {
        self.0.get(name)?.as_str()
    }

    /// A claim that is true: `true`, or `"true"` as some providers send booleans.
    pub fn is_true(&self, name: &str) -> bool {
        matches!(self.0.get(name), Some(Value::Bool(true))) || self.string(name) == Some("true")
    }

    /// Claims taken as verified, for the tests of what they prove.
    #[cfg(test)]
    pub fn assumed(claims: Value) -> Self {
        Self(claims.as_object().cloned().unwrap_or_default())
    }
}

#[derive(Debug, Deserialize)]
struct Header {
    alg: CoreJwsSigningAlgorithm,
    kid: Option<String>,
    typ: Option<String>,
    crit: Option<Value>,
}

/// Verifies `jwt`'s signature with `keys` and its claims against `expected` at time `now`.
pub fn verify(
    jwt: &str,
    expected: &Expected<'_>,
    keys: &CoreJsonWebKeySet,
    now: DateTime<Utc>,
) -> Result<Verified, Refusal> {
    let (header, claims) = verify_signature(jwt, keys)?;
    let access_token = matches!(expected.nonce, NonceCheck::AccessToken);
    if !access_token && header.typ.as_deref().is_some_and(|typ| !typ.eq_ignore_ascii_case("JWT")) {
        return Err(Refusal::Claims(format!("a `{}` token is not an ID token", header.typ.unwrap_or_default())));
    }
    check_claims(&claims, expected, now)?;
    Ok(Verified(claims))
}

fn verify_signature(jwt: &str, keys: &CoreJsonWebKeySet) -> Result<(Header, Map<String, Value>), Refusal> {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let malformed = |what: &str| Refusal::Malformed(what.to_owned());
    let parts: Vec<&str> = jwt.trim().split('.').collect();
    let [header_b64, payload_b64, signature_b64] = parts[..] else { return Err(malformed("not three parts")) };
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).map_err(|_| malformed("a part is not base64url"));
    let header: Header =
        serde_json::from_slice(&decode(header_b64)?).map_err(|_| malformed("the header is not a known JOSE header"))?;
    if header.crit.is_some() {
        return Err(malformed("the header names critical extensions muster does not know"));
    }
    if !ALLOWED_ALGS.contains(&header.alg) {
        return Err(Refusal::Claims("the token is not signed with an asymmetric algorithm".into()));
    }
    let claims: Map<String, Value> =
        serde_json::from_slice(&decode(payload_b64)?).map_err(|_| malformed("the claims are not a JSON object"))?;
    let signature = decode(signature_b64)?;
    let signing_input = format!("{header_b64}.{payload_b64}");
    let candidates: Vec<_> = keys
        .keys()
        .iter()
        .filter(|key| header.kid.is_none() || key.key_id().map(|id| id.as_str()) == header.kid.as_deref())
        .collect();
    if candidates.is_empty() {
        return Err(Refusal::UnknownKey);
    }
    let verified =
        candidates.iter().any(|key| key.verify_signature(&header.alg, signing_input.as_bytes(), &signature).is_ok());
    if !verified {
        return Err(Refusal::BadSignature);
    }
    Ok((header, claims))
}

/// The registered claims: issuer, audience, expiry, not-before, nonce, authorized party.
fn check_claims(claims: &Map<String, Value>, expected: &Expected<'_>, now: DateTime<Utc>) -> Result<(), Refusal> {
    let refuse = |why: &str| Err(Refusal::Claims(why.to_owned()));
    let issuer = claims.get("iss").and_then(Value::as_str).unwrap_or_default();
    if !issuer_matches(issuer, expected.issuer, expected.scheme_less_issuer) {
        return refuse("the token names another issuer");
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !audiences.contains(&expected.audience) {
        return refuse("the token is for another audience");
    }
    let time = |name: &str| claims.get(name).and_then(Value::as_i64).and_then(|t| DateTime::from_timestamp(t, 0));
    match time("exp") {
        Some(expiry) if now < expiry => {}
        Some(_) => return refuse("the token has expired"),
        None => return refuse("the token has no expiry"),
    }
    if time("nbf").is_some_and(|not_before| now + SKEW < not_before) {
        return refuse("the token is not valid yet");
    }
    if claims.get("sub").and_then(Value::as_str).is_none_or(str::is_empty) {
        return refuse("the token names no subject");
    }
    let nonce = claims.get("nonce").and_then(Value::as_str);
    match &expected.nonce {
        NonceCheck::Expect(wanted) if nonce != Some(wanted.secret().as_str()) => {
            return refuse("the nonce is not muster's");
        }
        NonceCheck::AccessToken => return Ok(()),
        _ => {}
    }
    if time("iat").is_some_and(|issued| issued > now + SKEW) {
        return refuse("the token was issued in the future");
    }
    // An ID token is muster's only if muster is the party it was issued to: `azp`, where the
    // token has one (and it must when it names several audiences).
    match claims.get("azp").and_then(Value::as_str) {
        Some(party) if party != expected.audience => refuse("the token was issued to another party (azp)"),
        None if audiences.len() > 1 => refuse("the token names several audiences and no authorized party"),
        _ => Ok(()),
    }
}

/// Whether a token's `iss` is the configured issuer: exactly, give or take one trailing slash,
/// or (where allowed) without its scheme.
fn issuer_matches(claimed: &str, configured: &str, scheme_less: bool) -> bool {
    let bare = |text: &str| text.strip_suffix('/').unwrap_or(text).to_owned();
    let (claimed, configured) = (bare(claimed), bare(configured));
    let without_scheme = configured.split_once("://").map(|(_, rest)| rest);
    !claimed.is_empty() && (claimed == configured || (scheme_less && without_scheme == Some(claimed.as_str())))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn claims(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    fn expected(nonce: NonceCheck<'_>) -> Expected<'_> {
        Expected { issuer: "https://login.example.com", scheme_less_issuer: false, audience: "muster", nonce }
    }

    fn valid(now: DateTime<Utc>) -> Value {
        json!({ "iss": "https://login.example.com/", "aud": "muster", "sub": "u1", "exp": now.timestamp() + 60, "iat": now.timestamp() })
    }

    #[test]
    fn registered_claims_are_checked() {
        let now = Utc::now();
        assert!(check_claims(&claims(valid(now)), &expected(NonceCheck::ClientKept), now).is_ok());
        let with = |changes: Value| {
            let mut token = valid(now);
            token.as_object_mut().unwrap().extend(changes.as_object().unwrap().clone());
            check_claims(&claims(token), &expected(NonceCheck::ClientKept), now)
        };
        assert!(with(json!({ "iss": "https://login.example.com.evil" })).is_err());
        assert!(with(json!({ "iss": "login.example.com" })).is_err(), "scheme-less only where allowed");
        assert!(with(json!({ "aud": ["other", "muster"] })).is_err(), "several audiences need azp");
        assert!(with(json!({ "aud": ["other", "muster"], "azp": "muster" })).is_ok());
        assert!(with(json!({ "azp": "other-app" })).is_err());
        assert!(with(json!({ "aud": "other" })).is_err());
        assert!(with(json!({ "exp": now.timestamp() - 1 })).is_err());
        assert!(with(json!({ "exp": null })).is_err());
        assert!(with(json!({ "nbf": now.timestamp() + 600 })).is_err());
        assert!(with(json!({ "sub": "" })).is_err());
        let nonce = Nonce::new("n-1".into());
        let mut token = valid(now);
        token["nonce"] = json!("n-2");
        assert!(check_claims(&claims(token.clone()), &expected(NonceCheck::Expect(&nonce)), now).is_err());
        token["nonce"] = json!("n-1");
        assert!(check_claims(&claims(token), &expected(NonceCheck::Expect(&nonce)), now).is_ok());
    }

    #[test]
    fn issuers_as_providers_write_them() {
        assert!(issuer_matches("https://tenant.auth0.com/", "https://tenant.auth0.com", false));
        assert!(issuer_matches("https://accounts.google.com", "https://accounts.google.com", true));
        assert!(issuer_matches("accounts.google.com", "https://accounts.google.com", true));
        assert!(!issuer_matches("accounts.google.com", "https://accounts.google.com", false));
        assert!(!issuer_matches("", "", false));
        assert!(!issuer_matches("http://accounts.google.com", "https://accounts.google.com", true));
    }

    #[test]
    fn unsigned_and_hmac_tokens_are_refused_before_any_key() {
        use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
        let payload = URL_SAFE_NO_PAD.encode(valid(Utc::now()).to_string());
        for header in [r#"{"alg":"none"}"#, r#"{"alg":"HS256","kid":"k"}"#] {
            let jwt = format!("{}.{payload}.c2ln", URL_SAFE_NO_PAD.encode(header));
            let refused = verify_signature(&jwt, &CoreJsonWebKeySet::new(Vec::new())).unwrap_err();
            assert!(matches!(refused, Refusal::Claims(_) | Refusal::Malformed(_)), "{refused:?}");
        }
        let crit = format!("{}.{payload}.c2ln", URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","crit":["x"]}"#));
        assert!(matches!(verify_signature(&crit, &CoreJsonWebKeySet::new(Vec::new())), Err(Refusal::Malformed(_))));
        assert!(matches!(verify_signature("a.b", &CoreJsonWebKeySet::new(Vec::new())), Err(Refusal::Malformed(_))));
    }
}
