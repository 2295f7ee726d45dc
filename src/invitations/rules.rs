//! The checks an invitation goes through, whether it comes from a row of a sheet or from
//! `inviteMember`: the member, the email, the language and the roles. Each rule is pure — it
//! takes what was looked up and the value given — and answers a [`RowProblem`] that knows its
//! code, its column and whether it is a conflict, or [`RowWarning`]s that do not stop issuing.
//! The sheet adds what only a sheet has (a member or an address on two lines, see `validate`);
//! a single invitation turns the first problem into an error ([`RowProblem::into_error`]).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{InvitationState, member, sso_provider};
use sea_orm::FromQueryResult;

use crate::{
    AppError,
    domain::{Email, EmailError, InvitationStatus, Language, LanguageError, SupportedLanguages},
    identity::sso::{DomainCheck, SsoDomains},
    limits::{CELL_CHARS, ROLES_PER_INVITATION},
    sheets::{Code, Column, SheetProblem},
};

/// What an invitation is checked against.
pub struct Rules<'a> {
    pub languages: &'a SupportedLanguages,
    pub sso: &'a SsoDomains,
    pub now: DateTime<Utc>,
}

/// What the checks need of a member: a few columns rather than the whole row, since a sheet
/// may name 200,000 of them.
#[derive(Debug, Clone, FromQueryResult)]
pub struct MemberRef {
    pub id: i64,
    pub public_id: String,
    pub email: String,
    pub email_key: String,
    pub name: Option<String>,
    pub invitation_state: InvitationState,
    pub invitation_expires_at: Option<DateTime<Utc>>,
}

impl MemberRef {
    /// The columns [`MemberRef`] reads.
    pub const COLUMNS: [member::Column; 7] = [
        member::Column::Id,
        member::Column::PublicId,
        member::Column::Email,
        member::Column::EmailKey,
        member::Column::Name,
        member::Column::InvitationState,
        member::Column::InvitationExpiresAt,
    ];

    fn status(&self, now: DateTime<Utc>) -> InvitationStatus {
        InvitationStatus::of(self.invitation_state, self.invitation_expires_at, now)
    }

    /// The member as a message names them: by name where they have one.
    fn describe(&self) -> String {
        match &self.name {
            Some(name) => format!("{name} (`{}`)", self.public_id),
            None => format!("`{}` ({})", self.public_id, self.email),
        }
    }
}

impl From<&member::Model> for MemberRef {
    fn from(member: &member::Model) -> Self {
        Self {
            id: member.id,
            public_id: member.public_id.clone(),
            email: member.email.clone(),
            email_key: member.email_key.clone(),
            name: member.name.clone(),
            invitation_state: member.invitation_state,
            invitation_expires_at: member.invitation_expires_at,
        }
    }
}

/// A row that passed every check: what to issue (only what issuing needs: a sheet may hold
/// 200,000 of them).
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The member's row id.
    pub member_id: i64,
    /// Whether the member held a pending invitation when checked (issuing revokes it).
    pub held_pending: bool,
    pub email: Email,
    pub language: Language,
    /// Row ids of the roles to grant, in the order given.
    pub role_ids: Vec<i64>,
}

/// Why an invitation cannot be issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowProblem {
    /// An empty Team Member ID, Email or Role IDs cell.
    Missing(Column),
    /// An empty Language cell; names the supported languages.
    MissingLanguage {
        supported: String,
    },
    UnknownMember(String),
    /// Names the member.
    AlreadyAccepted(String),
    DuplicateMember {
        id: String,
        first_line: u32,
    },
    InvalidEmail(EmailError),
    DuplicateEmail {
        email: String,
        first_line: u32,
    },
    /// Names the other member.
    EmailTaken {
        email: String,
        owner: String,
    },
    NotInSso {
        email: String,
        domains: String,
        providers: String,
    },
    UnsupportedLanguage(LanguageError),
    UnknownRoles(Vec<String>),
    /// More role ids than one invitation may grant; says how many.
    TooManyRoles(usize),
    /// A cell longer than a sheet may hold; nothing in it was read.
    TooLong(Column),
    /// A workbook cell that holds no text where text is expected; says what it holds.
    NotText {
        column: Column,
        held: String,
    },
}

