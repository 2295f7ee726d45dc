//! The GraphQL API: thin resolvers over the services. Each resolver takes the caller's tenant
//! and the connection from the context, calls one service, and maps the result to a type
//! that wraps the stored row.

pub mod anonymous;
pub mod context;
pub mod loaders;
pub mod mutation;
pub mod query;
pub mod types;

use async_graphql::{EmptySubscription, Schema};

use crate::state::AppState;

pub use context::{ContextExt, RequestContext};

pub type MusterSchema = Schema<query::Query, mutation::Mutation, EmptySubscription>;

/// Deepest query accepted: deep enough for any screen, shallow enough to stop abuse.
pub const MAX_DEPTH: usize = 12;
/// Most complexity points a query may cost; lists count `first` times their content.
pub const MAX_COMPLEXITY: usize = 5_000;

/// The schema, with the shared state in its data when it is to be executed (`None` just to
/// print it).
pub fn build_schema(state: Option<AppState>) -> MusterSchema {
    let mut builder = Schema::build(query::Query, mutation::Mutation, EmptySubscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY);
    if let Some(state) = state {
        builder = builder.data(state);
    }
    builder.finish()
}

/// The SDL, as `muster schema` prints it and `schema.graphql` holds it.
pub fn sdl() -> String {
    build_schema(None).sdl()
}
