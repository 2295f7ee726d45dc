// A real OpenID provider for muster's identity tests: oidc-provider on a loopback port.
//
//   node server.mjs --redirect-uri http://127.0.0.1:PORT/sso/callback
//
// Prints one JSON line on stdout once listening: {"issuer": "http://127.0.0.1:N"}.
// - Accounts: ana, bob (verified emails @acme.test), eve (unverified), carl@other.test.
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

const accounts = {
  ana: { email: 'ana@acme.test', email_verified: true },
  bob: { email: 'bob@acme.test', email_verified: true },
  eve: { email: 'eve@acme.test', email_verified: false },
  carl: { email: 'carl@other.test', email_verified: true },
};

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
const issuer = `http://127.0.0.1:${server.address().port}`;

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
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
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
  const url = new URL(req.url, issuer);
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
