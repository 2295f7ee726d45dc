//! Which kind of identity provider an SSO provider is: how its ID tokens prove that the person
//! signing in owns the invited address differs by kind (`muster::identity::kinds`).

use sea_orm::entity::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum SsoProviderKind {
    /// Any OpenID provider: `email`, with `email_verified`.
    #[sea_orm(string_value = "generic")]
    Generic,
    /// Microsoft Entra ID, one tenant: `tid`, and `email` with `xms_edov` or the UPN.
    #[sea_orm(string_value = "entra")]
    Entra,
    /// Google Workspace: `email_verified`, and `hd` in the provider's domains.
    #[sea_orm(string_value = "google")]
    Google,
    #[sea_orm(string_value = "okta")]
    Okta,
    #[sea_orm(string_value = "auth0")]
    Auth0,
    #[sea_orm(string_value = "keycloak")]
    Keycloak,
}
