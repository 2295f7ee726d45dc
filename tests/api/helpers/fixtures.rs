//! What tests start from: organizations with an admin token, roles and members to invite, and
//! readers for what muster answers.

use muster::{
    clock::Clock,
    domain::{DisplayName, Slug},
    identity::api_tokens,
    organizations,
};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

use super::app::TestApp;

/// Creates an organization and returns an admin token for it.
pub async fn create_org(db: &DatabaseConnection, slug: &str, name: &str) -> String {
    let now = Clock::default().now();
    let name = DisplayName::parse(name).unwrap();
    let org = organizations::create(db, &Slug::parse(slug).unwrap(), &name, now).await.expect("create org");
    create_token(db, &org.slug, "tests").await
}

/// Another admin token of an organization, named `name`.
pub async fn create_token(db: &DatabaseConnection, slug: &str, name: &str) -> String {
    let tenant = organizations::tenant_by_slug(db, slug).await.unwrap();
    let token_name = DisplayName::parse(name).unwrap();
    api_tokens::create(db, &tenant, &token_name, "tests", Clock::default().now()).await.unwrap().reveal().to_owned()
}

/// An organization to invite: three roles and `count` members (`person{i}@example.com`).
pub struct Fixture {
    pub roles: Vec<String>,
    pub members: Vec<String>,
}

pub async fn fixture(app: &TestApp, count: usize) -> Fixture {
    let roles =
        vec![app.create_role("Manager").await, app.create_role("Team Member").await, app.create_role("Viewer").await];
    let input = (0..count)
        .map(|i| json!({ "email": format!("person{i}@example.com"), "name": format!("Person {i}"), "language": "en" }))
        .collect();
    Fixture { roles, members: app.create_members_from(input).await }
}

/// The `extensions.code` of the first error.
pub fn error_code(response: &Value) -> Option<&str> {
    response["errors"][0]["extensions"]["code"].as_str()
}

pub fn error_message(response: &Value) -> &str {
    response["errors"][0]["message"].as_str().unwrap_or_default()
}

/// The token at the end of an invitation link.
pub fn token_of(link: &str) -> String {
    link.rsplit_once("/invite/").expect("an invitation link").1.to_owned()
}

/// Reads a links sheet (UTF-8 with BOM) into rows of cells, header first.
pub fn read_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body)
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect()
}
