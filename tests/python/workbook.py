"""What a script does with muster's workbooks, with openpyxl (the way many scripts handle
.xlsx). Driven by tests/api/workbooks.rs.

    workbook.py fill TEMPLATE OUT ID:EMAIL:LANGUAGE ...   fills the template's first worksheet,
        one row per member, each with every role id listed on the Roles worksheet
    workbook.py dump WORKBOOK                              prints every worksheet as JSON: its
        cells (value, type, number format, hyperlink), bold header, frozen panes, widths
"""

import datetime
import json
import sys

from openpyxl import load_workbook
from openpyxl.utils.escape import unescape


def fill(template, out, members):
    book = load_workbook(template)
    roles = book["Roles"]
    role_ids = [row[0] for row in roles.iter_rows(min_row=2, values_only=True) if row[0]]
    sheet = book.worksheets[0]
    sheet.delete_rows(2, sheet.max_row)  # the example row
    for member in members:
        member_id, email, language = member.split(":")
        sheet.append([member_id, email, language, ",".join(role_ids)])
    book.save(out)


def cell_of(cell):
    value = cell.value
    if isinstance(value, (datetime.datetime, datetime.date)):
        value = value.isoformat()
    elif isinstance(value, str):
        # Text as Excel shows it: a workbook escapes a literal `_xHHHH` as `_x005F_xHHHH`
        # (OOXML's escapes of characters XML cannot hold), and openpyxl leaves the escape in.
        # A link whose token holds `_x` and four hex digits reads back escaped otherwise.
        value = unescape(value)
    return {
        "value": value,
        "type": cell.data_type,
        "format": cell.number_format,
        "link": cell.hyperlink.target if cell.hyperlink else None,
        "bold": bool(cell.font and cell.font.b),
        "date": cell.is_date,
    }


def dump(path):
    book = load_workbook(path)
    out = {}
    for sheet in book.worksheets:
        out[sheet.title] = {
            "rows": [[cell_of(cell) for cell in row] for row in sheet.iter_rows()],
            "frozen": sheet.freeze_panes,
            "widths": {key: dim.width for key, dim in sheet.column_dimensions.items()},
        }
    print(json.dumps(out))


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "fill":
        fill(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif command == "dump":
        dump(sys.argv[2])
    else:
        sys.exit(f"unknown command {command}")
