//! What the API tests share, by concern: a fresh [`database`] per test, the real server and a
//! client for it ([`app`]), the organizations and sheets tests start from ([`fixtures`]), and
//! the real OpenID provider ([`oidc`]).

pub mod app;
pub mod database;
pub mod fixtures;
pub mod oidc;

pub use app::{TestApp, spawn_app, spawn_app_with};
pub use database::TestDatabase;
pub use fixtures::{create_org, error_code, error_message, fixture, read_csv, token_of};
pub use oidc::OidcProvider;
