//! Bounds on a workbook, checked before it is read. A workbook is a zip archive (or a compound
//! file): 50 MB of it can unpack to gigabytes, and a few bytes can claim a million columns.
//! What a part says of its own size is checked first (an honest zip bomb is refused at once),
//! then every part is unpacked through a counter that stops at the bound (a lying one is
//! refused after at most the bound's worth of work, into no memory).

use std::io::{self, BufReader, Read, Seek};

use quick_xml::events::{BytesStart, Event};

use super::{Layout, Merge};
use crate::limits::{WORKBOOK_CELLS, WORKBOOK_UNZIPPED_BYTES};
use crate::sheets::problem::{Code, SheetProblem};
use crate::sheets::reader::unreadable;

pub fn too_large(what: &str) -> SheetProblem {
    SheetProblem::sheet(
        Code::TooLarge,
        format!(
            "the workbook {what}; the most accepted is {} MB unpacked and {} cells: remove the worksheets and columns the invitations do not need, or split it into several files",
            WORKBOOK_UNZIPPED_BYTES / 1_048_576,
            WORKBOOK_CELLS
        ),
    )
}

/// The declared sizes of every part, then the real size of every part that is read whole
/// (worksheets are counted as they are scanned, by [`scan_worksheet`]).
pub fn check_sizes<R: Read + Seek>(archive: &mut zip::ZipArchive<R>) -> Result<(), SheetProblem> {
    let mut declared: u128 = 0;
    for index in 0..archive.len() {
        // The central directory's sizes, whether or not a part also has a data descriptor.
        declared += archive.by_index_raw(index).map_err(|_| damaged())?.size() as u128;
    }
    if declared > WORKBOOK_UNZIPPED_BYTES as u128 {
        return Err(too_large(&format!("unpacks to {} MB", declared / 1_048_576)));
    }
    let mut budget = WORKBOOK_UNZIPPED_BYTES;
    for index in 0..archive.len() {
        let Ok(part) = archive.by_index(index) else {
            return Err(damaged());
        };
        let name = part.name().to_ascii_lowercase();
        let read_whole = (name.ends_with(".xml") || name.ends_with(".rels") || name == "mimetype")
            && !name.starts_with("xl/worksheets/")
            && name != "content.xml";
        if !read_whole {
            continue;
        }
        let mut counted = Capped::new(part, budget);
        match io::copy(&mut counted, &mut io::sink()) {
            Ok(size) => budget -= size,
            Err(err) if is_over(&err) => return Err(too_large("unpacks past its declared size")),
            Err(_) => return Err(damaged()),
        }
    }
    Ok(())
}

pub fn password() -> SheetProblem {
    unreadable(
        "the workbook is protected with a password: remove the password (File › Info › Protect Workbook) and upload it again",
    )
}

pub fn damaged() -> SheetProblem {
    unreadable("the workbook is damaged: open it in your spreadsheet and save it again")
}

/// An OpenDocument spreadsheet says so in its first part.
pub fn is_ods<R: Read + Seek>(archive: &mut zip::ZipArchive<R>) -> bool {
    let Ok(part) = archive.by_name("mimetype") else { return false };
    let mut kind = String::new();
    let read = part.take(200).read_to_string(&mut kind);
    read.is_ok() && kind.trim().starts_with("application/vnd.oasis.opendocument.spreadsheet")
}

/// A reader that fails once more than its bound has come through.
pub struct Capped<R> {
    inner: R,
    left: u64,
}

const OVER: &str = "workbook part over its bound";

impl<R> Capped<R> {
    pub fn new(inner: R, bound: u64) -> Self {
        Self { inner, left: bound }
    }
}

/// Whether a read failed because a [`Capped`] reader reached its bound.
pub fn is_over(err: &io::Error) -> bool {
    err.kind() == io::ErrorKind::Other && err.to_string() == OVER
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > self.left {
            return Err(io::Error::other(OVER));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// An XML reader over one part of the archive, bounded.
pub type Xml<'a, R> = quick_xml::Reader<BufReader<Capped<zip::read::ZipFile<'a, R>>>>;

pub fn xml<'a, R: Read + Seek>(archive: &'a mut zip::ZipArchive<R>, path: &str) -> Result<Xml<'a, R>, SheetProblem> {
    let part = archive.by_name(path).map_err(|_| damaged())?;
    let mut reader = quick_xml::Reader::from_reader(BufReader::new(Capped::new(part, WORKBOOK_UNZIPPED_BYTES)));
    reader.config_mut().check_end_names = false;
    Ok(reader)
}

