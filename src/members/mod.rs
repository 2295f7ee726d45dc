//! Team members: the people of an organization, with their email, name, language and roles.
//! Invitations (elsewhere) move their invitation state, through [`state::move_state`].
//!
//! - this file: creating (one or thousands at once), updating and deleting members;
//! - [`list`]: pages (with their count and role ids) and the relations lists show;
//! - [`count`]: how many members pass a filter, each kind from its cheapest source;
//! - [`filter`]: which members a list or an export shows, and in which order;
//! - [`state`]: the one function that moves a member's invitation state;
//! - [`export`]: the members export's rows.

pub mod count;
pub mod export;
pub mod filter;
pub mod list;
pub mod state;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{InvitationState, member, member_role, role};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, ModelTrait, QueryFilter,
    QuerySelect, Set,
};

pub use filter::{MemberFilter, MemberOrder, MemberOrderField, OrderDirection};
pub use list::{MemberPage, PageParts, by_ids, count, page, page_roles, roles_of};

use crate::{
    AppError, Result,
    db::in_json_list,
    domain::{DisplayName, Email, Language, PublicId, SupportedLanguages},
    error::is_public_id_collision,
    limits::MEMBERS_PER_CALL,
    roles,
    tenant::Tenant,
};

/// Rows per INSERT: well under SQLite's and PostgreSQL's limits on bound parameters.
const INSERT_CHUNK: usize = 1_000;

/// A member to create, parsed.
#[derive(Debug, Clone)]
pub struct NewMember {
    pub email: Email,
    pub name: Option<DisplayName>,
    pub language: Language,
    pub role_ids: Vec<String>,
}

/// The raw fields of a member as a client sends them.
pub struct MemberFields<'a> {
    pub email: &'a str,
    pub name: Option<&'a str>,
    pub language: Option<&'a str>,
    pub role_ids: &'a [String],
}

impl NewMember {
    /// Parses a member's fields; errors name the field under `prefix` (`input`, `input[3]`).
    pub fn parse(prefix: &str, fields: MemberFields<'_>, languages: &SupportedLanguages) -> Result<Self> {
        let email = Email::parse(fields.email).map_err(|err| AppError::bad_input(format!("{prefix}.email"), err))?;
        let name = DisplayName::parse_optional(fields.name)
            .map_err(|err| AppError::bad_input(format!("{prefix}.name"), format!("the name {err}")))?;
        let language = match fields.language {
            Some(tag) => languages.parse(tag).map_err(|err| AppError::bad_input(format!("{prefix}.language"), err))?,
            None => languages.default_language().clone(),
        };
        Ok(Self { email, name, language, role_ids: fields.role_ids.to_vec() })
    }
}

fn email_taken(email: &str) -> String {
    format!("a member with email `{email}` already exists in this organization")
}

/// `name` lower-cased, or '' without a name: the sort key for ordering by name.
fn name_key(name: Option<&DisplayName>) -> String {
    name.map(|name| name.as_str().to_lowercase()).unwrap_or_default()
}

/// Creates one member with their roles.
#[tracing::instrument(skip(db, new), fields(email = %new.email))]
pub async fn create(
    db: &DatabaseConnection,
    tenant: &Tenant,
    new: NewMember,
    now: DateTime<Utc>,
) -> Result<member::Model> {
    let mut created = create_many(db, tenant, vec![new], now, |_| "input".to_owned()).await?;
    Ok(created.remove(0))
}

/// Creates members in one transaction: all of them or none. `field_of(i)` names the i-th
/// input in errors (`input[3]`). Existing emails and repeats within the batch are reported
/// before anything is written; the unique index remains the last word under races.
#[tracing::instrument(skip_all, fields(count = news.len()))]
pub async fn create_many(
    db: &DatabaseConnection,
    tenant: &Tenant,
    news: Vec<NewMember>,
    now: DateTime<Utc>,
    field_of: impl Fn(usize) -> String,
) -> Result<Vec<member::Model>> {
    if news.len() > MEMBERS_PER_CALL {
        return Err(AppError::bad_input(
            "input",
            format!("send at most {MEMBERS_PER_CALL} members per call, got {}", news.len()),
        ));
    }
    let first_index = first_index_of_each_email(&news, &field_of)?;
    let txn = crate::db::begin_write(db).await?;
    let known_roles = known_roles(&txn, tenant, &news, &field_of).await?;
    refuse_taken_emails(&txn, tenant, &first_index, &field_of).await?;
    let mut created = Vec::with_capacity(news.len());
    for chunk in news.chunks(INSERT_CHUNK) {
        created.extend(insert_chunk(&txn, tenant, chunk, &known_roles, now).await?);
    }
    txn.commit().await?;
    Ok(created)
}

