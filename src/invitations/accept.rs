//! The invitee's side: looking a link up (never using it up: mail scanners open links) and
//! accepting it, once. Every refusal looks the same to the caller — unknown, expired, revoked
//! and used links are indistinguishable — while the log says which it was. Failures count
//! against the client in a limiter kept in the database, so guessing is slow on every node.

use chrono::{DateTime, Utc};
use entity::{InvitationState, invitation, member, member_role, organization, sso_provider};
use openidconnect::url::Url;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set, sea_query::Expr};

use super::list;
use crate::{
    AppError, Result,
    audit::{self, Action, Event, INVITEE},
    domain::MailDomain,
    domain::{Email, InvitationStatus, SecretToken},
    identity::{
        fetch::Fetcher,
        jwt::{self, Expected, NonceCheck, Refusal},
        kinds::{self, Kind, Rule, Unproven},
        sso::{self, SsoDomains},
    },
    limits::{ID_TOKEN_BYTES, INVITATION_TOKEN_BYTES},
    mail::outbox::{self, Cancel},
    members::state::{Move, move_state},
    ratelimit::{self, ClientNetwork, INVITATION_FAILURES},
    tenant::Tenant,
};

/// An invitation as its invitee may see it.
pub struct PublicInvitation {
    pub invitation: invitation::Model,
    pub organization: organization::Model,
    pub status: InvitationStatus,
    /// The SSO provider the invitee must sign in with, if the address is in its domains.
    pub sso: Option<sso_provider::Model>,
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
    /// The invitation's language, which the welcome page speaks.
    pub language: String,
}

fn limiter_key(client: &ClientNetwork) -> String {
    format!("invitation-failures:{client}")
}

/// Counts a failed attempt against the client's network and answers the one refusal callers
/// see: `INVALID_INVITATION`, or `RATE_LIMITED` once the network is past its limit. Only
/// failures count, and a valid link is never looked at here: people behind one NAT cannot
/// lock each other out, and a 256-bit link cannot be guessed anyway.
async fn refuse(db: &impl ConnectionTrait, client: &ClientNetwork, reason: &str, now: DateTime<Utc>) -> AppError {
    tracing::info!(%client, reason, "invitation refused");
    match ratelimit::count(db, &limiter_key(client), INVITATION_FAILURES, now).await {
        Ok(None) => AppError::InvalidInvitation,
        Ok(Some(wait)) => {
            tracing::warn!(%client, "too many failed invitation attempts");
            metrics::counter!("muster_rate_limited_total").increment(1);
            AppError::rate_limited(wait)
        }
        Err(err) => {
            tracing::error!(error = %err, "cannot count a failed invitation attempt");
            AppError::InvalidInvitation
        }
    }
}

/// Refuses a link that is not one of ours.
async fn refuse_unknown(db: &impl ConnectionTrait, client: &ClientNetwork, now: DateTime<Utc>) -> AppError {
    metrics::counter!("muster_invitations_refused_total", "reason" => "unknown_link").increment(1);
    refuse(db, client, "unknown token", now).await
}

