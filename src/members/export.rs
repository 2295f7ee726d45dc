//! The members export (`GET /members.csv`, `GET /members.xlsx`): a page of members at a time
//! written as sheet rows, so that an organization of any size exports in bounded memory. The
//! HTTP route streams what [`Export::next_chunk`] writes as CSV; a workbook cannot be sent
//! before it is whole, so [`Export::workbook`] writes its rows to a temporary file as they
//! come, then answers the workbook (compressed: a few MB for 100,000 members).

use chrono::{DateTime, SecondsFormat, Utc};
use entity::DeliveryState;
use sea_orm::DatabaseConnection;

use super::{MemberFilter, MemberOrder, list, list::PageParts};
use crate::{
    Result,
    domain::InvitationStatus,
    invitations::sheet::workbook_failed,
    mail::outbox,
    pagination::Cursor,
    sheets::{
        CsvOut,
        xlsx_out::{Cell, XlsxOut},
    },
    tenant::Tenant,
};

/// The Delivery column: where the email of the member's latest invitation stands; empty when
/// muster was not asked to send it.
fn delivery_label(state: DeliveryState) -> &'static str {
    match state {
        DeliveryState::Queued => "Queued",
        DeliveryState::Sending => "Sending",
        DeliveryState::Sent => "Sent",
        DeliveryState::Failed => "Failed",
        DeliveryState::Cancelled => "Cancelled",
    }
}

/// The members export's worksheet.
pub const WORKSHEET: &str = "Members";
/// Data rows a worksheet holds under its header (Excel's 1,048,576 rows in all).
const EXCEL_ROWS: u32 = 1_048_575;

/// Where the rows go.
enum Out {
    // Boxed, as writers are large and an export holds one or the other.
    Csv(Box<CsvOut>),
    Xlsx(Box<XlsxOut>),
}

pub const HEADER: [&str; 9] = [
    "Team Member ID",
    "Name",
    "Email",
    "Language",
    "Role IDs",
    "Roles",
    "Pending Invitations",
    "Created At",
    "Delivery",
];

/// Members per database round trip while exporting.
const PAGE: u64 = 1_000;

/// An export under way: where it stands, and the CSV written but not yet sent.
pub struct Export {
    db: DatabaseConnection,
    tenant: Tenant,
    filter: MemberFilter,
    /// One instant for the whole export, so EXPIRED means the same on the first and last row.
    now: DateTime<Utc>,
    out: Out,
    after: Option<Cursor>,
    done: bool,
    /// Whether muster ever sent anything for the organization (else the Delivery column is
    /// empty, and not looked up).
    sends: Option<bool>,
}

impl Export {
    pub fn new(db: DatabaseConnection, tenant: Tenant, filter: MemberFilter, now: DateTime<Utc>) -> Self {
        Self {
            db,
            tenant,
            filter,
            now,
            out: Out::Csv(Box::new(CsvOut::with_header(&HEADER))),
            after: None,
            done: false,
            sends: None,
        }
    }

    /// The whole export as a workbook.
    pub async fn workbook(
        db: DatabaseConnection,
        tenant: Tenant,
        filter: MemberFilter,
        now: DateTime<Utc>,
    ) -> Result<Vec<u8>> {
        let out = Out::Xlsx(Box::new(XlsxOut::new(WORKSHEET, &HEADER).map_err(workbook_failed)?));
        let mut export = Self { db, tenant, filter, now, out, after: None, done: false, sends: None };
        while !export.done {
            export.write_page().await?;
        }
        let Out::Xlsx(out) = export.out else {
            return Err(crate::AppError::Internal(anyhow::anyhow!("a workbook export wrote CSV")));
        };
        tokio::task::spawn_blocking(move || out.finish().map_err(workbook_failed))
            .await
            .map_err(|err| crate::AppError::Internal(err.into()))?
    }

    /// The next chunk of the file (the first one starts with the header); `None` once done.
    pub async fn next_chunk(&mut self) -> Option<Result<Vec<u8>>> {
        if self.done {
            return None;
        }
        let written = self.write_page().await;
        if written.is_err() {
            self.done = true;
        }
        Some(written.map(|()| match &mut self.out {
            Out::Csv(out) => out.take(),
            Out::Xlsx(_) => Vec::new(),
        }))
    }

    async fn write_page(&mut self) -> Result<()> {
        let order = MemberOrder::default();
        let parts = PageParts { role_ids: true, ..PageParts::default() };
        let mut page =
            list::page(&self.db, &self.tenant, &self.filter, order, PAGE, self.after.as_ref(), parts, self.now).await?;
        let mut roles = list::page_roles(&self.db, &self.tenant, &mut page).await?;
        let sends = match self.sends {
            Some(sends) => sends,
            None => *self.sends.insert(outbox::any_of(&self.db, &self.tenant).await?),
        };
        let deliveries = match sends {
            true => {
                let ids: Vec<i64> = page.members.iter().map(|member| member.id).collect();
                outbox::latest_of_members(&self.db, &self.tenant, &ids).await?
            }
            false => Default::default(),
        };
        for member in &page.members {
            let delivery = deliveries.get(&member.id).map_or("", |state| delivery_label(*state));
            let member_roles = roles.remove(&member.id).unwrap_or_default();
            let role_ids = member_roles.iter().map(|role| role.public_id.as_str()).collect::<Vec<_>>().join(",");
            let role_names = member_roles.iter().map(|role| role.name.as_str()).collect::<Vec<_>>().join(", ");
            let status = InvitationStatus::of(member.invitation_state, member.invitation_expires_at, self.now);
            let cells = [
                member.public_id.as_str(),
                member.name.as_deref().unwrap_or_default(),
                member.email.as_str(),
                member.language.as_str(),
                role_ids.as_str(),
                role_names.as_str(),
                status.label(),
            ];
            match &mut self.out {
                Out::Csv(out) => {
                    let created_at = member.created_at.to_rfc3339_opts(SecondsFormat::Secs, true);
                    out.row(cells.into_iter().chain([created_at.as_str(), delivery]));
                }
                Out::Xlsx(out) => {
                    if out.rows() >= EXCEL_ROWS {
                        return Err(crate::AppError::bad_input(
                            "format",
                            format!(
                                "more than {EXCEL_ROWS} members match, the most rows Excel shows: filter the export, or download it as CSV"
                            ),
                        ));
                    }
                    let mut row = cells.map(Cell::Text).to_vec();
                    row.push(Cell::Date(member.created_at));
                    row.push(Cell::Text(delivery));
                    out.row(&row).map_err(workbook_failed)?;
                }
            }
        }
        self.after = page.members.last().map(|member| order.cursor_of(member));
        self.done = !page.has_next_page;
        Ok(())
    }
}
