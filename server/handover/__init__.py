"""Export and handover (DESIGN §10, contract §12(6), §12(8)): the data belongs to the city.

``madoguchi export`` writes a self-describing zip archive of a period (tickets of archived days, reservations,
tallies, incident reports, the audit log; JSON Lines and CSV side by side, a manifest with SHA-256 of every
file and a README of every column) that the city or a successor reads without madoguchi; ``madoguchi import``
loads such an archive into another installation's day archive without touching its live state.

- ``tables``: every file's columns once (JSON field, Japanese CSV header, meaning in Japanese and English) and
  how a stored record becomes a row and back. Pure.
- ``readme``: the archive's README.md, built from ``tables`` and the manifest. Pure.
- ``package``: the zip itself: writing it (rows streamed to files, checksums, manifest) and reading it back
  (format and checksums verified before anything is read).
- ``exporter`` and ``importer``: from a store into an archive, and from an archive into a store.
"""
