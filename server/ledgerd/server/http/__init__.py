"""HTTP beside gRPC (`ledgerd serve --http-address`): Modern Treasury's Ledgers REST API under
/api, calling the same use cases in process (docs/api.md, "HTTP"). app.py assembles and serves it;
the API's own modules are named after MT's resources."""
