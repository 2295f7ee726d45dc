//! Workbooks as spreadsheets save them: `.xlsx` and `.xlsm` (Excel, Google Sheets, Numbers,
//! LibreOffice, scripts), `.ods` (LibreOffice, Google Sheets) and `.xls` (Excel 97–2003).
//! Known by their bytes, never by their name.
//!
//! A workbook is read the way a person looking at it reads it:
//! - the worksheet: the only one, else the one whose header names the columns, else the first
//!   (hidden worksheets only when every one is hidden), with a warning naming the one read;
//! - the header: the first row that names the columns among the first rows, so a title above
//!   the table does not hide it;
//! - cells as the spreadsheet shows them: an id stored as a number is the text it shows
//!   (`12345`, not `12345.0` or `1.2345E+4`), a formula is its saved value, and a date, a
//!   true/false or an error where text is expected is that row's problem (`CELL_NOT_TEXT`);
//! - a cell merged over several rows or columns counts in each of them;
//! - hidden rows (filtered out, or hidden by hand) are not read, with a warning naming them.
//!
//! Every workbook is bounded before it is read ([`guard`]): a zip bomb, or a worksheet that
//! claims a million columns, is `TOO_LARGE` at once, with bounded memory.

mod guard;
mod ods;
mod xls;
mod xlsx;

use std::borrow::Cow;
use std::rc::Rc;

use super::problem::{Code, Column, SheetProblem};
use super::reader::{Collector, RawRow, ReadSheet, empty_sheet, is_header, unreadable};
use crate::limits::CELL_CHARS;

/// What the bytes say the file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A zip archive: `.xlsx`, `.xlsm` or `.ods` (or something else zipped, refused by name).
    Zip,
    /// A compound file: `.xls` (or a password-protected `.xlsx`, or a Word document).
    Compound,
}

impl Kind {
    pub fn of(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"PK\x03\x04") {
            Some(Self::Zip)
        } else if bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
            Some(Self::Compound)
        } else {
            None
        }
    }
}

/// Reads the invitation sheet out of a workbook, or says why it cannot.
pub fn read(bytes: &[u8], kind: Kind) -> Result<ReadSheet, Vec<SheetProblem>> {
    let mut book: Box<dyn Book + '_> = match kind {
        Kind::Zip => zipped(bytes)?,
        Kind::Compound => Box::new(xls::Book::open(bytes)?),
    };
    let (index, warning) = choose(book.as_mut())?;
    let name = book.worksheets()[index].name.clone();
    let fed = |merges: Vec<Merge>, book: &mut dyn Book| {
        let mut feeder = Feeder::new(&name, merges, warning.clone());
        let merges = book.rows(index, &mut |line, hidden, cells| feeder.row(line, hidden, cells))?;
        Ok::<_, Vec<SheetProblem>>((feeder, merges))
    };
    let (mut feeder, merges) = fed(Vec::new(), book.as_mut()).map_err(|problems| in_worksheet(problems, &name))?;
    if !merges.is_empty() {
        // A merged area fills every row it covers, and some formats say which areas are
        // merged only after the rows: read the rows again, knowing them. Rare, and bounded.
        feeder = fed(merges, book.as_mut()).map_err(|problems| in_worksheet(problems, &name))?.0;
    }
    feeder.finish().map_err(|problems| in_worksheet(problems, &name))
}

/// The workbook a zip archive holds, by what is inside it.
fn zipped(bytes: &[u8]) -> Result<Box<dyn Book + '_>, Vec<SheetProblem>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| {
        vec![unreadable(
            "the file is a damaged zip archive, not a workbook: open it in your spreadsheet and save it again as .xlsx",
        )]
    })?;
    guard::check_sizes(&mut archive).map_err(|problem| vec![problem])?;
    if guard::is_ods(&mut archive) {
        return Ok(Box::new(ods::Book::open(&mut archive)?));
    }
    let names: Vec<String> = archive.file_names().map(str::to_owned).collect();
    let has = |name: &str| names.iter().any(|entry| entry.eq_ignore_ascii_case(name));
    if has("xl/workbook.xml") {
        return Ok(Box::new(xlsx::Book::open(archive)?));
    }
    let what = if has("xl/workbook.bin") {
        "an Excel binary workbook (.xlsb): save it as an Excel Workbook (.xlsx)"
    } else if has("word/document.xml") || has("ppt/presentation.xml") {
        "a Word or PowerPoint document, not a workbook: upload the spreadsheet (.xlsx, .ods, .xls or .csv)"
    } else {
        "a zip archive that holds no workbook: upload the spreadsheet itself (.xlsx, .ods, .xls or .csv)"
    };
    Err(vec![unreadable(format!("the file is {what}"))])
}

