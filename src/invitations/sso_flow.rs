//! Accepting through the organization's SSO provider, server side: the OpenID Connect
//! authorization code flow with PKCE, `state` and `nonce`. The flow's state is kept in the
//! database (hashed, short-lived, used once), so whichever node the provider sends the
//! browser back to can finish it.

use chrono::{DateTime, Duration, Utc};
use entity::{invitation, organization, sso_flow, sso_provider};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, TokenResponse,
    core::{CoreAuthenticationFlow, CoreClient},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set, sea_query::Expr,
};

use super::{
    LinkSettings,
    accept::{self, Accepted, Proof},
};
use crate::{
    AppError, Result,
    domain::{InvitationStatus, SecretToken},
    identity::{fetch::Fetcher, jwt::NonceCheck, sso},
    ratelimit::ClientNetwork,
    secrets::SecretBox,
};

/// How long the invitee has to sign in at the provider.
const FLOW_TTL: Duration = Duration::minutes(10);

/// The organization's provider did not answer (its discovery document, when muster holds none
/// fresh enough, or the code exchange): nothing the invitee did wrong, and nothing accepted.
/// The invite pages say so (503); the GraphQL API, whose codes are fixed, reports `INTERNAL`.
#[derive(Debug, thiserror::Error)]
#[error("the SSO provider is not answering: {0}")]
pub struct ProviderUnavailable(pub String);

type Client =
    CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

/// What the flow needs: the database, the guarded client for the provider, what opens its
/// client secret, and where the provider sends the invitee back.
pub struct Flow<'a> {
    pub db: &'a DatabaseConnection,
    pub fetcher: &'a Fetcher,
    pub secrets: Option<&'a SecretBox>,
    pub links: &'a LinkSettings,
}

impl Flow<'_> {
    /// muster as the provider's client, redirecting back to `{MUSTER_PUBLIC_URL}/sso/callback`.
    async fn client_for(&self, provider: &sso_provider::Model, now: DateTime<Utc>) -> Result<Client> {
        let (metadata, _) = sso::metadata_and_keys(self.db, self.fetcher, provider, false, now)
            .await
            .map_err(|err| AppError::Internal(ProviderUnavailable(err.to_string()).into()))?;
        let redirect = RedirectUrl::new(self.links.sso_callback()).map_err(|err| AppError::Internal(err.into()))?;
        let secret = sso::client_secret(provider, self.secrets).map_err(|err| AppError::Internal(err.into()))?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(provider.client_id.clone()),
            secret.map(ClientSecret::new),
        )
        .set_redirect_uri(redirect))
    }

    /// Starts the flow for the invitation behind `token`: the provider's authorization URL to
    /// send the browser to.
    pub async fn start(&self, token: &str, client: &ClientNetwork, now: DateTime<Utc>) -> Result<String> {
        let db = self.db;
        let Some(found) = accept::look_up(db, token, client, now).await? else {
            return Err(AppError::InvalidInvitation);
        };
        if found.status != InvitationStatus::Pending {
            return Err(AppError::InvalidInvitation);
        }
        let Some(provider) = found.sso else { return Err(AppError::InvalidInvitation) };
        let oidc_client = self.client_for(&provider, now).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = oidc_client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .add_scope(Scope::new("email".into()))
            .set_pkce_challenge(challenge)
            .url();
        sso_flow::ActiveModel {
            state_hash: Set(SecretToken::hash_of(state.secret())),
            invitation_id: Set(found.invitation.id),
            provider_id: Set(provider.id),
            pkce_verifier: Set(verifier.secret().clone()),
            nonce: Set(nonce.secret().clone()),
            created_at: Set(now),
            expires_at: Set(now + FLOW_TTL),
            used_at: Set(None),
        }
        .insert(db)
        .await?;
        // Old flows are of no use; remove them as new ones start.
        sso_flow::Entity::delete_many()
            .filter(sso_flow::Column::ExpiresAt.lt(now - Duration::days(1)))
            .exec(db)
            .await?;
        Ok(url.to_string())
    }

    /// Finishes the flow: the provider sent the browser back with `code` and `state`.
    pub async fn finish(
        &self,
        code: &str,
        state: &str,
        client: &ClientNetwork,
        now: DateTime<Utc>,
    ) -> Result<Accepted> {
        let (db, fetcher) = (self.db, self.fetcher);
        let flow = claim(db, state, now).await?;
        let found =
            invitation::Entity::find_by_id(flow.invitation_id).one(db).await?.ok_or(AppError::InvalidInvitation)?;
        let organization = organization::Entity::find_by_id(found.organization_id)
            .one(db)
            .await?
            .ok_or(AppError::InvalidInvitation)?;
        let provider =
            sso_provider::Entity::find_by_id(flow.provider_id).one(db).await?.ok_or(AppError::InvalidInvitation)?;
        let oidc_client = self.client_for(&provider, now).await?;
        let request = oidc_client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|err| AppError::Internal(anyhow::anyhow!("the provider has no token endpoint: {err}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier.clone()));
        let response = match request.request_async(fetcher).await {
            Ok(response) => response,
            // No answer is not a refusal: the invitation stays valid, and the page says to come
            // back (this flow's state is used up; the invitation link starts a new one).
            Err(RequestTokenError::Request(err)) => {
                return Err(AppError::Internal(ProviderUnavailable(format!("the code exchange failed: {err}")).into()));
            }
            Err(err) => {
                tracing::info!(error = %err, "SSO callback refused: the code exchange failed");
                return Err(AppError::InvalidInvitation);
            }
        };
        let Some(id_token) = response.id_token() else {
            tracing::info!("SSO callback refused: no ID token in the token response");
            return Err(AppError::InvalidInvitation);
        };
        let jwt = id_token.to_string();
        let nonce = Nonce::new(flow.nonce.clone());
        let proof = Proof::IdToken { jwt: &jwt, nonce: NonceCheck::Expect(&nonce) };
        accept::accept_found(db, fetcher, found, organization, client, proof, now).await
    }
}

/// The flow behind a `state`, used up: only the request that flips `used_at` goes on.
async fn claim(db: &impl ConnectionTrait, state: &str, now: DateTime<Utc>) -> Result<sso_flow::Model> {
    let hash = SecretToken::hash_of(state);
    let claimed = sso_flow::Entity::update_many()
        .col_expr(sso_flow::Column::UsedAt, Expr::value(Some(now)))
        .filter(sso_flow::Column::StateHash.eq(hash.clone()))
        .filter(sso_flow::Column::UsedAt.is_null())
        .filter(sso_flow::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    if claimed.rows_affected != 1 {
        tracing::info!("SSO callback refused: unknown, used or expired state");
        return Err(AppError::InvalidInvitation);
    }
    sso_flow::Entity::find_by_id(hash).one(db).await?.ok_or(AppError::InvalidInvitation)
}
