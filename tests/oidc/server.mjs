// A real OpenID provider for muster's identity tests: oidc-provider on a loopback port.
//
//   node server.mjs --redirect-uri http://127.0.0.1:PORT/sso/callback [--shape KIND] [--tenant ID]
//
// Prints one JSON line on stdout once listening: {"issuer": "http://127.0.0.1:N…"}.
// - Shapes: the issuer, discovery document and ID token claims of a kind of provider, as its
//   real users get them. generic (the default), okta (/oauth2/default), auth0 (issuer with a
//   trailing slash), keycloak (/realms/acme), entra (/{tenant}/v2.0: tid, preferred_username,
//   xms_edov, no email_verified), google (hd).
// - Accounts (generic, okta, auth0, keycloak): ana, bob (verified emails @acme.test), eve
//   (unverified), carl@other.test. Entra: upn (UPN only), edov (email with xms_edov),
//   email-only (email without xms_edov, UPN elsewhere), other-tenant, upn-outside. Google:
//   workspace (hd acme.test), consumer (no hd), other-workspace (hd other.test).
// - Clients: `muster` (secret `muster-secret`, code flow with PKCE and CIBA poll mode) and
//   `other-app` (CIBA), to obtain tokens meant for another audience.
// - CIBA requests are approved at once: POST /backchannel with login_hint=<account>, then
//   poll the token endpoint for the ID token. The code flow serves oidc-provider's own
//   login and consent forms (any password).
// - Admin JWTs: /test/mint also takes iss, aud, azp, exp (seconds since the epoch) and org.
// - GET /test/fetches counts the requests for the discovery document and the keys.
// - Key rotation, for the tests: the provider signs with key A. GET /test/mint?kid=…&sub=…
//   signs a token itself with key A (the default), B (published only after
//   POST /test/publish-b) or C (never published); /jwks serves exactly the published keys.
import http from 'node:http';
import Provider from 'oidc-provider';
import * as jose from 'jose';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const redirectUri = args['redirect-uri'] ?? 'http://127.0.0.1/sso/callback';
const shape = args.shape ?? 'generic';
const tenant = args.tenant ?? '9188040d-6c67-4c5b-b112-36a304b66dad';

const shapes = {
  generic: { path: '', accounts: {
    ana: { email: 'ana@acme.test', email_verified: true },
    bob: { email: 'bob@acme.test', email_verified: true },
    eve: { email: 'eve@acme.test', email_verified: false },
    carl: { email: 'carl@other.test', email_verified: true },
  } },
  entra: { path: `/${tenant}/v2.0`, accounts: {
    upn: { preferred_username: 'ana@acme.test', tid: tenant },
    edov: { email: 'bob@acme.test', xms_edov: true, preferred_username: 'bob.smith@acme.test', tid: tenant },
    'email-only': { email: 'ana@acme.test', preferred_username: 'ana.x@other.test', tid: tenant },
    'other-tenant': { preferred_username: 'ana@acme.test', tid: '00000000-0000-0000-0000-000000000001' },
    'upn-outside': { preferred_username: 'ana@outside.test', tid: tenant },
  }, discovery: { tenant_region_scope: 'EU', cloud_instance_name: 'microsoftonline.com' } },
  google: { path: '', accounts: {
    workspace: { email: 'ana@acme.test', email_verified: true, hd: 'acme.test' },
    consumer: { email: 'ana@acme.test', email_verified: true },
    'other-workspace': { email: 'ana@acme.test', email_verified: true, hd: 'other.test' },
  } },
};
shapes.okta = { ...shapes.generic, path: '/oauth2/default' };
shapes.auth0 = { ...shapes.generic, path: '/' };
shapes.keycloak = { ...shapes.generic, path: '/realms/acme' };
const { path: mount, accounts, discovery = {} } = shapes[shape];

