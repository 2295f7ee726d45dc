//! The invitee's side: looking a link up (never using it up: mail scanners open links) and
//! accepting it, once. Every refusal looks the same to the caller — unknown, expired, revoked
//! and used links are indistinguishable — while the log says which it was. Failures count
//! against the client in a limiter kept in the database, so guessing is slow on every node.

use chrono::{DateTime, Utc};
use entity::{invitation, member, member_role, organization, role};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, TransactionTrait, sea_query::Expr};

use super::{state, status_of};
use crate::{
    AppError, Result, audit,
    domain::{Email, SecretToken},
    graphql::Services,
    identity::{
        oidc::{self, NonceCheck, Refusal},
        sso::{self, SsoPolicy},
    },
    members::{InvitationStatus, status::state as member_state},
    ratelimit::{self, INVITATION_FAILURES},
    tenant::Tenant,
};

/// An invitation as its invitee may see it.
pub struct PublicInvitation {
    pub invitation: invitation::Model,
    pub organization: organization::Model,
    pub status: InvitationStatus,
    /// The SSO provider the invitee must sign in with, if the address is in its domains.
    pub sso: Option<entity::sso_provider::Model>,
}

/// What proves the invitee is who the invitation is for.
pub enum Proof<'a> {
    /// Nothing but the link (enough where no SSO provider covers the address).
    LinkOnly,
    /// An ID token from the organization's provider.
    IdToken { jwt: &'a str, nonce: NonceCheck<'a> },
}

pub struct Accepted {
    pub member_id: String,
    pub email: String,
    pub organization_name: String,
}

fn limiter_key(client: &str) -> String {
    format!("invitation-failures:{client}")
}

async fn refuse(services: &Services, client: &str, reason: &str) -> AppError {
    tracing::info!(client, reason, "invitation refused");
    if let Err(err) =
        ratelimit::record(&services.db, &limiter_key(client), INVITATION_FAILURES, services.clock.now()).await
    {
        tracing::error!(error = %err, "cannot count a failed invitation attempt");
    }
    AppError::InvalidInvitation
}

async fn ensure_not_limited(services: &Services, client: &str) -> Result<()> {
    if ratelimit::is_blocked(&services.db, &limiter_key(client), INVITATION_FAILURES, services.clock.now()).await? {
        tracing::warn!(client, "too many failed invitation attempts");
        return Err(AppError::RateLimited);
    }
    Ok(())
}

async fn by_token(db: &impl ConnectionTrait, token: &str) -> Result<Option<(invitation::Model, organization::Model)>> {
    // Tokens are short; anything long is not one of ours and is not worth hashing.
    if token.is_empty() || token.len() > 200 {
        return Ok(None);
    }
    let found = invitation::Entity::find()
        .filter(invitation::Column::TokenHash.eq(SecretToken::hash_of(token)))
        .one(db)
        .await?;
    let Some(found) = found else { return Ok(None) };
    let org = organization::Entity::find_by_id(found.organization_id).one(db).await?;
    Ok(org.map(|org| (found, org)))
}

/// The invitation behind a link, whatever its state; `None` for a link that is not one.
pub async fn look_up(services: &Services, token: &str, client: &str) -> Result<Option<PublicInvitation>> {
    ensure_not_limited(services, client).await?;
    match by_token(&services.db, token).await? {
        Some((invitation, organization)) => {
            let status = status_of(&invitation, services.clock.now());
            let sso = sso_provider_of(&services.db, &invitation).await?;
            Ok(Some(PublicInvitation { invitation, organization, status, sso }))
        }
        None => {
            refuse(services, client, "unknown token").await;
            Ok(None)
        }
    }
}

/// The SSO provider whose domains cover the invitation's address, if any.
pub async fn sso_provider_of(
    db: &impl ConnectionTrait,
    found: &invitation::Model,
) -> Result<Option<entity::sso_provider::Model>> {
    let policy = SsoPolicy::load(db, &Tenant::new(found.organization_id)).await?;
    Ok(Email::parse(&found.email).ok().and_then(|email| policy.provider_for(&email).cloned()))
}

