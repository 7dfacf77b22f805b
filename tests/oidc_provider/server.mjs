// A certified OpenID provider (panva's oidc-provider) for authgw's e2e tests, on 127.0.0.1 only.
//
// Environment: OIDC_PORT (required), OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI,
// OIDC_POST_LOGOUT_REDIRECT_URI. The issuer is http://127.0.0.1:<port>, without a trailing
// slash (unlike Auth0). Its development interactions (login + consent pages) accept any login:
// the login becomes the account id (`sub`). Never deploy this.
import { Provider } from 'oidc-provider';

const port = Number.parseInt(process.env.OIDC_PORT ?? '', 10);
if (!Number.isInteger(port) || port <= 0) {
  console.error('OIDC_PORT must be a free TCP port');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is required`);
    process.exit(2);
  }
  return value;
}

const page = (title, body) => `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;

const configuration = {
  clients: [
    {
      client_id: required('OIDC_CLIENT_ID'),
      client_secret: required('OIDC_CLIENT_SECRET'),
      token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: [required('OIDC_REDIRECT_URI')],
      post_logout_redirect_uris: [required('OIDC_POST_LOGOUT_REDIRECT_URI')],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    },
  ],
  // PKCE (S256) for every client, confidential ones included (RFC 9700 §2.1.1).
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  scopes: ['openid', 'offline_access', 'email', 'profile'],
  async findAccount(_ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return { sub, email: `${sub}@example.com`, email_verified: true, name: `User ${sub}` };
      },
    };
  },
  // authgw asks for offline_access without prompt=consent (Auth0 needs none); oidc-provider then
  // drops the scope (OIDC Core §11), so refresh tokens go to every client allowed the grant.
  async issueRefreshToken(_ctx, client) {
    return client.grantTypeAllowed('refresh_token');
  },
  features: {
    devInteractions: { enabled: true },
    revocation: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      // No third-party fonts: test traffic never leaves 127.0.0.1.
      async logoutSource(ctx, form) {
        ctx.body = page('Logout Request', `<h1>Sign out?</h1>${form}<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>`);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page('Sign-out Success', '<h1>Sign-out Success</h1>');
      },
    },
  },
  ttl: { AccessToken: 3600, IdToken: 3600, RefreshToken: 86400, Session: 3600, Grant: 86400 },
  cookies: { keys: ['authgw-oidc-provider-test-cookie-key'] },
};

const provider = new Provider(issuer, configuration);
provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
