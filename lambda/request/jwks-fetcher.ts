/**
 * Fetches JWKS documents for aws-jwt-verify.
 *
 * aws-jwt-verify's own fetcher speaks HTTPS only. The local dev issuer serves its JWKS over
 * plain HTTP on loopback, so this fetcher allows `http:` for loopback hosts and nothing else,
 * and it fetches only the JWKS URIs the configuration names: a token header (`jku`, `x5u`)
 * can never make the authorizer send a request anywhere.
 */
import { SimpleFetcher, type Fetcher } from 'aws-jwt-verify/https';
import { FetchError, NonRetryableFetchError } from 'aws-jwt-verify/error';
import { isLoopbackHost } from '../shared/config';

export interface JwksFetcherOptions {
  /** The only URIs that may be fetched. */
  readonly allowedUris: readonly string[];
  /** Deadline of one fetch, in milliseconds. */
  readonly timeoutMs: number;
  /** Largest JWKS accepted, in bytes. */
  readonly maxBytes?: number;
}

export class JwksFetcher implements Fetcher {
  private readonly allowed: ReadonlySet<string>;
  private readonly https: Fetcher;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;

  constructor(options: JwksFetcherOptions) {
    this.allowed = new Set(options.allowedUris);
    this.timeoutMs = options.timeoutMs;
    this.maxBytes = options.maxBytes ?? 1024 * 1024;
    this.https = new SimpleFetcher({
      defaultRequestOptions: {
        timeout: Math.min(1500, options.timeoutMs),
        responseTimeout: options.timeoutMs,
      },
    });
  }

  async fetch(uri: string): Promise<ArrayBuffer> {
    if (!this.allowed.has(uri)) {
      throw new NonRetryableFetchError(uri, 'JWKS URI is not configured');
    }
    const url = new URL(uri);
    if (url.protocol === 'https:') return this.https.fetch(uri);
    if (url.protocol !== 'http:' || !isLoopbackHost(url.hostname)) {
      throw new NonRetryableFetchError(uri, 'plain HTTP is allowed on loopback only');
    }
    // One immediate retry, as aws-jwt-verify's own fetcher does: a kept-alive connection may
    // have been closed by the server just as it was reused.
    try {
      return await this.fetchLoopback(uri);
    } catch (error) {
      if (error instanceof NonRetryableFetchError) throw error;
      return this.fetchLoopback(uri);
    }
  }

  private async fetchLoopback(uri: string): Promise<ArrayBuffer> {
    let response: Response;
    try {
      response = await fetch(uri, {
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      throw new FetchError(uri, error instanceof Error ? error.message : String(error));
    }
    if (response.status !== 200) {
      throw new NonRetryableFetchError(uri, `Status code is ${response.status}, expected 200`);
    }
    const body = await response.arrayBuffer();
    if (body.byteLength > this.maxBytes) {
      throw new NonRetryableFetchError(uri, `JWKS is larger than ${this.maxBytes} bytes`);
    }
    return body;
  }
}
