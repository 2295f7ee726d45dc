//! Organizations: created by the CLI (or the first `serve` on an empty database), never by an
//! admin of another organization.

use chrono::{DateTime, Utc};
use entity::organization;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use crate::{
    AppError, Result,
    domain::{DisplayName, Slug},
    tenant::Tenant,
};

pub const DEFAULT_SLUG: &str = "default";

pub async fn create(
    db: &impl ConnectionTrait,
    slug: &Slug,
    name: &DisplayName,
    now: DateTime<Utc>,
) -> Result<organization::Model> {
    organization::ActiveModel {
        slug: Set(slug.as_str().to_owned()),
        name: Set(name.as_str().to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|err| {
        AppError::conflict_on_unique(err, || format!("an organization with slug `{}` already exists", slug.as_str()))
    })
}

pub async fn find_by_slug(db: &impl ConnectionTrait, slug: &str) -> Result<Option<organization::Model>> {
    Ok(organization::Entity::find().filter(organization::Column::Slug.eq(slug)).one(db).await?)
}

/// The tenant of the organization with this slug, for commands run by an operator.
pub async fn tenant_by_slug(db: &impl ConnectionTrait, slug: &str) -> Result<Tenant> {
    let org = find_by_slug(db, slug).await?.ok_or(AppError::NotFound("organization"))?;
    Ok(Tenant::new(org.id))
}

pub async fn is_empty(db: &impl ConnectionTrait) -> Result<bool> {
    Ok(organization::Entity::find().count(db).await? == 0)
}
