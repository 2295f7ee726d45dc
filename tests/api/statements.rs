//! A page of members with their roles costs a fixed number of SQL statements, whatever its size.

use serde_json::json;

use crate::helpers::spawn_app;

const PAGE: &str = "query($first: Int!) { members(first: $first) { totalCount nodes { id email roles { id name memberCount } } pageInfo { hasNextPage } } }";

#[tokio::test]
async fn a_members_page_costs_the_same_statements_at_any_size() {
    let app = spawn_app().await;
    let manager = app.create_role("Manager").await;
    let team = app.create_role("Team Member").await;
    app.create_members(120, &[&manager, &team]).await;

    let mut costs = Vec::new();
    for first in [1, 10, 100] {
        let before = app.statements.get();
        let data = app.ok(PAGE, json!({ "first": first })).await;
        let cost = app.statements.get() - before;
        assert_eq!(data["members"]["nodes"].as_array().unwrap().len(), first as usize);
        assert_eq!(data["members"]["nodes"][0]["roles"].as_array().unwrap().len(), 2);
        costs.push(cost);
    }
    println!("statements for a members page of 1, 10 and 100 with roles: {costs:?}");
    assert!(costs.iter().all(|cost| *cost == costs[0]), "{costs:?}");
    // Authentication; the page with its count and its members' role ids; the roles with their
    // member counts.
    assert!(costs[0] <= 3, "{costs:?}");
}
