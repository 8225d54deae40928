"""Use cases as plain functions: keyword-only arguments, an explicit session,
no Flask request objects. Views, the API, the CLI and imports all call these."""
