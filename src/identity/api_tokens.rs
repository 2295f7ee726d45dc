//! Admin API tokens: `mst_` + 256 random bits, shown once when created, stored as SHA-256.

use chrono::{DateTime, Utc};
use entity::{api_token, organization};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

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
        .find_also_related(organization::Entity)
        .one(db)
        .await?;
    Ok(found.and_then(|(token, org)| org.map(|org| Caller { tenant: Tenant::new(org.id), name: token.name })))
}
