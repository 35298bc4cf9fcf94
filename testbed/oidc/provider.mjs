// A real OpenID provider on loopback for access-es's tests: oidc-provider (OpenID Certified), with
// its development login form (any password; the login names an account of the users file), its own
// discovery, JWKS, token, userinfo and end_session endpoints, and signing keys that rotate on demand.
//
//   node provider.mjs CONFIG.json
//
// CONFIG.json (written by testbed/oidc_provider.py):
//   {"port": 0, "clients": [{client_id, client_secret, redirect_uris, post_logout_redirect_uris,
//    token_endpoint_auth_method?}], "users": "USERS.json", "id_token_claims": false,
//    "end_session": true, "ttl_id_token": 3600, "auth_methods": ["client_secret_post"]?}
// USERS.json, read at every login (the test changes it between logins):
//   {"ada": {"email": "ada@example.com", "groups": ["es-admins"]}}
//
// The test's own controls, under /__test/ (never part of a real provider):
//   POST /__test/rotate            a new signing key, first in the JWKS (the old one stays, second)
//   POST /__test/tamper?mode=M     the next token answer carries an ID token made wrong in way M:
//        expired, aud (issued to another client), foreign-key (signed by a key not in the JWKS),
//        foreign-kid (the same, under the kid of a real key), none (alg none),
//        hs256-pubkey (HMAC keyed with the provider's public key), nonce (another nonce)
// The first line on stdout is `ready ISSUER` once it listens.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import * as jose from 'jose';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const users = () => JSON.parse(readFileSync(config.users, 'utf8'));

async function newKey() {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = await jose.exportJWK(privateKey);
  return { ...jwk, kid: `k-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`, alg: 'RS256', use: 'sig' };
}

let keys = [await newKey()];
let tamper = null;
let issuer = '';

function publicJwk(jwk) {
  const { d, p, q, dp, dq, qi, ...pub } = jwk;
  return pub;
}

async function spoil(idToken, mode) {
  const claims = jose.decodeJwt(idToken);
  const header = jose.decodeProtectedHeader(idToken);
  const now = Math.floor(Date.now() / 1000);
  const sign = async (payload, key, protectedHeader) => new jose.SignJWT(payload)
    .setProtectedHeader(protectedHeader).sign(await jose.importJWK(key, 'RS256'));
  const real = keys[0];
  switch (mode) {
    case 'expired':
      return sign({ ...claims, iat: now - 7200, exp: now - 3600 }, real, header);
    case 'aud':
      return sign({ ...claims, aud: 'another-client', azp: 'another-client' }, real, header);
    case 'nonce':
      return sign({ ...claims, nonce: 'not-the-nonce' }, real, header);
    case 'foreign-key': {
      const other = await newKey();
      return sign(claims, other, { alg: 'RS256', kid: other.kid });
    }
    case 'foreign-kid': {
      const other = await newKey();
      return sign(claims, other, { alg: 'RS256', kid: real.kid });
    }
    case 'none': {
      const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
      return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    }
    case 'hs256-pubkey': {
      // The classic confusion: the provider's public key (as PEM and as its JWK's JSON) used as an
      // HMAC secret, in the hope that a verifier keyed by the JWKS takes it for one.
      const pem = await jose.exportSPKI(await jose.importJWK(publicJwk(real), 'RS256'));
      return new jose.SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: real.kid })
        .sign(new TextEncoder().encode(pem));
    }
    default:
      throw new Error(`unknown tamper mode ${mode}`);
  }
}

function makeProvider() {
  const provider = new Provider(issuer, {
    clients: config.clients,
    cookies: { keys: ['access-es-test-provider-cookie-key'] },
    jwks: { keys },
    findAccount(ctx, id) {
      const user = users()[id];
      if (!user) return undefined;
      return {
        accountId: id,
        async claims() {
          return { sub: id, ...user };
        },
      };
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups'],
    },
    scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
    conformIdTokenClaims: !config.id_token_claims,
    ...(config.auth_methods ? { clientAuthMethods: config.auth_methods } : {}),
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: config.end_session !== false },
    },
    pkce: { required: () => true },
    ttl: { IdToken: config.ttl_id_token || 3600 },
    // First-party clients: no consent screen; the grant covers what was asked.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope([...ctx.oidc.requestParamScopes].join(' '));
      grant.addOIDCClaims(Object.keys(ctx.oidc.claims?.id_token || {}));
      grant.addOIDCClaims(Object.keys(ctx.oidc.claims?.userinfo || {}));
      await grant.save();
      return grant;
    },
  });
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/token' && tamper && ctx.body && ctx.body.id_token) {
      const mode = tamper;
      tamper = null;
      ctx.body = { ...ctx.body, id_token: await spoil(ctx.body.id_token, mode) };
    }
  });
  return provider;
}

let provider;
const server = createServer(async (req, res) => {
  const url = new URL(req.url, issuer);
  if (url.pathname.startsWith('/__test/') && req.method === 'POST') {
    if (url.pathname === '/__test/rotate') {
      keys = [await newKey(), keys[0]];
      provider = makeProvider();
    } else if (url.pathname === '/__test/tamper') {
      tamper = url.searchParams.get('mode');
    } else {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ kids: keys.map((k) => k.kid), tamper }));
    return;
  }
  provider.callback()(req, res);
});

server.listen(config.port || 0, '127.0.0.1', () => {
  issuer = `http://127.0.0.1:${server.address().port}`;
  provider = makeProvider();
  process.stdout.write(`ready ${issuer}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
