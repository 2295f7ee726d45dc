//! Reading the invitation sheet as spreadsheets really save it. Pure: bytes in, rows and
//! warnings (or the problems that stop reading) out; never panics, whatever the bytes. A
//! workbook, known by its first bytes, is read by [`super::workbook`] into the same rows.
//!
//! What it copes with, saying so in a warning where it converted something:
//! - encodings: UTF-8 with or without BOM, UTF-16 LE/BE with BOM (Excel's "Unicode text"),
//!   and Windows-1252 when the bytes are not UTF-8 (Excel's plain "CSV" on Windows);
//! - the delimiter, sniffed from the header line among `,` `;` and tab;
//! - CRLF, LF and lone CR line ends; blank lines; trailing empty columns; quoted cells with
//!   delimiters, quotes and line breaks;
//! - headers matched ignoring case, spaces and underscores; other columns ignored.
//!
//! Line numbers are the rows a person sees in the spreadsheet: the header is line 1, and a
//! cell with a line break inside does not shift the lines after it.

use std::borrow::Cow;

use super::problem::{Code, Column, SheetProblem};
use crate::limits::{CELL_CHARS, SHEET_BYTES as MAX_BYTES, SHEET_ROWS as MAX_ROWS};

/// One data row, cells trimmed, role ids split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRow {
    pub line: u32,
    pub member_id: String,
    pub email: String,
    pub language: String,
    pub role_ids: Vec<String>,
    /// The columns whose cell is longer than [`CELL_CHARS`]: nothing in them is read (an
    /// oversized cell is left empty), so no check ever works on more than a cell's worth.
    pub oversized: Vec<Column>,
    /// The columns whose workbook cell holds no text where text is expected (a date, a
    /// true/false, an error such as `#N/A`), each with what it holds; the cell is left empty.
    pub not_text: Vec<(Column, String)>,
}

#[derive(Debug, Default)]
pub struct ReadSheet {
    pub rows: Vec<RawRow>,
    pub warnings: Vec<SheetProblem>,
    /// Where a workbook's sheet sat, to name each problem's cell; `None` for a CSV.
    pub place: Option<super::workbook::Place>,
}

/// Reads a sheet, or says why it cannot be read at all.
pub fn read(bytes: &[u8]) -> Result<ReadSheet, Vec<SheetProblem>> {
    if bytes.len() > MAX_BYTES {
        return Err(vec![SheetProblem::sheet(
            Code::TooLarge,
            format!(
                "the sheet is {:.1} MB; the most accepted is {} MB: split it into several sheets",
                bytes.len() as f64 / 1_048_576.0,
                MAX_BYTES / 1_048_576
            ),
        )]);
    }
    if let Some(kind) = super::workbook::Kind::of(bytes) {
        return super::workbook::read(bytes, kind);
    }
    let mut warnings = Vec::new();
    let (text, converted) = decode(bytes).map_err(|problem| vec![problem])?;
    warnings.extend(converted.map(|message| SheetProblem::sheet(Code::Converted, message)));
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let text = normalise_line_ends(text, &mut warnings);
    if text.trim().is_empty() {
        return Err(vec![empty_sheet()]);
    }
    let delimiter = sniff_delimiter(&text);
    match delimiter {
        b';' => warnings.push(SheetProblem::sheet(
            Code::Converted,
            "the sheet is separated by semicolons (`;`), as Excel saves CSV in many regions; read as such",
        )),
        b'\t' => warnings.push(SheetProblem::sheet(Code::Converted, "the sheet is separated by tabs; read as such")),
        _ => {}
    }
    let rows = read_rows(&text, delimiter, &mut warnings)?;
    if rows.is_empty() {
        return Err(vec![empty_sheet()]);
    }
    Ok(ReadSheet { rows, warnings, place: None })
}

