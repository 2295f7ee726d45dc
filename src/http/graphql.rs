//! GraphQL over HTTP: JSON (single or batch) and multipart uploads on POST, queries on GET,
//! GraphiQL for a browser. Every error leaves with an `extensions.code`.

use async_graphql::{
    BatchResponse, ErrorExtensionValues, ServerError,
    http::{GraphiQLSource, MultipartOptions},
    parser::types::{DocumentOperations, OperationType},
};
use async_graphql_axum::GraphQLResponse;
use axum::{
    body::Body,
    extract::{RawQuery, State},
    http::{HeaderMap, StatusCode, header},
    response::{Html, IntoResponse, Response},
};

use super::{
    BODY_LIMIT, HttpState, UPLOAD_LIMIT,
    auth::{ClientAddr, authenticate},
};
use crate::{
    AppError,
    error::code,
    graphql::{MAX_COMPLEXITY, MAX_DEPTH, RequestContext},
};

pub async fn post(
    State(state): State<HttpState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).map(str::to_owned);
    let is_upload = content_type.as_deref().is_some_and(|ct| ct.starts_with("multipart/form-data"));
    // Only multipart requests carry sheets; everything else keeps the ordinary limit.
    let limit = if is_upload { UPLOAD_LIMIT } else { BODY_LIMIT };
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => bytes,
        Err(_) => {
            let message = format!("the request body is larger than {} bytes", limit);
            return (StatusCode::PAYLOAD_TOO_LARGE, error_body(code::BAD_USER_INPUT, &message)).into_response();
        }
    };
    let options = MultipartOptions::default().max_file_size(UPLOAD_LIMIT).max_num_files(4);
    let batch =
        match async_graphql::http::receive_batch_body(content_type, futures::io::Cursor::new(bytes.to_vec()), options)
            .await
        {
            Ok(batch) => batch,
            Err(err) => {
                return (StatusCode::BAD_REQUEST, error_body(code::BAD_USER_INPUT, &err.to_string())).into_response();
            }
        };
    let auth = match authenticate(&state, &headers).await {
        Ok(auth) => auth,
        Err(err) => return err.into_response(),
    };
    let batch = batch.data(RequestContext::new(&state.app, auth, client));
    let response = state.schema.execute_batch(batch).await;
    GraphQLResponse(with_codes(response)).into_response()
}

/// `GET /graphql?query=…` runs a query (never a mutation: GET must not change anything);
/// a plain `GET /graphql` is GraphiQL.
pub async fn get(
    State(state): State<HttpState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(query) = query.filter(|q| q.contains("query=")) else {
        return Html(GraphiQLSource::build().endpoint("/graphql").title("muster").finish()).into_response();
    };
    let request = match async_graphql::http::parse_query_string(&query) {
        Ok(request) => request,
        Err(err) => {
            return (StatusCode::BAD_REQUEST, error_body(code::BAD_USER_INPUT, &err.to_string())).into_response();
        }
    };
    if is_mutation(&request.query) {
        let message = "mutations need POST";
        return (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "POST")], error_body(code::BAD_USER_INPUT, message))
            .into_response();
    }
    let auth = match authenticate(&state, &headers).await {
        Ok(auth) => auth,
        Err(err) => return err.into_response(),
    };
    let request = request.data(RequestContext::new(&state.app, auth, client));
    let response = state.schema.execute(request).await;
    GraphQLResponse(with_codes(BatchResponse::Single(response))).into_response()
}

fn is_mutation(query: &str) -> bool {
    match async_graphql::parser::parse_query(query) {
        Ok(document) => match &document.operations {
            DocumentOperations::Single(operation) => operation.node.ty == OperationType::Mutation,
            DocumentOperations::Multiple(operations) => {
                operations.values().any(|operation| operation.node.ty == OperationType::Mutation)
            }
        },
        // Let execution report the syntax error the usual way.
        Err(_) => false,
    }
}

fn error_body(code: &str, message: &str) -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }))
}

/// Gives every error a code: resolver errors carry theirs already; what async-graphql itself
/// reports is a malformed or abusive query.
fn with_codes(response: BatchResponse) -> BatchResponse {
    match response {
        BatchResponse::Single(mut single) => {
            single.errors.iter_mut().for_each(add_code);
            BatchResponse::Single(single)
        }
        BatchResponse::Batch(mut many) => {
            for single in &mut many {
                single.errors.iter_mut().for_each(add_code);
            }
            BatchResponse::Batch(many)
        }
    }
}

fn add_code(error: &mut ServerError) {
    // Resolvers fail with `AppError`, which async-graphql keeps as the error's source: its
    // code and its client-safe message (internal detail goes to the log here) replace the
    // plain text async-graphql made of it.
    if let Some(app_error) = error.source::<AppError>() {
        let (code, message) = (app_error.code(), app_error.client_message());
        let field = match app_error {
            AppError::BadUserInput { field, .. } => Some(field.clone()),
            _ => None,
        };
        error.message = message;
        let extensions = error.extensions.get_or_insert_with(ErrorExtensionValues::default);
        extensions.set("code", code);
        if let Some(field) = field {
            extensions.set("field", field);
        }
        return;
    }
    let extensions = error.extensions.get_or_insert_with(ErrorExtensionValues::default);
    if extensions.get("code").is_some() {
        return;
    }
    let code = if error.message == "Query is too complex." {
        error.message = format!("the query is too complex (limit {MAX_COMPLEXITY}); ask for fewer items or fields");
        code::TOO_COMPLEX
    } else if error.message == "Query is nested too deep." {
        error.message = format!("the query is nested too deep (limit {MAX_DEPTH})");
        code::TOO_COMPLEX
    } else {
        code::BAD_USER_INPUT
    };
    extensions.set("code", code);
}
