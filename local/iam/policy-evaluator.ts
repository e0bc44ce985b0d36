/**
 * Decides whether a principal's identity policies allow one (action, resource) pair, the way IAM
 * does within one account: denied unless a statement allows it, and an explicit Deny wins over
 * any Allow. The decision is made by a real IAM policy engine, `@cloud-copilot/iam-simulate`
 * (wildcards, NotAction/NotResource, condition operators), not by a hand-written matcher.
 *
 * iam-simulate and iam-policy are AGPL-3.0 and dev dependencies: only local test tooling may
 * import this file, never `lambda/` or `lib/`. The `PolicyEvaluator` interface keeps them
 * replaceable.
 */
import { validateIdentityPolicy } from '@cloud-copilot/iam-policy';
import { runSimulation } from '@cloud-copilot/iam-simulate';

type OneOrMany<T> = T | readonly T[];

/** One statement of an IAM policy document, as JSON. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: OneOrMany<string>;
  readonly NotAction?: OneOrMany<string>;
  readonly Resource?: OneOrMany<string>;
  readonly NotResource?: OneOrMany<string>;
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, OneOrMany<string>>>>>;
}

/** An IAM policy document, as JSON. */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Id?: string;
  readonly Statement: OneOrMany<PolicyStatement>;
}

/** IAM's three outcomes: only `Allowed` lets the request through. */
export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

export interface EvaluationRequest {
  /** The caller, e.g. `arn:aws:sts::123456789012:assumed-role/Reader/session`. */
  readonly principalArn: string;
  /** The account that owns the resource (same account as the principal here). */
  readonly account: string;
  readonly action: string;
  readonly resource: string;
  /** The principal's identity-based policies. */
  readonly policies: readonly PolicyDocument[];
}

/** What an IAM engine must offer the local DynamoDB endpoint. */
export interface PolicyEvaluator {
  /** Problems that make a policy invalid for IAM; empty when it is valid. */
  validate(policy: unknown): string[];
  /**
   * IAM's decision for one request. Throws `PolicyEvaluationError` when the engine cannot decide
   * (an action or resource type it does not know): the caller must fail closed, and loudly.
   */
  evaluate(request: EvaluationRequest): Promise<Decision>;
}

export class PolicyEvaluationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyEvaluationError';
  }
}

/** `PolicyEvaluator` backed by `@cloud-copilot/iam-simulate`. */
export class IamSimulateEvaluator implements PolicyEvaluator {
  validate(policy: unknown): string[] {
    return validateIdentityPolicy(policy).map(({ path, message }) => `${path}: ${message}`);
  }

  async evaluate(request: EvaluationRequest): Promise<Decision> {
    const response = await runSimulation(
      {
        request: {
          principal: request.principalArn,
          action: request.action,
          resource: { resource: request.resource, accountId: request.account },
          contextVariables: {},
        },
        identityPolicies: request.policies.map((policy, index) => ({
          name: `policy-${index}`,
          policy,
        })),
        // No organization: no SCPs or RCPs restrict the account (the default RCP allows all).
        serviceControlPolicies: [],
        resourceControlPolicies: [],
      },
      { simulationMode: 'Strict' },
    );
    if (response.resultType === 'error') {
      throw new PolicyEvaluationError(
        `cannot evaluate ${request.action} on ${request.resource}: ${JSON.stringify(response.errors)}`,
      );
    }
    return response.overallResult;
  }
}
