//! GraphiQL, served by muster itself: the page, the editor's scripts and styles (vendored from
//! their npm packages by `vendor/graphiql/update.sh`, each pinned by its Subresource Integrity
//! hash) and muster's own start-up script. The page's Content-Security-Policy allows nothing
//! from anywhere else, so it works without internet access and no third party can run code
//! on the page where admins paste their tokens. `MUSTER_GRAPHIQL=false` turns it off.

use std::sync::LazyLock;

use axum::{
    extract::Path,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};

/// The vendored files, and the integrity hashes `update.sh` wrote for them.
const SRI: &str = include_str!("../../vendor/graphiql/SRI");
const ASSETS: [(&str, &str, &[u8]); 6] = [
    ("react.production.min.js", "text/javascript", include_bytes!("../../vendor/graphiql/react.production.min.js")),
    (
        "react-dom.production.min.js",
        "text/javascript",
        include_bytes!("../../vendor/graphiql/react-dom.production.min.js"),
    ),
    ("graphiql.min.js", "text/javascript", include_bytes!("../../vendor/graphiql/graphiql.min.js")),
    ("graphiql.min.css", "text/css", include_bytes!("../../vendor/graphiql/graphiql.min.css")),
    ("muster.js", "text/javascript", include_str!("graphiql.js").as_bytes()),
    ("muster.css", "text/css", b"body{margin:0;height:100vh}#graphiql{height:100vh}"),
];

/// Scripts and styles from this server only; requests to this server only; no frames.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
     form-action 'none'";

/// Whether a `GET /graphql` without a query may be answered with the page: a browser asks for
/// HTML; a client that takes anything gets it too.
pub fn wanted(headers: &HeaderMap) -> bool {
    match headers.get(header::ACCEPT).and_then(|value| value.to_str().ok()) {
        None => true,
        Some(accept) => accept.contains("text/html") || accept.contains("*/*"),
    }
}

fn integrity(file: &str) -> &'static str {
    SRI.lines().find_map(|line| line.strip_prefix(file)?.strip_prefix(' ')).unwrap_or_default()
}

static PAGE: LazyLock<String> = LazyLock::new(|| {
    let script = |file: &str| format!("<script src=\"/graphiql/{file}\" integrity=\"{}\"></script>", integrity(file));
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>muster · GraphiQL</title>\
         <link rel=\"icon\" href=\"data:,\">\
         <link rel=\"stylesheet\" href=\"/graphiql/graphiql.min.css\" integrity=\"{}\">\
         <link rel=\"stylesheet\" href=\"/graphiql/muster.css\"></head>\
         <body><div id=\"graphiql\">Loading GraphiQL…</div>{}{}{}<script src=\"/graphiql/muster.js\"></script></body></html>",
        integrity("graphiql.min.css"),
        script("react.production.min.js"),
        script("react-dom.production.min.js"),
        script("graphiql.min.js"),
    )
});

pub fn page() -> Response {
    (
        [
            (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY)),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        ],
        Html(PAGE.as_str()),
    )
        .into_response()
}

/// `GET /graphiql/{file}`: one of the page's scripts or styles.
pub async fn asset(Path(file): Path<String>) -> Response {
    let Some((_, content_type, bytes)) = ASSETS.iter().find(|(name, _, _)| *name == file) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400")),
        ],
        *bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use base64::{Engine, engine::general_purpose::STANDARD};
    use sha2::{Digest, Sha384};

    use super::*;

    #[test]
    fn every_vendored_file_matches_its_pinned_integrity() {
        for (file, _, bytes) in &ASSETS[..4] {
            let expected = format!("sha384-{}", STANDARD.encode(Sha384::digest(bytes)));
            assert_eq!(integrity(file), expected, "{file}: run vendor/graphiql/update.sh");
        }
        assert!(PAGE.contains(integrity("graphiql.min.js")) && !PAGE.contains("integrity=\"\""));
    }
}
