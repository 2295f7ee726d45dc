//! sea-orm entities: one module per table. They are storage rows only; the GraphQL types in
//! `muster::graphql::types` wrap them, and domain parsing happens before a row is written.

pub mod api_token;
pub mod audit_event;
pub mod delivery_state;
pub mod invitation;
pub mod invitation_batch;
pub mod invitation_state;
pub mod mail_message;
pub mod member;
pub mod member_count;
pub mod member_role;
pub mod organization;
pub mod rate_limit;
pub mod role;
pub mod role_ids;
pub mod sso_domain;
pub mod sso_flow;
pub mod sso_provider;
pub mod sso_provider_kind;

pub use delivery_state::DeliveryState;
pub use invitation_state::InvitationState;
pub use role_ids::RoleIds;
pub use sso_provider_kind::SsoProviderKind;
