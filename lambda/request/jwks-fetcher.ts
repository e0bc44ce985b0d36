/**
 * Fetches JWKS documents for aws-jwt-verify.
 *
 * It fetches only the JWKS URIs the configuration names, so a token header (`jku`, `x5u`) can
 * never make the authorizer send a request anywhere; over HTTPS, and over plain HTTP to loopback
 * hosts (the local dev issuer) and the development hosts `JWKS_ALLOW_HTTP_HOSTS` names only. aws-jwt-verify's own fetcher is not used: it reads a body
 * whole, however large, and gives each attempt its own time-out. Here every fetch, HTTPS or not,
 * stops reading at a byte cap and gives up at one deadline that covers the connection, the body
 * and the retry, so a hostile or broken issuer costs at most `maxBytes` of memory and
 * `timeoutMs` of time; past either the fetch fails, and the authorizer fails closed.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type Agent as HttpsAgent } from 'node:https';
import type { Fetcher } from 'aws-jwt-verify/https';
import { FetchError, NonRetryableFetchError } from 'aws-jwt-verify/error';
import { isAllowedJwksUrl } from '../shared/issuers-config';

/** An issuer's JWKS is a few kilobytes; a megabyte leaves room for hundreds of keys. */
const DEFAULT_MAX_BYTES = 1024 * 1024;

export interface JwksFetcherOptions {
  /** The only URIs that may be fetched. */
  readonly allowedUris: readonly string[];
  /**
   * Hosts besides loopback that may be reached over plain HTTP (`JWKS_ALLOW_HTTP_HOSTS`).
   * @default none
   */
  readonly allowHttpHosts?: readonly string[];
  /** Deadline of one fetch, in milliseconds: connection, whole body and retry included. */
  readonly timeoutMs: number;
  /**
   * Largest JWKS accepted, in bytes; reading stops there.
   * @default 1 MiB
   */
  readonly maxBytes?: number;
  /**
   * Agent for HTTPS requests (tests pass one that trusts their own certificate).
   * @default Node's global agent, which trusts the usual certificate authorities
   */
  readonly httpsAgent?: HttpsAgent;
}

export class JwksFetcher implements Fetcher {
  private readonly allowed: ReadonlySet<string>;
  private readonly allowHttpHosts: readonly string[];
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly httpsAgent: HttpsAgent | undefined;

  constructor(options: JwksFetcherOptions) {
    this.allowed = new Set(options.allowedUris);
    this.allowHttpHosts = options.allowHttpHosts ?? [];
    this.timeoutMs = options.timeoutMs;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.httpsAgent = options.httpsAgent;
  }

  /**
   * Fetches `uri` (one of the configured URIs). `requestOptions.signal`, as in the Fetch API,
   * ends the fetch sooner than its own deadline (the cold start's prefetch uses it).
   */
  async fetch(
    uri: string,
    requestOptions: { readonly signal?: AbortSignal } = {},
  ): Promise<ArrayBuffer> {
    if (!this.allowed.has(uri)) {
      throw new NonRetryableFetchError(uri, 'JWKS URI is not configured');
    }
    const url = new URL(uri);
    if (!isAllowedJwksUrl(url, this.allowHttpHosts)) {
      throw new NonRetryableFetchError(
        uri,
        'plain HTTP is allowed on loopback only (and the hosts JWKS_ALLOW_HTTP_HOSTS names)',
      );
    }
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const deadline = requestOptions.signal
      ? AbortSignal.any([timeout, requestOptions.signal])
      : timeout;
    // One immediate retry, as aws-jwt-verify's own fetcher does: a kept-alive connection may
    // have been closed by the server just as it was reused. It shares the deadline.
    try {
      return await this.fetchOnce(url, deadline);
    } catch (error) {
      if (error instanceof NonRetryableFetchError) throw error;
      return this.fetchOnce(url, deadline);
    }
  }

  private async fetchOnce(url: URL, deadline: AbortSignal): Promise<ArrayBuffer> {
    const uri = url.href;
    try {
      const response = await this.get(url, deadline);
      if (response.statusCode !== 200) {
        response.destroy();
        throw new NonRetryableFetchError(
          uri,
          `Status code is ${response.statusCode}, expected 200`,
        );
      }
      if (Number(response.headers['content-length']) > this.maxBytes) {
        response.destroy();
        throw this.tooLarge(uri);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      // Leaving the loop early (the throw) destroys the response and its connection: nothing
      // past the cap is read.
      for await (const chunk of response as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > this.maxBytes) throw this.tooLarge(uri);
        chunks.push(chunk);
      }
      const body = Buffer.concat(chunks, size);
      return body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength);
    } catch (error) {
      if (deadline.aborted) {
        throw new NonRetryableFetchError(
          uri,
          // AbortSignal.any passes on the reason of whichever signal ended it.
          (deadline.reason as Error | undefined)?.name === 'TimeoutError'
            ? `JWKS not received within ${this.timeoutMs} ms`
            : 'JWKS fetch abandoned by its caller',
        );
      }
      if (error instanceof FetchError) throw error;
      throw new FetchError(uri, error instanceof Error ? error.message : String(error));
    }
  }

  /** Sends the request; resolves once the status and headers have arrived. */
  private get(url: URL, deadline: AbortSignal): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const options = { headers: { accept: 'application/json' }, signal: deadline };
      const request =
        url.protocol === 'https:'
          ? httpsRequest(url, { ...options, agent: this.httpsAgent }, resolve)
          : httpRequest(url, options, resolve);
      request.on('error', reject);
      request.end();
    });
  }

  private tooLarge(uri: string): NonRetryableFetchError {
    return new NonRetryableFetchError(uri, `JWKS is larger than ${this.maxBytes} bytes`);
  }
}
