//! Admin API tokens: `mst_` + 256 random bits, shown once when created, stored as SHA-256.
//! They can be listed and revoked; every request looks its token up, so a revocation takes
//! effect at once on every node.

use chrono::{DateTime, Utc};
use entity::{api_token, organization};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, sea_query::Expr,
};

use super::Caller;
use crate::{
    Result,
    audit::{self, Action, Event},
    domain::{DisplayName, SecretToken},
    tenant::Tenant,
};

pub const PREFIX: &str = "mst_";

/// Creates a token named `name` (who or what uses it) for the tenant's organization, on
/// behalf of `actor`; the caller shows it once.
pub async fn create(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    name: &DisplayName,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<SecretToken> {
    let token = SecretToken::generate(PREFIX);
    api_token::ActiveModel {
        organization_id: Set(tenant.organization_id()),
        name: Set(name.as_str().to_owned()),
        token_hash: Set(token.hash()),
        created_at: Set(now),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    tracing::info!(organization_id = tenant.organization_id(), token_name = %name, "api token created");
    let event = Event::new(Action::TokenCreated, None, serde_json::json!({ "name": name.as_str() }));
    audit::record(db, tenant, actor, event, now).await;
    Ok(token)
}

/// The admin a presented token belongs to, if any.
pub async fn authenticate(db: &impl ConnectionTrait, presented: &str) -> Result<Option<Caller>> {
    if !presented.starts_with(PREFIX) {
        return Ok(None);
    }
    let found = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(SecretToken::hash_of(presented)))
        .filter(api_token::Column::RevokedAt.is_null())
        .find_also_related(organization::Entity)
        .one(db)
        .await?;
    Ok(found.and_then(|(token, org)| org.map(|org| Caller { tenant: Tenant::new(org.id), name: token.name })))
}

/// The tenant's tokens, oldest first, revoked ones included (never their secrets: muster has
/// only their hashes).
pub async fn list(db: &impl ConnectionTrait, tenant: &Tenant) -> Result<Vec<api_token::Model>> {
    Ok(api_token::Entity::find()
        .filter(api_token::Column::OrganizationId.eq(tenant.organization_id()))
        .order_by_asc(api_token::Column::Id)
        .all(db)
        .await?)
}

/// Revokes the tenant's tokens named `name` (names need not be unique) on behalf of `actor`;
/// answers how many were revoked. Revoking twice is harmless.
pub async fn revoke(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    name: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<u64> {
    let revoked = api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(Some(now)))
        .filter(api_token::Column::OrganizationId.eq(tenant.organization_id()))
        .filter(api_token::Column::Name.eq(name.trim()))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?
        .rows_affected;
    if revoked > 0 {
        tracing::info!(organization_id = tenant.organization_id(), token_name = name, revoked, "api tokens revoked");
        let details = serde_json::json!({ "name": name.trim(), "revoked": revoked });
        audit::record(db, tenant, actor, Event::new(Action::TokenRevoked, None, details), now).await;
    }
    Ok(revoked)
}
