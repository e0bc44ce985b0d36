import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JwksFetcher } from '../../../lambda/request/jwks-fetcher';

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
