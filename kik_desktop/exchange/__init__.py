"""Excel exchange: export of the implementation table and import of workbooks; no Qt here."""
