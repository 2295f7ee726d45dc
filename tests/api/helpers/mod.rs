//! What the API tests share, by concern: a fresh [`database`] per test, the real server and a
//! client for it ([`app`]), the organizations and sheets tests start from ([`fixtures`]), the
//! real OpenID provider ([`oidc`]), the Node.js tools tests install ([`node`]), and for faults:
//! muster as a process to kill ([`process`]) and a PostgreSQL server to stop ([`cluster`]); a
//! real SMTP server that records what it receives ([`smtp`]).

pub mod app;
pub mod cluster;
pub mod database;
pub mod fixtures;
pub mod node;
pub mod oidc;
pub mod process;
pub mod python;
pub mod smtp;

pub use app::{Parts, TestApp, spawn_app, spawn_app_on, spawn_app_with, start, test_config};
pub use database::TestDatabase;
pub use fixtures::{create_org, create_token, error_code, error_message, fixture, read_csv, token_of};
pub use oidc::{OidcProvider, app_with_admin_issuer, app_with_provider};
