"""Console SSO for extensions: sign-in through a Mia-Platform Console and its access tokens."""