fn in_worksheet(problems: Vec<SheetProblem>, name: &str) -> Vec<SheetProblem> {
    problems.into_iter().map(|problem| problem.in_worksheet(name)).collect()
}

/// A worksheet's name and whether the workbook shows it.
#[derive(Debug, Clone)]
pub(super) struct Worksheet {
    pub name: String,
    pub visible: bool,
}

/// A merged area, first and last row and column included (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Merge {
    pub rows: (u32, u32),
    pub columns: (u32, u32),
}

/// What a row hands on: its non-empty cells, left to right, each with its 0-based column.
pub(super) type Cells<'a> = &'a [(u32, Value)];

/// Whether to go on reading rows.
pub(super) enum Flow {
    More,
    Stop,
}

/// What takes each row of a worksheet (its 0-based row, whether it is hidden, its cells), and
/// says whether to go on.
pub(super) type EachRow<'f> = dyn FnMut(u32, bool, Cells<'_>) -> Result<Flow, Vec<SheetProblem>> + 'f;

/// One workbook format.
pub(super) trait Book {
    fn worksheets(&self) -> &[Worksheet];
    /// Every row with a non-empty cell, in order, until `each` says stop; answers the
    /// worksheet's merged areas (every one, when read to the end). Bounds what it reads.
    fn rows(&mut self, index: usize, each: &mut EachRow<'_>) -> Result<Vec<Merge>, Vec<SheetProblem>>;
}

/// A cell's value as the spreadsheet stored it.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    /// Shared: a workbook's strings are stored once and may fill many cells.
    Text(Rc<str>),
    Number(f64),
    /// A date or time, written as the spreadsheet's locale would not matter: `2024-03-01`.
    Date(String),
    Bool(bool),
    /// An error value: `#N/A`, `#REF!`, `Err:502`.
    Error(String),
}

/// Spreadsheets keep 15 significant digits: a longer whole number is no longer the id typed.
const EXACT_INTEGER: f64 = 1e15;

impl Value {
    /// What calamine read, as muster reads it; `None` for an empty cell.
    fn of(data: &calamine::Data) -> Option<Self> {
        use calamine::Data;
        Some(match data {
            Data::Empty => return None,
            Data::String(text) if text.is_empty() => return None,
            Data::String(text) => Self::Text(Rc::from(text.as_str())),
            Data::Int(n) => Self::Number(*n as f64),
            Data::Float(n) => Self::Number(*n),
            Data::Bool(b) => Self::Bool(*b),
            Data::DateTime(date) => Self::Date(match date.as_datetime() {
                Some(at) if at.time() == chrono::NaiveTime::MIN => at.format("%Y-%m-%d").to_string(),
                Some(at) => at.format("%Y-%m-%d %H:%M").to_string(),
                None => date.as_f64().to_string(),
            }),
            Data::DateTimeIso(date) | Data::DurationIso(date) => Self::Date(date.clone()),
            Data::Error(error) => Self::Error(error.to_string()),
        })
    }

    /// The text a person sees in the cell, or what the cell holds instead of text.
    pub fn text(&self) -> Result<Cow<'_, str>, String> {
        match self {
            Self::Text(text) => Ok(Cow::Borrowed(text)),
            Self::Number(n) if !n.is_finite() => Err(format!("a number ({n})")),
            Self::Number(n) if n.fract() == 0.0 && n.abs() < EXACT_INTEGER => Ok(Cow::Owned(format!("{}", *n as i64))),
            Self::Number(n) if n.fract() == 0.0 => {
                Err(format!("a number too long for a spreadsheet to keep every digit ({n})"))
            }
            // Rust writes the shortest digits that read back as the same number, never an
            // exponent: what the spreadsheet shows in a General cell.
            Self::Number(n) => Ok(Cow::Owned(format!("{n}"))),
            Self::Date(date) => Err(format!("a date ({date})")),
            Self::Bool(true) => Err("a true/false value (TRUE)".to_owned()),
            Self::Bool(false) => Err("a true/false value (FALSE)".to_owned()),
            Self::Error(error) => Err(format!("an error ({error})")),
        }
    }

    /// What a person sees, whatever the cell holds (for the header, and to tell blank rows).
    fn shown(&self) -> Cow<'_, str> {
        match self {
            Self::Text(text) => Cow::Borrowed(text),
            Self::Date(text) | Self::Error(text) => Cow::Borrowed(text),
            Self::Number(_) => self.text().unwrap_or_else(|_| Cow::Owned(String::new())),
            Self::Bool(b) => Cow::Borrowed(if *b { "TRUE" } else { "FALSE" }),
        }
    }
}

