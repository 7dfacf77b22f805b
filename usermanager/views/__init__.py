"""usermanager's HTTP views: users, UMS configurations, the Auth0 hook and /userinfo."""
