"""The shared web layer of the pages (kiosk, guide console, and later boards, consoles, the visitor page).

``pages``: templates, static files, the page guard and HTML refusals; ``i18n``: the message catalogs;
``qr``: the ticket QR code as SVG; ``static/``: the one reconnecting websocket client, the fetch wrapper,
the catalog loader and the base CSS every page uses.
"""