/// The header, then every non-blank row under it, each with its spreadsheet line.
fn read_rows(text: &str, delimiter: u8, warnings: &mut Vec<SheetProblem>) -> Result<Vec<RawRow>, Vec<SheetProblem>> {
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut lines = LineCounter::new(text);
    let mut rows = Collector::new(std::mem::take(warnings));
    for record in reader.records() {
        // With `flexible` and valid UTF-8 the reader has nothing left to refuse; stop cleanly
        // rather than guess if it ever does.
        let record = record.map_err(|err| vec![unreadable(format!("the sheet could not be read as CSV: {err}"))])?;
        let line = lines.line_of(&record);
        rows.push(line, &record)?;
    }
    let (rows, read_warnings) = rows.finish();
    *warnings = read_warnings;
    Ok(rows)
}

/// Rows as a sheet gives them, from a CSV or a worksheet: the first non-blank one is the
/// header, every non-blank one after it a data row.
pub(super) struct Collector {
    header: Option<Header>,
    rows: Vec<RawRow>,
    warnings: Vec<SheetProblem>,
}

impl Collector {
    pub(super) fn new(warnings: Vec<SheetProblem>) -> Self {
        Self { header: None, rows: Vec::new(), warnings }
    }

    /// Takes one row; answers the data row it made, if it made one (blank rows and the header
    /// make none).
    pub(super) fn push(
        &mut self,
        line: u32,
        record: &csv::StringRecord,
    ) -> Result<Option<&mut RawRow>, Vec<SheetProblem>> {
        if record.iter().all(|cell| cell.trim().is_empty()) {
            return Ok(None);
        }
        let Some(header) = &self.header else {
            self.header = Some(Header::parse(record, &mut self.warnings)?);
            return Ok(None);
        };
        if self.rows.len() == MAX_ROWS {
            return Err(vec![SheetProblem::sheet(
                Code::TooManyRows,
                format!("the sheet has more than {MAX_ROWS} rows; split it into several sheets"),
            )]);
        }
        self.rows.push(header.row(line, record));
        Ok(self.rows.last_mut())
    }

    /// Where each column is, once the header has been read (0-based).
    pub(super) fn columns(&self) -> Option<[(Column, usize); 4]> {
        self.header.as_ref().map(Header::columns)
    }

    pub(super) fn warn(&mut self, warning: SheetProblem) {
        self.warnings.push(warning);
    }

    pub(super) fn finish(self) -> (Vec<RawRow>, Vec<SheetProblem>) {
        (self.rows, self.warnings)
    }
}

/// Whether `record` is the invitation sheet's header: every column named.
pub(super) fn is_header(record: &csv::StringRecord) -> bool {
    Header::parse(record, &mut Vec::new()).is_ok()
}

/// Spreadsheet line numbers, counted from the reader's byte offsets (its own line count skips
/// blank lines); line breaks inside quoted cells are text lines but not spreadsheet rows.
struct LineCounter<'a> {
    text: &'a [u8],
    counted_to: usize,
    text_line: u64,
    embedded_breaks: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        Self { text: text.as_bytes(), counted_to: 0, text_line: 1, embedded_breaks: 0 }
    }

    /// The line `record` starts on; records must come in order.
    fn line_of(&mut self, record: &csv::StringRecord) -> u32 {
        let mut start = record
            .position()
            .map(|p| p.byte() as usize)
            .unwrap_or(self.counted_to)
            .clamp(self.counted_to, self.text.len());
        // The reader's position is where it began looking, before the blank lines it skipped.
        while self.text.get(start) == Some(&b'\n') {
            start += 1;
        }
        self.text_line += self.text[self.counted_to..start].iter().filter(|b| **b == b'\n').count() as u64;
        self.counted_to = start;
        let line = self.text_line.saturating_sub(self.embedded_breaks).min(u32::MAX as u64) as u32;
        self.embedded_breaks += record.iter().map(|cell| cell.matches('\n').count() as u64).sum::<u64>();
        line
    }
}

pub(super) fn empty_sheet() -> SheetProblem {
    SheetProblem::sheet(
        Code::EmptySheet,
        "the sheet has no rows to read: put the header `Team Member ID,Email,Language,Role IDs` on line 1 and one member per line below it",
    )
}

pub(super) fn unreadable(message: impl Into<String>) -> SheetProblem {
    SheetProblem::sheet(Code::UnreadableEncoding, message)
}