impl RowProblem {
    pub fn code(&self) -> Code {
        match self {
            Self::Missing(_) | Self::MissingLanguage { .. } => Code::MissingValue,
            Self::UnknownMember(_) => Code::UnknownMember,
            Self::AlreadyAccepted(_) => Code::AlreadyAccepted,
            Self::DuplicateMember { .. } => Code::DuplicateMember,
            Self::InvalidEmail(_) => Code::InvalidEmail,
            Self::DuplicateEmail { .. } => Code::DuplicateEmail,
            Self::EmailTaken { .. } => Code::EmailTaken,
            Self::NotInSso { .. } => Code::EmailDomainNotInSso,
            Self::UnsupportedLanguage(_) => Code::UnsupportedLanguage,
            Self::UnknownRoles(_) => Code::UnknownRole,
            Self::TooManyRoles(_) => Code::TooManyRoles,
            Self::TooLong(_) => Code::ValueTooLong,
            Self::NotText { .. } => Code::CellNotText,
        }
    }

    pub fn column(&self) -> Column {
        match self {
            Self::Missing(column) | Self::TooLong(column) | Self::NotText { column, .. } => *column,
            Self::UnknownMember(_) | Self::AlreadyAccepted(_) | Self::DuplicateMember { .. } => Column::MemberId,
            Self::InvalidEmail(_) | Self::DuplicateEmail { .. } | Self::EmailTaken { .. } | Self::NotInSso { .. } => {
                Column::Email
            }
            Self::MissingLanguage { .. } | Self::UnsupportedLanguage(_) => Column::Language,
            Self::UnknownRoles(_) | Self::TooManyRoles(_) => Column::RoleIds,
        }
    }

    /// Whether the request is fine but the organization's state refuses it (`CONFLICT` for a
    /// single invitation) rather than the input being wrong (`BAD_USER_INPUT`).
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::AlreadyAccepted(_) | Self::EmailTaken { .. })
    }

    /// What is wrong, and how to fix it.
    pub fn message(&self) -> String {
        match self {
            Self::Missing(Column::MemberId) => "the Team Member ID is empty; copy it from the members export".into(),
            Self::Missing(Column::Email) => "the Email is empty; write the address the member signs in with".into(),
            Self::MissingLanguage { supported } => format!("the Language is empty; write one of {supported}"),
            Self::Missing(Column::Language) => "the Language is empty".into(),
            Self::Missing(Column::RoleIds) => "the Role IDs are empty; give at least one role id from the roles list, \
                 several separated by commas"
                .into(),
            Self::UnknownMember(id) => {
                format!("`{id}` is not a team member of this organization; copy the id from the members export")
            }
            Self::AlreadyAccepted(who) => format!("{who} has already accepted an invitation; remove this line"),
            Self::DuplicateMember { id, first_line } => {
                format!("member `{id}` is already on line {first_line}; the first line stands, remove this one")
            }
            Self::InvalidEmail(err) => format!("the email {err}"),
            Self::DuplicateEmail { email, first_line } => {
                format!("`{email}` is already on line {first_line}; each member needs their own address")
            }
            Self::EmailTaken { email, owner } => {
                format!("`{email}` is the email of another member, {owner}; use this member's own address")
            }
            Self::NotInSso { email, domains, providers } => format!(
                "`{email}` is not in the SSO domains ({domains}); use the address the member signs in to {providers} with"
            ),
            Self::UnsupportedLanguage(err) => format!("the language {err}"),
            Self::TooManyRoles(count) => format!(
                "{count} role ids; an invitation grants at most {ROLES_PER_INVITATION}: keep the roles this member needs"
            ),
            Self::TooLong(column) => format!(
                "the {} cell is longer than {CELL_CHARS} characters, so it was not read: check that the column holds one value",
                column.header()
            ),
            Self::NotText { column, held } => format!(
                "the {} cell holds {held}, not text: format the column as Text in your spreadsheet and type the value again",
                column.header()
            ),
            Self::UnknownRoles(ids) => {
                let quoted: Vec<String> = ids.iter().map(|id| format!("`{id}`")).collect();
                let verb = if ids.len() == 1 { "is" } else { "are" };
                format!(
                    "{} {verb} not a role of this organization; copy role ids from the roles list",
                    quoted.join(", ")
                )
            }
        }
    }

    /// The problem on a line of a sheet.
    pub fn at(&self, line: u32) -> SheetProblem {
        SheetProblem::new(line, Some(self.column()), self.code(), self.message())
    }

    /// The problem as the error of a single invitation, naming its input field.
    pub fn into_error(self) -> AppError {
        let field = match self.column() {
            Column::MemberId => "input.memberId",
            Column::Email => "input.email",
            Column::Language => "input.language",
            Column::RoleIds => "input.roleIds",
        };
        if self.is_conflict() {
            AppError::Conflict(format!("{field}: {}", self.message()))
        } else {
            AppError::bad_input(field, self.message())
        }
    }
}