/// `A` for 0, `Z` for 25, `AA` for 26: the spreadsheet's name of a column.
pub fn column_letters(index: u32) -> String {
    let mut letters = Vec::new();
    let mut n = index as u64 + 1;
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push(b'A' + rem);
        n = (n - 1) / 26;
    }
    letters.iter().rev().map(|b| *b as char).collect()
}

/// The widest and tallest a worksheet can be (Excel's and LibreOffice's own bounds): a cell
/// said to be past them is a damaged or crafted file's.
pub(super) const MAX_COLUMNS: u32 = 16_384;
pub(super) const MAX_ROWS: u32 = 1_048_576;

/// How many rows, from the top, may sit above the header (a title, a note, a logo's row).
const HEADER_SEARCH_ROWS: usize = 10;

/// The worksheet to read, and the warning that names it when there was a choice.
fn choose(book: &mut dyn Book) -> Result<(usize, Option<SheetProblem>), Vec<SheetProblem>> {
    let sheets = book.worksheets().to_vec();
    let mut candidates: Vec<usize> = (0..sheets.len()).filter(|i| sheets[*i].visible).collect();
    if candidates.is_empty() {
        candidates = (0..sheets.len()).collect();
    }
    let Some(&first) = candidates.first() else {
        return Err(vec![empty_sheet()]);
    };
    if candidates.len() == 1 {
        return Ok((first, None));
    }
    for &index in &candidates {
        let mut found = false;
        let mut seen = 0;
        book.rows(index, &mut |_, _, cells| {
            seen += 1;
            found = is_header(&record_of(cells, MAX_COLUMNS));
            Ok(if found || seen == HEADER_SEARCH_ROWS { Flow::Stop } else { Flow::More })
        })?;
        if found {
            let message = format!(
                "the workbook has {} worksheets; read `{}`, the one whose header names the columns",
                candidates.len(),
                sheets[index].name
            );
            return Ok((index, Some(SheetProblem::sheet(Code::Converted, message))));
        }
    }
    let message = format!(
        "the workbook has {} worksheets and none has the header `Team Member ID,Email,Language,Role IDs`; read the first, `{}`",
        candidates.len(),
        sheets[first].name
    );
    Ok((first, Some(SheetProblem::sheet(Code::Converted, message))))
}

/// Every cell of a row as text, at its column, up to `columns` columns (for the header and to
/// tell blank rows). Each cell is clipped just past what a cell may hold: enough to say it is
/// too long, never a copy of a long text for every cell that shows it.
fn record_of(cells: Cells<'_>, columns: u32) -> csv::StringRecord {
    let mut record = csv::StringRecord::new();
    for (column, value) in cells.iter().take_while(|(column, _)| *column < columns) {
        while (record.len() as u32) < *column {
            record.push_field("");
        }
        let shown = value.shown();
        let text = shown.trim();
        let clipped = clip(text);
        if clipped.len() < text.len() {
            // Still longer than a cell may hold once trimmed: it is said to be too long.
            record.push_field(&format!("{clipped}…"));
        } else {
            record.push_field(clipped);
        }
    }
    record
}

