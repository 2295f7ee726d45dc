//! What a request without credentials may ask: the public operations only, and at most a
//! handful of invitation look-ups. Counted on the document before anything runs, so that
//! thousands of aliases cannot each cost a database round trip.

use async_graphql::parser::{
    parse_query,
    types::{DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet},
};

/// The operations anyone may call; each looks an invitation up by its token.
const PUBLIC_LOOKUPS: [&str; 2] = ["invitationByToken", "acceptInvitation"];
/// Public look-ups one anonymous request may make.
pub const MAX_PUBLIC_LOOKUPS: usize = 5;

/// How many public look-ups a document asks for, aliases and fragments included, in all of
/// its operations. A document that does not parse asks for none (execution reports it).
pub fn public_lookups(query: &str) -> usize {
    root_fields(query, None).iter().filter(|(field, _)| PUBLIC_LOOKUPS.contains(&field.as_str())).count()
}

/// The root fields a document selects (aliases and fragments resolved, one entry per
/// selection), with their operation's type (`query`, `mutation`): those of the operation
/// named `only`, or of all of them; none if it does not parse.
pub fn root_fields(query: &str, only: Option<&str>) -> Vec<(String, &'static str)> {
    let Ok(document) = parse_query(query) else { return Vec::new() };
    let operations: Vec<(&SelectionSet, OperationType)> = match &document.operations {
        DocumentOperations::Single(operation) => vec![(&operation.node.selection_set.node, operation.node.ty)],
        DocumentOperations::Multiple(operations) => operations
            .iter()
            .filter(|(name, _)| only.is_none_or(|only| name.as_str() == only))
            .map(|(_, operation)| (&operation.node.selection_set.node, operation.node.ty))
            .collect(),
    };
    let mut fields = Vec::new();
    for (set, ty) in operations {
        let kind = match ty {
            OperationType::Query => "query",
            OperationType::Mutation => "mutation",
            OperationType::Subscription => "subscription",
        };
        collect(&document, set, 0, &mut |name| fields.push((name.to_owned(), kind)));
    }
    fields
}

fn collect(document: &ExecutableDocument, set: &SelectionSet, depth: usize, found: &mut impl FnMut(&str)) {
    // Fragments are not validated yet and may cycle: no document needs them this deep.
    if depth > 8 {
        return;
    }
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => found(field.node.name.node.as_str()),
            Selection::InlineFragment(fragment) => {
                collect(document, &fragment.node.selection_set.node, depth + 1, found)
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) {
                    collect(document, &fragment.node.selection_set.node, depth + 1, found);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::public_lookups;

    #[test]
    fn counts_aliases_fragments_and_operations() {
        assert_eq!(public_lookups("{ invitationByToken(token: \"a\") { email } }"), 1);
        let aliases: String = (0..7).map(|i| format!("a{i}: invitationByToken(token: \"{i}\") {{ email }} ")).collect();
        assert_eq!(public_lookups(&format!("{{ {aliases} }}")), 7);
        let fragments = "query { ...F ... on Query { invitationByToken(token: \"x\") { email } } }
            fragment F on Query { a: invitationByToken(token: \"y\") { email } b: invitationByToken(token: \"z\") { email } }";
        assert_eq!(public_lookups(fragments), 3);
        let mutations = "mutation A { acceptInvitation(token: \"a\") { email } } mutation B { acceptInvitation(token: \"b\") { email } }";
        assert_eq!(public_lookups(mutations), 2);
        assert_eq!(public_lookups("fragment F on Query { ...F } query { ...F }"), 0, "cycles end");
        assert_eq!(public_lookups("{ broken"), 0);
    }
}
