// A real OpenID provider for tests/web/test_oidc.py: node-oidc-provider (version pinned in package.json), loaded from
// $OIDC_PROVIDER_DIR (default: <repo>/.cache/oidc-provider, where the pytest fixture installs it).
//
//   node provider.mjs <port> <redirect_uri> <post_logout_redirect_uri>
//
// Issuer http://127.0.0.1:<port>. Clients: `ipa-web` (the web side under test, confidential), `ipa-web-public` (the
// same as a public client: no secret, PKCE only) and `other-app` (a different relying party, whose ID tokens the web
// side must refuse). Sign-in through the provider's development interactions (any login name, any password, then a
// consent page); the account's `groups` claim comes from ACCOUNTS below (scope `groups`; in code flow the provider
// releases it at the userinfo endpoint only). One line of JSON on stdout when it listens.
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const [port, redirectUri, postLogoutRedirectUri] = process.argv.slice(2);
if (!port || !redirectUri || !postLogoutRedirectUri) {
  console.error('usage: node provider.mjs <port> <redirect_uri> <post_logout_redirect_uri>');
  process.exit(2);
}

const ACCOUNTS = {
  alice: { name: 'Alice Able', preferred_username: 'alice', email: 'alice@example.org', groups: ['IPA Casework', 'All staff'] },
  maya: { name: 'Maya Mann', preferred_username: 'maya', groups: ['IPA Managers'] },
  fin: { name: 'Finn Ance', preferred_username: 'fin', groups: ['finance-commercial'] },
  zed: { name: 'Zed Nobody', preferred_username: 'zed', groups: ['All staff'] },
  // a local account of the same name exists at the web side: the provider must not take it over
  casey: { name: 'Casey Impostor', preferred_username: 'casey', groups: ['IPA Managers'] },
};

async function loadProvider() {
  const dir = resolve(process.env.OIDC_PROVIDER_DIR || join(HERE, '..', '..', '..', '.cache', 'oidc-provider'));
  const pkgDir = join(dir, 'node_modules', 'oidc-provider');
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const mod = await import(pathToFileURL(join(pkgDir, pkg.main)).href);
  return { version: pkg.version, Provider: mod.default };
}

const { version, Provider } = await loadProvider();
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'ipa-web',
      client_secret: 'ipa-web-secret',
      redirect_uris: [redirectUri],
      post_logout_redirect_uris: [postLogoutRedirectUri],
      response_types: ['code'],
      grant_types: ['authorization_code'],
    },
    {
      // a public client: no secret, PKCE is its proof
      client_id: 'ipa-web-public',
      token_endpoint_auth_method: 'none',
      redirect_uris: [redirectUri],
      post_logout_redirect_uris: [postLogoutRedirectUri],
      response_types: ['code'],
      grant_types: ['authorization_code'],
    },
    {
      client_id: 'other-app',
      client_secret: 'other-app-secret',
      redirect_uris: ['http://other-app.invalid/callback'],
      response_types: ['code'],
      grant_types: ['authorization_code'],
    },
  ],
  scopes: ['openid', 'profile', 'email', 'groups'],
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    email: ['email'],
    groups: ['groups'],
  },
  async findAccount(ctx, id) {
    const account = ACCOUNTS[id] ?? { name: id, preferred_username: id, groups: [] };
    return { accountId: id, async claims() { return { sub: id, ...account }; } };
  },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  pkce: { required: () => true },
  cookies: { keys: ['tests-only-cookie-key'] },
  jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' }] },
});
provider.on('server_error', (ctx, err) => console.error('server_error', err));

const server = createServer(provider.callback());
server.listen(Number(port), '127.0.0.1', () => {
  console.log(JSON.stringify({ issuer, version }));
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
