/**
 * The package's main entry (`jwt-revocation-authorizer`): the construct, its props and the types
 * a CDK app needs. It loads no AWS SDK; the revocation client is the second entry point
 * (`jwt-revocation-authorizer/client`, `lambda/revocations/client.ts`), which loads no CDK.
 */
export {
  RevocationAuthorizer,
  validateProps,
  AUTHORIZER_METRICS,
  type FunctionTuning,
  type IAuthorizerMetrics,
  type RevocationAuthorizerProps,
  type HttpRouteScopeOptions,
  type RestMethodScopeOptions,
  type RouteScopeOptions,
  type TrustedIssuer,
} from './revocation-authorizer';
