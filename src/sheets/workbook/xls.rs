//! `.xls` (Excel 97–2003): calamine reads it, but it lays out every worksheet whole, as wide
//! and tall as its farthest cell, when the file is opened. So the workbook stream is walked
//! first (records are a type, a length and their bytes): each worksheet's extent is bounded
//! before calamine sees it, and its hidden rows, which calamine does not report, are noted.

use std::collections::{BTreeSet, HashMap};
use std::io::{Cursor, Read};

use calamine::{Reader, SheetType, SheetVisible, Xls};

use super::{EachRow, Flow, Merge, Value, Worksheet, guard};
use crate::limits::WORKBOOK_CELLS;
use crate::sheets::problem::SheetProblem;
use crate::sheets::reader::unreadable;

pub struct Book {
    xls: Xls<Cursor<Vec<u8>>>,
    worksheets: Vec<Worksheet>,
    hidden_rows: Vec<BTreeSet<u32>>,
}

impl Book {
    pub fn open(bytes: &[u8]) -> Result<Self, Vec<SheetProblem>> {
        let stream = workbook_stream(bytes).map_err(|problem| vec![problem])?;
        let walked = walk(&stream).map_err(|problem| vec![problem])?;
        let xls = Xls::new(Cursor::new(bytes.to_vec())).map_err(|err| {
            vec![match err {
                calamine::XlsError::Password => guard::password(),
                _ => guard::damaged(),
            }]
        })?;
        let mut worksheets = Vec::new();
        let mut hidden_rows = Vec::new();
        for (index, sheet) in xls.sheets_metadata().iter().enumerate() {
            if sheet.typ != SheetType::WorkSheet {
                continue;
            }
            worksheets.push(Worksheet { name: sheet.name.clone(), visible: sheet.visible == SheetVisible::Visible });
            // calamine lists the worksheets in the order the workbook declares them.
            let hidden = walked.declared.get(index).and_then(|offset| walked.hidden_rows.get(offset));
            hidden_rows.push(hidden.cloned().unwrap_or_default());
        }
        Ok(Self { xls, worksheets, hidden_rows })
    }
}

impl super::Book for Book {
    fn worksheets(&self) -> &[Worksheet] {
        &self.worksheets
    }

    fn rows(&mut self, index: usize, each: &mut EachRow<'_>) -> Result<Vec<Merge>, Vec<SheetProblem>> {
        let name = self.worksheets[index].name.clone();
        let merges = self.xls.worksheet_merge_cells(&name).unwrap_or_default();
        let merges =
            merges.iter().map(|m| Merge { rows: (m.start.0, m.end.0), columns: (m.start.1, m.end.1) }).collect();
        let range = self.xls.worksheet_range(&name).map_err(|_| vec![guard::damaged()])?;
        let Some((top, left)) = range.start() else { return Ok(merges) };
        let hidden_rows = &self.hidden_rows[index];
        let mut cells = Vec::new();
        for (offset, row) in range.rows().enumerate() {
            cells.clear();
            for (column, data) in row.iter().enumerate() {
                if let Some(value) = Value::of(data) {
                    cells.push((left + column as u32, value));
                }
            }
            let row = top + offset as u32;
            if !cells.is_empty()
                && let Flow::Stop = each(row, hidden_rows.contains(&row), &cells)?
            {
                break;
            }
        }
        Ok(merges)
    }
}

/// The BIFF records of a compound file's workbook stream; other compound files (a Word
/// document, an encrypted `.xlsx`) are named.
fn workbook_stream(bytes: &[u8]) -> Result<Vec<u8>, SheetProblem> {
    let mut file = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|_| guard::damaged())?;
    if file.is_stream("/EncryptedPackage") {
        return Err(guard::password());
    }
    let path = ["/Workbook", "/Book"].into_iter().find(|path| file.is_stream(path));
    let Some(path) = path else {
        return Err(unreadable(
            "the file is an Office document but not a workbook: upload the spreadsheet (.xlsx, .ods, .xls or .csv)",
        ));
    };
    let mut stream = Vec::new();
    let mut reader = file.open_stream(path).map_err(|_| guard::damaged())?;
    // The stream is no larger than the file, which the upload already bounds.
    reader.read_to_end(&mut stream).map_err(|_| guard::damaged())?;
    Ok(stream)
}

/// What the walk found: where each declared worksheet starts, and each one's hidden rows.
struct Walked {
    declared: Vec<usize>,
    hidden_rows: HashMap<usize, BTreeSet<u32>>,
}

/// Each worksheet's extent, as calamine will lay it out (the cells it keeps, and the size the
/// worksheet declares), summed over the workbook and bounded.
fn walk(stream: &[u8]) -> Result<Walked, SheetProblem> {
    let mut walked = Walked { declared: Vec::new(), hidden_rows: HashMap::new() };
    let mut substream = 0;
    let mut extent: Option<(u32, u32, u32, u32)> = None;
    let mut total: u64 = 0;
    let mut at = 0;
    let u16_at = |data: &[u8], i: usize| data.get(i..i + 2).map_or(0, |b| u16::from_le_bytes([b[0], b[1]]) as u32);
    let u32_at = |data: &[u8], i: usize| data.get(i..i + 4).map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    while at + 4 <= stream.len() {
        let kind = u16_at(stream, at);
        let length = u16_at(stream, at + 2) as usize;
        let data = &stream[(at + 4).min(stream.len())..(at + 4 + length).min(stream.len())];
        let mut grow = |row: u32, first: u32, last: u32| {
            let (r0, r1, c0, c1) = extent.unwrap_or((row, row, first, last));
            extent = Some((r0.min(row), r1.max(row), c0.min(first), c1.max(last)));
        };
        match kind {
            // BOF: a substream (the globals, then each worksheet) begins here.
            0x0809 => {
                substream = at;
                extent = None;
            }
            // EOF: its cells are laid out whole, values and formulas alike.
            0x000A => {
                if let Some((r0, r1, c0, c1)) = extent.take() {
                    total += 2 * u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1);
                }
            }
            // BOUNDSHEET: a worksheet, in the order the workbook lists them.
            0x0085 => walked.declared.push(u32_at(data, 0) as usize),
            // DIMENSIONS: calamine makes room for what the worksheet says it spans.
            0x0200 => {
                let (rows, columns) = if data.len() >= 14 {
                    (u32_at(data, 4).saturating_sub(u32_at(data, 0)), u16_at(data, 10).saturating_sub(u16_at(data, 8)))
                } else {
                    (u16_at(data, 2).saturating_sub(u16_at(data, 0)), u16_at(data, 6).saturating_sub(u16_at(data, 4)))
                };
                total += u64::from(rows + 1) * u64::from(columns + 1);
            }
            // ROW: fDyZero marks a hidden row.
            0x0208 if u16_at(data, 12) & 0x20 != 0 => {
                walked.hidden_rows.entry(substream).or_default().insert(u16_at(data, 0));
            }
            // Cells: number, label, bool/error, formula, RK, shared-string label.
            0x0203 | 0x0204 | 0x0205 | 0x0006 | 0x027E | 0x00FD => {
                let column = u16_at(data, 2);
                grow(u16_at(data, 0), column, column);
            }
            // MULRK: a run of numbers, its last column at its end.
            0x00BD if data.len() >= 6 => grow(u16_at(data, 0), u16_at(data, 2), u16_at(data, data.len() - 2)),
            _ => {}
        }
        if total > WORKBOOK_CELLS {
            return Err(guard::too_large(&format!("spans more than {WORKBOOK_CELLS} cells")));
        }
        at += 4 + length;
    }
    Ok(walked)
}