/// What an admin should know about an invitation that is issued all the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowWarning {
    /// The address is outside the SSO domains, which are not enforced.
    OutsideSso {
        email: String,
        domains: String,
    },
    LanguageRead {
        written: String,
        read: Language,
    },
    EmailChanged {
        on_file: String,
        invited: String,
    },
    /// Names the member.
    Reissue(String),
}

impl RowWarning {
    pub fn code(&self) -> Code {
        match self {
            Self::OutsideSso { .. } => Code::EmailDomainOutsideSso,
            Self::LanguageRead { .. } => Code::Converted,
            Self::EmailChanged { .. } => Code::EmailChanged,
            Self::Reissue(_) => Code::Reissue,
        }
    }

    pub fn column(&self) -> Column {
        match self {
            Self::OutsideSso { .. } | Self::EmailChanged { .. } => Column::Email,
            Self::LanguageRead { .. } => Column::Language,
            Self::Reissue(_) => Column::MemberId,
        }
    }

    pub fn message(&self) -> String {
        match self {
            Self::OutsideSso { email, domains } => {
                format!("`{email}` is outside the SSO domains ({domains}); the member will not sign in with SSO")
            }
            Self::LanguageRead { written, read } => format!("`{written}` read as `{read}`"),
            Self::EmailChanged { on_file, invited } => format!(
                "the member's email on file is `{on_file}`; the invitation goes to `{invited}`, the address they must sign in with"
            ),
            Self::Reissue(who) => format!("{who} already has a pending invitation; issuing revokes its link"),
        }
    }

    /// The warning on a line of a sheet.
    pub fn at(&self, line: u32) -> SheetProblem {
        SheetProblem::new(line, Some(self.column()), self.code(), self.message())
    }
}

/// Team Member ID: the member the cell names, if they can be invited (`found` is who the
/// organization has under that id).
pub fn member(cell: &str, found: Option<MemberRef>, now: DateTime<Utc>) -> Result<MemberRef, RowProblem> {
    if cell.is_empty() {
        return Err(RowProblem::Missing(Column::MemberId));
    }
    match found {
        None => Err(RowProblem::UnknownMember(cell.to_owned())),
        Some(member) if member.status(now) == InvitationStatus::Accepted => {
            Err(RowProblem::AlreadyAccepted(member.describe()))
        }
        Some(member) => Ok(member),
    }
}

/// Email: the address the cell holds (`parsed` is the cell, parsed).
pub fn email(cell: &str, parsed: Result<Email, EmailError>) -> Result<Email, RowProblem> {
    if cell.is_empty() {
        return Err(RowProblem::Missing(Column::Email));
    }
    parsed.map_err(RowProblem::InvalidEmail)
}

