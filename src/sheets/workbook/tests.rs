//! Workbooks made here, each showing one thing a spreadsheet does; the workbooks saved by
//! the real programs are read through the front door (`tests/api/workbooks.rs`).

use std::io::Write;

use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};

use super::*;
use crate::limits::WORKBOOK_UNZIPPED_BYTES;
use crate::sheets::reader::read;

const HEADER: [&str; 4] = ["Team Member ID", "Email", "Language", "Role IDs"];

fn header(sheet: &mut rust_xlsxwriter::Worksheet, row: u32) {
    for (column, name) in HEADER.iter().enumerate() {
        sheet.write_string(row, column as u16, *name).unwrap();
    }
}

fn ok(bytes: &[u8]) -> ReadSheet {
    read(bytes).unwrap_or_else(|problems| panic!("{problems:?}"))
}

#[test]
fn numbers_formulas_and_merged_cells_read_as_a_person_sees_them() {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet().set_name("Invitation Links").unwrap();
    header(sheet, 0);
    sheet.write_number(1, 0, 12345.0).unwrap();
    sheet.write_string(1, 1, "ana@example.com").unwrap();
    sheet.write_string(1, 2, "pt-BR").unwrap();
    sheet.write_string(1, 3, "NBq0Nvg34, E9bMO7zx5").unwrap();
    sheet.write_string(2, 0, "00042").unwrap();
    sheet.write_formula(2, 1, Formula::new("=LOWER(\"BO@EXAMPLE.COM\")").set_result("bo@example.com")).unwrap();
    sheet.write_string(2, 2, "fr").unwrap();
    // One Role IDs cell merged over lines 3 and 4: both rows hold it.
    sheet.merge_range(2, 3, 3, 3, "E9bMO7zx5", &Format::new()).unwrap();
    sheet.write_number(3, 0, 7.5).unwrap();
    sheet.write_string(3, 1, "cy@example.com").unwrap();
    sheet.write_string(3, 2, "de").unwrap();
    let read = ok(&book.save_to_buffer().unwrap());
    let rows: Vec<(&str, &str, Vec<String>)> =
        read.rows.iter().map(|r| (r.member_id.as_str(), r.email.as_str(), r.role_ids.clone())).collect();
    assert_eq!(
        rows,
        [
            ("12345", "ana@example.com", vec!["NBq0Nvg34".to_owned(), "E9bMO7zx5".to_owned()]),
            ("00042", "bo@example.com", vec!["E9bMO7zx5".to_owned()]),
            ("7.5", "cy@example.com", vec!["E9bMO7zx5".to_owned()]),
        ]
    );
    assert_eq!(read.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 3, 4]);
    assert!(read.warnings.is_empty(), "{:?}", read.warnings);
    let place = read.place.unwrap();
    let mut problem = SheetProblem::new(3, Some(Column::Email), Code::InvalidEmail, "x");
    place.locate(&mut problem);
    assert_eq!(problem.cell.as_deref(), Some("Invitation Links!B3"));
}

#[test]
fn dates_booleans_and_long_numbers_are_the_row_s_problem() {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    header(sheet, 0);
    sheet.write_string(1, 0, "A1b2C3d4E").unwrap();
    sheet.write_string(1, 1, "ana@example.com").unwrap();
    let date = ExcelDateTime::from_ymd(2024, 3, 1).unwrap();
    sheet.write_datetime_with_format(1, 2, &date, &Format::new().set_num_format("d-mmm")).unwrap();
    sheet.write_boolean(1, 3, true).unwrap();
    sheet.write_number(2, 0, 123_456_789_012_345_680_000.0).unwrap();
    sheet.write_string(2, 1, "bo@example.com").unwrap();
    sheet.write_string(2, 2, "en").unwrap();
    sheet.write_string(2, 3, "r1").unwrap();
    let read = ok(&book.save_to_buffer().unwrap());
    assert_eq!(
        read.rows[0].not_text,
        [
            (Column::Language, "a date (2024-03-01)".to_owned()),
            (Column::RoleIds, "a true/false value (TRUE)".to_owned())
        ]
    );
    assert_eq!(read.rows[0].language, "");
    assert_eq!(read.rows[1].not_text[0].0, Column::MemberId);
    assert!(read.rows[1].not_text[0].1.contains("too long"), "{:?}", read.rows[1].not_text);
}