/// Each address's first input, by email key; an address given twice is refused.
fn first_index_of_each_email(
    news: &[NewMember],
    field_of: &impl Fn(usize) -> String,
) -> Result<HashMap<String, usize>> {
    let mut first_index: HashMap<String, usize> = HashMap::new();
    for (index, new) in news.iter().enumerate() {
        if let Some(first) = first_index.insert(new.email.key(), index) {
            return Err(AppError::bad_input(
                format!("{}.email", field_of(index)),
                format!("`{}` is also the email of {}", new.email, field_of(first)),
            ));
        }
    }
    Ok(first_index)
}

/// The tenant's roles the inputs name, by public id; an unknown one is refused.
async fn known_roles(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    news: &[NewMember],
    field_of: &impl Fn(usize) -> String,
) -> Result<HashMap<String, i64>> {
    let wanted: Vec<String> = news
        .iter()
        .flat_map(|new| new.role_ids.iter().map(|id| id.trim().to_owned()))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let known: HashMap<String, i64> = tenant
        .roles()
        .filter(role::Column::PublicId.is_in(wanted))
        .all(db)
        .await?
        .into_iter()
        .map(|role| (role.public_id, role.id))
        .collect();
    for (index, new) in news.iter().enumerate() {
        if let Some(unknown) = new.role_ids.iter().find(|id| !known.contains_key(id.trim())) {
            return Err(AppError::bad_input(
                format!("{}.roleIds", field_of(index)),
                format!("unknown role id `{}`; the `roles` query lists this organization's roles", unknown.trim()),
            ));
        }
    }
    Ok(known)
}

/// Refuses the batch when any of its addresses is already a member's, naming the first input.
async fn refuse_taken_emails(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    first_index: &HashMap<String, usize>,
    field_of: &impl Fn(usize) -> String,
) -> Result<()> {
    let keys: Vec<String> = first_index.keys().cloned().collect();
    let backend = db.get_database_backend();
    for chunk in keys.chunks(INSERT_CHUNK) {
        // All matches rather than `LIMIT 1`: without statistics on a freshly filled table,
        // PostgreSQL plans a limited semi-join as a nested loop over the whole list per member.
        let existing: Vec<(String, String)> = tenant
            .members()
            .select_only()
            .columns([member::Column::EmailKey, member::Column::Email])
            .filter(in_json_list(backend, member::Column::EmailKey, chunk))
            .into_tuple()
            .all(db)
            .await?;
        if let Some((index, email)) =
            existing.iter().filter_map(|(key, email)| Some((*first_index.get(key)?, email))).min()
        {
            return Err(AppError::Conflict(format!("{}.email: {}", field_of(index), email_taken(email))));
        }
    }
    Ok(())
}

