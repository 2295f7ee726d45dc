//! GraphQL over HTTP, as its specification says: JSON (and, for admins, the multipart request
//! spec for uploads) on POST, queries on GET, GraphiQL for a browser. Responses are
//! `application/graphql-response+json` when the client accepts it (request errors are then 4xx,
//! with no `data`), else `application/json` (always 200 once the request is read).
//!
//! Who is calling is settled before the body is read: an anonymous client may send one
//! operation of at most [`MAX_PUBLIC_LOOKUPS`] invitation look-ups, in at most
//! [`BODY_LIMIT`] bytes, and no upload. Every error leaves with an `extensions.code`.

use async_graphql::{
    BatchRequest, BatchResponse, ErrorExtensionValues, Response as GqlResponse, ServerError,
    http::MultipartOptions,
    parser::types::{DocumentOperations, OperationType},
};
use axum::{
    body::Body,
    extract::{RawQuery, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use super::{
    BODY_LIMIT, HttpState, UPLOAD_LIMIT,
    auth::{ClientAddr, authenticate},
    graphiql,
};
use crate::{
    AppError,
    error::code,
    graphql::{
        MAX_COMPLEXITY, MAX_DEPTH, RequestContext,
        anonymous::{MAX_PUBLIC_LOOKUPS, public_lookups, root_fields},
    },
    identity::Auth,
};

/// The media type of a response, from the request's `Accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Media {
    /// `application/graphql-response+json`: status codes say what went wrong.
    GraphqlResponse,
    /// `application/json`, the legacy type: 200 for every well-formed GraphQL response.
    Json,
}

impl Media {
    /// The type to answer in, or `None` when the client accepts neither. A missing `Accept`,
    /// or `*/*`, means `application/json`.
    fn negotiate(headers: &HeaderMap) -> Option<Self> {
        let Some(accept) = headers.get(header::ACCEPT).and_then(|value| value.to_str().ok()) else {
            return Some(Self::Json);
        };
        let types: Vec<&str> = accept
            .split(',')
            .filter(|part| !part.split(';').any(|param| param.trim().replace(' ', "") == "q=0"))
            .map(|part| part.split(';').next().unwrap_or_default().trim())
            .collect();
        if types.contains(&"application/graphql-response+json") {
            Some(Self::GraphqlResponse)
        } else if types.iter().any(|t| matches!(*t, "application/json" | "application/*" | "*/*")) {
            Some(Self::Json)
        } else {
            None
        }
    }

    fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Self::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        })
    }
}

pub async fn post(
    State(state): State<HttpState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(media) = Media::negotiate(&headers) else { return not_acceptable() };
    let auth = match authenticate(&state, &headers).await {
        Ok(auth) => auth,
        Err(err) => return failed(media, &err),
    };
    let admin = matches!(auth, Auth::Admin(_));
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).map(str::to_owned);
    let Some(kind) = content_type.as_deref().and_then(BodyKind::of) else {
        let message = "send the request as `application/json` (or `multipart/form-data` to upload a sheet)";
        return request_error(media, StatusCode::UNSUPPORTED_MEDIA_TYPE, code::BAD_USER_INPUT, message);
    };
    // Uploads are for admins: an anonymous upload is refused before its body is read.
    if kind == BodyKind::Multipart && !admin {
        return AppError::Unauthenticated("uploading a sheet needs an admin's `Authorization: Bearer <token>`")
            .into_response();
    }
    let limit = if kind == BodyKind::Multipart { UPLOAD_LIMIT } else { BODY_LIMIT };
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => bytes,
        Err(_) => {
            let message = format!("the request body is larger than {limit} bytes");
            return request_error(media, StatusCode::PAYLOAD_TOO_LARGE, code::BAD_USER_INPUT, &message);
        }
    };
    let options = MultipartOptions::default().max_file_size(UPLOAD_LIMIT).max_num_files(4);
    let cursor = futures::io::Cursor::new(bytes.to_vec());
    let batch = match async_graphql::http::receive_batch_body(content_type, cursor, options).await {
        Ok(batch) => batch,
        Err(err) => return request_error(media, StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, &err.to_string()),
    };
    if batch.iter().any(|request| request.query.trim().is_empty()) {
        return request_error(media, StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, "a `query` is needed");
    }
    if !admin && let Some(refused) = anonymous_refusal(&batch) {
        return respond(media, BatchResponse::Single(refused));
    }
    let fields = executed_fields(&batch);
    let batch = batch.data(RequestContext::new(&state.app, auth, client));
    respond_counted(media, state.schema.execute_batch(batch).await, fields)
}