/// Accepts the invitation behind a link, with an ID token where SSO requires one.
#[tracing::instrument(skip_all, fields(client))]
pub async fn accept(services: &Services, token: &str, client: &str, id_token: Option<&str>) -> Result<Accepted> {
    ensure_not_limited(services, client).await?;
    let Some((found, organization)) = by_token(&services.db, token).await? else {
        return Err(refuse(services, client, "unknown token").await);
    };
    let proof = match id_token {
        Some(jwt) => Proof::IdToken { jwt, nonce: NonceCheck::ClientKept },
        None => Proof::LinkOnly,
    };
    accept_found(services, found, organization, client, proof).await
}

/// Accepts a pending invitation: checks the proof, marks it and the member accepted, and gives
/// the member the invitation's address, language and roles. Works once.
pub async fn accept_found(
    services: &Services,
    found: invitation::Model,
    organization: organization::Model,
    client: &str,
    proof: Proof<'_>,
) -> Result<Accepted> {
    let now = services.clock.now();
    let refused = |reason: String| {
        let found = &found;
        async move {
            audit::record(
                &services.db,
                found.organization_id,
                audit::INVITEE,
                audit::action::INVITATION_REFUSED,
                Some(&found.public_id),
                serde_json::json!({ "reason": reason }),
                now,
            )
            .await;
            refuse(services, client, &format!("invitation {}: {reason}", found.public_id)).await
        }
    };
    match status_of(&found, now) {
        InvitationStatus::Pending => {}
        other => return Err(refused(format!("it is {other:?}")).await),
    }
    // The domain is checked again now: the provider may have changed since the link was issued.
    let identity = match (sso_provider_of(&services.db, &found).await?, proof) {
        (None, _) => None,
        (Some(_), Proof::LinkOnly) => return Err(refused("SSO sign-in required, no ID token given".into()).await),
        (Some(provider), Proof::IdToken { jwt, nonce }) => {
            match verify_identity(services, &provider, &found, jwt, nonce, now).await {
                Ok(subject) => Some((subject, provider.id)),
                Err(reason) => return Err(refused(reason).await),
            }
        }
    };
    match complete(&services.db, &found, now, identity).await? {
        Some(member) => {
            tracing::info!(invitation = %found.public_id, member = %member.public_id, "invitation accepted");
            audit::record(
                &services.db,
                found.organization_id,
                audit::INVITEE,
                audit::action::INVITATION_ACCEPTED,
                Some(&found.public_id),
                serde_json::json!({ "member": member.public_id }),
                now,
            )
            .await;
            Ok(Accepted { member_id: member.public_id, email: found.email, organization_name: organization.name })
        }
        None => Err(refused("used or replaced meanwhile".into()).await),
    }
}

/// Checks an ID token for this invitation: signature with the provider's keys (fetched again
/// once if it names an unknown key), issuer, audience, expiry, nonce, and a verified email
/// equal to the invited one. Returns the subject, or why not (for the log).
async fn verify_identity(
    services: &Services,
    provider: &entity::sso_provider::Model,
    found: &invitation::Model,
    jwt: &str,
    nonce: NonceCheck<'_>,
    now: DateTime<Utc>,
) -> std::result::Result<String, String> {
    let issuer = openidconnect::IssuerUrl::new(provider.issuer_url.clone()).map_err(|err| err.to_string())?;
    let mut outcome = Err(Refusal::UnknownKey);
    for refresh in [false, true] {
        let (_, keys) =
            sso::metadata_and_keys(&services.db, provider, refresh, now).await.map_err(|err| err.to_string())?;
        let check = match &nonce {
            NonceCheck::Expect(expected) => NonceCheck::Expect(expected),
            NonceCheck::ClientKept => NonceCheck::ClientKept,
            NonceCheck::AccessToken => return Err("an access token is not an ID token".into()),
        };
        outcome = oidc::verify(jwt, &issuer, &provider.client_id, &keys, check, now);
        if !matches!(outcome, Err(Refusal::UnknownKey)) {
            break;
        }
    }
    let claims = outcome.map_err(|refusal| refusal.to_string())?;
    if claims.email_verified() != Some(true) {
        return Err("the provider has not verified the token's email".into());
    }
    let email = claims.email().map(|email| email.as_str().to_lowercase());
    if email.as_deref() != Some(found.email.to_lowercase().as_str()) {
        return Err("the token's email is not the invited one".into());
    }
    Ok(claims.subject().as_str().to_owned())
}

