"""auth0client's write side: logins, refreshes, logouts (one module per topic)."""
