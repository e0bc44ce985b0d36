/**
 * An issuer's JWKS endpoint on loopback. It counts requests and can be switched to answer
 * with garbage, an error status, bytes of the test's choosing, or nothing at all, to test how
 * the authorizer copes; it counts the unanswered requests whose connection the client closed.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type JwksMode = 'ok' | 'garbage' | 'status-500' | 'raw' | 'hang';

export class JwksServer {
  requests = 0;
  mode: JwksMode = 'ok';
  /** The body answered in mode `raw`, with status 200. */
  rawBody: Buffer = Buffer.alloc(0);
  /** Unanswered (`hang`) requests whose connection the client has closed, over the server's life. */
  hungClosed = 0;
  private readonly waiters: (() => void)[] = [];
  private keys: Record<string, string>[];
  private readonly server: Server;

  private constructor(keys: Record<string, string>[]) {
    this.keys = keys;
    this.server = createServer((request, response) => {
      this.requests += 1;
      this.wake();
      switch (this.mode) {
        case 'hang':
          request.socket.setTimeout(0);
          request.socket.once('close', () => {
            this.hungClosed += 1;
            this.wake();
          });
          return; // never answers; closed when the server stops
        case 'raw':
          response.writeHead(200, { 'content-type': 'application/json' }).end(this.rawBody);
          return;
        case 'garbage':
          response.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": 42');
          return;
        case 'status-500':
          response.writeHead(500).end('oops');
          return;
        case 'ok':
          response
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ keys: this.keys }));
      }
    });
  }

  static async start(keys: Record<string, string>[]): Promise<JwksServer> {
    const jwks = new JwksServer(keys);
    await new Promise<void>((resolve) => jwks.server.listen(0, '127.0.0.1', resolve));
    return jwks;
  }

  get uri(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/.well-known/jwks.json`;
  }

  /**
   * Resolves once `condition` holds, checked now and at each request and each closed unanswered
   * request (`until(() => jwks.hungClosed >= 1)`).
   */
  until(condition: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (condition()) resolve();
        else this.waiters.push(check);
      };
      check();
    });
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  setKeys(keys: Record<string, string>[]): void {
    this.keys = keys;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
