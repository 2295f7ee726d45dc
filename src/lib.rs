//! # muster
//!
//! A GraphQL backend that keeps an organization's team members and roles, and invites them in
//! bulk. The path of a request, top to bottom:
//!
//! - [`app`]: `Application::build` connects the database, applies migrations and binds the
//!   listener; `run_until_stopped` serves until the shutdown future resolves.
//! - [`http`]: the axum routes — GraphQL, the members export, health — and the admin
//!   authentication extractor.
//! - [`graphql`]: the schema; thin resolvers that take the caller's [`tenant::Tenant`] and the
//!   connection from the context and call a service.
//! - services, one folder per capability: [`organizations`], [`members`], [`roles`]; each
//!   function takes `&impl ConnectionTrait` and a `Tenant`, so nothing can forget which
//!   organization it works for.
//! - [`identity`]: who is calling — admin API tokens.
//! - [`domain`]: `Email`, `Language`, `PublicId`, `SecretToken`: input parsed once, at the edge.
//! - [`sheets`]: CSV writing that is safe to open in a spreadsheet.
//! - [`error`]: one `AppError` whose variants map to stable `extensions.code`s.
//!
//! Storage is sea-orm: the `entity` crate holds the rows, the `migration` crate the schema.

pub mod app;
pub mod audit;
pub mod bench;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod identity;
pub mod invitations;
pub mod members;
pub mod organizations;
pub mod pagination;
pub mod ratelimit;
pub mod roles;
pub mod sheets;
pub mod telemetry;
pub mod tenant;

pub use app::Application;
pub use config::Config;
pub use error::{AppError, Result};
