//! The API tests: each spawns the real server on port 0 against its own fresh database —
//! a new SQLite file, or a new PostgreSQL database when `MUSTER_TEST_POSTGRES_URL` is set —
//! and talks HTTP to it.

mod helpers;

mod auth;
mod cli;
mod export;
mod graphql_http;
mod hardening;
mod identity;
mod invitations;
mod listing;
mod mail;
mod members;
mod providers;
mod reliability;
mod roles;
mod schema;
mod sheets;
mod statements;
mod workbooks;
