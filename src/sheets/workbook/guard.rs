//! Bounds on a workbook, checked before it is read. A workbook is a zip archive (or a compound
//! file): 50 MB of it can unpack to gigabytes, and a few bytes can claim a million columns.
//! What the parts say of their own sizes is checked first (an honest zip bomb is refused at
//! once), then every part is unpacked through a counter that stops at the bound as it is read
//! (a lying one is refused after at most the bound's worth of work).

use std::io::{self, Read, Seek};

use quick_xml::events::{BytesStart, Event};

use super::Merge;
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

/// The sizes every part declares, all together: an honest zip bomb is refused before anything
/// is unpacked. Parts that lie are stopped by [`Capped`], through which every part is read.
pub fn check_sizes<R: Read + Seek>(archive: &mut zip::ZipArchive<R>) -> Result<(), SheetProblem> {
    let mut declared: u128 = 0;
    for index in 0..archive.len() {
        // The central directory's sizes, whether or not a part also has a data descriptor.
        declared += archive.by_index_raw(index).map_err(|_| damaged())?.size() as u128;
    }
    if declared > WORKBOOK_UNZIPPED_BYTES as u128 {
        return Err(too_large(&format!("unpacks to {} MB", declared / 1_048_576)));
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

/// Reads one part's XML a chunk at a time and hands each event to `each` until it says stop
/// (`true`); answers the bytes unpacked. Events borrow from the chunk (nothing is copied per
/// event). A chunk ends where no markup or character reference is cut in two: before its
/// last `<` when that tag is unfinished, else before a trailing unfinished `&…;`, else at its
/// end (a long text then arrives as several text events, which the callers join). Memory: a
/// chunk and an unfinished tag, whatever the part's size.
pub fn each_event<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
    path: &str,
    bound: u64,
    each: &mut dyn FnMut(Event<'_>) -> Result<bool, Vec<SheetProblem>>,
) -> Result<u64, Vec<SheetProblem>> {
    const CHUNK: usize = 1024 * 1024;
    let part = archive.by_name(path).map_err(|_| vec![damaged()])?;
    let mut part = Capped::new(part, bound);
    let mut buffer: Vec<u8> = Vec::with_capacity(2 * CHUNK);
    let mut unpacked = 0u64;
    loop {
        let start = buffer.len();
        buffer.resize(start + CHUNK, 0);
        let mut filled = start;
        while filled < buffer.len() {
            match part.read(&mut buffer[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) if is_over(&err) => return Err(vec![too_large("unpacks to more than its bound")]),
                Err(_) => return Err(vec![damaged()]),
            }
        }
        buffer.truncate(filled);
        unpacked += (filled - start) as u64;
        let last = filled == start;
        let cut = if last { buffer.len() } else { safe_end(&buffer) };
        let mut reader = quick_xml::Reader::from_reader(&buffer[..cut]);
        // A chunk may close what an earlier one opened.
        reader.config_mut().check_end_names = false;
        reader.config_mut().allow_unmatched_ends = true;
        loop {
            match reader.read_event() {
                Ok(Event::Eof) => break,
                Ok(event) => {
                    if each(event)? {
                        return Ok(unpacked);
                    }
                }
                Err(err) => return Err(vec![xml_failed(&err)]),
            }
        }
        if last {
            each(Event::Eof)?;
            return Ok(unpacked);
        }
        buffer.drain(..cut);
    }
}

/// Where a chunk of XML may end: see [`each_event`].
fn safe_end(buffer: &[u8]) -> usize {
    let open = buffer.iter().rposition(|b| *b == b'<');
    match open {
        // An unfinished tag (or comment): it waits for the next chunk.
        Some(at) if !buffer[at..].contains(&b'>') => at,
        _ => {
            let text_from = open.map_or(0, |at| at + 1);
            match buffer[text_from..].iter().rposition(|b| *b == b'&') {
                Some(amp) if !buffer[text_from + amp..].contains(&b';') => text_from + amp,
                _ => char_end(buffer),
            }
        }
    }
}

/// The end of the last whole UTF-8 character: a character cut in two waits for the next chunk.
fn char_end(buffer: &[u8]) -> usize {
    let mut lead = buffer.len();
    while lead > 0 && buffer[lead - 1] & 0xC0 == 0x80 && buffer.len() - lead < 3 {
        lead -= 1;
    }
    let Some(&first) = buffer.get(lead.wrapping_sub(1)) else { return buffer.len() };
    let width = match first {
        0xF0.. => 4,
        0xE0.. => 3,
        0xC0.. => 2,
        _ => 1,
    };
    if lead - 1 + width > buffer.len() { lead - 1 } else { buffer.len() }
}

/// What reading an XML part failed on: its bound, or damage.
pub fn xml_failed(err: &quick_xml::Error) -> SheetProblem {
    match err {
        quick_xml::Error::Io(io) if is_over(io) => too_large("unpacks to more than its bound"),
        _ => damaged(),
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
pub fn merge_of(reference: &str) -> Option<Merge> {
    let (first, last) = reference.split_once(':')?;
    let (r0, c0) = cell_of(first)?;
    let (r1, c1) = cell_of(last)?;
    Some(Merge { rows: (r0.min(r1), r0.max(r1)), columns: (c0.min(c1), c0.max(c1)) })
}

/// `B3` as row 2, column 1 (0-based); `$B$3` too. Read for every cell of a worksheet, so it
/// allocates nothing.
pub fn cell_of(reference: &str) -> Option<(u32, u32)> {
    let mut bytes = reference.bytes().filter(|b| *b != b'$').peekable();
    let (mut column, mut letters) = (0u32, 0);
    while let Some(letter) = bytes.next_if(u8::is_ascii_alphabetic) {
        letters += 1;
        if letters > 3 {
            return None;
        }
        column = column * 26 + u32::from(letter.to_ascii_uppercase() - b'A' + 1);
    }
    let (mut row, mut digits) = (0u32, 0);
    for digit in bytes {
        if !digit.is_ascii_digit() || digits == 9 {
            return None;
        }
        row = row * 10 + u32::from(digit - b'0');
        digits += 1;
    }
    if !(1..=3).contains(&letters) || digits == 0 {
        return None;
    }
    Some((row.checked_sub(1)?, column - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_end_where_nothing_is_cut() {
        assert_eq!(safe_end(b"<a>text</a><b"), 11, "an unfinished tag waits");
        assert_eq!(safe_end(b"<a>long text"), 12, "a long text goes now");
        assert_eq!(safe_end(b"<a>fish &amp chips &am"), 19, "an unfinished reference waits");
        assert_eq!(safe_end("<a>caf\u{e9}".as_bytes()), 8);
        let cut_in_two = &"<a>caf\u{e9}".as_bytes()[..7];
        assert_eq!(safe_end(cut_in_two), 6, "half a character waits");
        assert_eq!(safe_end(b"no markup at all"), 16);
    }

    #[test]
    fn cell_references() {
        assert_eq!(cell_of("A1"), Some((0, 0)));
        assert_eq!(cell_of("$AB$12"), Some((11, 27)));
        assert_eq!(cell_of("XFD1048576"), Some((1_048_575, 16_383)));
        assert_eq!(cell_of("A0"), None);
        assert_eq!(cell_of("12"), None);
        assert_eq!(cell_of("AAAAAAAAAAAAAAAAAAAAAAAA1"), None, "no overflow on a crafted reference");
        assert_eq!(cell_of("A99999999999"), None);
        assert_eq!(merge_of("D7:B3"), Some(Merge { rows: (2, 6), columns: (1, 3) }));
    }
}
