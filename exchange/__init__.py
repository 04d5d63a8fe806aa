"""The CSV data-exchange contract (DESIGN.md): parsing and streaming validation, no database."""
