/**
 * The checks one issuer's rules add to aws-jwt-verify's, run as that issuer's `customJwtCheck`:
 * aws-jwt-verify keeps a configuration per issuer and picks it by the token's `iss`, so each
 * issuer's tokens meet that issuer's rules and no other's.
 *
 * The library picks the configuration by the `iss` of the token before verifying it, fetches
 * that issuer's keys, verifies the signature with them, checks that `iss` equals the configured
 * issuer, and only then calls the check below. So the rules a token meets are the ones of the
 * issuer whose key signed it: a token cannot pick a laxer issuer's rules without that issuer's
 * signature, and nothing read from the token widens what the chosen rules accept.
 */
// The subpath: the package index also brings the ALB verifier into the bundle.
import { validateCognitoJwtFields } from 'aws-jwt-verify/cognito-verifier';
import type { JwtHeader, JwtPayload } from 'aws-jwt-verify/jwt-model';
import type { IssuerConfig } from '../shared/issuers-config';
import { TokenRejectedError } from '../shared/errors';

export type IssuerCheck = (props: { header: JwtHeader; payload: JwtPayload }) => void;

/** The `customJwtCheck` of one issuer: algorithm, `typ`, `crit`, `token_use` and `client_id`. */
export function issuerCheck(issuer: IssuerConfig): IssuerCheck {
  const allowedAlgorithms = new Set<string>(issuer.algorithms);
  const requiredTyp = issuer.requiredTyp ? normaliseTyp(issuer.requiredTyp) : undefined;
  const { tokenUse, audience } = issuer;
  const checkClientId = issuer.audienceClaim === 'client_id';

  return ({ header, payload }) => {
    if (typeof header.alg !== 'string' || !allowedAlgorithms.has(header.alg)) {
      throw new TokenRejectedError('ALGORITHM_NOT_ALLOWED', 'JWT algorithm is not allowed');
    }
    if (requiredTyp !== undefined) {
      const typ = header.typ;
      if (typeof typ !== 'string' || normaliseTyp(typ) !== requiredTyp) {
        throw new TokenRejectedError('BAD_TYP', 'JWT typ header is not the required one');
      }
    }
    // RFC 7515 section 4.1.11: a token whose `crit` lists an extension the recipient does not
    // understand is invalid. This authorizer understands none, so any `crit` is refused, a
    // malformed one (not a list of names, an empty list) too.
    if (Object.hasOwn(header, 'crit')) {
      throw new TokenRejectedError(
        'MALFORMED_TOKEN',
        'JWT crit header names extensions this authorizer does not support',
      );
    }
    // Cognito: an ID token must not pass where access tokens are expected, nor the reverse.
    // The library's own Cognito check (its error is mapped to BAD_TOKEN_USE).
    if (tokenUse !== undefined) {
      validateCognitoJwtFields(payload, { tokenUse, clientId: null, groups: null });
    }
    // With client_id as the audience claim, aud is not checked by the library but here: the
    // client must be accepted, and a token that names an audience too must name an accepted one
    // (a token minted for another API does not pass on its client_id alone).
    if (checkClientId) {
      const clientId: unknown = payload.client_id;
      if (typeof clientId !== 'string' || !audience.includes(clientId)) {
        throw new TokenRejectedError('BAD_AUDIENCE', 'JWT client_id is not accepted');
      }
      if (payload.aud !== undefined) {
        const named = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
        if (!named.some((name) => typeof name === 'string' && audience.includes(name))) {
          throw new TokenRejectedError('BAD_AUDIENCE', 'JWT aud names no accepted audience');
        }
      }
    }
  };
}

/** `typ` is a media type: case-insensitive, and `application/` may be left out (RFC 7515 4.1.9). */
function normaliseTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}
