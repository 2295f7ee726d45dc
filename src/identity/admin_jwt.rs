//! Admin JWTs: with `MUSTER_ADMIN_ISSUER`, `MUSTER_ADMIN_AUDIENCE` and `MUSTER_ADMIN_ORG_CLAIM`
//! set, a bearer JWT from that issuer is an admin of the organization whose slug its org claim
//! names. Verified like ID tokens (signature with the issuer's published keys, issuer,
//! audience, expiry; asymmetric algorithms only). The keys are cached in this node's memory —
//! nodes need not agree on them — and fetched again when a token names an unknown key, at
//! most once a minute however many such tokens arrive (see `fetch`).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use openidconnect::{IssuerUrl, core::CoreJsonWebKeySet};
use sea_orm::ConnectionTrait;
use tokio::sync::RwLock;

use super::{
    Caller,
    fetch::{Fetcher, REFRESH_EVERY},
    jwt::{self, Expected, NonceCheck, Refusal},
    oidc,
};
use crate::{organizations, tenant::Tenant};

pub struct AdminIssuer {
    issuer: IssuerUrl,
    audience: String,
    org_claim: String,
    fetcher: Arc<Fetcher>,
    keys: RwLock<Option<Arc<CoreJsonWebKeySet>>>,
}

impl AdminIssuer {
    /// From `MUSTER_ADMIN_ISSUER`, `MUSTER_ADMIN_AUDIENCE` and `MUSTER_ADMIN_ORG_CLAIM`: `None`
    /// when admin JWTs are not configured; an error when half-configured.
    pub fn configure(
        fetcher: Arc<Fetcher>,
        issuer: Option<&str>,
        audience: Option<&str>,
        org_claim: Option<&str>,
    ) -> anyhow::Result<Option<Self>> {
        match (issuer, audience, org_claim) {
            (None, None, None) => Ok(None),
            (Some(issuer), Some(audience), Some(org_claim)) => {
                let issuer = oidc::check_issuer_url(&fetcher, issuer)
                    .map_err(|err| anyhow::anyhow!("MUSTER_ADMIN_ISSUER: {err}"))?;
                Ok(Some(Self {
                    issuer,
                    audience: audience.to_owned(),
                    org_claim: org_claim.to_owned(),
                    fetcher,
                    keys: RwLock::new(None),
                }))
            }
            _ => anyhow::bail!(
                "set MUSTER_ADMIN_ISSUER, MUSTER_ADMIN_AUDIENCE and MUSTER_ADMIN_ORG_CLAIM together, or none of them"
            ),
        }
    }

    /// The issuer's keys: cached, or fetched when there are none or `refresh` asks — unless
    /// they were fetched less than a minute ago, by this request's turn or another's.
    async fn keys(&self, refresh: bool, now: DateTime<Utc>) -> Option<Arc<CoreJsonWebKeySet>> {
        if !refresh && let Some(keys) = self.keys.read().await.clone() {
            return Some(keys);
        }
        let mut last_fetch = self.fetcher.refresh_gate(self.issuer.as_str()).await;
        if last_fetch.is_some_and(|at| now - at < REFRESH_EVERY) {
            return self.keys.read().await.clone();
        }
        *last_fetch = Some(now);
        let fetched = async {
            let metadata = oidc::discover(&self.fetcher, &self.issuer).await?;
            oidc::fetch_keys(&self.fetcher, metadata.jwks_uri()).await
        }
        .await;
        match fetched {
            Ok(keys) => {
                let keys = Arc::new(keys);
                *self.keys.write().await = Some(keys.clone());
                Some(keys)
            }
            Err(err) => {
                tracing::warn!(issuer = %self.issuer.as_str(), error = %err, "admin issuer unreachable");
                self.keys.read().await.clone()
            }
        }
    }

    /// The admin a JWT proves, or `None` (with the reason logged).
    pub async fn authenticate(
        &self,
        db: &impl ConnectionTrait,
        token: &str,
        now: DateTime<Utc>,
    ) -> crate::Result<Option<Caller>> {
        let expected = Expected {
            issuer: self.issuer.as_str(),
            scheme_less_issuer: false,
            audience: &self.audience,
            nonce: NonceCheck::AccessToken,
        };
        let mut result = Err(Refusal::UnknownKey);
        for refresh in [false, true] {
            let Some(keys) = self.keys(refresh, now).await else { break };
            result = jwt::verify(token, &expected, &keys, now);
            if !matches!(result, Err(Refusal::UnknownKey)) {
                break;
            }
        }
        let claims = match result {
            Ok(claims) => claims,
            Err(refusal) => {
                tracing::info!(reason = %refusal, "admin JWT refused");
                return Ok(None);
            }
        };
        let Some(slug) = claims.string(&self.org_claim) else {
            tracing::info!(claim = %self.org_claim, "admin JWT refused: no organization claim");
            return Ok(None);
        };
        let Some(org) = organizations::find_by_slug(db, slug).await? else {
            tracing::info!(slug, "admin JWT refused: unknown organization");
            return Ok(None);
        };
        Ok(Some(Caller { tenant: Tenant::new(org.id), name: format!("jwt:{}", claims.subject()) }))
    }
}
