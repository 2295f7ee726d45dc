//! One error type for the whole service. Each variant maps to one stable code, sent to GraphQL
//! clients as `extensions.code` and to REST clients in a JSON body. Internal causes (database,
//! I/O, bugs) are logged with their detail and reach the client only as `INTERNAL`.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use sea_orm::{DbErr, SqlErr};

use crate::db::{self, Trouble};

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// The stable codes clients match on. Never rename one.
pub mod code {
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    pub const NOT_FOUND: &str = "NOT_FOUND";
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    pub const CONFLICT: &str = "CONFLICT";
    pub const TOO_COMPLEX: &str = "TOO_COMPLEX";
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    pub const INVALID_INVITATION: &str = "INVALID_INVITATION";
    pub const INTERNAL: &str = "INTERNAL";
    /// The request took longer than its deadline (408).
    pub const TIMEOUT: &str = "TIMEOUT";
    /// Too many requests under way on this node (503, with `Retry-After`).
    pub const UNAVAILABLE: &str = "UNAVAILABLE";
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Unauthenticated(&'static str),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// `field` names the argument or input field (`input.email`, `input[3].language`).
    #[error("{field}: {message}")]
    BadUserInput { field: String, message: String },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooComplex(String),
    /// Past a limit; try again after this many seconds (`Retry-After`).
    #[error("too many failed attempts from your network; try again in {} minute(s)", .0.div_ceil(60))]
    RateLimited(u64),
    #[error("this invitation link is not valid: it may have expired, been used or been replaced")]
    InvalidInvitation,
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn bad_input(field: impl Into<String>, message: impl ToString) -> Self {
        Self::BadUserInput { field: field.into(), message: message.to_string() }
    }

    /// Past a limit, for `wait` more.
    pub fn rate_limited(wait: chrono::Duration) -> Self {
        Self::RateLimited(wait.num_seconds().max(1) as u64)
    }

    /// Seconds to wait before trying again, for a `Retry-After` header.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::RateLimited(seconds) => Some(*seconds),
            Self::Database(err) => Answer::to(db::trouble(err)).retry_after,
            _ => None,
        }
    }

    pub fn code(&self) -> &'static str {
        if let Self::Database(err) = self {
            return Answer::to(db::trouble(err)).code;
        }
        match self {
            Self::Unauthenticated(_) => code::UNAUTHENTICATED,
            Self::Forbidden(_) => code::FORBIDDEN,
            Self::NotFound(_) => code::NOT_FOUND,
            Self::BadUserInput { .. } => code::BAD_USER_INPUT,
            Self::Conflict(_) => code::CONFLICT,
            Self::TooComplex(_) => code::TOO_COMPLEX,
            Self::RateLimited(_) => code::RATE_LIMITED,
            Self::InvalidInvitation => code::INVALID_INVITATION,
            Self::Database(_) | Self::Internal(_) => code::INTERNAL,
        }
    }

    pub fn status(&self) -> StatusCode {
        if let Self::Database(err) = self {
            return Answer::to(db::trouble(err)).status;
        }
        match self {
            Self::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::BadUserInput { .. } | Self::TooComplex(_) | Self::InvalidInvitation => StatusCode::BAD_REQUEST,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Database(_) | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the client may read: everything but internal detail, which goes to the log.
    pub fn client_message(&self) -> String {
        let trouble = match self {
            Self::Database(err) => db::trouble(err),
            Self::Internal(_) => Trouble::Other,
            other => return other.to_string(),
        };
        match trouble {
            Trouble::Other => tracing::error!(error = %self, "request failed"),
            _ => tracing::warn!(error = %self, "request failed: the database"),
        }
        Answer::to(trouble).message.to_owned()
    }

    /// Turns a unique-constraint violation into `CONFLICT` with `message`; anything else
    /// stays a database error.
    pub fn conflict_on_unique(err: DbErr, message: impl FnOnce() -> String) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Self::Conflict(message()),
            _ => Self::Database(err),
        }
    }
}

/// How the client is answered when the database is the trouble (or muster, for `Other`).
struct Answer {
    code: &'static str,
    status: StatusCode,
    retry_after: Option<u64>,
    message: &'static str,
}

impl Answer {
    fn to(trouble: Trouble) -> Self {
        let (code, status, retry_after, message) = match trouble {
            Trouble::Unavailable => (
                code::UNAVAILABLE,
                StatusCode::SERVICE_UNAVAILABLE,
                Some(5),
                "the database is not answering: try again in a few seconds",
            ),
            Trouble::ReadOnly => (
                code::UNAVAILABLE,
                StatusCode::SERVICE_UNAVAILABLE,
                Some(5),
                "the database takes no changes at the moment; nothing was changed: try again later",
            ),
            Trouble::Locked => (
                code::UNAVAILABLE,
                StatusCode::SERVICE_UNAVAILABLE,
                Some(5),
                "the database file stayed locked by another writer; nothing was changed: try again shortly",
            ),
            Trouble::Contention => (
                code::CONFLICT,
                StatusCode::CONFLICT,
                Some(1),
                "another request was changing the same rows; nothing was changed: try again",
            ),
            Trouble::TimedOut => {
                (code::TIMEOUT, StatusCode::GATEWAY_TIMEOUT, None, "the database took too long; nothing was changed")
            }
            Trouble::Other => {
                (code::INTERNAL, StatusCode::INTERNAL_SERVER_ERROR, None, "internal error; it has been logged")
            }
        };
        Self { code, status, retry_after, message }
    }
}

/// What a task that a request spawned came to. Only the runtime's shutdown cancels one (muster
/// aborts none of its own), and then the request is dropped with it, past the grace period: it
/// waits for that, rather than answer an error for work that simply rolls back.
pub async fn joined<T>(joined: std::result::Result<T, tokio::task::JoinError>) -> Result<T, AppError> {
    match joined {
        Ok(value) => Ok(value),
        Err(err) if err.is_cancelled() => std::future::pending().await,
        Err(err) => Err(AppError::Internal(err.into())),
    }
}

/// Whether a database error is a unique violation on a public id column: the rare random
/// collision that an insert answers by retrying with fresh ids.
pub fn is_public_id_collision(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(detail)) if detail.contains("public_id"))
}

/// Whether a database error is the "one pending invitation per member" index refusing a second
/// one: another request invited the same member between the checks and the insert.
pub fn is_second_pending_invitation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(detail))
        if detail.contains("ux_invitations_one_pending") || detail.contains("invitations.member_id"))
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = serde_json::json!({
            "error": { "code": self.code(), "message": self.client_message() }
        });
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = self.retry_after() {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{AppError, joined};

    #[tokio::test]
    async fn a_task_cancelled_by_the_shutdown_leaves_its_request_unanswered() {
        let task = tokio::spawn(std::future::pending::<()>());
        task.abort();
        let cancelled = task.await;
        assert!(tokio::time::timeout(Duration::from_millis(50), joined(cancelled)).await.is_err(), "no answer");
        let panicked = tokio::spawn(async { panic!("a bug") }).await;
        assert!(matches!(joined::<()>(panicked).await, Err(AppError::Internal(_))));
        assert_eq!(joined(tokio::spawn(async { 7 }).await).await.unwrap(), 7);
    }
}