/// The sheet as text, and what was converted to get it.
fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, Option<String>), SheetProblem> {
    const SAVE_AS: &str = "save it from your spreadsheet as \"CSV UTF-8 (Comma delimited)\"";
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return match std::str::from_utf8(rest) {
            Ok(text) => Ok((Cow::Borrowed(text), None)),
            Err(err) => Err(unreadable(format!(
                "the sheet says it is UTF-8 but byte {} is not: {SAVE_AS}",
                err.valid_up_to() + 3
            ))),
        };
    }
    let utf16 = if bytes.starts_with(b"\xFF\xFE") {
        Some((encoding_rs::UTF_16LE, &bytes[2..], "UTF-16 (Excel's \"Unicode text\")"))
    } else if bytes.starts_with(b"\xFE\xFF") {
        Some((encoding_rs::UTF_16BE, &bytes[2..], "UTF-16 big-endian"))
    } else {
        utf16_without_bom(bytes)
    };
    if let Some((encoding, body, name)) = utf16 {
        return match encoding.decode_without_bom_handling_and_without_replacement(body) {
            Some(text) => {
                Ok((Cow::Owned(text.into_owned()), Some(format!("the sheet is in {name}; converted to UTF-8"))))
            }
            None => Err(unreadable(format!("the sheet looks like {name} but holds bytes that are not: {SAVE_AS}"))),
        };
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok((Cow::Borrowed(text), None)),
        Err(_) => {
            if bytes.contains(&0) {
                return Err(unreadable(format!("the sheet holds binary data, not text: {SAVE_AS}")));
            }
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            Ok((
                Cow::Owned(text.into_owned()),
                Some("the sheet is not UTF-8; read it as Windows-1252 (Excel's plain \"CSV\" on Windows): check that accented names look right, or save as \"CSV UTF-8\"".to_owned()),
            ))
        }
    }
}

/// UTF-16 saved without a BOM shows as every other byte being zero.
fn utf16_without_bom(bytes: &[u8]) -> Option<(&'static encoding_rs::Encoding, &[u8], &'static str)> {
    let sample = &bytes[..bytes.len().min(512)];
    if sample.len() < 4 || !sample.len().is_multiple_of(2) {
        return None;
    }
    let zeros_at = |parity: usize| sample.iter().skip(parity).step_by(2).filter(|b| **b == 0).count();
    let half = sample.len() / 2;
    if zeros_at(1) * 10 >= half * 9 && zeros_at(0) == 0 {
        Some((encoding_rs::UTF_16LE, bytes, "UTF-16 without a byte-order mark"))
    } else if zeros_at(0) * 10 >= half * 9 && zeros_at(1) == 0 {
        Some((encoding_rs::UTF_16BE, bytes, "UTF-16 big-endian without a byte-order mark"))
    } else {
        None
    }
}

/// CRLF and lone CR become LF, so that line numbers count the same way in every file.
fn normalise_line_ends<'a>(text: &'a str, warnings: &mut Vec<SheetProblem>) -> Cow<'a, str> {
    if !text.contains('\r') {
        return Cow::Borrowed(text);
    }
    let unified = text.replace("\r\n", "\n");
    if unified.contains('\r') {
        if !unified.contains('\n') {
            warnings.push(SheetProblem::sheet(
                Code::Converted,
                "the sheet ends its lines with CR only (old Mac format); read as such",
            ));
        }
        return Cow::Owned(unified.replace('\r', "\n"));
    }
    Cow::Owned(unified)
}

/// The delimiter that splits the header line most: `,`, `;` or tab (`,` on a tie).
fn sniff_delimiter(text: &str) -> u8 {
    let header = text.lines().find(|line| !line.trim().is_empty()).unwrap_or_default();
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => counts[0].1 += 1,
            ';' if !quoted => counts[1].1 += 1,
            '\t' if !quoted => counts[2].1 += 1,
            _ => {}
        }
    }
    counts.iter().fold((b',', 0), |best, &(d, n)| if n > best.1 { (d, n) } else { best }).0
}

