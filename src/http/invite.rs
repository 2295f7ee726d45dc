//! The invitee's pages. `GET /invite/{token}` shows the invitation and an Accept button; it
//! never uses the link up, because mail scanners and link previews open links too. The
//! button POSTs back to the same address, which accepts.

use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode, header},
    response::{Html, IntoResponse, Response},
};

use super::{ClientAddr, HttpState};
use crate::{
    AppError,
    domain::InvitationStatus,
    html::escape,
    i18n::{Speaker, Texts},
    invitations::{
        accept::{self, PublicInvitation},
        sso_flow::{self, ProviderUnavailable},
    },
};

/// The language of a page that knows no invitation: the browser's.
pub fn browser_language(headers: &HeaderMap) -> Speaker<'static> {
    Texts::built_in().negotiate(headers.get(header::ACCEPT_LANGUAGE).and_then(|value| value.to_str().ok()))
}

pub async fn page(
    State(state): State<HttpState>,
    ClientAddr(client): ClientAddr,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    match accept::look_up(&state.app.db, &token, &client, state.app.now()).await {
        Ok(Some(found)) => landing(&found, &token),
        Ok(None) => invalid(&browser_language(&headers)),
        Err(err) => failure(err, &browser_language(&headers)),
    }
}

pub async fn accept(
    State(state): State<HttpState>,
    ClientAddr(client): ClientAddr,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let says = browser_language(&headers);
    match accept::accept(&state.app.db, &state.app.oidc, &token, &client, None, state.app.now()).await {
        Ok(accepted) => welcome(&accepted),
        Err(err) => failure(err, &says),
    }
}

fn welcome(accepted: &accept::Accepted) -> Response {
    let says = Texts::built_in().language(&accepted.language);
    let (org, email) = (escape(&accepted.organization_name), strong(&accepted.email));
    let body = format!(
        "<h1>{}</h1><p>{}</p>",
        says.say("welcome-heading", &[("org", &org)]),
        says.say("welcome-body", &[("email", &email)])
    );
    html(StatusCode::OK, &says, "accepted-title", &body)
}

fn landing(found: &PublicInvitation, token: &str) -> Response {
    let says = Texts::built_in().language(&found.invitation.language);
    let org = escape(&found.organization.name);
    let email = strong(&found.invitation.email);
    let date = says.date_time(found.invitation.expires_at);
    let heading = says.say("join-heading", &[("org", &org)]);
    let invited = says.say("invited-as", &[("email", &email)]);
    let body = match (&found.status, &found.sso) {
        (InvitationStatus::Pending, Some(provider)) => {
            let provider = escape(&provider.name);
            format!(
                "<h1>{heading}</h1><p>{invited} {}</p><p><a class=\"button\" href=\"/invite/{}/sso\">{}</a></p>",
                says.say("sso-to-accept", &[("provider", &provider), ("date", &date)]),
                escape(token),
                says.say("sign-in-with", &[("provider", &provider)]),
            )
        }
        (InvitationStatus::Pending, None) => format!(
            "<h1>{heading}</h1><p>{invited} {}</p>\
             <form method=\"post\" action=\"/invite/{}\"><button type=\"submit\">{}</button></form>",
            says.say("expires-on", &[("date", &date)]),
            escape(token),
            says.say("accept-button", &[]),
        ),
        (InvitationStatus::Accepted, _) => {
            format!("<h1>{org}</h1><p>{}</p>", says.say("already-accepted", &[("email", &email)]))
        }
        _ => format!("<h1>{org}</h1><p>{}</p>", says.say("no-longer-valid", &[])),
    };
    html(StatusCode::OK, &says, "invitation-title", &body)
}

fn strong(text: &str) -> String {
    format!("<strong>{}</strong>", escape(text))
}

/// A page of a title, a heading (the title when `heading` is `None`) and a paragraph.
fn plain(status: StatusCode, says: &Speaker<'_>, title: &str, heading: Option<&str>, body: &str) -> Response {
    let content = format!("<h1>{}</h1><p>{}</p>", says.say(heading.unwrap_or(title), &[]), says.say(body, &[]));
    html(status, says, title, &content)
}

fn invalid(says: &Speaker<'_>) -> Response {
    plain(StatusCode::NOT_FOUND, says, "invalid-title", Some("invalid-heading"), "invalid-body")
}

fn failure(err: AppError, says: &Speaker<'_>) -> Response {
    match err {
        AppError::InvalidInvitation => invalid(says),
        AppError::RateLimited(seconds) => {
            let mut page = plain(StatusCode::TOO_MANY_REQUESTS, says, "too-many-title", None, "too-many-body");
            page.headers_mut().insert(header::RETRY_AFTER, seconds.into());
            page
        }
        AppError::Internal(cause) if cause.downcast_ref::<ProviderUnavailable>().is_some() => {
            tracing::warn!(error = %cause, "SSO sign-in unavailable");
            let heading = Some("sign-in-down-heading");
            plain(StatusCode::SERVICE_UNAVAILABLE, says, "sign-in-down-title", heading, "sign-in-down-body")
        }
        other if other.status() == StatusCode::SERVICE_UNAVAILABLE => {
            let _ = other.client_message();
            unavailable(says)
        }
        other => {
            let _ = other.client_message();
            plain(StatusCode::INTERNAL_SERVER_ERROR, says, "error-title", None, "error-body")
        }
    }
}

/// What an invitee sees while muster cannot answer (the database away, the node too busy).
pub fn unavailable(says: &Speaker<'_>) -> Response {
    let heading = Some("unavailable-heading");
    let mut page = plain(StatusCode::SERVICE_UNAVAILABLE, says, "unavailable-title", heading, "unavailable-body");
    page.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
    page
}

/// A small, self-contained page in the speaker's language (`title` is a message id). The
/// link's token is in the address: no referrer may carry it elsewhere, no cache or search
/// engine may keep it, and no other site may frame the page to trick a click on its button.
fn html(status: StatusCode, says: &Speaker<'_>, title: &str, body: &str) -> Response {
    let (lang, title) = (says.tag(), says.say(title, &[]));
    let page = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
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
            (header::CONTENT_LANGUAGE, lang),
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

fn flow(state: &HttpState) -> sso_flow::Flow<'_> {
    let app = &state.app;
    sso_flow::Flow { db: &app.db, fetcher: &app.oidc, secrets: app.secrets.as_deref(), links: &app.links }
}

/// `GET /invite/{token}/sso`: off to the organization's provider to sign in.
pub async fn sso_start(
    State(state): State<HttpState>,
    ClientAddr(client): ClientAddr,
    Path(token): Path<String>,
    headers: HeaderMap,
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
        Err(err) => failure(err, &browser_language(&headers)),
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
    headers: HeaderMap,
) -> Response {
    let says = browser_language(&headers);
    let (Some(code), Some(flow_state)) = (callback.code, callback.state) else {
        tracing::info!(error = ?callback.error, "SSO callback without a code");
        return invalid(&says);
    };
    match flow(&state).finish(&code, &flow_state, &client, state.app.now()).await {
        Ok(accepted) => welcome(&accepted),
        Err(err) => failure(err, &says),
    }
}
