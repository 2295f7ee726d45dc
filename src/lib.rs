//! # muster
//!
//! A GraphQL backend that keeps an organization's team members and roles, and invites them in
//! bulk from a spreadsheet, checking every address against the organization's SSO provider.
//!
//! ## One request, from route to table
//! An admin uploads a sheet: `POST /invitations/links` with the CSV as the body.
//! 1. [`http`] bounds it (requests under way, a deadline, headers in time) and routes it to
//!    `http::invitations::links`; the [`http::Admin`] extractor asks
//!    [`identity::Authenticator`] who the bearer token belongs to: a [`identity::Caller`],
//!    whose [`tenant::Tenant`] scopes everything that follows.
//! 2. The handler takes from the shared [`state::AppState`] only what the service uses (the
//!    connection, the link settings, the supported languages, the time) and calls
//!    [`invitations::sheet::generate_links`].
//! 3. [`sheets::reader`] turns the bytes into rows, whatever the spreadsheet's encoding and
//!    separator, or whatever workbook it saved ([`sheets::workbook`]); cells become [`domain`]
//!    types ([`domain::Email`], [`domain::Language`]).
//! 4. [`invitations::validate`] looks the rows' members and roles up in a few bulk statements
//!    per 10,000 rows (through [`tenant::Tenant`]) and runs each row through
//!    [`invitations::rules`]; the SSO domains come from [`identity::sso`]. Every problem carries
//!    its line, column and code.
//! 5. [`invitations::issue`] writes the batch in one transaction, fed each 10,000 rows that
//!    pass while the next are checked, and committed only if every row passed (or bad ones are
//!    skipped): old links revoked, members moved to pending by
//!    [`members::state::move_state`], invitations inserted (tables in the `entity` crate, schema
//!    in the `migration` crate); [`audit`] records who did it.
//! 6. The links sheet goes back through [`sheets::CsvOut`]; a failure is one [`error::AppError`]
//!    with a stable code.
//!
//! The same services answer GraphQL: [`graphql`] resolvers parse their input and call them.
//!
//! ## The modules
//! - Running: [`app`] (assembles the state, binds, serves), [`cli`] (the commands), [`config`]
//!   (every setting, from the environment), [`telemetry`] (logs), [`instruments`] (metrics for
//!   operators), [`mod@bench`] (benchmarks),
//!   [`demo`] (demo data for `serve --demo`).
//! - The API layers, the only ones that know GraphQL or HTTP: [`http`] (routes, extractors,
//!   the invitee's pages), [`graphql`] (schema, thin resolvers, loaders, the types clients
//!   see), [`state`] (what they share), [`error`] (codes, and how an error leaves).
//! - Services, a folder per capability, each taking a connection, the [`tenant::Tenant`], the
//!   time and the settings it uses: [`organizations`], [`members`], [`roles`], [`invitations`],
//!   [`identity`] (who is calling; SSO providers; the guarded client for providers), [`audit`]
//!   (the trail), [`ratelimit`] (counters shared by every node, per client network),
//!   [`secrets`] (secrets encrypted at rest), [`mail`] (sending the invitations: the outbox,
//!   the messages in each language, the sender on every node), [`i18n`] (what invitees read,
//!   in their language).
//! - Foundations, used by all: [`domain`] (types that parse at the edge), [`sheets`] (reading
//!   and writing spreadsheets), [`tenant`] (isolation in one place), [`db`] (connecting, SQL
//!   helpers), [`html`] (escaping what pages and mail show), [`pagination`] (cursors),
//!   [`limits`] (every input bound), [`clock`] (the time, which tests move).

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
pub mod html;
pub mod http;
pub mod i18n;
pub mod identity;
pub mod instruments;
pub mod invitations;
pub mod limits;
pub mod mail;
pub mod members;
pub mod organizations;
pub mod pagination;
pub mod ratelimit;
pub mod roles;
pub mod secrets;
pub mod sheets;
pub mod state;
pub mod telemetry;
pub mod tenant;

pub use app::Application;
pub use config::Config;
pub use error::{AppError, Result};