/// Inserts members and their roles; on the rare public-id collision, tries again with new ids.
async fn insert_chunk(
    txn: &impl ConnectionTrait,
    tenant: &Tenant,
    chunk: &[NewMember],
    role_ids: &HashMap<String, i64>,
    now: DateTime<Utc>,
) -> Result<Vec<member::Model>> {
    let mut attempts = 0;
    let ids: Vec<String> = loop {
        let ids: Vec<String> = chunk.iter().map(|_| PublicId::generate().into_inner()).collect();
        let rows = chunk.iter().zip(&ids).map(|(new, public_id)| member::ActiveModel {
            public_id: Set(public_id.clone()),
            organization_id: Set(tenant.organization_id()),
            email: Set(new.email.as_str().to_owned()),
            email_key: Set(new.email.key()),
            name: Set(new.name.as_ref().map(|name| name.as_str().to_owned())),
            name_key: Set(name_key(new.name.as_ref())),
            language: Set(new.language.as_str().to_owned()),
            invitation_state: Set(InvitationState::NotInvited),
            invitation_expires_at: Set(None),
            accepted_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
        match member::Entity::insert_many(rows).exec(txn).await {
            Ok(_) => break ids,
            Err(err) if is_public_id_collision(&err) && attempts < 3 => attempts += 1,
            Err(err) => {
                return Err(AppError::conflict_on_unique(err, || {
                    "a member with one of these emails already exists".to_owned()
                }));
            }
        }
    };
    let mut by_public_id: HashMap<String, member::Model> = tenant
        .members()
        .filter(in_json_list(txn.get_database_backend(), member::Column::PublicId, &ids))
        .all(txn)
        .await?
        .into_iter()
        .map(|member| (member.public_id.clone(), member))
        .collect();
    let created: Vec<member::Model> = ids.iter().filter_map(|id| by_public_id.remove(id)).collect();
    let links = created.iter().zip(chunk).flat_map(|(member, new)| {
        let mut seen = HashSet::new();
        new.role_ids
            .iter()
            .filter_map(|id| role_ids.get(id.trim()).copied())
            .filter(move |role_id| seen.insert(*role_id))
            .map(move |role_id| member_role::ActiveModel { member_id: Set(member.id), role_id: Set(role_id) })
    });
    insert_member_roles(txn, links.collect()).await?;
    Ok(created)
}

async fn insert_member_roles(txn: &impl ConnectionTrait, links: Vec<member_role::ActiveModel>) -> Result<()> {
    for chunk in links.chunks(INSERT_CHUNK * 5) {
        member_role::Entity::insert_many(chunk.to_vec()).exec(txn).await?;
    }
    Ok(())
}

/// What `updateMember` changes; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct MemberChanges {
    pub email: Option<Email>,
    /// `Some(None)` removes the name.
    pub name: Option<Option<DisplayName>>,
    pub language: Option<Language>,
    /// Replaces the member's roles.
    pub role_ids: Option<Vec<String>>,
}

#[tracing::instrument(skip(db, changes))]
pub async fn update(
    db: &DatabaseConnection,
    tenant: &Tenant,
    id: &str,
    changes: MemberChanges,
    now: DateTime<Utc>,
) -> Result<member::Model> {
    let txn = crate::db::begin_write(db).await?;
    let member = tenant.member(&txn, id).await?;
    let member_id = member.id;
    let new_roles = match &changes.role_ids {
        Some(ids) => Some(roles::resolve(&txn, tenant, "input.roleIds", ids).await?),
        None => None,
    };
    let mut active: member::ActiveModel = member.into();
    if let Some(email) = &changes.email {
        active.email = Set(email.as_str().to_owned());
        active.email_key = Set(email.key());
    }
    if let Some(name) = changes.name {
        active.name_key = Set(name_key(name.as_ref()));
        active.name = Set(name.map(DisplayName::into_inner));
    }
    if let Some(language) = &changes.language {
        active.language = Set(language.as_str().to_owned());
    }
    active.updated_at = Set(now);
    let updated = active.update(&txn).await.map_err(|err| {
        AppError::conflict_on_unique(err, || email_taken(changes.email.as_ref().map(Email::as_str).unwrap_or_default()))
    })?;
    if let Some(new_roles) = new_roles {
        member_role::Entity::delete_many().filter(member_role::Column::MemberId.eq(member_id)).exec(&txn).await?;
        let links = new_roles
            .iter()
            .map(|role| member_role::ActiveModel { member_id: Set(member_id), role_id: Set(role.id) })
            .collect();
        insert_member_roles(&txn, links).await?;
    }
    txn.commit().await?;
    Ok(updated)
}

#[tracing::instrument(skip(db))]
pub async fn delete(db: &impl ConnectionTrait, tenant: &Tenant, id: &str) -> Result<String> {
    let member = tenant.member(db, id).await?;
    let public_id = member.public_id.clone();
    member.delete(db).await?;
    Ok(public_id)
}