/// Role ids in one cell: comma-separated (as the article says); `;` when the cell holds no
/// comma (a semicolon export); spaces and repeats dropped, order kept. Linear in the cell.
pub fn split_role_ids(cell: &str) -> Vec<String> {
    let separator = if !cell.contains(',') && cell.contains(';') { ';' } else { ',' };
    let ids = cell.split(separator).map(str::trim).filter(|id| !id.is_empty());
    // A cell names a role or two: comparing with the ones kept beats hashing them. Past a
    // handful (a cell holds at most 1,000 characters), a set keeps it linear.
    if cell.len() <= 64 {
        let mut kept: Vec<String> = Vec::with_capacity(2);
        for id in ids {
            if !kept.iter().any(|seen| seen == id) {
                kept.push(id.to_owned());
            }
        }
        return kept;
    }
    let mut seen = std::collections::HashSet::new();
    ids.filter(|id| seen.insert(*id)).map(str::to_owned).collect()
}

/// Where each needed column is.
struct Header {
    member_id: usize,
    email: usize,
    language: usize,
    role_ids: usize,
}

impl Header {
    fn parse(record: &csv::StringRecord, warnings: &mut Vec<SheetProblem>) -> Result<Self, Vec<SheetProblem>> {
        let wanted: [(Column, &[&str]); 4] = [
            (Column::MemberId, &["teammemberid", "teammemberids", "memberid", "memberids"]),
            (Column::Email, &["email", "emails", "emailaddress", "e-mail"]),
            (Column::Language, &["language", "languages", "lang", "locale"]),
            (Column::RoleIds, &["roleids", "roleid"]),
        ];
        let names: Vec<String> = record.iter().map(normalise_header).collect();
        let mut found = [None; 4];
        for (slot, (column, aliases)) in found.iter_mut().zip(wanted) {
            let mut matches = names.iter().enumerate().filter(|(_, name)| aliases.contains(&name.as_str()));
            *slot = matches.next().map(|(index, _)| index);
            if matches.next().is_some() {
                warnings.push(SheetProblem::new(
                    1,
                    Some(column),
                    Code::Converted,
                    format!("the sheet has two `{}` columns; the first one is read", column.header()),
                ));
            }
        }
        if let [Some(member_id), Some(email), Some(language), Some(role_ids)] = found {
            return Ok(Self { member_id, email, language, role_ids });
        }
        let seen = record.iter().map(|cell| format!("`{}`", cell.trim())).collect::<Vec<_>>().join(", ");
        Err(found
            .iter()
            .zip(wanted)
            .filter(|(slot, _)| slot.is_none())
            .map(|(_, (column, _))| {
                SheetProblem::new(
                    1,
                    Some(column),
                    Code::MissingColumn,
                    format!(
                        "line 1 must be the header with a `{}` column (it has {seen}); the header is `Team Member ID,Email,Language,Role IDs`",
                        column.header()
                    ),
                )
            })
            .collect())
    }
}

impl Header {
    fn row(&self, line: u32, record: &csv::StringRecord) -> RawRow {
        let mut oversized = Vec::new();
        let mut cell = |index: usize, column: Column| {
            let text = record.get(index).map(str::trim).unwrap_or_default();
            // Counting stops past the bound: a 50 MB cell costs no more than a long one.
            // A cell of no more bytes than the bound has no more characters either.
            if text.len() > CELL_CHARS && text.chars().nth(CELL_CHARS).is_some() {
                oversized.push(column);
                return String::new();
            }
            text.to_owned()
        };
        let member_id = cell(self.member_id, Column::MemberId);
        let email = cell(self.email, Column::Email);
        let language = cell(self.language, Column::Language);
        let role_ids = split_role_ids(&cell(self.role_ids, Column::RoleIds));
        RawRow { line, member_id, email, language, role_ids, oversized, not_text: Vec::new() }
    }

    fn columns(&self) -> [(Column, usize); 4] {
        [
            (Column::MemberId, self.member_id),
            (Column::Email, self.email),
            (Column::Language, self.language),
            (Column::RoleIds, self.role_ids),
        ]
    }
}

