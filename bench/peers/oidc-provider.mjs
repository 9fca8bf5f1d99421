// npm oidc-provider 9 as the token benchmark's peer: client_credentials for the same client and
// secret as the IdP's development seed, ES256-signed JWT access tokens (RFC 9068) for one API
// resource, default in-memory storage. Listens on 127.0.0.1 only.
// Usage: node oidc-provider.mjs <port> [workers, default 1]   (workers > 1: node:cluster)
import cluster from 'node:cluster';
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.argv[2] ?? 5300);
const workers = Number(process.argv[3] ?? 1);
const resource = 'urn:keyportal:api';

if (cluster.isPrimary && workers > 1) {
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('exit', (worker, code) => { if (code !== 0) process.exitCode = code; });
} else {
  // One signing key for all workers would need sharing; each worker has its own (fine for a load test).
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'es256-bench', use: 'sig', alg: 'ES256' };

  const provider = new Provider(`http://127.0.0.1:${port}`, {
    clients: [{
      client_id: 'demo-client',
      client_secret: 'demo-secret',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_post',
      scope: 'api',
      id_token_signed_response_alg: 'ES256',
    }],
    jwks: { keys: [jwk] },
    scopes: ['api'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, resourceIndicator) => {
          if (resourceIndicator !== resource) throw new Error('unknown resource');
          return { scope: 'api', audience: resource, accessTokenTTL: 3600, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } };
        },
      },
    },
  });
  provider.listen(port, '127.0.0.1');
}
