"""Pictures, tables and reports."""
