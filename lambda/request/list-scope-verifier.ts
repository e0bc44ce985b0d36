/**
 * aws-jwt-verify's verifier, accepting `scope` as a list of strings too (see
 * `ListScopeJwtVerifier`); the token verifier builds on it.
 */
// The subpath: the package index also brings the Cognito and ALB verifiers into the bundle.
import {
  JwtVerifier,
  type JwtVerifierProperties,
  type VerifyProperties,
} from 'aws-jwt-verify/jwt-verifier';
import { JwtParseError } from 'aws-jwt-verify/error';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import {
  isJsonObject,
  safeJsonParse,
  type Json,
  type JsonObject,
} from 'aws-jwt-verify/safe-json-parse';

/** A scope as issuers write it: one space-separated string, or a list of strings. */
export function isScopeValue(value: unknown): value is string | string[] {
  return (
    typeof value === 'string' ||
    (Array.isArray(value) && value.every((item) => typeof item === 'string'))
  );
}

type VerifierProperties = Partial<VerifyProperties>;

/**
 * aws-jwt-verify's verifier, except that `scope` may also be a list of strings (as several
 * issuers write it, and as `scp` already may be). The library refuses a list `scope` while it
 * parses the token, before any signature check. So a token it refuses is looked at again: if
 * its `scope` is a list of strings, the library parses and checks the token with that one claim
 * set aside, and the claim is put back afterwards. The library keeps every other check, and the
 * signature is verified over the token's original bytes.
 */
export class ListScopeJwtVerifier extends JwtVerifier<
  VerifierProperties,
  JwtVerifierProperties<VerifierProperties>,
  true
> {
  protected override getVerifyParameters(jwt: string, properties?: VerifierProperties) {
    try {
      return super.getVerifyParameters(jwt, properties);
    } catch (error) {
      const listScope = error instanceof JwtParseError ? setAsideListScope(jwt) : undefined;
      if (listScope === undefined) throw error;
      const parameters = super.getVerifyParameters(listScope.jwtWithoutScope, properties);
      const decomposedJwt = {
        ...parameters.decomposedJwt,
        payload: listScope.payload as JwtPayload,
        payloadB64: listScope.payloadB64,
      };
      return { ...parameters, decomposedJwt };
    }
  }
}

const BASE64URL_PART = /^[A-Za-z0-9_-]+={0,2}$/;

/**
 * For a compact JWT whose payload holds `scope` as a list of strings: the payload as parsed, its
 * original base64url, and the same token with `scope` left out of the payload (not signed, only
 * for the library's parser). `undefined` for any other token.
 */
function setAsideListScope(
  jwt: string,
): { payload: JsonObject; payloadB64: string; jwtWithoutScope: string } | undefined {
  const [headerB64, payloadB64, signatureB64, ...rest] = jwt.split('.');
  // Only a well-formed three-part token: anything else stays the library's refusal.
  if (
    rest.length > 0 ||
    headerB64 === undefined ||
    payloadB64 === undefined ||
    signatureB64 === undefined ||
    ![headerB64, payloadB64, signatureB64].every((part) => BASE64URL_PART.test(part))
  ) {
    return undefined;
  }
  let payload: Json;
  try {
    payload = safeJsonParse(Buffer.from(payloadB64, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isJsonObject(payload) || !Array.isArray(payload.scope) || !isScopeValue(payload.scope)) {
    return undefined;
  }
  const withoutScope: JsonObject = { ...payload };
  delete withoutScope.scope;
  const strippedB64 = Buffer.from(JSON.stringify(withoutScope)).toString('base64url');
  return {
    payload,
    payloadB64,
    jwtWithoutScope: `${headerB64}.${strippedB64}.${signatureB64}`,
  };
}
