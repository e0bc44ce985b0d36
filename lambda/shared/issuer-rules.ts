/**
 * The rules one trusted issuer's tokens must meet, and the checks of a combination of rules that
 * no token of that issuer could ever meet. No imports: the CDK construct validates its props with
 * the same checks, without loading runtime code.
 */

export const SUPPORTED_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;
export type Algorithm = (typeof SUPPORTED_ALGORITHMS)[number];

/** The claim holding the audience: `aud`, or `client_id` (Cognito access tokens carry no `aud`). */
export const AUDIENCE_CLAIMS = ['aud', 'client_id'] as const;
export type AudienceClaim = (typeof AUDIENCE_CLAIMS)[number];

/** Cognito's `token_use` claim: an access token, or an OpenID Connect ID token. */
export const TOKEN_USES = ['access', 'id'] as const;
export type TokenUse = (typeof TOKEN_USES)[number];

/**
 * A Cognito user pool's issuer, in either of its documented formats:
 * `https://cognito-idp.<region>.amazonaws.com/<pool id>` (the original) and
 * `https://issuer-cognito-idp.<region>.amazonaws.com/<pool id>` (the updated one), and the same
 * under `amazonaws.com.cn`.
 */
const COGNITO_ISSUER =
  /^https:\/\/(?:issuer-)?cognito-idp\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/[a-z0-9-]+_[A-Za-z0-9]+$/;

export function isCognitoIssuer(issuer: string): boolean {
  return COGNITO_ISSUER.test(issuer);
}

/** Only Cognito writes `token_use`; its tokens must be access tokens unless the entry says `id`. */
export function defaultTokenUse(issuer: string): TokenUse | undefined {
  return isCognitoIssuer(issuer) ? 'access' : undefined;
}

/** How the checks below name the two settings in their messages. */
export interface RuleNames {
  readonly audienceClaim: string;
  readonly tokenUse: string;
}

const ENTRY_NAMES: RuleNames = { audienceClaim: 'audienceClaim', tokenUse: 'tokenUse' };

/**
 * What is wrong with one issuer's rules once resolved (entry value, else the global setting):
 * `tokenUse` on an issuer that writes no `token_use`, and an audience claim the issuer's tokens
 * of that use never carry (which would refuse every token). Empty when they are consistent.
 */
export function issuerRuleProblems(
  rules: {
    readonly issuer: string;
    readonly audienceClaim: AudienceClaim;
    /** The entry's own `tokenUse`, as written (not defaulted). */
    readonly tokenUse: TokenUse | undefined;
  },
  names: RuleNames = ENTRY_NAMES,
): string[] {
  const cognito = isCognitoIssuer(rules.issuer);
  if (rules.tokenUse !== undefined && !cognito) {
    return [
      `${names.tokenUse} applies to Cognito issuers only (https://cognito-idp.<region>.amazonaws.com/<pool id>); other issuers write no token_use claim`,
    ];
  }
  if (!cognito) return [];
  const tokenUse = rules.tokenUse ?? 'access';
  if (tokenUse === 'access' && rules.audienceClaim !== 'client_id') {
    return [
      `a Cognito access token carries no aud claim: set ${names.audienceClaim} to client_id (or ${names.tokenUse} to id, to accept ID tokens instead)`,
    ];
  }
  if (tokenUse === 'id' && rules.audienceClaim !== 'aud') {
    return [
      `a Cognito ID token names its client in aud, not client_id: set ${names.audienceClaim} to aud`,
    ];
  }
  return [];
}