/// `GET /graphql?query=…` runs a query (never a mutation: GET must not change anything); a
/// browser's plain `GET /graphql` is GraphiQL.
pub async fn get(
    State(state): State<HttpState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    let has_query = form_urlencoded::parse(query.as_bytes()).any(|(key, _)| key == "query");
    if !has_query && graphiql::wanted(&headers) && state.app.config.graphiql {
        return graphiql::page();
    }
    let Some(media) = Media::negotiate(&headers) else { return not_acceptable() };
    let request = match async_graphql::http::parse_query_string(&query) {
        Ok(request) if !request.query.is_empty() => request,
        Ok(_) => {
            return request_error(
                media,
                StatusCode::BAD_REQUEST,
                code::BAD_USER_INPUT,
                "a `query` parameter is needed",
            );
        }
        Err(err) => return request_error(media, StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, &err.to_string()),
    };
    if is_mutation(&request.query, request.operation_name.as_deref()) {
        let mut response =
            request_error(media, StatusCode::METHOD_NOT_ALLOWED, code::BAD_USER_INPUT, "mutations need POST");
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let auth = match authenticate(&state, &headers).await {
        Ok(auth) => auth,
        Err(err) => return failed(media, &err),
    };
    let batch = BatchRequest::Single(request);
    if !matches!(auth, Auth::Admin(_))
        && let Some(refused) = anonymous_refusal(&batch)
    {
        return respond(media, BatchResponse::Single(refused));
    }
    let fields = executed_fields(&batch);
    let batch = batch.data(RequestContext::new(&state.app, auth, client));
    respond_counted(media, state.schema.execute_batch(batch).await, fields)
}

/// The root fields each request of a batch selects, for the metrics (when they are kept).
fn executed_fields(batch: &BatchRequest) -> Vec<Vec<(String, &'static str)>> {
    if !crate::instruments::enabled() {
        return Vec::new();
    }
    batch.iter().map(|request| root_fields(&request.query, request.operation_name.as_deref())).collect()
}

/// [`respond`], counting the root fields of each request that ran: only those, so that the
/// labels are the schema's fields, never whatever a client made up.
fn respond_counted(media: Media, response: BatchResponse, fields: Vec<Vec<(String, &'static str)>>) -> Response {
    let ran = |single: &GqlResponse| {
        !(single.data == async_graphql::Value::Null
            && single.errors.iter().all(|e| e.path.is_empty())
            && !single.errors.is_empty())
    };
    let responses: Vec<&GqlResponse> = match &response {
        BatchResponse::Single(single) => vec![single],
        BatchResponse::Batch(many) => many.iter().collect(),
    };
    for (single, fields) in responses.into_iter().zip(&fields) {
        if ran(single) {
            for (field, kind) in fields {
                metrics::counter!("muster_graphql_fields_total", "field" => field.clone(), "type" => *kind)
                    .increment(1);
            }
        }
    }
    respond(media, response)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Json,
    Multipart,
}

impl BodyKind {
    fn of(content_type: &str) -> Option<Self> {
        let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        match essence.as_str() {
            "application/json" | "application/graphql-response+json" => Some(Self::Json),
            "multipart/form-data" => Some(Self::Multipart),
            _ => None,
        }
    }
}

/// Why an anonymous request is refused before it runs, as a GraphQL response.
fn anonymous_refusal(batch: &BatchRequest) -> Option<GqlResponse> {
    let (code, message) = match batch {
        BatchRequest::Batch(_) => (code::BAD_USER_INPUT, "send one operation per request".to_owned()),
        BatchRequest::Single(request) if public_lookups(&request.query) > MAX_PUBLIC_LOOKUPS => (
            code::TOO_COMPLEX,
            format!("a request without credentials may look up at most {MAX_PUBLIC_LOOKUPS} invitations"),
        ),
        BatchRequest::Single(_) => return None,
    };
    let mut error = ServerError::new(message, None);
    error.extensions.get_or_insert_with(ErrorExtensionValues::default).set("code", code);
    Some(GqlResponse::from_errors(vec![error]))
}

/// Whether the operation a GET would run is a mutation.
fn is_mutation(query: &str, operation_name: Option<&str>) -> bool {
    let Ok(document) = async_graphql::parser::parse_query(query) else {
        // Let execution report the syntax error the usual way.
        return false;
    };
    match &document.operations {
        DocumentOperations::Single(operation) => operation.node.ty == OperationType::Mutation,
        DocumentOperations::Multiple(operations) => operations
            .iter()
            .filter(|(name, _)| operation_name.is_none_or(|wanted| name.as_str() == wanted))
            .any(|(_, operation)| operation.node.ty == OperationType::Mutation),
    }
}

/// A response: every error with its code; under `application/graphql-response+json`, a
/// request that never ran (it did not parse or validate) is a 400 without `data`.
fn respond(media: Media, response: BatchResponse) -> Response {
    let response = with_codes(response);
    let retry_after = retry_after(&response);
    let (status, body) = match response {
        BatchResponse::Single(single) => {
            let never_ran = single.data == async_graphql::Value::Null
                && !single.errors.is_empty()
                && single.errors.iter().all(|error| error.path.is_empty());
            let mut body = serde_json::to_value(&single).unwrap_or_default();
            if media == Media::GraphqlResponse && never_ran {
                if let Some(object) = body.as_object_mut() {
                    object.remove("data");
                }
                (StatusCode::BAD_REQUEST, body)
            } else {
                (StatusCode::OK, body)
            }
        }
        BatchResponse::Batch(many) => (StatusCode::OK, serde_json::to_value(&many).unwrap_or_default()),
    };
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, media.content_type());
    if let Some(seconds) = retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// A request refused before it became a GraphQL request: the same `errors` shape.
fn request_error(media: Media, status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, media.content_type());
    response
}

/// A request that failed before it ran (the database not answering while the caller was
/// looked up): the `errors` shape, with the error's status and code.
fn failed(media: Media, err: &AppError) -> Response {
    let mut response = request_error(media, err.status(), err.code(), &err.client_message());
    if let Some(seconds) = err.retry_after() {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

fn not_acceptable() -> Response {
    let message = "accept `application/graphql-response+json` or `application/json`";
    request_error(Media::Json, StatusCode::NOT_ACCEPTABLE, code::BAD_USER_INPUT, message)
}

/// The longest wait any `RATE_LIMITED` error asks for.
fn retry_after(response: &BatchResponse) -> Option<u64> {
    let errors: Vec<&ServerError> = match response {
        BatchResponse::Single(single) => single.errors.iter().collect(),
        BatchResponse::Batch(many) => many.iter().flat_map(|single| &single.errors).collect(),
    };
    errors.iter().filter_map(|error| error.source::<AppError>().and_then(AppError::retry_after)).max()
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
        let retry_after = app_error.retry_after();
        error.message = message;
        let extensions = error.extensions.get_or_insert_with(ErrorExtensionValues::default);
        extensions.set("code", code);
        if let Some(field) = field {
            extensions.set("field", field);
        }
        if let Some(seconds) = retry_after {
            extensions.set("retryAfter", seconds);
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

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue, header};

    use super::Media;

    fn accepting(value: &str) -> Option<Media> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        Media::negotiate(&headers)
    }

    #[test]
    fn negotiates_the_response_type() {
        assert_eq!(Media::negotiate(&HeaderMap::new()), Some(Media::Json));
        assert_eq!(
            accepting("application/graphql-response+json, application/json;q=0.9"),
            Some(Media::GraphqlResponse)
        );
        assert_eq!(accepting("application/json"), Some(Media::Json));
        assert_eq!(accepting("*/*"), Some(Media::Json));
        assert_eq!(accepting("text/html"), None);
        assert_eq!(accepting("application/graphql-response+json;q=0, application/json"), Some(Media::Json));
    }
}