#[test]
fn hidden_rows_and_a_title_above_the_header_are_not_read() {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "Invitations for the spring intake").unwrap();
    header(sheet, 2);
    for (row, id) in [(3, "A"), (4, "B"), (5, "C")] {
        sheet.write_string(row, 0, id).unwrap();
        sheet.write_string(row, 1, format!("{id}@example.com")).unwrap();
        sheet.write_string(row, 2, "en").unwrap();
        sheet.write_string(row, 3, "r1").unwrap();
    }
    sheet.set_row_hidden(4).unwrap();
    let read = ok(&book.save_to_buffer().unwrap());
    assert_eq!(read.rows.iter().map(|r| (r.line, r.member_id.as_str())).collect::<Vec<_>>(), [(4, "A"), (6, "C")]);
    let messages: Vec<&str> = read.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(messages.iter().any(|m| m.contains("line 5 is") && m.contains("hidden")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("lines 1–2") && m.contains("above the header")), "{messages:?}");
}

#[test]
fn the_worksheet_whose_header_names_the_columns_is_read() {
    let mut book = Workbook::new();
    book.add_worksheet().set_name("Notes").unwrap().write_string(0, 0, "read me").unwrap();
    let sheet = book.add_worksheet().set_name("People").unwrap();
    header(sheet, 0);
    for (column, cell) in ["A", "a@example.com", "en", "r1"].iter().enumerate() {
        sheet.write_string(1, column as u16, *cell).unwrap();
    }
    let read = ok(&book.save_to_buffer().unwrap());
    assert_eq!(read.rows.len(), 1);
    assert!(read.warnings[0].message.contains("read `People`"), "{:?}", read.warnings);

    let mut book = Workbook::new();
    book.add_worksheet().set_name("Notes").unwrap().write_string(0, 0, "read me").unwrap();
    book.add_worksheet().set_name("Other").unwrap().write_string(0, 0, "Email").unwrap();
    let problems = read_problems(&book.save_to_buffer().unwrap());
    assert!(problems.iter().all(|p| p.code == Code::MissingColumn), "{problems:?}");
    assert_eq!(problems[0].cell.as_deref(), Some("Notes!1:1"));
}

fn read_problems(bytes: &[u8]) -> Vec<SheetProblem> {
    read(bytes).expect_err("the workbook should be refused")
}