/// The address is not another member's (`owner` is whoever else has it, if anyone).
pub fn not_taken(email: &Email, owner: Option<&MemberRef>) -> Result<(), RowProblem> {
    match owner {
        Some(owner) => Err(RowProblem::EmailTaken { email: email.to_string(), owner: owner.describe() }),
        None => Ok(()),
    }
}

/// The address is one the organization's SSO rules allow (a warning where they are not
/// enforced).
pub fn sso(email: &Email, sso: &SsoDomains) -> Result<Option<RowWarning>, RowProblem> {
    match sso.check(email) {
        DomainCheck::NoProvider | DomainCheck::Covered(_) => Ok(None),
        DomainCheck::Outside { enforced: true } => Err(RowProblem::NotInSso {
            email: email.to_string(),
            domains: sso.domains(),
            providers: sso.provider_names(),
        }),
        DomainCheck::Outside { enforced: false } => {
            Ok(Some(RowWarning::OutsideSso { email: email.to_string(), domains: sso.domains() }))
        }
    }
}

/// Language: a supported tag, in canonical case (with a warning where the cell was not).
pub fn language(cell: &str, languages: &SupportedLanguages) -> Result<(Language, Option<RowWarning>), RowProblem> {
    if cell.is_empty() {
        let supported = languages.tags().iter().map(Language::as_str).collect::<Vec<_>>().join(", ");
        return Err(RowProblem::MissingLanguage { supported });
    }
    let language = languages.parse(cell).map_err(RowProblem::UnsupportedLanguage)?;
    let warning = (language.as_str() != cell)
        .then(|| RowWarning::LanguageRead { written: cell.to_owned(), read: language.clone() });
    Ok((language, warning))
}

/// Role IDs: at least one and at most [`ROLES_PER_INVITATION`], each a role of the
/// organization (`known`: public id → row id).
pub fn roles(ids: &[String], known: &HashMap<String, i64>) -> Result<Vec<i64>, RowProblem> {
    if ids.is_empty() {
        return Err(RowProblem::Missing(Column::RoleIds));
    }
    if ids.len() > ROLES_PER_INVITATION {
        return Err(RowProblem::TooManyRoles(ids.len()));
    }
    let unknown: Vec<String> = ids.iter().filter(|id| !known.contains_key(id.as_str())).cloned().collect();
    if !unknown.is_empty() {
        return Err(RowProblem::UnknownRoles(unknown));
    }
    Ok(ids.iter().filter_map(|id| known.get(id.as_str()).copied()).collect())
}

/// What to issue to a member whose every check passed, and what the admin should know: the
/// address differs from the one on file, or a pending link will be revoked.
pub fn candidate(
    member: &MemberRef,
    email: Email,
    language: Language,
    role_ids: Vec<i64>,
    now: DateTime<Utc>,
) -> (Candidate, Vec<RowWarning>) {
    let mut warnings = Vec::new();
    if email.key() != member.email_key {
        warnings.push(RowWarning::EmailChanged { on_file: member.email.clone(), invited: email.to_string() });
    }
    if member.status(now) == InvitationStatus::Pending {
        warnings.push(RowWarning::Reissue(member.describe()));
    }
    // Pending or expired: either way a pending row that issuing revokes.
    let held_pending = member.invitation_state == InvitationState::Pending;
    (Candidate { member_id: member.id, held_pending, email, language, role_ids }, warnings)
}

/// Whether an address may be invited, asked up front (`checkEmails`).
pub struct AddressCheck<'a> {
    /// The address as parsed, or as given where it is not one.
    pub email: String,
    pub valid: bool,
    pub allowed: bool,
    /// The SSO provider the address signs in with.
    pub provider: Option<&'a sso_provider::Model>,
    /// Why it is not valid or not allowed, or what to know about it.
    pub reason: Option<String>,
}

