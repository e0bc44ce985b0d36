/**
 * Revoking from your own services: the writer the CLI and the revocation endpoint use, behind a
 * small client, so every change is announced to warm authorizer containers (within one poll
 * interval). A direct table write that skips it is bounded only by `NOT_REVOKED_TTL_SECONDS`.
 *
 * Permissions: revoking and reading a status need the construct's `grantRevoke(grantee)` (the
 * `revoker` side of the table: GetItem, PutItem, UpdateItem); removing a revocation also needs
 * DeleteItem (the `operator` side, docs/permissions.md).
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import {
  deleteSubjectRevocation,
  deleteTokenRevocation,
  readRevocationStatus,
  subjectKey,
  subjectRevocationProblem,
  tokenKey,
  tokenRevocationProblem,
  writeSubjectRevocation,
  writeTokenRevocation,
  type RevocationStatus,
  type WriteOutcome,
} from './table';

export type { RevocationStatus, WriteOutcome };

export interface RevocationClientOptions {
  /** The revocation table (the construct's `table.tableName`). */
  readonly tableName: string;
  /**
   * The DynamoDB client to use. Give either this or `clientConfig`, not both.
   * @default a client built from `clientConfig` (region and credentials from the environment)
   */
  readonly dynamoDb?: DynamoDBClient;
  /**
   * Configuration of the client built when `dynamoDb` is not given.
   * @default {}
   */
  readonly clientConfig?: DynamoDBClientConfig;
  /**
   * Clock in milliseconds.
   * @default Date.now
   */
  readonly now?: () => number;
}

/** Who revokes and why, kept on the item for the audit trail. */
export interface RevocationReason {
  readonly reason?: string;
  readonly revokedBy?: string;
}

/** How long a "log out everywhere" record is kept by default: longer than most tokens live. */
const DEFAULT_SUBJECT_KEEP_SECONDS = 30 * 86400;

export class RevocationClient {
  private readonly dynamoDb: DynamoDBClient;
  private readonly ownsClient: boolean;
  private readonly tableName: string;
  private readonly now: () => number;

  constructor(options: RevocationClientOptions) {
    if (options.dynamoDb && options.clientConfig) {
      throw new Error('RevocationClient: give either dynamoDb or clientConfig, not both');
    }
    if (!options.tableName) throw new Error('RevocationClient: tableName is required');
    this.dynamoDb = options.dynamoDb ?? new DynamoDBClient(options.clientConfig ?? {});
    this.ownsClient = options.dynamoDb === undefined;
    this.tableName = options.tableName;
    this.now = options.now ?? Date.now;
  }

  /**
   * Revokes one token, named by its issuer and `jti`, until its `exp` (plus the largest leeway
   * an authorizer may apply). Throws on bad input, before anything is written. Resolves to
   * `changed: false` when a revocation as long or longer was already in force (nothing written).
   */
  async revokeToken(
    token: {
      readonly iss: string;
      readonly jti: string;
      readonly exp: number;
      readonly sub?: string;
    },
    why: RevocationReason = {},
  ): Promise<WriteOutcome> {
    const revocation = { ...token, ...why };
    const problem = tokenRevocationProblem(revocation);
    if (problem !== undefined) throw new Error(`RevocationClient: cannot revoke: ${problem}`);
    return writeTokenRevocation(this.dynamoDb, this.tableName, revocation, this.now);
  }

  /**
   * Logs a subject out everywhere: revokes every token of (iss, sub) issued before `notBefore`
   * (default: now, rounded up to the next second). The record is kept `keepForSeconds` after
   * that (default 30 days): make it longer than the issuer's longest-lived token. A later time
   * already recorded is kept.
   */
  async revokeSubject(
    subject: {
      readonly iss: string;
      readonly sub: string;
      readonly notBefore?: number;
      readonly keepForSeconds?: number;
    },
    why: RevocationReason = {},
  ): Promise<{ notBefore: number } & WriteOutcome> {
    const notBefore = subject.notBefore ?? Math.floor(this.now() / 1000) + 1;
    const revocation = {
      iss: subject.iss,
      sub: subject.sub,
      notBefore,
      keepUntil: notBefore + (subject.keepForSeconds ?? DEFAULT_SUBJECT_KEEP_SECONDS),
      ...why,
    };
    const problem = subjectRevocationProblem(revocation);
    if (problem !== undefined) throw new Error(`RevocationClient: cannot revoke: ${problem}`);
    return writeSubjectRevocation(this.dynamoDb, this.tableName, revocation, this.now);
  }

  /** Removes a token's revocation made by mistake; true when there was one. */
  unrevokeToken(iss: string, jti: string): Promise<boolean> {
    return deleteTokenRevocation(this.dynamoDb, this.tableName, iss, jti);
  }

  /** Removes a subject's "log out everywhere"; true when there was one. */
  unrevokeSubject(iss: string, sub: string): Promise<boolean> {
    return deleteSubjectRevocation(this.dynamoDb, this.tableName, iss, sub);
  }

  /** Whether a token is revoked in the table, since when, until when and why. */
  tokenStatus(iss: string, jti: string): Promise<RevocationStatus> {
    return this.status(tokenKey(iss, jti));
  }

  /** Whether a subject is logged out everywhere, and from when. */
  subjectStatus(iss: string, sub: string): Promise<RevocationStatus> {
    return this.status(subjectKey(iss, sub));
  }

  /** Closes the connections of the DynamoDB client it built (a client given to it is left open). */
  destroy(): void {
    if (this.ownsClient) this.dynamoDb.destroy();
  }

  private status(key: string): Promise<RevocationStatus> {
    return readRevocationStatus(this.dynamoDb, this.tableName, key, this.now() / 1000);
  }
}
