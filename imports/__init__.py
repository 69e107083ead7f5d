"""The import centre's foundation: reading roster files, matching their columns, normalising their cells.

- ``imports.reading.open_table`` streams the rows of a CSV (encoding sniffed) or XLSX file;
- ``imports.headers.match_headers`` finds which column of the file holds which field;
- ``imports.cells`` turns one cell into a clean value or a message for the user.

Nothing here touches the database: the import jobs built on top decide what a row becomes.
"""
