//! Spreadsheets in and out. [`reader`] reads the invitation sheet whatever a spreadsheet sent:
//! a CSV in any of the encodings and separators spreadsheets save, or a workbook
//! ([`workbook`]: `.xlsx`, `.xlsm`, `.ods`, `.xls`). Everything muster writes as CSV goes
//! through [`CsvOut`]: UTF-8 with a byte-order mark (so Excel shows accents), CRLF line ends,
//! every cell quoted and neutralised against CSV injection — whatever separator the
//! spreadsheet splits on; as a workbook, through [`xlsx_out::XlsxOut`].

pub mod problem;
pub mod reader;
pub mod workbook;
pub mod xlsx_out;

use std::borrow::Cow;

pub use problem::{Code, Column, SheetProblem};
pub use reader::{RawRow, ReadSheet};

/// What a sheet is written as: `csv` (the default) or `xlsx`. Read from a route's `?format=`
/// and from `muster bench invitations --format`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SheetFormat {
    #[default]
    Csv,
    Xlsx,
}

impl SheetFormat {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "csv" => Some(Self::Csv),
            "xlsx" => Some(Self::Xlsx),
            _ => None,
        }
    }
}

/// The UTF-8 byte-order mark: Excel reads a CSV as UTF-8 only when it starts with one.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// A cell that a spreadsheet would run as a formula gets a leading `'`, which spreadsheets
/// show as text (OWASP "CSV injection"). So does every part of it that would start a cell of
/// its own in a spreadsheet splitting on another separator than muster's comma: `Bo;=1+2`,
/// opened where `;` separates cells, would otherwise put `=1+2` in a cell of its own.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    let splits = |c: char| matches!(c, ',' | ';' | '\t' | '\r' | '\n');
    let starts_formula = |c: char| matches!(c, '=' | '+' | '-' | '@');
    let inner = cell.chars().zip(cell.chars().skip(1)).any(|(a, b)| splits(a) && starts_formula(b));
    if !inner && !crate::domain::starts_like_formula(cell) {
        return Cow::Borrowed(cell);
    }
    let mut out = String::with_capacity(cell.len() + 2);
    if crate::domain::starts_like_formula(cell) {
        out.push('\'');
    }
    let mut previous = None;
    for c in cell.chars() {
        if previous.is_some_and(splits) && starts_formula(c) {
            out.push('\'');
        }
        out.push(c);
        previous = Some(c);
    }
    Cow::Owned(out)
}

/// Writes CSV rows into a buffer that the caller drains (for streaming) or keeps whole.
pub struct CsvOut {
    writer: csv::Writer<Vec<u8>>,
}

impl CsvOut {
    /// A new sheet: the BOM, then the header row. The header is muster's own words, written
    /// as the help article shows it (`Team Member ID,Email,…`); data cells are all quoted.
    pub fn with_header(header: &[&str]) -> Self {
        debug_assert!(header.iter().all(|cell| cell.chars().all(|c| c.is_alphanumeric() || c == ' ')));
        let mut buffer = UTF8_BOM.to_vec();
        buffer.extend_from_slice(header.join(",").as_bytes());
        buffer.extend_from_slice(b"\r\n");
        Self { writer: Self::writer(buffer) }
    }

    fn writer(buffer: Vec<u8>) -> csv::Writer<Vec<u8>> {
        // Every cell quoted: a spreadsheet that splits on `;` or tab (as Excel does in many
        // regions) keeps `Bo;=1+2` one cell (made text by `neutralise`) rather than splitting
        // off a `=1+2` that it would run.
        csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .quote_style(csv::QuoteStyle::Always)
            .flexible(true)
            .from_writer(buffer)
    }

    pub fn row<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) {
        // Writing into a Vec cannot fail (and rows may differ in length: `flexible`).
        let _ = self.writer.write_record(cells.into_iter().map(|cell| neutralise(cell).into_owned()));
    }

    /// The bytes written so far, leaving the writer empty for the next ones.
    pub fn take(&mut self) -> Vec<u8> {
        let full = std::mem::replace(&mut self.writer, Self::writer(Vec::new()));
        full.into_inner().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralises_formula_cells() {
        for bad in ["=1+1", "+33 6", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralise(bad).starts_with('\''), "{bad:?}");
        }
        assert_eq!(neutralise("ana@example.com"), "ana@example.com");
        assert_eq!(neutralise("Bo;=1+2"), "Bo;'=1+2");
        assert_eq!(neutralise("=1;@2"), "'=1;'@2");
        assert_eq!(neutralise("Silva, Ana"), "Silva, Ana", "a separator followed by text is left alone");
    }

    #[test]
    fn writes_bom_crlf_and_quotes() {
        let mut out = CsvOut::with_header(&["A", "B"]);
        out.row(["x,y", "=cmd"]);
        let bytes = out.take();
        assert!(bytes.starts_with(UTF8_BOM));
        assert_eq!(&bytes[3..], b"A,B\r\n\"x,y\",\"'=cmd\"\r\n");
        assert!(out.take().is_empty());
    }

    /// What a spreadsheet makes of a line split on `separator`, honouring quotes.
    fn cells_split_on(line: &str, separator: u8) -> Vec<String> {
        let mut reader = csv::ReaderBuilder::new().has_headers(false).delimiter(separator).from_reader(line.as_bytes());
        reader.records().next().unwrap().unwrap().iter().map(str::to_owned).collect()
    }

    #[test]
    fn no_cell_starts_a_formula_whatever_the_separator() {
        let nasty = ["Bo;=1+2", "Al\t=cmd|' /C calc'!A0", "x,@SUM(A1)", "-2", "plain"];
        let mut out = CsvOut::with_header(&["A"]);
        out.row(nasty);
        let bytes = out.take();
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        let line = text.lines().nth(1).unwrap();
        for separator in [b',', b';', b'\t'] {
            for cell in cells_split_on(line, separator) {
                let cell = cell.trim_matches('"');
                assert!(!crate::domain::starts_like_formula(cell), "{cell:?} split on {:?}", separator as char);
            }
        }
    }
}
