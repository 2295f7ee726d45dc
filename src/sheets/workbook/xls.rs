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
        // calamine trusts more of a file's structure than the walk checks; a crafted file that
        // makes it panic is a damaged file, not a failed request.
        let opened = std::panic::catch_unwind(|| Xls::new(Cursor::new(bytes.to_vec())));
        let xls = opened.map_err(|_| vec![guard::damaged()])?.map_err(|err| {
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
        let name_for_range = name.clone();
        let merges =
            merges.iter().map(|m| Merge { rows: (m.start.0, m.end.0), columns: (m.start.1, m.end.1) }).collect();
        let xls = std::panic::AssertUnwindSafe(&mut self.xls);
        let range = std::panic::catch_unwind(move || { xls }.0.worksheet_range(&name_for_range))
            .map_err(|_| vec![guard::damaged()])?
            .map_err(|_| vec![guard::damaged()])?;
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

/// The BIFF record at `at`: its type and its bytes, if it is whole.
fn record(stream: &[u8], at: usize) -> Option<(u16, &[u8])> {
    let header = stream.get(at..at.checked_add(4)?)?;
    let kind = u16::from_le_bytes([header[0], header[1]]);
    let length = u16::from_le_bytes([header[2], header[3]]) as usize;
    Some((kind, stream.get(at + 4..at + 4 + length)?))
}

fn u16_at(data: &[u8], i: usize) -> u64 {
    data.get(i..i + 2).map_or(0, |b| u64::from(u16::from_le_bytes([b[0], b[1]])))
}

fn u32_at(data: &[u8], i: usize) -> u64 {
    data.get(i..i + 4).map_or(0, |b| u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])))
}

/// Each worksheet as calamine will lay it out: walked from where the workbook says it starts
/// (as calamine reads it), its cells' extent and the size it declares, summed over every
/// worksheet listed (a worksheet listed twice is laid out twice) and bounded. A declaration
/// that calamine would read past the stream, or a size past what `.xls` allows, is damage.
fn walk(stream: &[u8]) -> Result<Walked, SheetProblem> {
    let mut walked = Walked { declared: Vec::new(), hidden_rows: HashMap::new() };
    let mut at = 0;
    // The globals: the BOUNDSHEET records, up to the first EOF.
    while let Some((kind, data)) = record(stream, at) {
        match kind {
            0x0085 => {
                if data.len() < 8 {
                    return Err(guard::damaged());
                }
                walked.declared.push(u32_at(data, 0) as usize);
            }
            0x000A => break,
            _ => {}
        }
        at += 4 + data.len();
    }
    let mut total: u64 = 0;
    for &start in &walked.declared {
        if record(stream, start).is_none_or(|(kind, _)| kind != 0x0809) {
            return Err(guard::damaged());
        }
        let (area, hidden) = walk_worksheet(stream, start)?;
        total = total.saturating_add(area);
        if total > WORKBOOK_CELLS {
            return Err(guard::too_large(&format!("spans more than {WORKBOOK_CELLS} cells")));
        }
        walked.hidden_rows.insert(start, hidden);
    }
    Ok(walked)
}

/// One worksheet's laid-out area (values and formulas, and the room its DIMENSIONS asks for)
/// and its hidden rows.
fn walk_worksheet(stream: &[u8], start: usize) -> Result<(u64, BTreeSet<u32>), SheetProblem> {
    let mut extent: Option<(u64, u64, u64, u64)> = None;
    let mut declared_area = 0u64;
    let mut hidden = BTreeSet::new();
    let mut at = start + 4 + record(stream, start).map_or(0, |(_, data)| data.len());
    let mut grow = |row: u64, first: u64, last: u64| {
        let (first, last) = (first.min(last), first.max(last));
        let (r0, r1, c0, c1) = extent.unwrap_or((row, row, first, last));
        extent = Some((r0.min(row), r1.max(row), c0.min(first), c1.max(last)));
    };
    while let Some((kind, data)) = record(stream, at) {
        match kind {
            0x000A => break,
            // DIMENSIONS: calamine makes room for what the worksheet says it spans.
            0x0200 => {
                let (r0, r1, c0, c1) = if data.len() >= 14 {
                    (u32_at(data, 0), u32_at(data, 4), u16_at(data, 8), u16_at(data, 10))
                } else {
                    (u16_at(data, 0), u16_at(data, 2), u16_at(data, 4), u16_at(data, 6))
                };
                if r1 < r0 || c1 < c0 || r1 > 65_536 || c1 > 256 {
                    return Err(guard::damaged());
                }
                declared_area += (r1 - r0 + 1) * (c1 - c0 + 1);
            }
            // ROW: fDyZero marks a hidden row.
            0x0208 if u16_at(data, 12) & 0x20 != 0 => {
                hidden.insert(u16_at(data, 0) as u32);
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
        at += 4 + data.len();
    }
    let cells = extent.map_or(0, |(r0, r1, c0, c1)| 2 * (r1 - r0 + 1) * (c1 - c0 + 1));
    Ok((cells + declared_area, hidden))
}
