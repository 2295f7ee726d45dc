//! Demo data for `muster serve --demo`: a few roles and ~50 members, so a newcomer sees a real
//! organization in GraphiQL. Loaded only into an organization that has no members yet.

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, PaginatorTrait};

use crate::{
    AppError, Result,
    domain::{DisplayName, Email, RoleName, SupportedLanguages},
    members::{self, NewMember},
    roles,
    tenant::Tenant,
};

const ROLES: [(&str, &str); 4] = [
    ("Administrator", "Manages the organization's settings, members and roles"),
    ("Manager", "Leads a team and follows its progress"),
    ("Team Member", "Takes part in the team's work"),
    ("Viewer", "Reads reports, changes nothing"),
];

const FIRST: [&str; 10] = ["Ana", "Bruno", "Chloé", "Daniel", "Eva", "Felix", "Giulia", "Hugo", "Inês", "Jonas"];
const LAST: [&str; 5] = ["Silva", "Martin", "García", "Müller", "Rossi"];

/// Loads the demo; `None` when the organization already has members.
pub async fn load(
    db: &DatabaseConnection,
    tenant: &Tenant,
    languages: &SupportedLanguages,
    now: DateTime<Utc>,
) -> Result<Option<usize>> {
    if tenant.members().count(db).await? > 0 {
        return Ok(None);
    }
    let mut role_ids = Vec::new();
    let existing = roles::list(db, tenant).await?;
    for (name, description) in ROLES {
        let role = match existing.iter().find(|role| role.name == name) {
            Some(role) => role.clone(),
            None => {
                let name = RoleName::parse(name).map_err(|err| AppError::Internal(err.into()))?;
                roles::create(db, tenant, name, Some(description.to_owned()), now).await?
            }
        };
        role_ids.push(role.public_id);
    }
    let tags = languages.tags();
    let mut news = Vec::new();
    for (index, (first, last)) in FIRST.iter().flat_map(|f| LAST.iter().map(move |l| (f, l))).enumerate() {
        let local: String = format!("{first}.{last}")
            .to_lowercase()
            .chars()
            .map(|c| match c {
                'é' => 'e',
                'ê' => 'e',
                'í' => 'i',
                'ü' => 'u',
                other => other,
            })
            .collect();
        let roles = match index % 10 {
            0 => vec![role_ids[0].clone(), role_ids[1].clone()],
            1 | 2 => vec![role_ids[1].clone(), role_ids[2].clone()],
            9 => vec![role_ids[3].clone()],
            _ => vec![role_ids[2].clone()],
        };
        news.push(NewMember {
            email: Email::parse(&format!("{local}@example.com")).map_err(|err| AppError::Internal(err.into()))?,
            name: Some(DisplayName::parse(&format!("{first} {last}")).map_err(|err| AppError::Internal(err.into()))?),
            language: tags[index % tags.len()].clone(),
            role_ids: roles,
        });
    }
    let count = news.len();
    members::create_many(db, tenant, news, now, |index| format!("demo[{index}]")).await?;
    Ok(Some(count))
}
