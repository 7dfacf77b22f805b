"""The login site: the sign-in page and the OAuth callback (issue 5 item 9)."""
