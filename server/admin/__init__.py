"""The office's browser side for managers and admins: ``/admin`` (staff, devices, printers, notices, audit log)."""
