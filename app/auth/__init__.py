"""Accounts: registration, log-in and log-out, roles, the instructor-only check."""
