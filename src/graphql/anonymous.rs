//! What a request without credentials may ask: the public operations only, and at most a
//! handful of invitation look-ups. Counted on the document before anything runs, so that
//! thousands of aliases cannot each cost a database round trip.

use async_graphql::parser::{
    parse_query,
    types::{DocumentOperations, ExecutableDocument, Selection, SelectionSet},
};

/// The operations anyone may call; each looks an invitation up by its token.
const PUBLIC_LOOKUPS: [&str; 2] = ["invitationByToken", "acceptInvitation"];
/// Public look-ups one anonymous request may make.
pub const MAX_PUBLIC_LOOKUPS: usize = 5;

/// How many public look-ups a document asks for, aliases and fragments included, in all of
/// its operations. A document that does not parse asks for none (execution reports it).
pub fn public_lookups(query: &str) -> usize {
    let Ok(document) = parse_query(query) else { return 0 };
    let operations: Vec<&SelectionSet> = match &document.operations {
        DocumentOperations::Single(operation) => vec![&operation.node.selection_set.node],
        DocumentOperations::Multiple(operations) => {
            operations.values().map(|operation| &operation.node.selection_set.node).collect()
        }
    };
    operations.into_iter().map(|set| count(&document, set, 0)).sum()
}

fn count(document: &ExecutableDocument, set: &SelectionSet, depth: usize) -> usize {
    // Fragments are not validated yet and may cycle: no document needs them this deep.
    if depth > 8 {
        return 0;
    }
    set.items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(field) => usize::from(PUBLIC_LOOKUPS.contains(&field.node.name.node.as_str())),
            Selection::InlineFragment(fragment) => count(document, &fragment.node.selection_set.node, depth + 1),
            Selection::FragmentSpread(spread) => document
                .fragments
                .get(&spread.node.fragment_name.node)
                .map_or(0, |fragment| count(document, &fragment.node.selection_set.node, depth + 1)),
        })
        .sum()
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
