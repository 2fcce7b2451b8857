"""The contract's reports (日報・月報・年報, DESIGN §10, contract §16): figures, formats and due dates.

- ``model``: the report as msgspec Structs: exactly the JSON of DESIGN §10, plus the statistics.
- ``compute``: pure, from the records of business days (``DayArchive``), the tallies, the incidents and the
  config to a ``Report``. No I/O.
- ``periods`` and ``wareki``: the day, month or fiscal year (April–March) a report covers, its 和暦 title,
  and when each report is due (``due``).
- ``tables``, ``spreadsheet``, ``html``: the same report as CSV, XLSX and printable A4 HTML.
- ``source``: reads the records through the store's readers, the only part that does I/O.
"""
