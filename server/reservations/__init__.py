"""Reservations (予約): slots, codes, validation and CSV (pure), their Redis store, slip and background jobs."""