/// A zip archive of the given parts, each deflated.
fn zipped(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in parts {
        out.start_file(*name, options).unwrap();
        out.write_all(bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[test]
fn zip_bombs_are_too_large_before_they_are_read() {
    let zeros = vec![0u8; (WORKBOOK_UNZIPPED_BYTES + 1) as usize];
    let bomb = zipped(&[("xl/workbook.xml", &zeros)]);
    assert!(bomb.len() < 1_000_000, "{} bytes", bomb.len());
    let started = std::time::Instant::now();
    assert_eq!(read_problems(&bomb)[0].code, Code::TooLarge);
    assert!(started.elapsed() < std::time::Duration::from_secs(1));

    // The same parts saying they are small: unpacking stops at the bound.
    let liar = lie_about_sizes(bomb);
    assert_eq!(read_problems(&liar)[0].code, Code::TooLarge);
}

/// Every part's declared size rewritten as 1 KB, in the local headers and the directory.
fn lie_about_sizes(mut zip: Vec<u8>) -> Vec<u8> {
    let mut at = 0;
    while at + 30 < zip.len() {
        let (signature, size_at) = match &zip[at..at + 4] {
            b"PK\x03\x04" => (true, at + 22),
            b"PK\x01\x02" => (true, at + 24),
            _ => (false, 0),
        };
        if signature {
            zip[size_at..size_at + 4].copy_from_slice(&1024u32.to_le_bytes());
        }
        at += 1;
    }
    zip
}

#[test]
fn an_ods_claiming_millions_of_cells_is_too_large() {
    let content = br#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="Sheet1">
<table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="1000" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>"#;
    let ods = zipped(&[("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"), ("content.xml", content)]);
    let started = std::time::Instant::now();
    assert_eq!(read_problems(&ods)[0].code, Code::TooLarge);
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
}

#[test]
fn ods_repeats_spans_comments_and_hidden_rows() {
    let content = br#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="Links">
<table:table-row><table:table-cell office:value-type="string"><text:p>Team Member ID</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Email</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Language</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Role IDs</text:p></table:table-cell></table:table-row>
<table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="4"/></table:table-row>
<table:table-row><table:table-cell office:value-type="float" office:value="42"><text:p>42</text:p></table:table-cell><table:table-cell office:value-type="string"><office:annotation><text:p>a note</text:p></office:annotation><text:p>ana<text:s text:c="0"/>@example.com</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>fr</text:p></table:table-cell><table:table-cell office:value-type="string" table:number-rows-spanned="2"><text:p>r1,r2</text:p></table:table-cell></table:table-row>
<table:table-row table:visibility="collapse"><table:table-cell office:value-type="string"><text:p>H</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>h@example.com</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>en</text:p></table:table-cell><table:covered-table-cell/></table:table-row>
<table:table-row><table:table-cell office:value-type="string"><text:p>B</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>bo&amp;co@example.com</text:p></table:table-cell><table:table-cell office:value-type="date" office:date-value="2024-03-01"><text:p>01/03/24</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>r3</text:p></table:table-cell></table:table-row>
<table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>"#;
    let ods = zipped(&[("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"), ("content.xml", content)]);
    let read = ok(&ods);
    let rows: Vec<(u32, &str, &str)> =
        read.rows.iter().map(|r| (r.line, r.member_id.as_str(), r.email.as_str())).collect();
    assert_eq!(rows, [(4, "42", "ana @example.com"), (6, "B", "bo&co@example.com")]);
    assert_eq!(read.rows[0].role_ids, ["r1", "r2"]);
    assert_eq!(read.rows[1].not_text, [(Column::Language, "a date (2024-03-01)".to_owned())]);
    assert!(read.warnings.iter().any(|w| w.message.contains("line 5 is")), "{:?}", read.warnings);
}

#[test]
fn what_is_not_a_workbook_is_named() {
    let docx = zipped(&[("word/document.xml", b"<w:document/>")]);
    let problems = read_problems(&docx);
    assert_eq!(problems[0].code, Code::UnreadableEncoding);
    assert!(problems[0].message.contains("Word"), "{problems:?}");
    let damaged = b"PK\x03\x04 this is not really a zip archive".to_vec();
    assert_eq!(read_problems(&damaged)[0].code, Code::UnreadableEncoding);
    let compound = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 not really a compound file".to_vec();
    assert_eq!(read_problems(&compound)[0].code, Code::UnreadableEncoding);
}

#[test]
fn column_letters_as_spreadsheets_name_them() {
    assert_eq!(column_letters(0), "A");
    assert_eq!(column_letters(25), "Z");
    assert_eq!(column_letters(26), "AA");
    assert_eq!(column_letters(16_383), "XFD");
}

proptest::proptest! {
    #[test]
    fn never_panics_on_a_damaged_workbook(cut in 0usize..4000, flip in 0usize..4000) {
        let mut book = Workbook::new();
        header(book.add_worksheet(), 0);
        let mut bytes = book.save_to_buffer().unwrap();
        let flip = flip % bytes.len();
        bytes[flip] ^= 0x5A;
        bytes.truncate(cut.max(8).min(bytes.len()));
        let _ = read(&bytes);
    }
}

#[test]
fn a_minimal_xlsx_as_scripts_write_it() {
    // No row or cell numbers, inline strings, a boolean, an error, entities, a `x:` prefix,
    // no shared strings and no styles: what a hand-rolled exporter writes.
    let workbook = br#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Team &amp; Co" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    let rels = br#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/data.xml"/></Relationships>"#;
    let sheet = br#"<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>
<x:row><x:c t="inlineStr"><x:is><x:t>Team Member ID</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>Email</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>Language</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>Role IDs</x:t></x:is></x:c></x:row>
<x:row><x:c t="inlineStr"><x:is><x:t>A</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>o&apos;neil&#64;example.com</x:t></x:is></x:c><x:c t="str"><x:v>en</x:v></x:c><x:c t="b"><x:v>1</x:v></x:c></x:row>
<x:row><x:c><x:v>42</x:v></x:c><x:c t="e"><x:v>#N/A</x:v></x:c><x:c t="inlineStr"><x:is><x:t>fr</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>r1</x:t></x:is></x:c></x:row>
</x:sheetData></x:worksheet>"#;
    let xlsx = zipped(&[
        ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", rels),
        ("xl/worksheets/data.xml", sheet),
    ]);
    let read = ok(&xlsx);
    assert_eq!(read.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 3]);
    assert_eq!(read.rows[0].email, "o'neil@example.com");
    assert_eq!(read.rows[0].not_text, [(Column::RoleIds, "a true/false value (TRUE)".to_owned())]);
    assert_eq!(read.rows[1].member_id, "42");
    assert_eq!(read.rows[1].not_text, [(Column::Email, "an error (#N/A)".to_owned())]);
    assert_eq!(read.place.unwrap().worksheet, "Team & Co");
}

#[test]
fn merged_areas_beside_the_columns_or_overlapping_cost_nothing() {
    let workbook = br#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    let rels = br#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/s.xml"/></Relationships>"#;
    let mut sheet = String::from(
        r#"<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Team Member ID</t></is></c><c r="B1" t="inlineStr"><is><t>Email</t></is></c><c r="C1" t="inlineStr"><is><t>Language</t></is></c><c r="D1" t="inlineStr"><is><t>Role IDs</t></is></c></row>"#,
    );
    for row in 2..=4 {
        sheet.push_str(&format!(
            r#"<row r="{row}"><c r="A{row}" t="inlineStr"><is><t>m{row}</t></is></c><c r="B{row}" t="inlineStr"><is><t>m{row}@example.com</t></is></c><c r="C{row}" t="inlineStr"><is><t>en</t></is></c>"#
        ));
        if row != 3 {
            sheet.push_str(&format!(r#"<c r="D{row}" t="inlineStr"><is><t>r{row}</t></is></c>"#));
        }
        sheet.push_str("</row>");
    }
    sheet.push_str(r#"</sheetData><mergeCells><mergeCell ref="D2:D3"/><mergeCell ref="D3:D4"/>"#);
    // Thousands of areas beside the four columns, each over every row.
    for column in 0..5_000u32 {
        let letters = column_letters(10 + column);
        sheet.push_str(&format!(r#"<mergeCell ref="{letters}1:{letters}1000000"/>"#));
    }
    sheet.push_str("</mergeCells></worksheet>");
    let xlsx = zipped(&[
        ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", rels),
        ("xl/worksheets/s.xml", sheet.as_bytes()),
    ]);
    let read = ok(&xlsx);
    let roles: Vec<Vec<String>> = read.rows.iter().map(|r| r.role_ids.clone()).collect();
    assert_eq!(roles, [vec!["r2".to_owned()], vec!["r2".to_owned()], vec!["r4".to_owned()]]);
}

/// A BIFF record: its type, its length, its bytes.
fn biff(kind: u16, data: &[u8]) -> Vec<u8> {
    let mut record = kind.to_le_bytes().to_vec();
    record.extend((data.len() as u16).to_le_bytes());
    record.extend(data);
    record
}

/// An `.xls` whose one worksheet starts with `records` (after its BOF).
fn xls_with(records: &[Vec<u8>]) -> Vec<u8> {
    let bof = biff(0x0809, &[0, 6, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let globals_bof = biff(0x0809, &[0, 6, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let boundsheet_len = 4 + 8 + 2;
    let sheet_at = (globals_bof.len() + boundsheet_len + 4) as u32;
    let mut boundsheet = sheet_at.to_le_bytes().to_vec();
    boundsheet.extend([0, 0, 1, 0, b'S', 0]);
    let mut stream = globals_bof;
    stream.extend(biff(0x0085, &boundsheet));
    stream.extend(biff(0x000A, &[]));
    stream.extend(bof);
    for record in records {
        stream.extend(record);
    }
    stream.extend(biff(0x000A, &[]));
    let mut file = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
    file.create_stream("/Workbook").unwrap().write_all(&stream).unwrap();
    file.flush().unwrap();
    file.into_inner().into_inner()
}

#[test]
fn an_xls_claiming_more_than_it_can_hold_is_refused_not_laid_out() {
    // DIMENSIONS from row 0 to row 4,294,967,295: past what .xls allows.
    let mut dimensions = 0u32.to_le_bytes().to_vec();
    dimensions.extend(u32::MAX.to_le_bytes());
    dimensions.extend([0, 0, 4, 0, 0, 0]);
    let problems = read_problems(&xls_with(&[biff(0x0200, &dimensions)]));
    assert_eq!(problems[0].code, Code::UnreadableEncoding, "{problems:?}");
    // Two cells 65,535 rows and 255 columns apart, in each of many worksheets' worth: too large.
    let mut far = 65_535u16.to_le_bytes().to_vec();
    far.extend(255u16.to_le_bytes());
    far.extend([0; 10]);
    let near = [0u8; 14].to_vec();
    let problems = read_problems(&xls_with(&[biff(0x0203, &near), biff(0x0203, &far)]));
    assert_eq!(problems[0].code, Code::TooLarge, "{problems:?}");
}

#[test]
fn cells_and_rows_past_a_worksheet_s_bounds_are_too_large() {
    let content = br#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="S">
<table:table-row><table:table-cell table:number-columns-repeated="4294967294"/><table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>"#;
    let ods = zipped(&[("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"), ("content.xml", content)]);
    assert_eq!(read_problems(&ods)[0].code, Code::TooLarge);
    // A few bytes of spaces do not become megabytes.
    let spaces = br#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="S">
<table:table-row><table:table-cell office:value-type="string"><text:p>Team Member ID</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Email</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Language</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Role IDs</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell office:value-type="string"><text:p>A</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>a<text:s text:c="4000000000"/>b<text:s text:c="4000000000"/>c</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>en</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>r</text:p></table:table-cell></table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>"#;
    let ods = zipped(&[("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"), ("content.xml", spaces)]);
    let read = ok(&ods);
    assert_eq!(read.rows[0].oversized, [Column::Email], "{:?}", read.rows[0]);

    let workbook = br#"<workbook xmlns:r="r"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    let rels =
        br#"<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/s.xml"/></Relationships>"#;
    let sheet = br#"<worksheet><sheetData><row r="4294967295"><c t="inlineStr"><is><t>x</t></is></c></row><row><c t="inlineStr"><is><t>y</t></is></c></row></sheetData></worksheet>"#;
    let xlsx =
        zipped(&[("xl/workbook.xml", workbook), ("xl/_rels/workbook.xml.rels", rels), ("xl/worksheets/s.xml", sheet)]);
    assert_eq!(read_problems(&xlsx)[0].code, Code::TooLarge);
}