/// Marks the invitation and its member accepted, in one transaction; `None` when another
/// request got there first (the invitation is no longer pending).
async fn complete(
    db: &sea_orm::DatabaseConnection,
    found: &invitation::Model,
    now: DateTime<Utc>,
    identity: Option<(String, i64)>,
) -> Result<Option<member::Model>> {
    let txn = db.begin().await?;
    let marked = invitation::Entity::update_many()
        .col_expr(invitation::Column::Status, Expr::value(state::ACCEPTED))
        .col_expr(invitation::Column::AcceptedAt, Expr::value(now))
        .filter(invitation::Column::Id.eq(found.id))
        .filter(invitation::Column::Status.eq(state::PENDING))
        .filter(invitation::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    if marked.rows_affected != 1 {
        return Ok(None);
    }
    let Some(member) = member::Entity::find_by_id(found.member_id).one(&txn).await? else { return Ok(None) };
    let email_key = found.email.to_lowercase();
    // The member signs in with the invited address from now on, unless another member of
    // the organization took it since the invitation was issued.
    let taken = member::Entity::find()
        .filter(member::Column::OrganizationId.eq(member.organization_id))
        .filter(member::Column::EmailKey.eq(email_key.clone()))
        .filter(member::Column::Id.ne(member.id))
        .one(&txn)
        .await?
        .is_some();
    let mut update = member::Entity::update_many()
        .col_expr(member::Column::InvitationState, Expr::value(member_state::ACCEPTED))
        .col_expr(member::Column::InvitationExpiresAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(member::Column::AcceptedAt, Expr::value(now))
        .col_expr(member::Column::Language, Expr::value(found.language.clone()))
        .col_expr(member::Column::UpdatedAt, Expr::value(now));
    if let Some((subject, provider_id)) = identity {
        update = update
            .col_expr(member::Column::SsoSubject, Expr::value(Some(subject)))
            .col_expr(member::Column::SsoProviderId, Expr::value(Some(provider_id)));
    }
    if !taken {
        update = update
            .col_expr(member::Column::Email, Expr::value(found.email.clone()))
            .col_expr(member::Column::EmailKey, Expr::value(email_key));
    }
    update.filter(member::Column::Id.eq(member.id)).exec(&txn).await?;
    // The roles the invitation grants that still exist in the organization.
    let granted = super::granted_role_ids(found);
    let roles: Vec<i64> = if granted.is_empty() {
        Vec::new()
    } else {
        role::Entity::find()
            .select_only()
            .column(role::Column::Id)
            .filter(role::Column::OrganizationId.eq(member.organization_id))
            .filter(role::Column::Id.is_in(granted))
            .into_tuple()
            .all(&txn)
            .await?
    };
    if !roles.is_empty() {
        member_role::Entity::insert_many(roles.into_iter().map(|role_id| member_role::ActiveModel {
            member_id: sea_orm::Set(member.id),
            role_id: sea_orm::Set(role_id),
        }))
        .on_conflict_do_nothing_on([member_role::Column::MemberId, member_role::Column::RoleId])
        .exec(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(Some(member))
}
