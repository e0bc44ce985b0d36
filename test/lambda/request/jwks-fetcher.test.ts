import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import {
  Agent as HttpsAgent,
  createServer as createHttpsServer,
  type Server as HttpsServer,
} from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JwksFetcher } from '../../../lambda/request/jwks-fetcher';
import { toThrownError } from '../../../lambda/request/responses';
import { createTokenVerifier } from '../../../lambda/request/token-verifier';
import { loadConfig } from '../../../lambda/shared/config';
import { KeysUnavailableError } from '../../../lambda/shared/errors';
import { AUDIENCE, generateTestKey, goodClaims, ISSUER, signJwt } from '../../helpers/tokens';

let server: Server;
let requests = 0;
let base = '';

beforeAll(async () => {
  server = createServer((request, response) => {
    requests += 1;
    if (request.url === '/redirect') {
      response.writeHead(302, { location: '/jwks' }).end();
    } else if (request.url === '/big') {
      response.writeHead(200).end('x'.repeat(2048));
    } else if (request.url === '/missing') {
      response.writeHead(404).end();
    } else {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function fetcher(...paths: string[]): JwksFetcher {
  return new JwksFetcher({
    allowedUris: paths.map((path) => (path.startsWith('http') ? path : `${base}${path}`)),
    timeoutMs: 1000,
    maxBytes: 1024,
  });
}

describe('JwksFetcher', () => {
  it('fetches a configured loopback JWKS over plain HTTP', async () => {
    const body = await fetcher('/jwks').fetch(`${base}/jwks`);

    expect(Buffer.from(body).toString()).toBe('{"keys":[]}');
  });

  it('fetches nothing that is not configured', async () => {
    const before = requests;

    await expect(fetcher('/jwks').fetch(`${base}/other`)).rejects.toThrow(/not configured/);
    expect(requests).toBe(before);
  });

  it('refuses plain HTTP to a host that is not loopback, without sending anything', async () => {
    const uri = 'http://192.0.2.10/jwks';

    await expect(fetcher(uri).fetch(uri)).rejects.toThrow(/loopback only/);
  });

  it('reaches a plain-HTTP host other than loopback only when allowHttpHosts names it', async () => {
    // .invalid never resolves (RFC 6761): an allowed host fails on the lookup, not on the rule.
    const uri = 'http://dev-issuer.invalid/jwks';
    const options = { allowedUris: [uri, 'http://other.invalid/jwks'], timeoutMs: 1000 };
    const allowing = new JwksFetcher({ ...options, allowHttpHosts: ['dev-issuer.invalid'] });

    const tried = await allowing.fetch(uri).catch((error: unknown) => error as Error);
    expect(tried).toBeInstanceOf(Error);
    expect((tried as Error).message).not.toMatch(/loopback only/);
    await expect(allowing.fetch('http://other.invalid/jwks')).rejects.toThrow(/loopback only/);
    await expect(new JwksFetcher(options).fetch(uri)).rejects.toThrow(/loopback only/);
  });

  it('follows no redirect, and refuses error statuses and oversized bodies', async () => {
    await expect(fetcher('/redirect').fetch(`${base}/redirect`)).rejects.toThrow();
    await expect(fetcher('/missing').fetch(`${base}/missing`)).rejects.toThrow(
      /Status code is 404/,
    );
    await expect(fetcher('/big').fetch(`${base}/big`)).rejects.toThrow(/larger than 1024 bytes/);
  });
});

describe('JwksFetcher retries', () => {
  it('retries once when the connection fails, and not on an error status', async () => {
    let calls = 0;
    const flaky = createServer((request, response) => {
      calls += 1;
      if (request.url === '/flaky' && calls === 1) {
        request.socket.destroy();
        return;
      }
      response.writeHead(request.url === '/flaky' ? 200 : 500).end('{"keys":[]}');
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    const root = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`;
    try {
      const fetcher = new JwksFetcher({
        allowedUris: [`${root}/flaky`, `${root}/error`],
        timeoutMs: 1000,
      });

      const body = await fetcher.fetch(`${root}/flaky`);
      const before = calls;
      await expect(fetcher.fetch(`${root}/error`)).rejects.toThrow(/Status code is 500/);

      expect(Buffer.from(body).toString()).toBe('{"keys":[]}');
      expect(before).toBe(2);
      expect(calls).toBe(3);
    } finally {
      flaky.closeAllConnections();
      await new Promise<void>((resolve) => flaky.close(() => resolve()));
    }
  });
});

/** A self-signed certificate for 127.0.0.1, made for this run (node:crypto cannot make one). */
function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'jwks-tls-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What the HTTPS server pushed into one response before the client went away. */
interface Streamed {
  written: number;
  readonly closed: Promise<void>;
}

/**
 * Writes a valid JWKS padded to `totalBytes`, without a content-length (chunked), as fast as the
 * client reads it: what it manages to write is what the client accepted.
 */
function streamPaddedJwks(
  response: ServerResponse,
  keys: Record<string, string>[],
  totalBytes: number,
): Streamed {
  const streamed: Streamed = {
    written: 0,
    closed: new Promise<void>((resolve) => response.on('close', resolve)),
  };
  const chunk = Buffer.alloc(64 * 1024, 'x');
  response.writeHead(200, { 'content-type': 'application/json' });
  response.write(`{"keys":${JSON.stringify(keys)},"padding":"`);
  const pump = (): void => {
    while (streamed.written < totalBytes && !response.destroyed) {
      streamed.written += chunk.length;
      if (!response.write(chunk)) {
        response.once('drain', pump);
        return;
      }
    }
    if (!response.destroyed) response.end('"}');
  };
  pump();
  return streamed;
}

describe('JwksFetcher over HTTPS', () => {
  const FIFTY_MB = 50 * 1024 * 1024;
  const key = generateTestKey('RS256');
  let tls: { key: string; cert: string };
  let httpsServer: HttpsServer;
  let trusting: HttpsAgent;
  let root = '';
  const streams: Streamed[] = [];

  beforeAll(async () => {
    tls = selfSignedCertificate();
    httpsServer = createHttpsServer(tls, (request, response) => {
      if (request.url === '/oversized') {
        streams.push(streamPaddedJwks(response, [key.jwk], FIFTY_MB));
      } else if (request.url === '/announced-oversized') {
        response.writeHead(200, { 'content-length': String(FIFTY_MB) });
        response.write('{"keys":[');
      } else if (request.url === '/drip') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{"keys":[');
        const drip = setInterval(() => response.write(' '), 50);
        response.on('close', () => clearInterval(drip));
      } else {
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ keys: [key.jwk] }));
      }
    });
    await new Promise<void>((resolve) => httpsServer.listen(0, '127.0.0.1', resolve));
    root = `https://127.0.0.1:${(httpsServer.address() as AddressInfo).port}`;
    trusting = new HttpsAgent({ ca: tls.cert });
  });
  afterAll(async () => {
    trusting.destroy();
    httpsServer.closeAllConnections();
    await new Promise<void>((resolve) => httpsServer.close(() => resolve()));
  });

  function httpsFetcher(path: string, timeoutMs = 10_000): JwksFetcher {
    return new JwksFetcher({
      allowedUris: [`${root}${path}`],
      timeoutMs,
      maxBytes: 64 * 1024,
      httpsAgent: trusting,
    });
  }

  it('fetches a JWKS from a server whose certificate the injected agent trusts', async () => {
    const body = await httpsFetcher('/jwks').fetch(`${root}/jwks`);

    expect(JSON.parse(Buffer.from(body).toString())).toEqual({ keys: [key.jwk] });
  });

  it('refuses a certificate nobody told it to trust', async () => {
    const fetcher = new JwksFetcher({ allowedUris: [`${root}/jwks`], timeoutMs: 2000 });

    await expect(fetcher.fetch(`${root}/jwks`)).rejects.toThrow(/certificate/);
  });

  it('refuses a 50 MB JWKS quickly, and stops reading at the cap', async () => {
    const started = performance.now();

    const outcome = httpsFetcher('/oversized').fetch(`${root}/oversized`);

    await expect(outcome).rejects.toThrow(/larger than 65536 bytes/);
    expect(performance.now() - started).toBeLessThan(2000);
    const [streamed] = streams.splice(0);
    await streamed?.closed;
    // What the server could push is what the client read plus the sockets' buffers (about
    // 200 KB here): far below the 50 MB a reader that kept going would have taken.
    expect(streamed?.written).toBeLessThan(8 * 1024 * 1024);
  });

  it('refuses a body announced larger than the cap before reading it', async () => {
    const started = performance.now();

    await expect(
      httpsFetcher('/announced-oversized').fetch(`${root}/announced-oversized`),
    ).rejects.toThrow(/larger than 65536 bytes/);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('gives up on a slow-dripping body at the whole-fetch deadline, retry included', async () => {
    const started = performance.now();

    await expect(httpsFetcher('/drip', 1000).fetch(`${root}/drip`)).rejects.toThrow(
      /not received within 1000 ms/,
    );
    // One deadline for the whole fetch: a deadline per attempt would have taken 2 s.
    expect(performance.now() - started).toBeLessThan(1800);
  });

  it('makes the verifier fail closed (500, never Allow) on an oversized JWKS', async () => {
    const config = loadConfig({
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWKS_URI: `${root}/oversized`,
      JWKS_TIMEOUT_MS: '10000',
      REVOCATION_TABLE_NAME: 'revocations',
      AWS_REGION: 'us-east-1',
    });
    const verifier = createTokenVerifier(config, { jwksHttpsAgent: trusting });

    const outcome = verifier.verify(signJwt(key, goodClaims()));

    await expect(outcome).rejects.toBeInstanceOf(KeysUnavailableError);
    const thrown = await outcome.catch((error: unknown) => toThrownError(error));
    expect((thrown as Error).message).toBe('Authorizer failed closed (KEYS_UNAVAILABLE)');
    streams.splice(0);
  });
});
