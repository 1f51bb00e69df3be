"""Legacy backfill (DESIGN §3, §7): a registrar's old spreadsheet or database export in,
every row ISSUED, PENDING_PRIOR or REJECTED, one results line per row out.

    table.py    read CSV (encoding and separator detected) or XLSX, streaming
    headers.py  the header line: English field names or the Persian aliases
    cells.py    a spreadsheet cell as the text a record field expects
    run.py      rows in batches through issuing, results in input order, resumable
"""
