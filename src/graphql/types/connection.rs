//! Relay connections (`edges { cursor node }`, `nodes`, `pageInfo`, `totalCount`). Written
//! here rather than taken from async-graphql's generic `Connection`, whose types cannot carry
//! a description: ops people read them in GraphiQL's documentation pane.

use async_graphql::connection::{Edge, EmptyFields, PageInfo};

/// A page of `Node`s in Relay's shape, with `Fields` (the total count) beside it.
pub struct Page<Node: async_graphql::OutputType, Fields> {
    pub edges: Vec<Edge<String, Node, EmptyFields>>,
    pub has_previous_page: bool,
    pub has_next_page: bool,
    pub fields: Fields,
}

impl<Node: async_graphql::OutputType, Fields> Page<Node, Fields> {
    /// A page of rows: `edge` makes each row's cursor and node.
    pub fn new<Row>(
        rows: Vec<Row>,
        has_previous_page: bool,
        has_next_page: bool,
        fields: Fields,
        edge: impl Fn(Row) -> (String, Node),
    ) -> Self {
        let edges = rows
            .into_iter()
            .map(|row| {
                let (cursor, node) = edge(row);
                Edge::new(cursor, node)
            })
            .collect();
        Self { edges, has_previous_page, has_next_page, fields }
    }

    pub fn page_info(&self) -> PageInfo {
        PageInfo {
            has_previous_page: self.has_previous_page,
            has_next_page: self.has_next_page,
            start_cursor: self.edges.first().map(|edge| edge.cursor.clone()),
            end_cursor: self.edges.last().map(|edge| edge.cursor.clone()),
        }
    }
}

/// Declares a connection type over [`Page`], with its description.
macro_rules! connection {
    ($(#[doc = $doc:literal])* $name:ident of $node:ty, with $fields:ty) => {
        pub struct $name(pub $crate::graphql::types::connection::Page<$node, $fields>);

        $(#[doc = $doc])*
        #[async_graphql::Object]
        impl $name {
            /// Information to aid in pagination.
            async fn page_info(&self) -> async_graphql::connection::PageInfo {
                self.0.page_info()
            }

            /// A list of edges.
            async fn edges(&self) -> &[async_graphql::connection::Edge<String, $node, async_graphql::connection::EmptyFields>] {
                &self.0.edges
            }

            /// A list of nodes.
            async fn nodes(&self) -> Vec<&$node> {
                self.0.edges.iter().map(|edge| &edge.node).collect()
            }

            #[graphql(flatten)]
            async fn fields(&self) -> &$fields {
                &self.0.fields
            }
        }
    };
}

pub(crate) use connection;
