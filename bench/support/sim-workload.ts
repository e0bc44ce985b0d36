/**
 * The simulation's workload: signed tokens of many users, requests spread over containers by a
 * seeded Zipf law (the same workload for every strategy), the revocations arriving through it,
 * and a wave of "log out everywhere" when asked for.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSigningKeyPair, publicJwk, signCompactJws } from '../../local/jwt-signing';
import type { SimulationOptions } from '../propagation-sim';

export const ISSUER = 'https://issuer.simulation.example';
export const AUDIENCE = 'simulated-api';
export const METHOD_ARN = 'arn:aws:execute-api:us-east-1:123456789012:sim/prod/GET/orders';

/** A small, seeded PRNG (mulberry32): the same workload for every strategy. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function zipfSampler(size: number, exponent: number, random: () => number): () => number {
  const cdf = new Float64Array(size);
  let total = 0;
  for (let rank = 0; rank < size; rank += 1) {
    total += 1 / Math.pow(rank + 1, exponent);
    cdf[rank] = total;
  }
  return () => {
    const target = random() * total;
    let low = 0;
    let high = size - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((cdf[mid] ?? 0) < target) low = mid + 1;
      else high = mid;
    }
    return low;
  };
}

/**
 * How fast Lambda adds execution environments to one function: 1 000 every 10 seconds (Lambda
 * Developer Guide, "Lambda scaling behavior"). A fleet of 20 000 warm containers took at least
 * 200 s to come up; the simulation's ramp follows it, so cold starts are not all in one second.
 */
export const LAMBDA_SCALING = { environments: 1000, everySeconds: 10 } as const;

export interface Workload {
  readonly tokens: string[];
  readonly jtis: string[];
  /** Per request: its virtual time (ms), token index and container index. */
  readonly requestAt: Float64Array;
  readonly requestToken: Uint32Array;
  readonly requestContainer: Uint16Array;
  /** Revocations in time order: virtual ms and token index. */
  readonly revocations: { at: number; token: number }[];
  /** "Log out everywhere" of the wave, in time order: virtual ms and user index. */
  readonly logouts: { at: number; user: number }[];
  /** The tokens of each user (token `i` belongs to user `i % users`). */
  readonly tokensOfUser: number[][];
  readonly exp: number;
  /** The public key that signed the tokens, as the issuer publishes it. */
  readonly jwk: Record<string, string>;
}

export function makeWorkload(options: SimulationOptions, start: number): Workload {
  const random = prng(options.seed);
  const zipf = zipfSampler(options.tokens, options.zipfExponent, random);
  const { privateKey } = generateSigningKeyPair('RS256');
  const exp = Math.floor(start / 1000) + 7 * 86400;
  const header = { alg: 'RS256', kid: 'sim', typ: 'JWT' };
  const jtis: string[] = [];
  const tokens: string[] = [];
  for (let index = 0; index < options.tokens; index += 1) {
    const jti = `sim-${options.seed}-${index}`;
    const payload = {
      iss: ISSUER,
      aud: AUDIENCE,
      sub: `user-${index % options.users}`,
      jti,
      iat: Math.floor(start / 1000) - 60,
      exp,
    };
    tokens.push(signCompactJws('RS256', privateKey, header, payload));
    jtis.push(jti);
  }
  // With a ramp, containers come up as Lambda adds them, each getting `ramp.requestsPerSecond`
  // meanwhile; then `options.requests` arrive at `requestsPerSecond` over the whole fleet.
  const available = (second: number): number =>
    Math.min(
      options.containers,
      LAMBDA_SCALING.environments * (Math.floor(second / LAMBDA_SCALING.everySeconds) + 1),
    );
  const rampSeconds = options.ramp
    ? Math.ceil(options.containers / LAMBDA_SCALING.environments - 1) * LAMBDA_SCALING.everySeconds
    : 0;
  const perSecond: number[] = [];
  for (let second = 0; second < rampSeconds; second += 1) {
    perSecond.push(Math.round(available(second) * (options.ramp?.requestsPerSecond ?? 0)));
  }
  const rampRequests = perSecond.reduce((sum, count) => sum + count, 0);
  const total = rampRequests + options.requests;
  const requestAt = new Float64Array(total);
  const requestToken = new Uint32Array(total);
  const requestContainer = new Uint16Array(total);
  let index = 0;
  perSecond.forEach((count, second) => {
    for (let k = 0; k < count; k += 1, index += 1) {
      requestAt[index] = second * 1000 + (k * 1000) / count;
      requestContainer[index] = Math.floor(random() * available(second));
      requestToken[index] = zipf();
    }
  });
  for (let k = 0; k < options.requests; k += 1, index += 1) {
    requestAt[index] = rampSeconds * 1000 + (k * 1000) / options.requestsPerSecond;
    requestContainer[index] = Math.floor(random() * options.containers);
    requestToken[index] = zipf();
  }
  const durationMs = (requestAt[total - 1] ?? 0) + 1000 / options.requestsPerSecond;
  const revoked = new Set<number>();
  const revocations: { at: number; token: number }[] = [];
  for (
    let at = options.revocationEverySeconds * 1000;
    at < durationMs;
    at += options.revocationEverySeconds * 1000
  ) {
    let token = zipf();
    for (let tries = 0; revoked.has(token) && tries < 100; tries += 1) token = zipf();
    if (revoked.has(token)) continue;
    revoked.add(token);
    revocations.push({ at, token });
  }
  const logouts: { at: number; user: number }[] = [];
  const wave = options.wave;
  if (wave) {
    if (wave.subjects > options.users) throw new Error('the wave logs out more users than exist');
    // Distinct users in a seeded random order, evenly spread over the wave.
    const users = Array.from({ length: options.users }, (_, user) => user);
    for (let index = users.length - 1; index > 0; index -= 1) {
      const other = Math.floor(random() * (index + 1));
      [users[index], users[other]] = [users[other] ?? 0, users[index] ?? 0];
    }
    for (let index = 0; index < wave.subjects; index += 1) {
      const at = (wave.startSeconds + (index * wave.durationSeconds) / wave.subjects) * 1000;
      logouts.push({ at, user: users[index] ?? 0 });
    }
  }
  const jwk = publicJwk(privateKey, 'sim', 'RS256');
  const tokensOfUser = Array.from({ length: options.users }, () => [] as number[]);
  for (let index = 0; index < options.tokens; index += 1)
    tokensOfUser[index % options.users]?.push(index);
  return {
    tokens,
    jtis,
    requestAt,
    requestToken,
    requestContainer,
    revocations,
    logouts,
    tokensOfUser,
    exp,
    jwk,
  };
}

export async function jwksServer(
  jwk: Record<string, string>,
): Promise<{ uri: string; server: Server }> {
  const jwks = JSON.stringify({ keys: [jwk] });
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { uri: `http://127.0.0.1:${port}/jwks.json`, server };
}
