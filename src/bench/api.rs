//! The benchmarks' client for a muster server, and the states they give an organization
//! through it, the way admins and invitees do.

use anyhow::Context as _;
use serde_json::{Value, json};

use super::seed::Seeded;

#[derive(Clone)]
pub struct Api {
    pub client: reqwest::Client,
    pub address: String,
    pub token: String,
}

impl Api {
    pub fn new(address: &str, token: &str) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(60)).build()?;
        Ok(Self { client, address: address.to_owned(), token: token.to_owned() })
    }

    /// A GraphQL request (as the admin when `admin`); its `data`, or its errors as the error.
    pub async fn query(&self, query: &str, variables: Value, admin: bool) -> anyhow::Result<Value> {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if admin {
            request = request.bearer_auth(&self.token);
        }
        let body: Value = request.send().await?.json().await?;
        anyhow::ensure!(body.get("errors").is_none(), "{}", body["errors"]);
        Ok(body["data"].clone())
    }

    /// As clients are told to: an `UNAVAILABLE` answer is tried again, a while later. (Builds
    /// before SQLite writers waited for each other's lock answer it when two of them meet.)
    async fn query_retrying(&self, query: &str, variables: Value, admin: bool) -> anyhow::Result<Value> {
        let mut tries = 0;
        loop {
            match self.query(query, variables.clone(), admin).await {
                Err(err) if tries < 100 && err.to_string().contains("\"UNAVAILABLE\"") => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                answer => return answer,
            }
        }
    }

    /// Runs one operation per item, `width` at a time.
    pub async fn each(
        &self,
        items: &[String],
        width: usize,
        operation: impl Fn(&str) -> (&'static str, Value),
        admin: bool,
    ) -> anyhow::Result<()> {
        for chunk in items.chunks(width) {
            let calls = chunk.iter().map(|item| {
                let (query, variables) = operation(item);
                self.query_retrying(query, variables, admin)
            });
            for result in futures::future::join_all(calls).await {
                result?;
            }
        }
        Ok(())
    }
}

/// An organization seeded through the API alone (roles, then members 1,000 per call), so that
/// any build of muster can be seeded the same way on a database it migrated itself.
pub async fn seed(api: &Api, members: usize) -> anyhow::Result<Seeded> {
    let mut role_ids = Vec::new();
    for name in ["Manager", "Team Member", "Viewer"] {
        let data = api
            .query("mutation($n: String!) { createRole(input: { name: $n }) { id } }", json!({ "n": name }), true)
            .await?;
        role_ids.push(data["createRole"]["id"].as_str().context("a role id")?.to_owned());
    }
    let mut member_ids = Vec::with_capacity(members);
    let create = "mutation($input: [CreateMemberInput!]!) { createMembers(input: $input) { id } }";
    for start in (0..members).step_by(1_000) {
        let input: Vec<Value> = (start..(start + 1_000).min(members))
            .map(|i| {
                json!({ "email": Seeded::email(i), "name": format!("Member {i}"), "language": Seeded::language(i),
                        "roleIds": Seeded::roles_of(i, &role_ids) })
            })
            .collect();
        let data = api.query(create, json!({ "input": input }), true).await?;
        let created = data["createMembers"].as_array().context("the members made")?;
        member_ids.extend(created.iter().filter_map(|m| m["id"].as_str().map(str::to_owned)));
    }
    anyhow::ensure!(member_ids.len() == members, "made {} members of {members}", member_ids.len());
    Ok(Seeded { token: api.token.clone(), role_ids, member_ids })
}

/// Invitations in several states, made as admins and invitees make them: a sheet for 60 % of
/// the members, 20 % accepted, 3 % revoked. Answers a line that says so.
pub async fn invite_some(api: &Api, seeded: &Seeded) -> anyhow::Result<String> {
    let members = seeded.member_ids.len();
    let invited = members * 6 / 10;
    let response = api
        .client
        .post(format!("{}/invitations/links?fileName=bench.csv", api.address))
        .bearer_auth(&api.token)
        .body(seeded.sheet(0..invited))
        .send()
        .await?;
    anyhow::ensure!(response.status() == 200, "the seed sheet was refused: {}", response.text().await?);
    let links = response.text().await?;
    let tokens: Vec<String> = links
        .lines()
        .skip(1)
        .filter_map(|line| line.split("/invite/").nth(1))
        .map(|rest| rest.split('"').next().unwrap_or(rest).to_owned())
        .collect();
    let accepted = &tokens[..members / 5];
    let accept = "mutation($t: String!) { acceptInvitation(token: $t) { memberId } }";
    api.each(accepted, 32, |token| (accept, json!({ "t": token })), false).await?;
    let revoked = pending_invitation_ids(api, members * 3 / 100).await?;
    let revoke = "mutation($id: ID!) { revokeInvitation(id: $id) { id } }";
    api.each(&revoked, 32, |id| (revoke, json!({ "id": id })), true).await?;
    Ok(format!("{invited} invited, {} accepted, {} revoked", accepted.len(), revoked.len()))
}

async fn pending_invitation_ids(api: &Api, count: usize) -> anyhow::Result<Vec<String>> {
    let query = "query($after: String) { members(first: 100, after: $after, filter: { invitationStatus: [PENDING] }) {
        nodes { latestInvitation { id } } pageInfo { endCursor } } }";
    let mut ids = Vec::with_capacity(count);
    let mut after = Value::Null;
    while ids.len() < count {
        let data = api.query(query, json!({ "after": after }), true).await?;
        let page = &data["members"];
        let nodes = page["nodes"].as_array().context("a members page")?;
        anyhow::ensure!(!nodes.is_empty(), "fewer pending invitations than {count}");
        ids.extend(nodes.iter().filter_map(|node| node["latestInvitation"]["id"].as_str().map(str::to_owned)));
        after = page["pageInfo"]["endCursor"].clone();
    }
    ids.truncate(count);
    Ok(ids)
}
