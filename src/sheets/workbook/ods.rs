//! `.ods` (OpenDocument, LibreOffice's own and one of Google Sheets' downloads), read from its
//! `content.xml` in one bounded pass. OpenDocument writes repeated rows and cells once with a
//! count (LibreOffice ends every sheet with a million empty rows written as one): the count is
//! honoured for line numbers and bounded for cells, so a few bytes cannot claim a million
//! columns of values.

use std::collections::HashSet;
use std::io::Cursor;

use quick_xml::events::{BytesStart, Event};

use super::{EachRow, Flow, Merge, Value, Worksheet, guard};
use super::{MAX_COLUMNS, MAX_ROWS, clip};
use crate::limits::{CELL_CHARS, WORKBOOK_CELLS, WORKBOOK_MERGES, WORKBOOK_UNZIPPED_BYTES};
use crate::sheets::problem::SheetProblem;

/// A table's non-empty rows and its merged areas.
struct Table {
    rows: Vec<Row>,
    merges: Vec<Merge>,
}

struct Row {
    row: u32,
    hidden: bool,
    cells: Vec<(u32, Value)>,
}

pub struct Book {
    worksheets: Vec<Worksheet>,
    tables: Vec<Table>,
}

impl Book {
    pub fn open(archive: &mut zip::ZipArchive<Cursor<&[u8]>>) -> Result<Self, Vec<SheetProblem>> {
        let mut parser = Parser::default();
        guard::each_event(archive, "content.xml", WORKBOOK_UNZIPPED_BYTES, &mut |event| {
            parser.event(event).map_err(|problem| vec![problem])?;
            Ok(false)
        })?;
        Ok(Self { worksheets: parser.worksheets, tables: parser.tables })
    }
}

impl super::Book for Book {
    fn worksheets(&self) -> &[Worksheet] {
        &self.worksheets
    }

    fn rows(&mut self, index: usize, each: &mut EachRow<'_>) -> Result<Vec<Merge>, Vec<SheetProblem>> {
        let table = &self.tables[index];
        for Row { row, hidden, cells } in &table.rows {
            if let Flow::Stop = each(*row, *hidden, cells)? {
                break;
            }
        }
        Ok(table.merges.clone())
    }
}

/// Where the pass is: in which table, row, column and cell.
#[derive(Default)]
struct Parser {
    worksheets: Vec<Worksheet>,
    tables: Vec<Table>,
    /// Table styles that hide their table (`table:display="false"`).
    hidden_styles: HashSet<String>,
    style: Option<String>,
    row: u32,
    row_repeat: u32,
    row_hidden: bool,
    row_cells: Vec<(u32, Value)>,
    column: u32,
    cell: Option<Cell>,
    cells: u64,
    /// Depth inside a cell's comment (`office:annotation`), whose text is not the cell's.
    in_comment: u32,
}

/// The cell being read: its value (text is gathered from its paragraphs) and its repeat.
struct Cell {
    kind: Kind,
    text: String,
    paragraphs: u32,
    repeat: u32,
}

impl Cell {
    /// More of the cell's text, up to just past what a cell may hold (a few bytes of
    /// `<text:s text:c="1000"/>` must not become megabytes).
    fn add(&mut self, more: &str) {
        const BOUND: usize = (CELL_CHARS + 1) * 4;
        if self.text.len() < BOUND {
            self.text.push_str(clip(more));
            if self.text.len() > BOUND {
                let end = (0..=BOUND).rev().find(|i| self.text.is_char_boundary(*i)).unwrap_or(0);
                self.text.truncate(end);
            }
        }
    }
}

enum Kind {
    Text,
    Ready(Value),
    Error,
    Empty,
}

fn count(element: &BytesStart<'_>, name: &[u8]) -> u32 {
    guard::attribute(element, name).and_then(|n| n.parse::<u32>().ok()).unwrap_or(1).max(1)
}

