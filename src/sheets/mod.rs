//! Spreadsheets in and out. [`reader`] reads the invitation sheet whatever a spreadsheet sent;
//! everything muster writes as CSV goes through [`CsvOut`]: UTF-8 with a byte-order mark (so
//! Excel shows accents), CRLF line ends, and every cell neutralised against CSV injection.

pub mod problem;
pub mod reader;

use std::borrow::Cow;

pub use problem::{Code, Column, SheetProblem};
pub use reader::{RawRow, ReadSheet};

/// The UTF-8 byte-order mark: Excel reads a CSV as UTF-8 only when it starts with one.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// A cell that a spreadsheet would run as a formula gets a leading `'`, which spreadsheets
/// show as text (OWASP "CSV injection").
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if crate::domain::starts_like_formula(cell) { Cow::Owned(format!("'{cell}")) } else { Cow::Borrowed(cell) }
}

/// Writes CSV rows into a buffer that the caller drains (for streaming) or keeps whole.
pub struct CsvOut {
    writer: csv::Writer<Vec<u8>>,
}

impl CsvOut {
    /// A new sheet: the BOM, then the header row.
    pub fn with_header(header: &[&str]) -> Self {
        let mut out = Self { writer: Self::writer(UTF8_BOM.to_vec()) };
        out.row(header.iter().copied());
        out
    }

    fn writer(buffer: Vec<u8>) -> csv::Writer<Vec<u8>> {
        csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).flexible(true).from_writer(buffer)
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
    }

    #[test]
    fn writes_bom_crlf_and_quotes() {
        let mut out = CsvOut::with_header(&["A", "B"]);
        out.row(["x,y", "=cmd"]);
        let bytes = out.take();
        assert!(bytes.starts_with(UTF8_BOM));
        assert_eq!(&bytes[3..], b"A,B\r\n\"x,y\",'=cmd\r\n");
        assert!(out.take().is_empty());
    }
}
