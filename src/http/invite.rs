//! The invitee's pages. `GET /invite/{token}` shows the invitation and an Accept button; it
//! never uses the link up, because mail scanners and link previews open links too. The
//! button POSTs back to the same address, which accepts.

use axum::{
    extract::{Path, State},
    http::{StatusCode, header},
    response::{Html, IntoResponse, Response},
};

use super::{ClientAddr, HttpState};
use crate::{
    AppError,
    domain::InvitationStatus,
    invitations::{
        accept::{self, PublicInvitation},
        sso_flow::{self, ProviderUnavailable},
    },
};

pub async fn page(
    State(state): State<HttpState>,
    ClientAddr(client): ClientAddr,
    Path(token): Path<String>,
) -> Response {
    match accept::look_up(&state.app.db, &token, &client, state.app.now()).await {
        Ok(Some(found)) => landing(&found, &token),
        Ok(None) => invalid(),
        Err(err) => failure(err),
    }
}

pub async fn accept(
    State(state): State<HttpState>,
    ClientAddr(client): ClientAddr,
    Path(token): Path<String>,
) -> Response {
    match accept::accept(&state.app.db, &state.app.oidc, &token, &client, None, state.app.now()).await {
        Ok(accepted) => welcome(&accepted),
        Err(err) => failure(err),
    }
}

fn welcome(accepted: &accept::Accepted) -> Response {
    html(
        StatusCode::OK,
        "Invitation accepted",
        &format!(
            "<h1>Welcome to {}</h1><p>Your invitation for <strong>{}</strong> is accepted. You can close this page.</p>",
            escape(&accepted.organization_name),
            escape(&accepted.email)
        ),
    )
}

fn landing(found: &PublicInvitation, token: &str) -> Response {
    let org = escape(&found.organization.name);
    let email = escape(&found.invitation.email);
    let body = match found.status {
        InvitationStatus::Pending if found.sso.is_some() => format!(
            "<h1>Join {org}</h1>\
             <p>You are invited as <strong>{email}</strong>. Sign in with {} to accept; this invitation expires on {}.</p>\
             <p><a class=\"button\" href=\"/invite/{}/sso\">Sign in with {}</a></p>",
            escape(&found.sso.as_ref().map(|p| p.name.clone()).unwrap_or_default()),
            found.invitation.expires_at.format("%B %-d, %Y at %H:%M UTC"),
            escape(token),
            escape(&found.sso.as_ref().map(|p| p.name.clone()).unwrap_or_default()),
        ),
        InvitationStatus::Pending => format!(
            "<h1>Join {org}</h1>\
             <p>You are invited as <strong>{email}</strong>. This invitation expires on {}.</p>\
             <form method=\"post\" action=\"/invite/{}\"><button type=\"submit\">Accept invitation</button></form>",
            found.invitation.expires_at.format("%B %-d, %Y at %H:%M UTC"),
            escape(token),
        ),
        InvitationStatus::Accepted => {
            format!("<h1>{org}</h1><p>This invitation for <strong>{email}</strong> was already accepted.</p>")
        }
        _ => format!("<h1>{org}</h1><p>This invitation is no longer valid. Ask your administrator for a new one.</p>"),
    };
    html(StatusCode::OK, "Your invitation", &body)
}

fn invalid() -> Response {
    html(
        StatusCode::NOT_FOUND,
        "Invitation not valid",
        "<h1>This invitation link is not valid</h1><p>It may have expired, been used or been replaced. Ask your administrator for a new one.</p>",
    )
}

fn failure(err: AppError) -> Response {
    match err {
        AppError::InvalidInvitation => invalid(),
        AppError::RateLimited(seconds) => {
            let mut page = html(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts",
                "<h1>Too many attempts</h1><p>Wait a few minutes and try again.</p>",
            );
            page.headers_mut().insert(header::RETRY_AFTER, seconds.into());
            page
        }
        AppError::Internal(cause) if cause.downcast_ref::<ProviderUnavailable>().is_some() => {
            tracing::warn!(error = %cause, "SSO sign-in unavailable");
            html(
                StatusCode::SERVICE_UNAVAILABLE,
                "Sign-in unavailable",
                "<h1>The sign-in service is not answering</h1><p>Nothing was accepted. \
                 Open your invitation link again in a few minutes.</p>",
            )
        }
        other if other.status() == StatusCode::SERVICE_UNAVAILABLE => {
            let _ = other.client_message();
            unavailable()
        }
        other => {
            let _ = other.client_message();
            html(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "<h1>Something went wrong</h1><p>Please try again later.</p>",
            )
        }
    }
}

/// What an invitee sees while muster cannot answer (the database away, the node too busy).
pub fn unavailable() -> Response {
    let mut page = html(
        StatusCode::SERVICE_UNAVAILABLE,
        "Try again shortly",
        "<h1>Your invitation cannot be opened right now</h1><p>Nothing was accepted or changed. \
         Open your invitation link again in a few minutes.</p>",
    );
    page.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
    page
}

/// A small, self-contained page. The link's token is in the address: no referrer may carry
/// it elsewhere, no cache or search engine may keep it, and no other site may frame the page
/// to trick a click on its button.
fn html(status: StatusCode, title: &str, body: &str) -> Response {
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}}\
         button,.button{{text-decoration:none;display:inline-block;font-size:1rem;padding:.6rem 1.2rem;border:0;border-radius:.4rem;background:#2457d6;color:#fff;cursor:pointer}}</style>\
         </head><body>{body}</body></html>"
    );
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::HeaderName::from_static("x-robots-tag"), "noindex"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        ],
        Html(page),
    )
        .into_response()
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

fn flow(state: &HttpState) -> sso_flow::Flow<'_> {
    let app = &state.app;
    sso_flow::Flow { db: &app.db, fetcher: &app.oidc, secrets: app.secrets.as_deref(), links: &app.links }
}

/// `GET /invite/{token}/sso`: off to the organization's provider to sign in.
pub async fn sso_start(
    State(state): State<HttpState>,
    ClientAddr(client): ClientAddr,
    Path(token): Path<String>,
) -> Response {
    match flow(&state).start(&token, &client, state.app.now()).await {
        Ok(url) => (
            StatusCode::SEE_OTHER,
            [
                (header::LOCATION, url),
                (header::CACHE_CONTROL, "no-store".to_owned()),
                (header::REFERRER_POLICY, "no-referrer".to_owned()),
            ],
        )
            .into_response(),
        Err(err) => failure(err),
    }
}

#[derive(serde::Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /sso/callback`: back from the provider; accepts when the ID token is right.
pub async fn sso_callback(
    State(state): State<HttpState>,
    ClientAddr(client): ClientAddr,
    axum::extract::Query(callback): axum::extract::Query<Callback>,
) -> Response {
    let (Some(code), Some(flow_state)) = (callback.code, callback.state) else {
        tracing::info!(error = ?callback.error, "SSO callback without a code");
        return invalid();
    };
    match flow(&state).finish(&code, &flow_state, &client, state.app.now()).await {
        Ok(accepted) => welcome(&accepted),
        Err(err) => failure(err),
    }
}