/// The email rules of an invitation, for one address.
pub fn check_address(raw: String, domains: &SsoDomains) -> AddressCheck<'_> {
    let email = match Email::parse(&raw) {
        Ok(email) => email,
        Err(err) => {
            let reason = Some(RowProblem::InvalidEmail(err).message());
            return AddressCheck { email: raw, valid: false, allowed: false, provider: None, reason };
        }
    };
    let provider = domains.provider_for(&email);
    let (allowed, reason) = match sso(&email, domains) {
        Ok(warning) => (true, warning.map(|warning| warning.message())),
        Err(problem) => (false, Some(problem.message())),
    };
    AddressCheck { email: email.into_inner(), valid: true, allowed, provider, reason }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::error::code;

    fn now() -> DateTime<Utc> {
        Utc::now()
    }

    fn member(state: InvitationState, expires_in: Option<Duration>) -> MemberRef {
        MemberRef {
            id: 7,
            public_id: "NBq0Nvg34".into(),
            email: "ana@acme.com".into(),
            email_key: "ana@acme.com".into(),
            name: Some("Ana Silva".into()),
            invitation_state: state,
            invitation_expires_at: expires_in.map(|d| now() + d),
        }
    }

    fn languages() -> SupportedLanguages {
        SupportedLanguages::new(vec![Language::parse_tag("en").unwrap(), Language::parse_tag("pt-BR").unwrap()])
    }

    fn provider(enforced: bool) -> (sso_provider::Model, Vec<String>) {
        let at = now();
        let model = sso_provider::Model {
            id: 1,
            public_id: "Pr0v1d3r1".into(),
            organization_id: 1,
            name: "Acme SSO".into(),
            issuer_url: "https://login.acme.com".into(),
            kind: None,
            client_id: "muster".into(),
            client_secret: None,
            enforced,
            include_subdomains: false,
            metadata: None,
            jwks: None,
            fetched_at: None,
            created_at: at,
            updated_at: at,
        };
        (model, vec!["acme.com".into()])
    }

    #[test]
    fn the_member_rule_names_who_cannot_be_invited() {
        assert_eq!(super::member("", None, now()).unwrap_err(), RowProblem::Missing(Column::MemberId));
        let unknown = super::member("nope", None, now()).unwrap_err();
        assert_eq!((unknown.code(), unknown.column()), (Code::UnknownMember, Column::MemberId));
        let accepted = super::member("NBq0Nvg34", Some(member(InvitationState::Accepted, None)), now()).unwrap_err();
        assert!(accepted.is_conflict());
        assert!(
            accepted.message().starts_with("Ana Silva (`NBq0Nvg34`) has already accepted"),
            "{}",
            accepted.message()
        );
        let expired = member(InvitationState::Pending, Some(Duration::days(-1)));
        assert!(super::member("NBq0Nvg34", Some(expired), now()).is_ok(), "an expired link can be issued again");
    }

    #[test]
    fn the_email_rules_say_what_is_wrong_with_the_cell() {
        assert_eq!(email("", Email::parse("")).unwrap_err(), RowProblem::Missing(Column::Email));
        let invalid = email("=1+1", Email::parse("=1+1")).unwrap_err();
        assert_eq!((invalid.code(), invalid.column()), (Code::InvalidEmail, Column::Email));
        let ana = Email::parse("ana@acme.com").unwrap();
        let taken = not_taken(&ana, Some(&member(InvitationState::NotInvited, None))).unwrap_err();
        assert!(taken.is_conflict() && taken.message().contains("another member, Ana Silva"), "{}", taken.message());
        assert!(not_taken(&ana, None).is_ok());
    }

    #[test]
    fn the_sso_rule_refuses_or_warns_as_the_provider_is_enforced() {
        let outside = Email::parse("ana@gmail.com").unwrap();
        let inside = Email::parse("ana@acme.com").unwrap();
        assert_eq!(sso(&outside, &SsoDomains::new(Vec::new())), Ok(None), "no provider, no rule");
        let enforced = SsoDomains::new(vec![provider(true)]);
        assert_eq!(sso(&inside, &enforced), Ok(None));
        let refused = sso(&outside, &enforced).unwrap_err();
        assert_eq!(refused.code(), Code::EmailDomainNotInSso);
        assert!(refused.message().contains("(`acme.com`)") && refused.message().contains("Acme SSO"));
        let warned = sso(&outside, &SsoDomains::new(vec![provider(false)])).unwrap().unwrap();
        assert_eq!(warned.code(), Code::EmailDomainOutsideSso);
        let check = check_address("ana@gmail.com".into(), &enforced);
        assert!(check.valid && !check.allowed && check.provider.is_none());
        let check = check_address("ana@acme.com".into(), &enforced);
        assert!(check.allowed && check.provider.is_some());
    }

    #[test]
    fn the_language_rule_reads_what_spreadsheets_write() {
        let (read, warning) = language("PT_br", &languages()).unwrap();
        assert_eq!(read.as_str(), "pt-BR");
        assert_eq!(warning.unwrap().message(), "`PT_br` read as `pt-BR`");
        assert_eq!(language("en", &languages()).unwrap().1, None);
        let missing = super::language("", &languages()).unwrap_err();
        assert_eq!(
            (missing.code(), missing.message()),
            (Code::MissingValue, "the Language is empty; write one of en, pt-BR".into())
        );
        assert_eq!(super::language("ja", &languages()).unwrap_err().code(), Code::UnsupportedLanguage);
    }

    #[test]
    fn the_roles_rule_names_every_unknown_id() {
        let known = HashMap::from([("r1".to_owned(), 1), ("r2".to_owned(), 2)]);
        assert_eq!(roles(&["r2".into(), "r1".into()], &known), Ok(vec![2, 1]), "in the order given");
        assert_eq!(roles(&[], &known), Err(RowProblem::Missing(Column::RoleIds)));
        let many: Vec<String> = (0..=ROLES_PER_INVITATION).map(|i| format!("r{i}")).collect();
        assert_eq!(roles(&many, &known), Err(RowProblem::TooManyRoles(51)));
        let one = roles(&["x".into()], &known).unwrap_err().message();
        assert!(one.starts_with("`x` is not a role"), "{one}");
        let two = roles(&["x".into(), "r1".into(), "y".into()], &known).unwrap_err().message();
        assert!(two.starts_with("`x`, `y` are not a role of this organization"), "{two}");
    }

    #[test]
    fn a_candidate_says_what_issuing_will_change() {
        let pending = member(InvitationState::Pending, Some(Duration::days(3)));
        let other_address = Email::parse("ana.silva@acme.com").unwrap();
        let (reissued, warnings) =
            candidate(&pending, other_address, Language::parse_tag("en").unwrap(), vec![1], now());
        assert!(reissued.held_pending);
        let codes: Vec<Code> = warnings.iter().map(RowWarning::code).collect();
        assert_eq!(codes, [Code::EmailChanged, Code::Reissue]);
        let fresh = member(InvitationState::NotInvited, None);
        let (first, warnings) =
            candidate(&fresh, Email::parse("ana@acme.com").unwrap(), Language::parse_tag("en").unwrap(), vec![], now());
        assert!(!first.held_pending && warnings.is_empty());
    }

    #[test]
    fn a_single_invitation_turns_a_problem_into_an_error_on_its_field() {
        let conflict = RowProblem::AlreadyAccepted("Ana".into()).into_error();
        assert_eq!(conflict.code(), code::CONFLICT);
        assert!(conflict.to_string().starts_with("input.memberId: "), "{conflict}");
        match RowProblem::UnknownRoles(vec!["x".into()]).into_error() {
            AppError::BadUserInput { field, .. } => assert_eq!(field, "input.roleIds"),
            other => panic!("{other:?}"),
        }
    }
}