/// `Team Member ID`, `team_member_id` and ` TEAM MEMBER ID ` are the same header.
fn normalise_header(cell: &str) -> String {
    cell.trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "Team Member ID,Email,Language,Role IDs";

    fn ok(bytes: &[u8]) -> ReadSheet {
        read(bytes).unwrap_or_else(|problems| panic!("{problems:?}"))
    }

    fn codes_of(bytes: &[u8]) -> Vec<Code> {
        read(bytes).unwrap_err().iter().map(|p| p.code).collect()
    }

    fn utf16le(text: &str) -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        bytes
    }

    #[test]
    fn utf8_with_bom_and_a_quoted_multi_role_cell() {
        let sheet =
            ok(format!("\u{feff}{HEADER}\r\nNBq0Nvg34,ana@example.com,en,\"NBq0Nvg34, E9bMO7zx5\"\r\n").as_bytes());
        assert!(sheet.warnings.is_empty(), "{:?}", sheet.warnings);
        assert_eq!(
            sheet.rows,
            [RawRow {
                line: 2,
                member_id: "NBq0Nvg34".into(),
                email: "ana@example.com".into(),
                language: "en".into(),
                role_ids: vec!["NBq0Nvg34".into(), "E9bMO7zx5".into()],
                oversized: Vec::new(),
                not_text: Vec::new(),
            }]
        );
    }

    #[test]
    fn utf16_unicode_text_is_tab_separated() {
        let text = "Team Member ID\tEmail\tLanguage\tRole IDs\r\nNBq0Nvg34\tjosé@exemplo.pt\tpt-BR\tE9bMO7zx5\r\n";
        let sheet = ok(&utf16le(text));
        assert_eq!(sheet.rows[0].email, "josé@exemplo.pt");
        assert_eq!(sheet.rows[0].language, "pt-BR");
        let messages: Vec<&str> = sheet.warnings.iter().map(|w| w.message.as_str()).collect();
        assert!(messages.iter().any(|m| m.contains("UTF-16")), "{messages:?}");
        assert!(messages.iter().any(|m| m.contains("tabs")), "{messages:?}");

        let mut big_endian = vec![0xFE, 0xFF];
        big_endian.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(ok(&big_endian).rows, sheet.rows);
        assert_eq!(ok(&utf16le(text)[2..]).rows, sheet.rows, "UTF-16 without BOM is recognised too");
    }

    #[test]
    fn windows_1252_semicolon_sheet_from_excel() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1252
            .encode("Team Member ID;Email;Language;Role IDs\r\nNBq0Nvg34;renée@exemple.fr;fr;NBq0Nvg34,E9bMO7zx5\r\n");
        let sheet = ok(&bytes);
        assert_eq!(sheet.rows[0].email, "renée@exemple.fr");
        assert_eq!(sheet.rows[0].role_ids, ["NBq0Nvg34", "E9bMO7zx5"]);
        let messages: Vec<&str> = sheet.warnings.iter().map(|w| w.message.as_str()).collect();
        assert!(messages.iter().any(|m| m.contains("Windows-1252")), "{messages:?}");
        assert!(messages.iter().any(|m| m.contains("semicolons")), "{messages:?}");
    }

    #[test]
    fn semicolon_separated_role_ids_in_a_comma_free_cell() {
        let sheet = ok(format!("{HEADER}\nA,a@x.io,en,\"r1; r2 ;r1\"\n").as_bytes());
        assert_eq!(sheet.rows[0].role_ids, ["r1", "r2"]);
        assert_eq!(split_role_ids(" a , b,,a "), ["a", "b"]);
        assert!(split_role_ids("  ").is_empty());
    }

    #[test]
    fn line_ends_blank_lines_and_trailing_columns() {
        for text in [
            format!("{HEADER}\nA,a@x.io,en,r\n\nB,b@x.io,fr,r\n"),
            format!("{HEADER}\r\nA,a@x.io,en,r\r\n\r\nB,b@x.io,fr,r\r\n"),
            format!("{HEADER},,\rA,a@x.io,en,r,,\r,,,,,\rB,b@x.io,fr,r\r"),
        ] {
            let sheet = ok(text.as_bytes());
            let lines: Vec<u32> = sheet.rows.iter().map(|r| r.line).collect();
            assert_eq!(lines, [2, 4], "{text:?}");
            assert_eq!(sheet.rows[1].email, "b@x.io");
        }
        let sheet = ok(format!("{HEADER}\rA,a@x.io,en,r\r").as_bytes());
        assert!(sheet.warnings.iter().any(|w| w.message.contains("CR only")));
    }

    #[test]
    fn quoted_cells_with_delimiters_quotes_and_line_breaks() {
        let text = format!(
            "Name,{HEADER}\n\"Silva, Ana \"\"Nana\"\"\",A,a@x.io,en,r\n\"Two\nlines\",B,b@x.io,fr,\"r1,\nr2\"\nC name,C,c@x.io,de,r\n"
        );
        let sheet = ok(text.as_bytes());
        let lines: Vec<u32> = sheet.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 3, 4], "a cell with a line break is still one spreadsheet row");
        assert_eq!(sheet.rows[1].role_ids, ["r1", "r2"]);
        assert_eq!(sheet.rows[2].email, "c@x.io");
    }

    #[test]
    fn headers_match_ignoring_case_spaces_and_underscores() {
        let sheet = ok(b"role_ids ; LANGUAGE;  e-mail ;team_member_id;Notes\nr1;en;a@x.io;A;hello\n");
        assert_eq!(sheet.rows[0].member_id, "A");
        assert_eq!(sheet.rows[0].email, "a@x.io");
        assert_eq!(sheet.rows[0].role_ids, ["r1"]);
    }

    #[test]
    fn missing_columns_are_named() {
        let problems = read(b"Team Member ID,Email,Roles\nA,a@x.io,Manager\n").unwrap_err();
        let missing: Vec<(&str, u32)> = problems.iter().map(|p| (p.column.unwrap().header(), p.line)).collect();
        assert_eq!(missing, [("Language", 1), ("Role IDs", 1)]);
        assert!(problems.iter().all(|p| p.code == Code::MissingColumn));
        assert!(problems[0].message.contains("`Roles`"));
    }

    #[test]
    fn empty_unreadable_and_oversized_sheets() {
        assert_eq!(codes_of(b""), [Code::EmptySheet]);
        assert_eq!(codes_of(b"\xEF\xBB\xBF\r\n\r\n"), [Code::EmptySheet]);
        assert_eq!(codes_of(format!("{HEADER}\r\n,,,\r\n").as_bytes()), [Code::EmptySheet]);
        assert_eq!(codes_of(b"PK\x03\x04\x14\x00\x06\x00"), [Code::UnreadableEncoding]);
        assert_eq!(codes_of(b"\xEF\xBB\xBFTeam\xFF"), [Code::UnreadableEncoding]);
        assert_eq!(codes_of(&vec![b'a'; MAX_BYTES + 1]), [Code::TooLarge]);
        let mut many = format!("{HEADER}\n");
        for i in 0..=MAX_ROWS {
            many.push_str(&format!("m{i},a{i}@x.io,en,r\n"));
        }
        assert_eq!(codes_of(many.as_bytes()), [Code::TooManyRows]);
    }

    #[test]
    fn oversized_cells_are_named_and_not_read() {
        let long_email = format!("{}@x.io", "a".repeat(CELL_CHARS));
        let sheet = ok(format!("{HEADER}\nA,{long_email},en,r1\nB,b@x.io,en,r1\n").as_bytes());
        assert_eq!(sheet.rows[0].oversized, [Column::Email]);
        assert_eq!(sheet.rows[0].email, "");
        assert!(sheet.rows[1].oversized.is_empty());
        let just_fits = "é".repeat(CELL_CHARS);
        let sheet = ok(format!("{HEADER}\nA,{just_fits},en,r1\n").as_bytes());
        assert!(sheet.rows[0].oversized.is_empty(), "the bound counts characters, not bytes");
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_any_bytes(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2048)) {
            let _ = read(&bytes);
        }

        #[test]
        fn never_panics_on_sheet_like_text(body in "[A-Za-z0-9@.,;\t\"\r\n é_-]{0,400}") {
            let _ = read(format!("{HEADER}\n{body}").as_bytes());
            let _ = read(&utf16le(&format!("{HEADER}\n{body}")));
        }
    }
}
