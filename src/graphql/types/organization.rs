//! The caller and their organization.

use async_graphql::{ID, Object, SimpleObject};
use entity::organization;

pub struct Organization(pub organization::Model);

/// The organization the caller administers.
#[Object]
impl Organization {
    /// The organization's id: its slug, which never changes.
    async fn id(&self) -> ID {
        ID(self.0.slug.clone())
    }

    /// The short name (`acme`) that admin JWTs and the command line use.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// The organization's name, as invitees see it.
    async fn name(&self) -> &str {
        &self.0.name
    }
}

/// Who is calling.
#[derive(SimpleObject)]
pub struct Viewer {
    /// The API token's name, or `jwt:<subject>` for an admin JWT.
    pub name: String,
    /// The organization the caller administers.
    pub organization: Organization,
}
