"""Statistical Yearbook on Children: ingest ministry workbooks, validate, harmonize, publish."""
