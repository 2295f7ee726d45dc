use async_graphql::{ID, Object, SimpleObject};
use entity::organization;

/// The organization the caller administers.
pub struct Organization(pub organization::Model);

#[Object]
impl Organization {
    /// The organization's id: its slug, which never changes.
    async fn id(&self) -> ID {
        ID(self.0.slug.clone())
    }

    async fn slug(&self) -> &str {
        &self.0.slug
    }

    async fn name(&self) -> &str {
        &self.0.name
    }
}

/// Who is calling.
#[derive(SimpleObject)]
pub struct Viewer {
    /// The API token's name.
    pub name: String,
    pub organization: Organization,
}