/// What reading an XML part failed on: its bound, or damage.
pub fn xml_failed(err: &quick_xml::Error) -> SheetProblem {
    match err {
        quick_xml::Error::Io(io) if is_over(io) => too_large("unpacks to more than its bound"),
        _ => damaged(),
    }
}

/// One pass over an `.xlsx` worksheet before its cells are read: it is bounded (bytes and
/// cells), and its hidden rows and merged areas are noted.
pub fn scan_worksheet<R: Read + Seek>(archive: &mut zip::ZipArchive<R>, path: &str) -> Result<Layout, SheetProblem> {
    let mut xml = xml(archive, path)?;
    let mut layout = Layout::default();
    let mut buf = Vec::new();
    let mut cells: u64 = 0;
    let mut row: u32 = 0;
    loop {
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) => match e.local_name().as_ref() {
                b"row" => {
                    row = attribute(&e, b"r").and_then(|r| r.parse::<u32>().ok()).map_or(row + 1, |r| r);
                    if attribute(&e, b"hidden").is_some_and(|h| h == "1" || h == "true") {
                        layout.hidden_rows.insert(row.saturating_sub(1));
                    }
                }
                b"c" => {
                    cells += 1;
                    if cells > WORKBOOK_CELLS {
                        return Err(too_large(&format!("has more than {WORKBOOK_CELLS} cells")));
                    }
                }
                b"mergeCell" => {
                    if let Some(merge) = attribute(&e, b"ref").as_deref().and_then(merge_of) {
                        layout.merges.push(merge);
                    }
                }
                _ => {}
            },
            Ok(Event::Eof) => return Ok(layout),
            Err(err) => return Err(xml_failed(&err)),
            Ok(_) => {}
        }
        buf.clear();
    }
}

/// An attribute's value by its local name (`r:id` answers to `id`).
pub fn attribute(element: &BytesStart<'_>, local: &[u8]) -> Option<String> {
    element.attributes().flatten().find(|a| a.key.local_name().as_ref() == local).map(|a| {
        let raw = String::from_utf8_lossy(&a.value);
        quick_xml::escape::unescape(&raw).map(|v| v.into_owned()).unwrap_or_else(|_| raw.into_owned())
    })
}

/// `B3:D7` as rows 2..=6 and columns 1..=3.
fn merge_of(reference: &str) -> Option<Merge> {
    let (first, last) = reference.split_once(':')?;
    let (r0, c0) = cell_of(first)?;
    let (r1, c1) = cell_of(last)?;
    Some(Merge { rows: (r0.min(r1), r0.max(r1)), columns: (c0.min(c1), c0.max(c1)) })
}

/// `B3` as row 2, column 1 (0-based); `$B$3` too.
pub fn cell_of(reference: &str) -> Option<(u32, u32)> {
    let reference = reference.replace('$', "");
    let split = reference.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = reference.split_at(split);
    if letters.is_empty() || letters.len() > 3 || !letters.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let column = letters.chars().fold(0u32, |n, c| n * 26 + (c.to_ascii_uppercase() as u32 - 'A' as u32 + 1)) - 1;
    let row = digits.parse::<u32>().ok()?.checked_sub(1)?;
    Some((row, column))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_references() {
        assert_eq!(cell_of("A1"), Some((0, 0)));
        assert_eq!(cell_of("$AB$12"), Some((11, 27)));
        assert_eq!(cell_of("XFD1048576"), Some((1_048_575, 16_383)));
        assert_eq!(cell_of("A0"), None);
        assert_eq!(cell_of("12"), None);
        assert_eq!(merge_of("D7:B3"), Some(Merge { rows: (2, 6), columns: (1, 3) }));
    }
}
