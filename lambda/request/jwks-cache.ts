/**
 * aws-jwt-verify's JWKS cache keeps a JWKS until a token names an unknown `kid`, so a key the
 * issuer withdrew would stay trusted until the next cold start. This wrapper re-reads each JWKS
 * once it is older than a maximum age, and tells its owner (who then forgets tokens verified
 * with the old keys). If the issuer cannot be reached then, the keys in hand stay in use and
 * the refresh is tried again after the cooldown: a JWKS outage does not take the API down.
 */
import { SimpleJwksCache, type JwksCache, type Jwks, type JwkWithKid } from 'aws-jwt-verify/jwk';
import type { JwtHeader, JwtPayload } from 'aws-jwt-verify/jwt-model';

export interface MaxAgeJwksCacheOptions {
  readonly inner: SimpleJwksCache;
  readonly maxAgeMs: number;
  /** Wait before retrying a failed refresh. */
  readonly retryAfterMs: number;
  readonly now?: () => number;
  /** Called whenever a JWKS was (re)loaded. */
  readonly onRefresh?: (jwksUri: string) => void;
  /** Called when a refresh failed and the old keys stay in use. */
  readonly onRefreshFailed?: (jwksUri: string, error: unknown) => void;
}

export class MaxAgeJwksCache implements JwksCache {
  private readonly inner: SimpleJwksCache;
  private readonly now: () => number;
  /** When each JWKS is next due for a refresh. */
  private readonly dueAt = new Map<string, number>();
  private readonly refreshing = new Map<string, Promise<void>>();

  constructor(private readonly options: MaxAgeJwksCacheOptions) {
    this.inner = options.inner;
    this.now = options.now ?? Date.now;
  }

  async getJwk(
    jwksUri: string,
    decomposedJwt: { header: JwtHeader; payload: JwtPayload },
  ): Promise<JwkWithKid> {
    const due = this.dueAt.get(jwksUri);
    if (due !== undefined && this.now() >= due) await this.refresh(jwksUri);
    const jwk = await this.inner.getJwk(jwksUri, decomposedJwt);
    if (due === undefined) this.loaded(jwksUri);
    return jwk;
  }

  getCachedJwk(
    jwksUri: string,
    decomposedJwt: { header: JwtHeader; payload: JwtPayload },
  ): JwkWithKid {
    return this.inner.getCachedJwk(jwksUri, decomposedJwt);
  }

  addJwks(jwksUri: string, jwks: Jwks): void {
    this.inner.addJwks(jwksUri, jwks);
    this.loaded(jwksUri);
  }

  async getJwks(jwksUri: string): Promise<Jwks> {
    const jwks = await this.inner.getJwks(jwksUri);
    this.loaded(jwksUri);
    return jwks;
  }

  /** When the JWKS at `jwksUri` is due for a refresh (clock ms); `undefined` before it is loaded. */
  refreshDueAt(jwksUri: string): number | undefined {
    return this.dueAt.get(jwksUri);
  }

  private loaded(jwksUri: string): void {
    this.dueAt.set(jwksUri, this.now() + this.options.maxAgeMs);
    this.options.onRefresh?.(jwksUri);
  }

  private refresh(jwksUri: string): Promise<void> {
    let pending = this.refreshing.get(jwksUri);
    if (pending === undefined) {
      pending = this.getJwks(jwksUri)
        .then(
          () => undefined,
          (error: unknown) => {
            this.dueAt.set(jwksUri, this.now() + this.options.retryAfterMs);
            this.options.onRefreshFailed?.(jwksUri, error);
          },
        )
        .finally(() => this.refreshing.delete(jwksUri));
      this.refreshing.set(jwksUri, pending);
    }
    return pending;
  }
}
