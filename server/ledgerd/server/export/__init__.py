"""`ledgerd export`: one table of one ledger as CSV or Parquet (docs/api.md, "Export")."""