async fn by_token(db: &impl ConnectionTrait, token: &str) -> Result<Option<(invitation::Model, organization::Model)>> {
    // Tokens are short; anything long is not one of ours and is not worth hashing.
    if token.is_empty() || token.len() > INVITATION_TOKEN_BYTES {
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
pub async fn look_up(
    db: &impl ConnectionTrait,
    token: &str,
    client: &ClientNetwork,
    now: DateTime<Utc>,
) -> Result<Option<PublicInvitation>> {
    match by_token(db, token).await? {
        Some((invitation, organization)) => {
            let status = InvitationStatus::of(invitation.status, Some(invitation.expires_at), now);
            let sso = sso_provider_of(db, &invitation).await?.map(|(provider, _)| provider);
            Ok(Some(PublicInvitation { invitation, organization, status, sso }))
        }
        None => match refuse_unknown(db, client, now).await {
            AppError::InvalidInvitation => Ok(None),
            limited => Err(limited),
        },
    }
}

/// The SSO provider whose domains cover the invitation's address, if any, with its domains.
pub async fn sso_provider_of(
    db: &impl ConnectionTrait,
    found: &invitation::Model,
) -> Result<Option<(sso_provider::Model, Vec<MailDomain>)>> {
    // The link itself says whose invitation it is: its organization is the tenant.
    let domains = SsoDomains::load(db, &Tenant::new(found.organization_id)).await?;
    let Ok(email) = Email::parse(&found.email) else { return Ok(None) };
    Ok(domains.covering(&email).map(|(provider, domains)| (provider.clone(), domains.to_vec())))
}

/// Accepts the invitation behind a link, with an ID token where SSO requires one.
#[tracing::instrument(skip_all, fields(client))]
pub async fn accept(
    db: &DatabaseConnection,
    fetcher: &Fetcher,
    token: &str,
    client: &ClientNetwork,
    id_token: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Accepted> {
    let Some((found, organization)) = by_token(db, token).await? else {
        return Err(refuse_unknown(db, client, now).await);
    };
    let proof = match id_token {
        Some(jwt) => Proof::IdToken { jwt, nonce: NonceCheck::ClientKept },
        None => Proof::LinkOnly,
    };
    accept_found(db, fetcher, found, organization, client, proof, now).await
}

/// Why an acceptance was refused. The audit trail keeps [`Refused::reason`], words of
/// muster's own; what a token said (attacker-chosen text) goes only to the log, shortened.
#[derive(Debug)]
enum Refused {
    NotPending(InvitationStatus),
    SsoRequired,
    TokenTooLarge,
    Provider(String),
    Token(Refusal),
    AccessToken,
    Unproven(Unproven),
    OtherEmail,
    OutsideDomains,
    UsedMeanwhile,
}

impl Refused {
    fn reason(&self) -> String {
        match self {
            Self::NotPending(status) => format!("it is {status:?}"),
            Self::SsoRequired => "SSO sign-in required, no ID token given".into(),
            Self::TokenTooLarge => format!("the ID token is larger than {} KiB", ID_TOKEN_BYTES / 1024),
            Self::Provider(_) => "the provider's keys could not be had".into(),
            Self::Token(Refusal::Malformed(_)) => "the ID token is not a JWT".into(),
            Self::Token(Refusal::UnknownKey) => "no published key matches the ID token's signature".into(),
            Self::Token(Refusal::BadSignature) => "the ID token's signature does not verify".into(),
            Self::Token(Refusal::Claims(_)) => "the ID token's claims were refused".into(),
            Self::AccessToken => "an access token is not an ID token".into(),
            Self::Unproven(unproven) => unproven.reason().into(),
            Self::OtherEmail => "the token's address is not the invited one".into(),
            Self::OutsideDomains => "the token's address is outside the provider's domains".into(),
            Self::UsedMeanwhile => "used or replaced meanwhile".into(),
        }
    }

    /// The metrics' label: one of a fixed few, whatever the token said.
    fn label(&self) -> &'static str {
        match self {
            Self::NotPending(InvitationStatus::Accepted) => "accepted_already",
            Self::NotPending(InvitationStatus::Expired) => "expired",
            Self::NotPending(InvitationStatus::Revoked) => "revoked",
            Self::NotPending(_) => "not_pending",
            Self::SsoRequired => "sso_required",
            Self::TokenTooLarge => "token_too_large",
            Self::Provider(_) => "provider_unreachable",
            Self::Token(Refusal::Claims(_)) => "token_claims",
            Self::Token(_) => "token_signature",
            Self::AccessToken => "access_token",
            Self::Unproven(_) => "address_unproven",
            Self::OtherEmail => "other_address",
            Self::OutsideDomains => "outside_domains",
            Self::UsedMeanwhile => "used_meanwhile",
        }
    }

    /// What the log may add: the check's own words, shortened.
    fn detail(&self) -> Option<String> {
        let text = match self {
            Self::Provider(detail) | Self::Token(Refusal::Malformed(detail) | Refusal::Claims(detail)) => detail,
            _ => return None,
        };
        Some(text.chars().take(200).collect())
    }
}

/// Refuses an acceptance: in the audit trail (never the token), in the log and in the limiter.
async fn refused(
    db: &impl ConnectionTrait,
    found: &invitation::Model,
    client: &ClientNetwork,
    refused: Refused,
    now: DateTime<Utc>,
) -> AppError {
    let tenant = Tenant::new(found.organization_id);
    metrics::counter!("muster_invitations_refused_total", "reason" => refused.label()).increment(1);
    let reason = refused.reason();
    if let Some(detail) = refused.detail() {
        tracing::info!(invitation = %found.public_id, detail, "acceptance refused");
    }
    let details = serde_json::json!({ "reason": reason });
    audit::record(db, &tenant, INVITEE, Event::new(Action::InvitationRefused, Some(&found.public_id), details), now)
        .await;
    refuse(db, client, &format!("invitation {}: {reason}", found.public_id), now).await
}

/// Accepts a pending invitation: checks the proof, marks it and the member accepted, and gives
/// the member the invitation's address, language and roles. Works once.
pub async fn accept_found(
    db: &DatabaseConnection,
    fetcher: &Fetcher,
    found: invitation::Model,
    organization: organization::Model,
    client: &ClientNetwork,
    proof: Proof<'_>,
    now: DateTime<Utc>,
) -> Result<Accepted> {
    let status = InvitationStatus::of(found.status, Some(found.expires_at), now);
    if status != InvitationStatus::Pending {
        return Err(refused(db, &found, client, Refused::NotPending(status), now).await);
    }
    // The domain is checked again now: the provider may have changed since the link was issued.
    let identity = match (sso_provider_of(db, &found).await?, proof) {
        (None, _) => None,
        (Some(_), Proof::LinkOnly) => return Err(refused(db, &found, client, Refused::SsoRequired, now).await),
        (Some((provider, domains)), Proof::IdToken { jwt, nonce }) => {
            let signed_in = SignIn { provider: &provider, domains: &domains, jwt, nonce };
            match verify_identity(db, fetcher, &signed_in, &found, now).await {
                Ok(identity) => Some(identity),
                Err(why) => return Err(refused(db, &found, client, why, now).await),
            }
        }
    };
    let rule = identity.as_ref().map(|identity| identity.rule.as_str());
    let Some(member) = complete(db, &found, identity, now).await? else {
        return Err(refused(db, &found, client, Refused::UsedMeanwhile, now).await);
    };
    tracing::info!(invitation = %found.public_id, member = %member.public_id, "invitation accepted");
    metrics::counter!("muster_invitations_accepted_total", "rule" => rule.unwrap_or("link")).increment(1);
    let details = match &rule {
        Some(rule) => serde_json::json!({ "member": member.public_id, "rule": rule }),
        None => serde_json::json!({ "member": member.public_id }),
    };
    let event = Event::new(Action::InvitationAccepted, Some(&found.public_id), details);
    audit::record(db, &Tenant::new(found.organization_id), INVITEE, event, now).await;
    Ok(Accepted {
        member_id: member.public_id,
        email: found.email,
        organization_name: organization.name,
        language: found.language,
    })
}

/// An ID token offered to accept an invitation, and the provider it must come from.
struct SignIn<'a> {
    provider: &'a sso_provider::Model,
    domains: &'a [MailDomain],
    jwt: &'a str,
    nonce: NonceCheck<'a>,
}

/// Checks an ID token for this invitation: its size; its signature with the provider's keys
/// (fetched again once if it names an unknown key), issuer, audience, expiry, nonce and
/// authorized party; the address it proves under the provider's kind; and that this address is
/// the invited one, in the provider's domains.
async fn verify_identity(
    db: &impl ConnectionTrait,
    fetcher: &Fetcher,
    sign_in: &SignIn<'_>,
    found: &invitation::Model,
    now: DateTime<Utc>,
) -> std::result::Result<SsoIdentity, Refused> {
    let SignIn { provider, domains, jwt, nonce } = sign_in;
    if jwt.len() > ID_TOKEN_BYTES {
        return Err(Refused::TokenTooLarge);
    }
    let kind = kinds::of(provider);
    let nonce = match nonce {
        NonceCheck::Expect(expected) => NonceCheck::Expect(expected),
        NonceCheck::ClientKept => NonceCheck::ClientKept,
        NonceCheck::AccessToken => return Err(Refused::AccessToken),
    };
    let expected = Expected {
        issuer: &provider.issuer_url,
        scheme_less_issuer: kind == Kind::Google,
        audience: &provider.client_id,
        nonce,
    };
    let mut outcome = Err(Refusal::UnknownKey);
    for refresh in [false, true] {
        let (_, keys) = sso::metadata_and_keys(db, fetcher, provider, refresh, now)
            .await
            .map_err(|err| Refused::Provider(err.to_string()))?;
        outcome = jwt::verify(jwt, &expected, &keys, now);
        if !matches!(outcome, Err(Refusal::UnknownKey)) {
            break;
        }
    }
    let token = outcome.map_err(Refused::Token)?;
    let tenant = match kind {
        Kind::Entra => Some(
            Url::parse(&provider.issuer_url)
                .ok()
                .and_then(|url| kinds::entra_tenant(&url).ok())
                .ok_or(Refused::Provider("the provider's issuer names no Entra tenant".into()))?,
        ),
        _ => None,
    };
    let proof = kinds::prove(kind, tenant.as_deref(), domains, &token).map_err(Refused::Unproven)?;
    if proof.address.to_lowercase() != found.email.to_lowercase() {
        return Err(Refused::OtherEmail);
    }
    let address = Email::parse(&proof.address).map_err(|_| Refused::OtherEmail)?;
    let domain = MailDomain::of(&address);
    if !domains.iter().any(|own| own.covers(&domain, provider.include_subdomains)) {
        return Err(Refused::OutsideDomains);
    }
    Ok(SsoIdentity { subject: token.subject().to_owned(), provider_id: provider.id, rule: proof.rule })
}

/// Who signed in to accept: their subject at the organization's provider, and the rule of
/// that provider's kind that proved their address.
struct SsoIdentity {
    subject: String,
    provider_id: i64,
    rule: Rule,
}

/// Marks the invitation and its member accepted, in one transaction; `None` when another
/// request got there first (the invitation is no longer pending).
async fn complete(
    db: &DatabaseConnection,
    found: &invitation::Model,
    identity: Option<SsoIdentity>,
    now: DateTime<Utc>,
) -> Result<Option<member::Model>> {
    let txn = crate::db::begin_write(db).await?;
    let marked = invitation::Entity::update_many()
        .col_expr(invitation::Column::Status, Expr::value(InvitationState::Accepted))
        .col_expr(invitation::Column::AcceptedAt, Expr::value(now))
        .filter(invitation::Column::Id.eq(found.id))
        .filter(invitation::Column::Status.eq(InvitationState::Pending))
        .filter(invitation::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    if marked.rows_affected != 1 {
        return Ok(None);
    }
    let Some(member) = member::Entity::find_by_id(found.member_id).one(&txn).await? else { return Ok(None) };
    move_state(&txn, &[member.id], Move::Accepted, now).await?;
    // Accepted from the links sheet before muster's email went out: the email is not needed.
    let tenant = Tenant::new(member.organization_id);
    outbox::cancel(&txn, &tenant, Cancel::Invitation(found.id), now).await?;
    adopt_invited_details(&txn, &member, found, identity, now).await?;
    // The roles the invitation grants that still exist in the organization.
    let roles = list::granted_roles(&txn, &tenant, found).await?;
    if !roles.is_empty() {
        member_role::Entity::insert_many(
            roles.iter().map(|role| member_role::ActiveModel { member_id: Set(member.id), role_id: Set(role.id) }),
        )
        .on_conflict_do_nothing_on([member_role::Column::MemberId, member_role::Column::RoleId])
        .exec(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(Some(member))
}

/// The member takes the invitation's language and, unless another member of the organization
/// took it since the invitation was issued, its address: the one they sign in with from now
/// on. Through SSO, the member is tied to the identity that accepted.
async fn adopt_invited_details(
    db: &impl ConnectionTrait,
    member: &member::Model,
    found: &invitation::Model,
    identity: Option<SsoIdentity>,
    now: DateTime<Utc>,
) -> Result<()> {
    let email_key = found.email.to_lowercase();
    let taken = Tenant::new(member.organization_id)
        .members()
        .filter(member::Column::EmailKey.eq(email_key.clone()))
        .filter(member::Column::Id.ne(member.id))
        .one(db)
        .await?
        .is_some();
    let mut update = member::Entity::update_many()
        .col_expr(member::Column::Language, Expr::value(found.language.clone()))
        .col_expr(member::Column::UpdatedAt, Expr::value(now));
    if let Some(identity) = identity {
        update = update
            .col_expr(member::Column::SsoSubject, Expr::value(Some(identity.subject)))
            .col_expr(member::Column::SsoProviderId, Expr::value(Some(identity.provider_id)));
    }
    if !taken {
        update = update
            .col_expr(member::Column::Email, Expr::value(found.email.clone()))
            .col_expr(member::Column::EmailKey, Expr::value(email_key));
    }
    update.filter(member::Column::Id.eq(member.id)).exec(db).await?;
    Ok(())
}
