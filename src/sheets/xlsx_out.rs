//! Everything muster writes as `.xlsx`: a workbook a person opens with a double click and
//! finds ready to use. The header is bold and stays in view, columns are as wide as what they
//! hold, links are links, dates are dates, and every other cell is stored as text with the
//! Text number format: nothing in it is ever a formula, a number that loses its zeros, or a
//! date Excel guessed, whatever it starts with.
//!
//! Rows go to a temporary file as they come (rust_xlsxwriter's constant-memory mode), so a
//! 200,000-row links workbook costs no more memory than a few rows.

use chrono::{DateTime, Datelike, Timelike, Utc};
use rust_xlsxwriter::{ExcelDateTime, Format, Url, Workbook, Worksheet, XlsxError};

/// Excel keeps at most this many hyperlinks in one worksheet; past it, links are written as
/// text (still whole, still copyable).
const HYPERLINKS_PER_WORKSHEET: u32 = 65_530;
/// Columns are sized to their contents up to this many characters.
const WIDEST: usize = 80;

/// One cell of a row.
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    Text(&'a str),
    Link(&'a str),
    Date(DateTime<Utc>),
}

/// A workbook being written: its first worksheet takes rows, one after another.
pub struct XlsxOut {
    workbook: Workbook,
    sheets: Vec<SheetState>,
    text: Format,
    link: Format,
    date: Format,
}

/// Where a worksheet stands: its next row, its links so far, and each column's width.
struct SheetState {
    next_row: u32,
    links: u32,
    widths: Vec<usize>,
}

pub type Result<T> = std::result::Result<T, XlsxError>;

impl XlsxOut {
    /// A workbook with one worksheet, `name`, and its header row.
    pub fn new(name: &str, header: &[&str]) -> Result<Self> {
        let mut out = Self {
            workbook: Workbook::new(),
            sheets: Vec::new(),
            text: Format::new().set_num_format("@"),
            link: Format::new()
                .set_num_format("@")
                .set_font_color("0563C1")
                .set_underline(rust_xlsxwriter::FormatUnderline::Single),
            date: Format::new().set_num_format("yyyy-mm-dd hh:mm \"UTC\""),
        };
        out.add_sheet(name, header)?;
        Ok(out)
    }

    /// Another worksheet after the ones so far; rows then go to it.
    pub fn add_sheet(&mut self, name: &str, header: &[&str]) -> Result<()> {
        let sheet = self.workbook.add_worksheet_with_constant_memory();
        sheet.set_name(name)?;
        let bold = Format::new().set_bold();
        for (column, title) in header.iter().enumerate() {
            sheet.write_string_with_format(0, column as u16, *title, &bold)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        let widths = header.iter().map(|title| title.chars().count() + 2).collect();
        self.sheets.push(SheetState { next_row: 1, links: 0, widths });
        Ok(())
    }

    /// The next row of the last worksheet added.
    pub fn row(&mut self, cells: &[Cell<'_>]) -> Result<()> {
        let index = self.sheets.len() - 1;
        let state = &mut self.sheets[index];
        let sheet = self.workbook.worksheet_from_index(index)?;
        let row = state.next_row;
        for (column, cell) in cells.iter().enumerate() {
            let width = write(sheet, row, column as u16, *cell, state, (&self.text, &self.link, &self.date))?;
            if let Some(slot) = state.widths.get_mut(column) {
                *slot = (*slot).max(width.min(WIDEST));
            } else {
                state.widths.push(width.min(WIDEST));
            }
        }
        state.next_row += 1;
        Ok(())
    }

    /// Data rows written to the last worksheet added.
    pub fn rows(&self) -> u32 {
        self.sheets.last().map_or(0, |state| state.next_row - 1)
    }

    /// The workbook's bytes.
    pub fn finish(mut self) -> Result<Vec<u8>> {
        for (index, state) in self.sheets.iter().enumerate() {
            let sheet = self.workbook.worksheet_from_index(index)?;
            for (column, width) in state.widths.iter().enumerate() {
                sheet.set_column_width(column as u16, *width as f64 + 1.0)?;
            }
        }
        self.workbook.save_to_buffer()
    }
}

/// Writes one cell; answers its width in characters.
fn write(
    sheet: &mut Worksheet,
    row: u32,
    column: u16,
    cell: Cell<'_>,
    state: &mut SheetState,
    (text, link, date): (&Format, &Format, &Format),
) -> Result<usize> {
    match cell {
        Cell::Text(value) => {
            if !value.is_empty() {
                sheet.write_string_with_format(row, column, value, text)?;
            }
            Ok(value.chars().count())
        }
        Cell::Link(url) if state.links < HYPERLINKS_PER_WORKSHEET => {
            state.links += 1;
            sheet.write_url_with_format(row, column, Url::new(url).set_text(url), link)?;
            Ok(url.chars().count())
        }
        Cell::Link(url) => {
            sheet.write_string_with_format(row, column, url, text)?;
            Ok(url.chars().count())
        }
        Cell::Date(at) => {
            let excel = ExcelDateTime::from_ymd(at.year() as u16, at.month() as u8, at.day() as u8)?.and_hms(
                at.hour() as u16,
                at.minute() as u8,
                at.second() as f64,
            )?;
            sheet.write_datetime_with_format(row, column, &excel, date)?;
            Ok("2026-12-08 10:00 UTC".len())
        }
    }
}

/// The content type of what [`XlsxOut::finish`] makes.
pub const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheets::reader::read;

    #[test]
    fn a_written_workbook_reads_back_as_text_whatever_the_cells_start_with() {
        let mut out = XlsxOut::new("Invitation Links", &["Team Member ID", "Email", "Language", "Role IDs"]).unwrap();
        out.row(&[Cell::Text("00042"), Cell::Text("=cmd|' /C calc'!A0"), Cell::Text("en"), Cell::Text("r1,r2")])
            .unwrap();
        out.row(&[Cell::Text("A"), Cell::Link("http://127.0.0.1/invite/x"), Cell::Text("+33"), Cell::Text("r1")])
            .unwrap();
        let sheet = read(&out.finish().unwrap()).unwrap();
        assert_eq!(sheet.rows[0].member_id, "00042");
        assert_eq!(sheet.rows[0].email, "=cmd|' /C calc'!A0");
        assert_eq!(sheet.rows[1].email, "http://127.0.0.1/invite/x");
        assert_eq!(sheet.rows[1].language, "+33");
    }
}