async function key(kid) {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = await jose.exportJWK(privateKey);
  return { ...jwk, kid, alg: 'RS256', use: 'sig' };
}
const keyA = await key('key-a');
const keyB = await key('key-b');
const keyC = await key('key-c');
const published = [keyA];

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;
const issuer = `${base}${mount}`;
// Where oidc-provider's routes live: under the issuer's path (the trailing slash of Auth0's
// issuer is not a path).
const prefix = mount.replace(/\/$/, '');

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'muster',
      client_secret: 'muster-secret',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'urn:openid:params:grant-type:ciba'],
      response_types: ['code'],
      backchannel_token_delivery_mode: 'poll',
    },
    {
      client_id: 'other-app',
      client_secret: 'other-secret',
      redirect_uris: ['http://127.0.0.1/other'],
      grant_types: ['urn:openid:params:grant-type:ciba'],
      response_types: [],
      backchannel_token_delivery_mode: 'poll',
    },
  ],
  jwks: { keys: [keyA] },
  // Each shape's own claims go into its ID tokens with the `openid` scope.
  claims: { openid: ['sub', 'tid', 'xms_edov', 'hd', 'preferred_username'], email: ['email', 'email_verified'] },
  discovery,
  scopes: ['openid', 'email'],
  features: {
    devInteractions: { enabled: true },
    ciba: {
      enabled: true,
      deliveryModes: ['poll'],
      processLoginHint: async (ctx, loginHint) => (accounts[loginHint] ? loginHint : undefined),
      verifyUserCode: async () => {},
      validateRequestContext: async () => {},
      triggerAuthenticationDevice: async (ctx, request, account, client) => {
        const grant = new provider.Grant({ accountId: account.accountId, clientId: client.clientId });
        grant.addOIDCScope('openid email');
        await grant.save();
        // Approved at once: the invitee "tapped yes" on their device.
        setImmediate(() => provider.backchannelResult(request, grant).catch((err) => console.error(err)));
      },
    },
  },
  findAccount: async (ctx, sub) =>
    accounts[sub] && { accountId: sub, claims: async () => ({ sub, ...accounts[sub] }) },
  pkce: { required: () => true },
  // The scope's claims (email, email_verified) go into the ID token itself.
  conformIdTokenClaims: false,
  ttl: { IdToken: 3600, AccessToken: 3600, BackchannelAuthenticationRequest: 600 },
});
provider.proxy = false;
const callback = provider.callback();

const fetches = { discovery: 0, jwks: 0 };

server.on('request', async (req, res) => {
  // Mounted like express mounts it: oidc-provider reads the prefix from `originalUrl`.
  if (prefix && req.url.startsWith(prefix)) {
    req.originalUrl = req.url;
    req.url = req.url.slice(prefix.length) || '/';
  }
  const url = new URL(req.url, base);
  if (url.pathname === '/.well-known/openid-configuration') fetches.discovery += 1;
  if (url.pathname === '/test/fetches') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(fetches));
    return;
  }
  if (url.pathname === '/jwks') {
    fetches.jwks += 1;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: published.map(({ d, p, q, dp, dq, qi, ...pub }) => pub) }));
    return;
  }
  if (url.pathname === '/test/publish-b' && req.method === 'POST') {
    if (!published.includes(keyB)) published.push(keyB);
    res.end('ok');
    return;
  }
  if (url.pathname === '/test/mint') {
    const kid = url.searchParams.get('kid') ?? 'key-a';
    const sub = url.searchParams.get('sub') ?? 'ana';
    const signing = { 'key-a': keyA, 'key-b': keyB, 'key-c': keyC }[kid];
    const account = accounts[sub];
    const claims = {
      ...account,
      nonce: url.searchParams.get('nonce') ?? undefined,
      org: url.searchParams.get('org') ?? undefined,
      azp: url.searchParams.get('azp') ?? undefined,
    };
    const exp = url.searchParams.get('exp');
    const jwt = await new jose.SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuer(url.searchParams.get('iss') ?? issuer)
      .setAudience(url.searchParams.get('aud') ?? 'muster')
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime(exp && /^\d+$/.test(exp) ? Number(exp) : (exp ?? '1h'))
      .sign(await jose.importJWK(signing, 'RS256'));
    res.end(jwt);
    return;
  }
  callback(req, res);
});

console.log(JSON.stringify({ issuer }));
// Everything else goes to stderr: stdout carries that one line.
console.log = console.error;
process.on('SIGTERM', () => process.exit(0));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
