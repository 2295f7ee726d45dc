//! Roles: what a member is in the organization (`Manager`, `Team Member`). Sheets name them by
//! public id; a member has any number of them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::role;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, ModelTrait, QueryFilter, QueryOrder, Set};

use crate::{
    AppError, Result,
    db::in_json_list,
    domain::{PublicId, RoleName},
    error::is_public_id_collision,
    limits::DESCRIPTION_CHARS,
    tenant::Tenant,
};

/// A role's description, trimmed; blank means none.
pub fn parse_description(field: &str, input: Option<&str>) -> Result<Option<String>> {
    let Some(text) = input.map(str::trim).filter(|text| !text.is_empty()) else { return Ok(None) };
    if text.chars().count() > DESCRIPTION_CHARS {
        return Err(AppError::bad_input(field, format!("keep the description under {DESCRIPTION_CHARS} characters")));
    }
    Ok(Some(text.to_owned()))
}

/// A role's name as a client sends it, parsed; errors name `field`.
pub fn parse_name(field: &str, input: &str) -> Result<RoleName> {
    RoleName::parse(input).map_err(|err| AppError::bad_input(field, format!("the role's name {err}")))
}

fn name_taken(name: &RoleName) -> impl FnOnce() -> String + '_ {
    move || format!("a role named `{name}` already exists")
}

#[tracing::instrument(skip(db))]
pub async fn list(db: &impl ConnectionTrait, tenant: &Tenant) -> Result<Vec<role::Model>> {
    Ok(tenant.roles().order_by_asc(role::Column::NameKey).order_by_asc(role::Column::Id).all(db).await?)
}

#[tracing::instrument(skip(db))]
pub async fn create(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    name: RoleName,
    description: Option<String>,
    now: DateTime<Utc>,
) -> Result<role::Model> {
    loop {
        let inserted = role::ActiveModel {
            public_id: Set(PublicId::generate().into_inner()),
            organization_id: Set(tenant.organization_id()),
            name: Set(name.as_str().to_owned()),
            name_key: Set(name.key()),
            description: Set(description.clone()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await;
        match inserted {
            Err(err) if is_public_id_collision(&err) => continue,
            other => return other.map_err(|err| AppError::conflict_on_unique(err, name_taken(&name))),
        }
    }
}

/// Changes the name and/or the description (`Some(None)` clears it).
#[tracing::instrument(skip(db))]
pub async fn update(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    id: &str,
    name: Option<RoleName>,
    description: Option<Option<String>>,
) -> Result<role::Model> {
    let role = tenant.role(db, id).await?;
    let mut active: role::ActiveModel = role.into();
    if let Some(name) = &name {
        active.name = Set(name.as_str().to_owned());
        active.name_key = Set(name.key());
    }
    if let Some(description) = description {
        active.description = Set(description);
    }
    let updated = active.update(db).await;
    match (updated, &name) {
        (Err(err), Some(name)) => Err(AppError::conflict_on_unique(err, name_taken(name))),
        (other, _) => Ok(other?),
    }
}

/// Deletes the role; members keep their other roles.
#[tracing::instrument(skip(db))]
pub async fn delete(db: &impl ConnectionTrait, tenant: &Tenant, id: &str) -> Result<String> {
    let role = tenant.role(db, id).await?;
    let public_id = role.public_id.clone();
    role.delete(db).await?;
    Ok(public_id)
}

/// The tenant's roles with these row ids, by row id; ids of roles deleted since (or of
/// another organization) are not found.
pub async fn by_ids(db: &impl ConnectionTrait, tenant: &Tenant, ids: &[i64]) -> Result<HashMap<i64, role::Model>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = tenant.roles().filter(in_json_list(db.get_database_backend(), role::Column::Id, ids)).all(db).await?;
    Ok(rows.into_iter().map(|role| (role.id, role)).collect())
}

/// The tenant's roles with these public ids, in the order given, or `BAD_USER_INPUT` naming
/// `field` and every id that is not one of the tenant's roles.
pub async fn resolve(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    field: &str,
    ids: &[String],
) -> Result<Vec<role::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let wanted: Vec<&str> = ids.iter().map(|id| id.trim()).collect();
    let found: HashMap<String, role::Model> = tenant
        .roles()
        .filter(role::Column::PublicId.is_in(wanted.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|role| (role.public_id.clone(), role))
        .collect();
    let unknown: Vec<&str> = wanted.iter().copied().filter(|id| !found.contains_key(*id)).collect();
    if !unknown.is_empty() {
        return Err(AppError::bad_input(
            field,
            format!("unknown role id {}; the `roles` query lists this organization's roles", quote_list(&unknown)),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    Ok(wanted.into_iter().filter(|id| seen.insert(*id)).filter_map(|id| found.get(id).cloned()).collect())
}

fn quote_list(items: &[&str]) -> String {
    items.iter().map(|item| format!("`{item}`")).collect::<Vec<_>>().join(", ")
}
