// A customer's OpenID Connect provider for the tests: npm oidc-provider on 127.0.0.1 over plain
// http, with one confidential client and a few users, configured by a settings file that the test
// harness (tests/TestSupport/Peers/OidcProviderIdp.cs) writes.
//
//   /usr/bin/node server.mjs SETTINGS.json
//
// Authorization code flow with PKCE (S256) always required; scopes openid, email, profile (and
// offline_access); the id_token carries email and email_verified. The login page (/interaction/…)
// is an HTML form with fields `login` (the user's email address or subject) and `password`;
// consent is implied, as for a first-party client, so no consent page is shown.
// POST /__control/rotate-signing-key (with the control token) puts a new signing key first and
// keeps the old one published, as a provider's key rotation does.

import { generateKeyPairSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const settings = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const users = settings.users;
const cookieKeys = [randomBytes(32).toString('hex')];
let signingKeys = [newSigningKey()];
let provider = createProvider();
let handle = provider.callback();

function newSigningKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(12).toString('hex'), alg: 'RS256', use: 'sig' };
}

function findUser(login) {
  const wanted = String(login ?? '').trim().toLowerCase();
  return users.find((u) => u.email.toLowerCase() === wanted || u.subject.toLowerCase() === wanted);
}

function samePassword(given, expected) {
  const a = Buffer.from(String(given ?? ''), 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function createProvider() {
  const instance = new Provider(settings.issuer, {
    clients: [{
      client_id: settings.clientId,
      client_secret: settings.clientSecret,
      redirect_uris: [settings.redirectUri],
      post_logout_redirect_uris: settings.postLogoutRedirectUris,
      response_types: ['code'],
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: settings.tokenEndpointAuthMethod,
    }],
    jwks: { keys: signingKeys },
    cookies: { keys: cookieKeys },
    pkce: { required: () => true },
    scopes: ['openid', 'offline_access', 'email', 'profile'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // email and email_verified in the id_token even though an access token is issued too.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, id) {
      const user = users.find((u) => u.subject === id);
      if (!user) return undefined;
      return {
        accountId: user.subject,
        async claims() {
          return { sub: user.subject, email: user.email, email_verified: user.emailVerified };
        },
      };
    },
    // Consent is implied for the one client (first-party): each authorization gets a grant of the
    // scopes it asked for, as oidc-provider's documentation shows for skipping consent.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) {
        const existing = await ctx.oidc.provider.Grant.find(grantId);
        if (existing) return existing;
      }
      if (!ctx.oidc.session.accountId) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope(ctx.oidc.params.scope);
      await grant.save();
      return grant;
    },
  });
  for (const event of ['server_error', 'authorization.error', 'grant.error', 'userinfo.error', 'introspection.error', 'end_session.error']) {
    instance.on(event, (_ctx, error) => console.error(`${event}: ${error.message}${error.error_description ? ` (${error.error_description})` : ''}`));
  }
  return instance;
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

function loginPage(res, uid, error) {
  res.statusCode = 200;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign in</title></head><body>
<h1>Sign in to the oidc-provider test identity provider</h1>
${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label>Email address <input type="text" name="login" autocomplete="username"></label>
<label>Password <input type="password" name="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button>
</form></body></html>`);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function interaction(req, res, url) {
  const details = await provider.interactionDetails(req, res);
  const { uid, prompt, params, session } = details;
  if (prompt.name === 'login') {
    if (req.method === 'POST' && url.pathname === `/interaction/${uid}/login`) {
      const form = await readForm(req);
      const user = findUser(form.get('login'));
      if (!user || !samePassword(form.get('password'), user.password)) {
        console.log(`login refused for ${JSON.stringify(form.get('login'))}`);
        return loginPage(res, uid, 'Incorrect email address or password.');
      }
      console.log(`${user.subject} signed in for ${params.client_id}`);
      return provider.interactionFinished(req, res, { login: { accountId: user.subject } }, { mergeWithLastSubmission: false });
    }
    return loginPage(res, uid);
  }
  // Consent (only reached when loadExistingGrant did not answer): granted as asked.
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { consent: details.grantId ? {} : { grantId } }, { mergeWithLastSubmission: true });
}

function rotateSigningKey(req, res) {
  const expected = Buffer.from(`Bearer ${settings.controlToken}`, 'utf8');
  const given = Buffer.from(req.headers.authorization ?? '', 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    res.statusCode = 401;
    return res.end();
  }
  // The memory adapter's store is shared by provider instances, so sessions, codes and grants
  // survive the swap; only the keys change.
  signingKeys = [newSigningKey(), ...signingKeys];
  provider = createProvider();
  handle = provider.callback();
  console.log(`signing key rotated: now ${signingKeys.map((k) => k.kid).join(', ')}`);
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json');
  return res.end(JSON.stringify({ kid: signingKeys[0].kid }));
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url, settings.issuer);
  console.log(`${req.method} ${url.pathname}`);
  try {
    if (url.pathname.startsWith('/interaction/')) return await interaction(req, res, url);
    if (url.pathname === '/__control/rotate-signing-key' && req.method === 'POST') return rotateSigningKey(req, res);
    return handle(req, res);
  } catch (error) {
    console.error(error);
    if (!res.headersSent) {
      res.statusCode = error.statusCode ?? 500;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    }
    return res.end(`${error.name}: ${error.message}`);
  }
});

// Idle keep-alive connections stay open longer than HTTP clients keep them in their pools (.NET:
// one minute), so that a client never sends a request into a connection the server is closing.
server.keepAliveTimeout = 120_000;
server.headersTimeout = 125_000;
server.listen(settings.port, '127.0.0.1', () => console.log(`listening at ${settings.issuer}`));