/// The first [`CELL_CHARS`] + 1 characters of a text.
pub(super) fn clip(text: &str) -> &str {
    match text.char_indices().nth(CELL_CHARS + 1) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// Turns a worksheet's rows into the sheet's rows: finds the header, skips hidden rows, fills
/// merged cells, and reads the four columns' cells as text.
struct Feeder {
    worksheet: String,
    /// Merged areas, by first row.
    merges: Vec<Merge>,
    collector: Collector,
    /// Rows seen before the header, while it is still being looked for.
    before_header: Vec<(u32, Vec<(u32, Value)>)>,
    header_found: bool,
    hidden_read: Vec<u32>,
    /// The merged areas that reach the current row, each with the value of its first cell
    /// once its row has been read; rows come in order, so areas come and go like a window.
    merged: Vec<(Merge, Option<Value>)>,
    next_merge: usize,
}

impl Feeder {
    fn new(worksheet: &str, mut merges: Vec<Merge>, warning: Option<SheetProblem>) -> Self {
        merges.sort_by_key(|merge| merge.rows.0);
        Self {
            worksheet: worksheet.to_owned(),
            merges,
            collector: Collector::new(warning.into_iter().collect()),
            before_header: Vec::new(),
            header_found: false,
            hidden_read: Vec::new(),
            merged: Vec::new(),
            next_merge: 0,
        }
    }

    fn row(&mut self, row: u32, hidden: bool, cells: Cells<'_>) -> Result<Flow, Vec<SheetProblem>> {
        self.remember_merged(row, cells);
        if hidden {
            self.hidden_read.push(row + 1);
            return Ok(Flow::More);
        }
        if self.header_found {
            self.push(row, Cow::Borrowed(cells))?;
            return Ok(Flow::More);
        }
        if is_header(&record_of(cells, MAX_COLUMNS)) {
            self.header_found = true;
            if let Some((first, _)) = self.before_header.first() {
                let lines = match first + 1 {
                    only if only == row => format!("line {only} is"),
                    first => format!("lines {first}–{row} are"),
                };
                let message = format!("{lines} above the header of `{}` and not read", self.worksheet);
                self.collector.warn(SheetProblem::sheet(Code::Converted, message));
            }
            self.before_header.clear();
            self.push(row, Cow::Borrowed(cells))?;
            self.keep_merges_for_header(row);
        } else {
            self.before_header.push((row, cells.to_vec()));
            if self.before_header.len() == HEADER_SEARCH_ROWS {
                self.give_up_looking()?;
            }
        }
        Ok(Flow::More)
    }

    /// No row names the columns: the first is the header, and says what is missing.
    fn give_up_looking(&mut self) -> Result<(), Vec<SheetProblem>> {
        self.header_found = true;
        let mut last = 0;
        for (row, cells) in std::mem::take(&mut self.before_header) {
            self.push(row, Cow::Owned(cells))?;
            last = row;
        }
        self.keep_merges_for_header(last);
        Ok(())
    }

    /// Once the header is known, only the merged areas that reach its four columns matter;
    /// of two areas covering one cell (which no spreadsheet saves), the first stays. So no row
    /// ever has more than four areas to fill, however many a worksheet lists.
    fn keep_merges_for_header(&mut self, row: u32) {
        let Some(columns) = self.collector.columns() else { return };
        let columns: Vec<u32> = columns.iter().map(|(_, index)| *index as u32).collect();
        let covers = |merge: &Merge, column: u32| merge.columns.0 <= column && column <= merge.columns.1;
        let mut last_row: Vec<Option<u32>> = vec![None; columns.len()];
        let mut kept = Vec::new();
        for merge in std::mem::take(&mut self.merges) {
            let mut keep = false;
            for (slot, column) in last_row.iter_mut().zip(&columns) {
                if covers(&merge, *column) && slot.is_none_or(|end| merge.rows.0 > end) {
                    *slot = Some(merge.rows.1);
                    keep = true;
                }
            }
            if keep {
                kept.push(merge);
            }
        }
        self.merged.retain(|(merge, _)| kept.contains(merge));
        self.next_merge = kept.partition_point(|merge| merge.rows.0 <= row);
        self.merges = kept;
    }

    fn remember_merged(&mut self, row: u32, cells: Cells<'_>) {
        self.merged.retain(|(merge, _)| merge.rows.1 >= row);
        while let Some(merge) = self.merges.get(self.next_merge).filter(|merge| merge.rows.0 <= row) {
            self.merged.push((*merge, None));
            self.next_merge += 1;
        }
        for (merge, value) in &mut self.merged {
            if merge.rows.0 == row
                && let Some((_, first)) = cells.iter().find(|(column, _)| *column == merge.columns.0)
            {
                *value = Some(first.clone());
            }
        }
    }

    /// The row's cells, merged areas filled in, go to the collector as text.
    fn push(&mut self, row: u32, mut cells: Cow<'_, [(u32, Value)]>) -> Result<(), Vec<SheetProblem>> {
        let mut extra = Vec::new();
        for (merge, value) in &self.merged {
            let Some(value) = value else { continue };
            if row < merge.rows.0 || row > merge.rows.1 {
                continue;
            }
            // An area claiming the whole width fills no more than the columns that matter.
            let last = merge.columns.1.min(merge.columns.0.saturating_add(63)).min(MAX_COLUMNS - 1);
            for column in merge.columns.0..=last {
                if cells.binary_search_by_key(&column, |(at, _)| *at).is_err() {
                    extra.push((column, value.clone()));
                }
            }
        }
        if !extra.is_empty() {
            // The row's own cells come first, so where two areas cover one cell the stable sort
            // and `dedup` keep the row's own value, then the first area's.
            let cells = cells.to_mut();
            cells.append(&mut extra);
            cells.sort_by_key(|(column, _)| *column);
            cells.dedup_by_key(|(column, _)| *column);
        }
        let columns = self.collector.columns();
        // Past the header, columns after the last of the four are never read.
        let width =
            columns.map_or(MAX_COLUMNS, |columns| columns.iter().map(|(_, i)| *i as u32 + 1).max().unwrap_or(0));
        let record = record_of(&cells, width);
        let Some(raw) = self.collector.push(row + 1, &record)? else { return Ok(()) };
        if let Some(columns) = columns {
            mark_not_text(raw, &cells, &columns);
        }
        Ok(())
    }

    fn finish(mut self) -> Result<ReadSheet, Vec<SheetProblem>> {
        if !self.header_found {
            self.give_up_looking()?;
        }
        if !self.hidden_read.is_empty() {
            let lines = list_lines(&self.hidden_read);
            let message = format!(
                "{lines} of `{}` hidden (filtered out or hidden by hand) and not read: show them in your spreadsheet to invite them",
                self.worksheet
            );
            self.collector.warn(SheetProblem::sheet(Code::Converted, message));
        }
        let columns = self.collector.columns();
        let (rows, warnings) = self.collector.finish();
        if rows.is_empty() {
            return Err(vec![empty_sheet()]);
        }
        let place = columns.map(|columns| Place { worksheet: self.worksheet.clone(), columns });
        Ok(ReadSheet { rows, warnings, place })
    }
}

/// Cells of the four columns that hold no text: the row's problem, and left empty.
fn mark_not_text(raw: &mut RawRow, cells: &[(u32, Value)], columns: &[(Column, usize); 4]) {
    for (column, index) in columns {
        let Some((_, value)) = cells.iter().find(|(at, _)| *at as usize == *index) else { continue };
        if let Err(held) = value.text() {
            raw.not_text.push((*column, held));
            match column {
                Column::MemberId => raw.member_id.clear(),
                Column::Email => raw.email.clear(),
                Column::Language => raw.language.clear(),
                Column::RoleIds => raw.role_ids.clear(),
            }
        }
    }
}

/// `line 4 is` / `lines 4, 9 and 12 are` / `lines 4, 9, … (31 in all) are`.
fn list_lines(lines: &[u32]) -> String {
    const SHOWN: usize = 10;
    let shown: Vec<String> = lines.iter().take(SHOWN).map(u32::to_string).collect();
    match lines.len() {
        1 => format!("line {} is", shown[0]),
        n if n <= SHOWN => format!("lines {} and {} are", shown[..n - 1].join(", "), shown[n - 1]),
        n => format!("lines {}, … ({n} in all) are", shown.join(", ")),
    }
}

/// Where a workbook's sheet sat: its worksheet, and the column of each of the four.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub worksheet: String,
    pub columns: [(Column, usize); 4],
}

impl Place {
    /// Names the cell of a problem (`Invitation Links!B7`), or its row when it has no column.
    pub fn locate(&self, problem: &mut SheetProblem) {
        if problem.line == 0 {
            problem.cell.get_or_insert_with(|| self.worksheet.clone());
            return;
        }
        let column = problem.column.and_then(|c| self.columns.iter().find(|(at, _)| *at == c)).map(|(_, i)| *i);
        problem.cell = Some(match column {
            Some(index) => format!("{}!{}{}", self.worksheet, column_letters(index as u32), problem.line),
            None => format!("{}!{}:{}", self.worksheet, problem.line, problem.line),
        });
    }
}

impl SheetProblem {
    /// Names the worksheet of a problem found before its cells were read.
    fn in_worksheet(mut self, worksheet: &str) -> Self {
        let line = self.line;
        self.cell.get_or_insert_with(|| match line {
            0 => worksheet.to_owned(),
            line => format!("{worksheet}!{line}:{line}"),
        });
        self
    }
}

#[cfg(test)]
mod tests;