impl Parser {
    fn event(&mut self, event: Event<'_>) -> Result<(), SheetProblem> {
        match event {
            Event::Start(e) => self.start(&e, false)?,
            Event::Empty(e) => self.start(&e, true)?,
            Event::End(e) => self.end(e.name().as_ref())?,
            Event::Text(text) if self.in_comment == 0 => {
                if let Some(cell) = &mut self.cell {
                    cell.add(&text.xml_content().map_err(|_| guard::damaged())?);
                }
            }
            Event::GeneralRef(reference) if self.in_comment == 0 => {
                if let (Some(cell), Ok(Some(c))) = (&mut self.cell, reference.resolve_char_ref()) {
                    cell.add(c.encode_utf8(&mut [0; 4]));
                } else if let Some(cell) = &mut self.cell {
                    let named = reference.decode().unwrap_or_default();
                    if let Some(c) = quick_xml::escape::resolve_predefined_entity(&named) {
                        cell.add(c);
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn start(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<(), SheetProblem> {
        if e.name().as_ref() == b"office:annotation" && !empty {
            self.in_comment += 1;
        }
        if self.in_comment > 0 {
            return Ok(());
        }
        match e.name().as_ref() {
            b"style:style" => self.style = guard::attribute(e, b"name"),
            b"style:table-properties" => {
                if let Some(style) = &self.style
                    && guard::attribute(e, b"display").as_deref() == Some("false")
                {
                    self.hidden_styles.insert(style.clone());
                }
            }
            b"table:table" => {
                let name = guard::attribute(e, b"name").unwrap_or_default();
                let visible =
                    guard::attribute(e, b"style-name").is_none_or(|style| !self.hidden_styles.contains(&style));
                self.worksheets.push(Worksheet { name, visible });
                self.tables.push(Table { rows: Vec::new(), merges: Vec::new() });
                self.row = 0;
            }
            b"table:table-row" => {
                self.row_repeat = count(e, b"number-rows-repeated");
                self.row_hidden = guard::attribute(e, b"visibility").is_some_and(|v| v != "visible");
                self.row_cells.clear();
                self.column = 0;
                if empty {
                    self.end_row()?;
                }
            }
            b"table:table-cell" | b"table:covered-table-cell" => {
                self.start_cell(e)?;
                if empty {
                    self.end_cell()?;
                }
            }
            b"text:p" | b"text:h" if self.cell.is_some() => {
                if let Some(cell) = &mut self.cell {
                    if cell.paragraphs > 0 {
                        cell.add("\n");
                    }
                    cell.paragraphs += 1;
                }
            }
            b"text:s" => {
                if let Some(cell) = &mut self.cell {
                    let spaces = count(e, b"c").min(CELL_CHARS as u32 + 1);
                    cell.add(&" ".repeat(spaces as usize));
                }
            }
            b"text:tab" => self.cell.iter_mut().for_each(|cell| cell.add("\t")),
            b"text:line-break" => self.cell.iter_mut().for_each(|cell| cell.add("\n")),
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self, name: &[u8]) -> Result<(), SheetProblem> {
        if name == b"office:annotation" {
            self.in_comment = self.in_comment.saturating_sub(1);
            return Ok(());
        }
        if self.in_comment > 0 {
            return Ok(());
        }
        match name {
            b"table:table-cell" | b"table:covered-table-cell" => self.end_cell(),
            b"table:table-row" => self.end_row(),
            b"table:table" => {
                if let Some(table) = self.tables.last_mut() {
                    table.rows.shrink_to_fit();
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn start_cell(&mut self, e: &BytesStart<'_>) -> Result<(), SheetProblem> {
        let repeat = count(e, b"number-columns-repeated");
        let spans = (count(e, b"number-rows-spanned"), count(e, b"number-columns-spanned"));
        if spans != (1, 1)
            && let Some(table) = self.tables.last_mut()
        {
            if table.merges.len() as u64 >= WORKBOOK_MERGES {
                return Err(guard::too_large(&format!("has more than {WORKBOOK_MERGES} merged areas")));
            }
            let (row, column) = (self.row, self.column);
            table.merges.push(Merge {
                rows: (row, row.saturating_add(spans.0 - 1)),
                columns: (column, column.saturating_add(spans.1 - 1)),
            });
        }
        let attribute = |name: &[u8]| guard::attribute(e, name);
        let kind = match attribute(b"value-type").as_deref() {
            // LibreOffice marks an error's cell beside its string type.
            _ if attribute(b"calcext:value-type").as_deref() == Some("error") => Kind::Error,
            Some("float" | "percentage" | "currency") => match attribute(b"value").and_then(|v| v.parse().ok()) {
                Some(n) => Kind::Ready(Value::Number(n)),
                None => Kind::Text,
            },
            Some("date") => {
                Kind::Ready(Value::Date(clip(&attribute(b"date-value").unwrap_or_default()).replace('T', " ")))
            }
            Some("time") => Kind::Ready(Value::Date(clip(&attribute(b"time-value").unwrap_or_default()).to_owned())),
            Some("boolean") => Kind::Ready(Value::Bool(attribute(b"boolean-value").as_deref() == Some("true"))),
            Some(_) => Kind::Text,
            None => Kind::Empty,
        };
        self.cell = Some(Cell { kind, text: String::new(), paragraphs: 0, repeat });
        Ok(())
    }

    fn end_cell(&mut self) -> Result<(), SheetProblem> {
        let Some(cell) = self.cell.take() else { return Ok(()) };
        let value = match cell.kind {
            Kind::Ready(value) => Some(value),
            Kind::Text if !cell.text.is_empty() => Some(Value::Text(cell.text.into())),
            Kind::Error => Some(Value::Error(cell.text)),
            Kind::Text | Kind::Empty => None,
        };
        if let Some(value) = value {
            if u64::from(self.column) + u64::from(cell.repeat) > u64::from(MAX_COLUMNS) {
                return Err(guard::too_large(&format!("has a cell past column {MAX_COLUMNS}")));
            }
            self.count_cells(u64::from(cell.repeat) * u64::from(self.row_repeat))?;
            for offset in 0..cell.repeat {
                self.row_cells.push((self.column.saturating_add(offset), value.clone()));
            }
        }
        self.column = self.column.saturating_add(cell.repeat);
        Ok(())
    }

    fn end_row(&mut self) -> Result<(), SheetProblem> {
        let Some(table) = self.tables.last_mut() else { return Ok(()) };
        if !self.row_cells.is_empty() && u64::from(self.row) + u64::from(self.row_repeat) > u64::from(MAX_ROWS) {
            return Err(guard::too_large(&format!("has a row past row {MAX_ROWS}")));
        }
        if !self.row_cells.is_empty() {
            for offset in 0..self.row_repeat {
                let row = self.row.saturating_add(offset);
                table.rows.push(Row { row, hidden: self.row_hidden, cells: self.row_cells.clone() });
            }
        }
        self.row_cells.clear();
        self.row = self.row.saturating_add(self.row_repeat);
        Ok(())
    }

    fn count_cells(&mut self, more: u64) -> Result<(), SheetProblem> {
        self.cells = self.cells.saturating_add(more);
        if self.cells > WORKBOOK_CELLS {
            return Err(guard::too_large(&format!("has more than {WORKBOOK_CELLS} cells")));
        }
        Ok(())
    }
}
