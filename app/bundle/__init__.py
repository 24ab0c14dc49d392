"""The supervisord side: render its config, launch it, watch and reload it (its XML-RPC client
is app.supervisord, one layer down, for the lease keeper reads it too)."""
