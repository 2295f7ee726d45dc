//! Tenant isolation, in one place. A [`Tenant`] is made only by authentication (or by the
//! command line acting for an organization it looked up by slug), and every query for
//! tenant-owned rows starts from one of its methods, already filtered by its organization. An
//! id that belongs to another organization therefore behaves exactly like an unknown id.

use entity::{
    audit_event, invitation, invitation_batch, mail_message, member, member_count, organization, role, sso_domain,
    sso_provider,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select};

use crate::{AppError, Result, domain::PublicId};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tenant {
    organization_id: i64,
}

/// The tenant-owned tables: `Tenant::select` starts a query on one, scoped to the tenant.
macro_rules! scoped {
    ($($(#[$doc:meta])* $method:ident => $entity:ident;)*) => {
        impl Tenant {
            $(
                $(#[$doc])*
                pub fn $method(&self) -> Select<$entity::Entity> {
                    $entity::Entity::find().filter($entity::Column::OrganizationId.eq(self.organization_id))
                }
            )*
        }
    };
}

scoped! {
    members => member;
    member_counts => member_count;
    roles => role;
    invitations => invitation;
    invitation_batches => invitation_batch;
    mail_messages => mail_message;
    audit_events => audit_event;
    sso_providers => sso_provider;
    sso_domains => sso_domain;
}

impl Tenant {
    /// Only authentication (and the CLI acting for an organization it looked up by slug)
    /// decides who a tenant is.
    pub(crate) fn new(organization_id: i64) -> Self {
        Self { organization_id }
    }

    pub fn organization_id(&self) -> i64 {
        self.organization_id
    }

    pub async fn organization(&self, db: &impl ConnectionTrait) -> Result<organization::Model> {
        organization::Entity::find_by_id(self.organization_id).one(db).await?.ok_or(AppError::NotFound("organization"))
    }

    /// The member with this public id, if it is this tenant's.
    pub async fn find_member(&self, db: &impl ConnectionTrait, id: &str) -> Result<Option<member::Model>> {
        let Some(id) = PublicId::parse(id) else { return Ok(None) };
        Ok(self.members().filter(member::Column::PublicId.eq(id.as_str())).one(db).await?)
    }

    pub async fn member(&self, db: &impl ConnectionTrait, id: &str) -> Result<member::Model> {
        self.find_member(db, id).await?.ok_or(AppError::NotFound("member"))
    }

    /// The role with this public id, if it is this tenant's.
    pub async fn find_role(&self, db: &impl ConnectionTrait, id: &str) -> Result<Option<role::Model>> {
        let Some(id) = PublicId::parse(id) else { return Ok(None) };
        Ok(self.roles().filter(role::Column::PublicId.eq(id.as_str())).one(db).await?)
    }

    pub async fn role(&self, db: &impl ConnectionTrait, id: &str) -> Result<role::Model> {
        self.find_role(db, id).await?.ok_or(AppError::NotFound("role"))
    }

    /// The invitation with this public id, if it is this tenant's.
    pub async fn invitation(&self, db: &impl ConnectionTrait, id: &str) -> Result<invitation::Model> {
        let Some(id) = PublicId::parse(id) else { return Err(AppError::NotFound("invitation")) };
        self.invitations()
            .filter(invitation::Column::PublicId.eq(id.as_str()))
            .one(db)
            .await?
            .ok_or(AppError::NotFound("invitation"))
    }

    /// The SSO provider with this public id, if it is this tenant's.
    pub async fn sso_provider(&self, db: &impl ConnectionTrait, id: &str) -> Result<sso_provider::Model> {
        let Some(id) = PublicId::parse(id) else { return Err(AppError::NotFound("SSO provider")) };
        self.sso_providers()
            .filter(sso_provider::Column::PublicId.eq(id.as_str()))
            .one(db)
            .await?
            .ok_or(AppError::NotFound("SSO provider"))
    }
}
