//! The organization benchmarks (and fault tests) start from: an admin token, three roles and N
//! members `member{i}@bench.example`, each with one or two roles and one of four languages,
//! none invited yet. Written through the services, in calls of the largest allowed size.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use crate::{
    domain::{DisplayName, Email, Language, RoleName, Slug},
    identity::api_tokens,
    limits::MEMBERS_PER_CALL,
    members::{self, NewMember},
    organizations, roles,
};

pub struct Seeded {
    /// An admin token of the organization.
    pub token: String,
    pub role_ids: Vec<String>,
    /// The members' public ids, `member_ids[i]` being `member{i}@bench.example`.
    pub member_ids: Vec<String>,
}

const LANGUAGES: [&str; 4] = ["en", "fr", "de", "es"];

/// Creates the organization `slug` with `members` members.
pub async fn organization(
    conn: &DatabaseConnection,
    slug: &str,
    members: usize,
    now: DateTime<Utc>,
) -> anyhow::Result<Seeded> {
    let org = organizations::create(conn, &Slug::parse(slug)?, &DisplayName::parse(slug)?, now).await?;
    let tenant = organizations::tenant_by_slug(conn, &org.slug).await?;
    let token = api_tokens::create(conn, &tenant, &DisplayName::parse("bench")?, "muster bench", now).await?;
    let mut role_ids = Vec::new();
    for name in ["Manager", "Team Member", "Viewer"] {
        role_ids.push(roles::create(conn, &tenant, RoleName::parse(name)?, None, now).await?.public_id);
    }
    let mut member_ids = Vec::with_capacity(members);
    for start in (0..members).step_by(MEMBERS_PER_CALL) {
        let news = (start..(start + MEMBERS_PER_CALL).min(members))
            .map(|i| {
                Ok(NewMember {
                    email: Email::parse(&Seeded::email(i))?,
                    name: Some(DisplayName::parse(&format!("Member {i}"))?),
                    language: Language::parse_tag(Seeded::language(i))?,
                    role_ids: Seeded::roles_of(i, &role_ids),
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let created = members::create_many(conn, &tenant, news, now, |i| format!("member[{i}]")).await?;
        member_ids.extend(created.into_iter().map(|m| m.public_id));
    }
    Ok(Seeded { token: token.reveal().to_owned(), role_ids, member_ids })
}

impl Seeded {
    pub fn email(i: usize) -> String {
        format!("member{i}@bench.example")
    }

    pub fn language(i: usize) -> &'static str {
        LANGUAGES[i % LANGUAGES.len()]
    }

    /// One role each, a second for every fourth member.
    pub fn roles_of(i: usize, role_ids: &[String]) -> Vec<String> {
        let mut roles = vec![role_ids[i % role_ids.len()].clone()];
        if i.is_multiple_of(4) {
            roles.push(role_ids[(i + 1) % role_ids.len()].clone());
        }
        roles
    }

    /// A sheet inviting the members `range`, with two roles each.
    pub fn sheet(&self, range: std::ops::Range<usize>) -> String {
        let mut sheet = String::from("Team Member ID,Email,Language,Role IDs\r\n");
        for i in range {
            let (first, second) = (&self.role_ids[i % 3], &self.role_ids[(i + 1) % 3]);
            let id = &self.member_ids[i];
            let email = Self::email(i);
            let language = Self::language(i);
            sheet.push_str(&format!("{id},{email},{language},\"{first},{second}\"\r\n"));
        }
        sheet
    }
}
