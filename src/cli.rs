//! The command line: `serve`, `migrate`, `schema`, `org create`, `token create|list|revoke`,
//! `bench`. Every command that touches the database applies pending migrations first (but
//! `migrate` itself, which is how an operator steps through them).

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;

use crate::{
    Application, Config, app,
    clock::Clock,
    db, demo,
    domain::{DisplayName, SecretToken, Slug},
    identity::api_tokens,
    organizations,
};

#[derive(Debug, Parser)]
#[command(name = "muster", version, about = "Bulk, SSO-aware invitations for an organization's members, over GraphQL")]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serves the API. On an empty database, creates the organization `default` and prints an
    /// admin token for it, once.
    Serve {
        /// Loads demo roles and members into an empty `default` organization.
        #[arg(long)]
        demo: bool,
    },
    /// Applies (`up`, the default), rolls back (`down`) or lists (`status`) migrations.
    Migrate {
        #[command(subcommand)]
        action: Option<MigrateAction>,
    },
    /// Prints the GraphQL schema (SDL).
    Schema,
    /// Manages organizations.
    Org {
        #[command(subcommand)]
        action: OrgAction,
    },
    /// Manages admin API tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// What muster's emails say, for operators writing their own texts (`MUSTER_MAIL_TEMPLATES`).
    Mail {
        #[command(subcommand)]
        action: MailAction,
    },
    /// Benchmarks (on a fresh database of their own).
    Bench {
        #[command(subcommand)]
        action: BenchAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchAction {
    /// Times a sheet of N rows through `POST /invitations/links`, end to end.
    Invitations(crate::bench::InvitationsArgs),
    /// Drives the members page from many connections for a minute; prints throughput,
    /// latency, errors and the server's memory.
    Load(crate::bench::LoadArgs),
    /// A sheet sent by muster (`send=true`), every message delivered to a local SMTP sink:
    /// time, messages per second, memory.
    Mail(crate::bench::MailArgs),
    /// Times every shape of the members page (single client and under load), optionally
    /// against another muster binary.
    Members(crate::bench::MembersArgs),
    /// Times reading a sheet into rows, from CSV and from a workbook, with no database.
    Sheet(crate::bench::SheetArgs),
}

#[derive(Debug, Subcommand)]
pub enum MigrateAction {
    /// Applies every pending migration.
    Up,
    /// Rolls back the latest migrations.
    Down {
        /// How many to roll back.
        #[arg(short = 'n', long, default_value_t = 1)]
        steps: u32,
    },
    /// Lists migrations and whether each is applied.
    Status,
}

#[derive(Debug, Subcommand)]
pub enum OrgAction {
    /// Creates an organization.
    Create {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum MailAction {
    /// Prints an invitation email as muster would send it (the built-in texts, or those of
    /// `MUSTER_MAIL_TEMPLATES`): its subject, its plain text or its HTML.
    Preview {
        /// The invitation's language (a regional tag falls back to its language, then English).
        #[arg(long, default_value = "en")]
        language: String,
        /// Which part to print.
        #[arg(long, value_enum, default_value_t = crate::mail::compose::Part::Text)]
        part: crate::mail::compose::Part,
        /// The organization's name.
        #[arg(long, default_value = "Acme Corp")]
        organization: String,
        /// The SSO provider the invitee signs in with, if any.
        #[arg(long)]
        sso_provider: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// Prints a new admin API token for an organization (shown once, stored hashed).
    Create {
        /// The organization's slug.
        #[arg(long)]
        org: String,
        /// Who or what will use the token.
        #[arg(long)]
        name: String,
    },
    /// Lists an organization's tokens: name, created, revoked (never a token itself).
    List {
        /// The organization's slug.
        #[arg(long)]
        org: String,
    },
    /// Revokes an organization's tokens of that name, at once on every node.
    Revoke {
        /// The organization's slug.
        #[arg(long)]
        org: String,
        /// The token's name, as `token list` shows it.
        #[arg(long)]
        name: String,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config;
    match cli.command {
        Command::Schema => {
            print!("{}", crate::graphql::sdl());
            Ok(())
        }
        Command::Migrate { action } => {
            let db = connect(&config).await?;
            match action.unwrap_or(MigrateAction::Up) {
                MigrateAction::Up => {
                    Migrator::up(&db, None).await?;
                    eprintln!("migrations applied");
                }
                MigrateAction::Down { steps } => {
                    Migrator::down(&db, Some(steps)).await?;
                    eprintln!("rolled back {steps} migration(s)");
                }
                MigrateAction::Status => {
                    for migration in Migrator::get_migration_with_status(&db).await? {
                        println!("{}\t{}", migration.name(), migration.status());
                    }
                }
            }
            Ok(())
        }
        Command::Org { action: OrgAction::Create { slug, name } } => {
            let slug = Slug::parse(&slug)?;
            let name = DisplayName::parse(&name).map_err(|err| anyhow::anyhow!("--name: the name {err}"))?;
            let db = connect_and_migrate(&config).await?;
            let org = organizations::create(&db, &slug, &name, Clock::default().now()).await?;
            eprintln!("created organization `{}` ({})", org.slug, org.name);
            Ok(())
        }
        Command::Token { action: TokenAction::Create { org, name } } => {
            let name = DisplayName::parse(&name)
                .map_err(|err| anyhow::anyhow!("--name: the name {err}; it says who or what uses the token"))?;
            let db = connect_and_migrate(&config).await?;
            let tenant = tenant(&db, &org).await?;
            let token = api_tokens::create(&db, &tenant, &name, &operator(), Clock::default().now()).await?;
            println!("{}", token.reveal());
            Ok(())
        }
        Command::Token { action: TokenAction::List { org } } => {
            let db = connect_and_migrate(&config).await?;
            let tenant = tenant(&db, &org).await?;
            for token in api_tokens::list(&db, &tenant).await? {
                let revoked = token.revoked_at.map(|at| format!("revoked {}", at.to_rfc3339())).unwrap_or_default();
                println!("{}\tcreated {}\t{revoked}", token.name, token.created_at.to_rfc3339());
            }
            Ok(())
        }
        Command::Token { action: TokenAction::Revoke { org, name } } => {
            let db = connect_and_migrate(&config).await?;
            let tenant = tenant(&db, &org).await?;
            let revoked = api_tokens::revoke(&db, &tenant, &name, &operator(), Clock::default().now()).await?;
            anyhow::ensure!(revoked > 0, "`{org}` has no token named `{name}` that is not revoked already");
            eprintln!("revoked {revoked} token(s) named `{name}`");
            Ok(())
        }
        Command::Serve { demo } => serve(config, demo).await,
        Command::Mail { action } => mail(&config, action),
        Command::Bench { action: BenchAction::Invitations(args) } => crate::bench::invitations::run(args).await,
        Command::Bench { action: BenchAction::Load(args) } => crate::bench::load::run(args).await,
        Command::Bench { action: BenchAction::Mail(args) } => crate::bench::mail::run(args).await,
        Command::Bench { action: BenchAction::Members(args) } => crate::bench::members::run(args).await,
        Command::Bench { action: BenchAction::Sheet(args) } => crate::bench::sheet::run(&args),
    }
}

/// `muster mail preview`: an invitation email with a sample invitee, printed.
fn mail(config: &Config, action: MailAction) -> anyhow::Result<()> {
    let MailAction::Preview { language, part, organization, sso_provider } = action;
    let composer = crate::mail::compose::Composer::new(config.mail_templates.as_deref())?;
    let expires_at = Clock::default().now() + chrono::Duration::days(i64::from(config.invite_ttl_days));
    let link = format!("{}/invite/inv_preview", config.public_url.trim_end_matches('/'));
    let letter = crate::mail::compose::Letter {
        organization: &organization,
        email: "ana.silva@example.com",
        language: &language,
        link: &link,
        expires_at,
        sso_provider: sso_provider.as_deref(),
    };
    print!("{}", composer.compose(&letter)?.part(part));
    Ok(())
}

async fn connect(config: &Config) -> anyhow::Result<DatabaseConnection> {
    Ok(db::connect(&config.database_url(), config.database_settings()).await?.0)
}

/// The organization an operator names by slug.
async fn tenant(db: &DatabaseConnection, slug: &str) -> anyhow::Result<crate::tenant::Tenant> {
    organizations::tenant_by_slug(db, slug).await.with_context(|| format!("no organization with slug `{slug}`"))
}

/// Who acts at the command line, for the audit trail: the operating system's user.
fn operator() -> String {
    let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_default();
    if user.is_empty() { "cli".to_owned() } else { format!("cli:{user}") }
}

async fn connect_and_migrate(config: &Config) -> anyhow::Result<DatabaseConnection> {
    Ok(db::connect_migrated(&config.database_url(), config.database_settings()).await?.0)
}

async fn serve(config: Config, load_demo: bool) -> anyhow::Result<()> {
    let (db, statements) = db::connect_migrated(&config.database_url(), config.database_settings()).await?;
    let clock = Clock::default();
    if let Some(token) = bootstrap(&db, &clock).await? {
        println!("Created the organization `default`. Its admin token, shown this once:\n\n    {}\n", token.reveal());
        println!(
            "Send it as `Authorization: Bearer <token>`; `muster token create --org default --name NAME` makes more."
        );
    }
    if load_demo {
        let tenant = organizations::tenant_by_slug(&db, organizations::DEFAULT_SLUG).await?;
        let languages = config.supported_languages()?;
        match demo::load(&db, &tenant, &languages, clock.now()).await? {
            Some(count) => eprintln!("demo: loaded {count} members into `default`"),
            None => eprintln!("demo: `default` already has members; left as it is"),
        }
    }
    let listener = app::bind(&config).await?;
    let app = Application::build_with(config, db, statements, clock, listener).await?;
    println!("muster is serving GraphiQL at http://{}/graphql", app.address());
    app.run_until_stopped(app::shutdown_on_signal()).await?;
    Ok(())
}

/// On an empty database: the `default` organization and its first token. Several nodes may
/// start at once; the unique slug lets one win, and the others print nothing.
async fn bootstrap(db: &DatabaseConnection, clock: &Clock) -> anyhow::Result<Option<SecretToken>> {
    if !organizations::is_empty(db).await? {
        return Ok(None);
    }
    let slug = Slug::parse(organizations::DEFAULT_SLUG)?;
    let name = DisplayName::parse("Default organization")?;
    let org = match organizations::create(db, &slug, &name, clock.now()).await {
        Ok(org) => org,
        Err(crate::AppError::Conflict(_)) => return Ok(None),
        Err(err) => return Err(err.into()),
    };
    let tenant = organizations::tenant_by_slug(db, &org.slug).await?;
    let token_name = DisplayName::parse("bootstrap")?;
    Ok(Some(api_tokens::create(db, &tenant, &token_name, "muster serve", clock.now()).await?))
}
