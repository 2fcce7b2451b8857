"""Errors of the printing library. Each has a ``code`` a caller can log or publish as it is."""

from __future__ import annotations


class PrinterError(Exception):
    """Base class: the job did not reach the printer (or it is not known whether it did)."""

    code = "printer_error"


class PrinterTimeoutError(PrinterError, TimeoutError):
    """Connecting, writing or waiting for an answer took longer than its timeout."""

    code = "printer_timeout"


class PrinterConnectionError(PrinterError, ConnectionError):
    """The printer refused or dropped the connection, or its device could not be opened."""

    code = "printer_unreachable"


class PrinterUnavailableError(PrinterError):
    """This machine cannot drive that kind of printer (e.g. pyusb is not installed)."""

    code = "printer_unavailable"
