"""Staff accounts, sessions, devices, guards, rate limits and the audit log (DESIGN §3, §4, §8)."""
