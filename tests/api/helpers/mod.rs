//! What the API tests share, by concern: a fresh [`database`] per test, the real server and a
//! client for it ([`app`]), the organizations and sheets tests start from ([`fixtures`]), the
//! real OpenID provider ([`oidc`]), and the Node.js tools tests install ([`node`]).

pub mod app;
pub mod database;
pub mod fixtures;
pub mod node;
pub mod oidc;

pub use app::{TestApp, spawn_app, spawn_app_with};
pub use database::TestDatabase;
pub use fixtures::{create_org, create_token, error_code, error_message, fixture, read_csv, token_of};
pub use oidc::{OidcProvider, app_with_admin_issuer, app_with_provider};
