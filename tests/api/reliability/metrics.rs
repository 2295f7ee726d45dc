//! `GET /metrics` in Prometheus' text format, on the operators' own listen address and never on
//! the public one. Figures accumulate over the whole test process (one recorder per process),
//! so the test checks what its own requests must have added.

use serde_json::json;

use crate::helpers::{error_code, fixture, read_csv, spawn_app, spawn_app_with, token_of};

#[tokio::test]
async fn metrics_are_served_on_their_own_address_only() {
    let app = spawn_app_with(|config| config.metrics_listen = Some("127.0.0.1:0".parse().unwrap())).await;
    let metrics = app.metrics.clone().expect("a metrics address");
    let f = fixture(&app, 2).await;
    let sheet = format!(
        "Team Member ID,Email,Language,Role IDs\r\n{},person0@example.com,en,{}\r\n{},person1@example.com,en,{}\r\n",
        f.members[0], f.roles[0], f.members[1], f.roles[1]
    );
    let response = app.post_sheet(sheet.into_bytes(), "").await;
    assert_eq!(response.status(), 200);
    let links = read_csv(&response.bytes().await.unwrap());
    let accepted = app.accept(&token_of(&links[1][4])).await;
    assert!(accepted.get("errors").is_none(), "{accepted}");
    for attempt in 0..11 {
        let refused = app.accept(&format!("not-a-link-{attempt}")).await;
        let expected = if attempt < 10 { "INVALID_INVITATION" } else { "RATE_LIMITED" };
        assert_eq!(error_code(&refused), Some(expected));
    }
    app.ok("{ members { totalCount } }", json!({})).await;

    let response = app.client.get(format!("{metrics}/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let text = response.text().await.unwrap();
    for expected in [
        "muster_http_requests_total{route=\"/graphql\",method=\"POST\",status=\"200\"}",
        "muster_http_requests_total{route=\"/invitations/links\",method=\"POST\",status=\"200\"}",
        "muster_http_request_duration_seconds_bucket{route=\"/invitations/links\",le=\"0.1\"}",
        "muster_http_requests_in_flight",
        "muster_graphql_fields_total{field=\"members\",type=\"query\"}",
        "muster_graphql_fields_total{field=\"acceptInvitation\",type=\"mutation\"}",
        "muster_sheets_total{outcome=\"issued\"}",
        "muster_sheet_rows_bucket{le=\"10\"}",
        "muster_sheet_duration_seconds_count",
        "muster_invitations_issued_total",
        "muster_invitations_accepted_total{rule=\"link\"}",
        "muster_invitations_refused_total{reason=\"unknown_link\"}",
        "muster_rate_limited_total",
        "muster_db_connections{state=\"in_use\"}",
        "muster_db_available 1",
    ] {
        let line = text.lines().find(|line| line.starts_with(expected));
        let value: f64 = line
            .and_then(|line| line.rsplit(' ').next())
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("{expected} in:\n{text}"));
        assert!(value >= 0.0);
    }
    assert!(!text.contains("not-a-link"), "what clients send never becomes a label");
    assert_eq!(app.client.get(app.url("/metrics")).send().await.unwrap().status(), 404, "not on the public address");
}

#[tokio::test]
async fn without_an_address_there_is_no_metrics_listener() {
    let app = spawn_app().await;
    assert!(app.metrics.is_none());
    assert_eq!(app.client.get(app.url("/metrics")).send().await.unwrap().status(), 404);
}
