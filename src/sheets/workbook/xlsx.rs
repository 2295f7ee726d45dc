//! `.xlsx` and `.xlsm`: calamine reads the cells, one at a time and in order, so a worksheet
//! is never held whole; [`guard::scan_worksheet`] bounds it first and notes what calamine does
//! not say (hidden rows), and where each worksheet is in the archive.

use std::io::Cursor;

use calamine::{DataRef, Reader, SheetType, SheetVisible, Xlsx, XlsxError};
use quick_xml::events::Event;

use super::{EachRow, Flow, Layout, Value, Worksheet, guard};
use crate::sheets::problem::SheetProblem;

type Archive<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

pub struct Book<'a> {
    xlsx: Xlsx<Cursor<&'a [u8]>>,
    archive: Archive<'a>,
    worksheets: Vec<Worksheet>,
    /// Each worksheet's part in the archive.
    paths: Vec<String>,
}

impl<'a> Book<'a> {
    pub fn open(bytes: &'a [u8], mut archive: Archive<'a>) -> Result<Self, Vec<SheetProblem>> {
        let xlsx = Xlsx::new(Cursor::new(bytes)).map_err(|err| vec![failed(&err)])?;
        let parts = sheet_parts(&mut archive).map_err(|problem| vec![problem])?;
        let mut worksheets = Vec::new();
        let mut paths = Vec::new();
        for sheet in xlsx.sheets_metadata() {
            if sheet.typ != SheetType::WorkSheet {
                continue;
            }
            let Some((_, path)) = parts.iter().find(|(name, _)| *name == sheet.name) else { continue };
            worksheets.push(Worksheet { name: sheet.name.clone(), visible: sheet.visible == SheetVisible::Visible });
            paths.push(path.clone());
        }
        Ok(Self { xlsx, archive, worksheets, paths })
    }
}

impl super::Book for Book<'_> {
    fn worksheets(&self) -> &[Worksheet] {
        &self.worksheets
    }

    fn layout(&mut self, index: usize) -> Result<Layout, SheetProblem> {
        guard::scan_worksheet(&mut self.archive, &self.paths[index])
    }

    fn rows(&mut self, index: usize, each: &mut EachRow<'_>) -> Result<(), Vec<SheetProblem>> {
        let name = self.worksheets[index].name.clone();
        let mut cells = self.xlsx.worksheet_cells_reader(&name).map_err(|err| vec![failed(&err)])?;
        let mut row: Vec<(u32, Value)> = Vec::new();
        let mut at = 0;
        while let Some(cell) = cells.next_cell().map_err(|err| vec![failed(&err)])? {
            let (line, column) = cell.get_position();
            if line != at && !row.is_empty() {
                if let Flow::Stop = each(at, &row)? {
                    return Ok(());
                }
                row.clear();
            }
            at = line;
            if let Some(value) = value_of(cell.get_value()) {
                row.push((column, value));
            }
        }
        if !row.is_empty() {
            each(at, &row)?;
        }
        Ok(())
    }
}

fn value_of(data: &DataRef<'_>) -> Option<Value> {
    Value::of(&calamine::Data::from(data.clone()))
}

fn failed(err: &XlsxError) -> SheetProblem {
    match err {
        XlsxError::Password => guard::password(),
        _ => guard::damaged(),
    }
}

/// Each worksheet's name and part: `xl/workbook.xml` names them with a relationship id, and
/// `xl/_rels/workbook.xml.rels` says which part each id is.
fn sheet_parts(archive: &mut Archive<'_>) -> Result<Vec<(String, String)>, SheetProblem> {
    let mut ids = Vec::new();
    each_element(archive, "xl/workbook.xml", b"sheet", |e| {
        if let (Some(name), Some(id)) = (guard::attribute(e, b"name"), guard::attribute(e, b"id")) {
            ids.push((name, id));
        }
    })?;
    let mut targets = Vec::new();
    each_element(archive, "xl/_rels/workbook.xml.rels", b"Relationship", |e| {
        if let (Some(id), Some(target)) = (guard::attribute(e, b"Id"), guard::attribute(e, b"Target")) {
            targets.push((id, target));
        }
    })?;
    let path_of = |target: &str| match target.strip_prefix('/') {
        Some(absolute) => absolute.to_owned(),
        None => format!("xl/{}", target.trim_start_matches("./")),
    };
    let names: Vec<String> = archive.file_names().map(str::to_owned).collect();
    Ok(ids
        .into_iter()
        .filter_map(|(name, id)| {
            let (_, target) = targets.iter().find(|(rid, _)| *rid == id)?;
            let path = path_of(target);
            // Parts are named as the archive spells them, whatever case the relationship used.
            let path = names.iter().find(|entry| entry.eq_ignore_ascii_case(&path))?.clone();
            Some((name, path))
        })
        .collect())
}

fn each_element(
    archive: &mut Archive<'_>,
    path: &str,
    local: &[u8],
    mut each: impl FnMut(&quick_xml::events::BytesStart<'_>),
) -> Result<(), SheetProblem> {
    let Some(path) = archive.file_names().find(|entry| entry.eq_ignore_ascii_case(path)).map(str::to_owned) else {
        return Err(guard::damaged());
    };
    let mut xml = guard::xml(archive, &path)?;
    let mut buf = Vec::new();
    loop {
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == local => each(&e),
            Ok(Event::Eof) => return Ok(()),
            Err(err) => return Err(guard::xml_failed(&err)),
            Ok(_) => {}
        }
        buf.clear();
    }
}
