//! Every bound muster puts on what it is sent, in one place: what an operator may be asked
//! about, and what a test can name. Each is checked where the input is parsed, and answered
//! with an error that says the bound.

/// Characters in a display name: a member's, an organization's, a token's, a provider's.
pub const NAME_CHARS: usize = 200;
/// Characters in a role's name.
pub const ROLE_NAME_CHARS: usize = 100;
/// Characters in a role's description.
pub const DESCRIPTION_CHARS: usize = 1_000;
/// Bytes in an SSO client id.
pub const CLIENT_ID_BYTES: usize = 500;

/// Members one `createMembers` call takes: a whole department, in one transaction.
pub const MEMBERS_PER_CALL: usize = 5_000;
/// Addresses one `checkEmails` call takes.
pub const EMAILS_PER_CHECK: usize = 1_000;

/// A page of a list: `first` is 1..=`PAGE_MAX`, `PAGE_DEFAULT` when omitted.
pub const PAGE_DEFAULT: i32 = 50;
pub const PAGE_MAX: i32 = 100;

/// Days an invitation link may live (`expiresInDays`, `MUSTER_INVITE_TTL_DAYS`).
pub const INVITE_TTL_DAYS: std::ops::RangeInclusive<i32> = 1..=30;

/// Bytes in an invitation sheet, and its data rows.
pub const SHEET_BYTES: usize = 50 * 1024 * 1024;
pub const SHEET_ROWS: usize = 200_000;
/// A workbook (`.xlsx`, `.ods`, `.xls`) unpacked, all parts together, and the cells of its
/// worksheet counted before it is read (a zip bomb, or a sheet claiming a million columns, is
/// `TOO_LARGE` before it costs anything). 200,000 rows of a few columns take a fifth of each.
pub const WORKBOOK_UNZIPPED_BYTES: u64 = 256 * 1024 * 1024;
/// Bytes of a workbook part held whole while its worksheet is read (its shared strings, its
/// styles): a 200,000-row sheet's strings take a third of it.
pub const WORKBOOK_HELD_BYTES: u64 = 96 * 1024 * 1024;
pub const WORKBOOK_CELLS: u64 = 4_000_000;
/// Merged areas in a workbook's worksheet.
pub const WORKBOOK_MERGES: u64 = 10_000;
/// Characters in one cell of a sheet's Team Member ID, Email, Language or Role IDs column
/// (`VALUE_TOO_LONG`).
pub const CELL_CHARS: usize = 1_000;
/// Role ids in one invitation (`TOO_MANY_ROLES`).
pub const ROLES_PER_INVITATION: usize = 50;
/// Characters in a `search` filter.
pub const SEARCH_CHARS: usize = 200;
/// Bytes in an ID token given to `acceptInvitation` (real ones are 1 to 4 KiB).
pub const ID_TOKEN_BYTES: usize = 16 * 1024;

/// Bytes of a presented invitation token: ours are 47; anything longer is not worth hashing.
pub const INVITATION_TOKEN_BYTES: usize = 200;
/// Bytes of a bearer credential (API tokens are 47; admin JWTs a few hundred to a few thousand).
pub const BEARER_BYTES: usize = 4_096;
