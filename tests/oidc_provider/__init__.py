"""panva's oidc-provider, a certified OpenID provider, for the e2e tests (see provider.py)."""
