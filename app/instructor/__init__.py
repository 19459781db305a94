"""The instructor workspace: rooms of views on one blueprint (`views/`), their forms (`forms/`),
the services they share (bank, lessons, import and export, the stale-edit check)."""
