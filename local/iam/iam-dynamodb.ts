/**
 * A DynamoDB endpoint that enforces IAM, for tests. DynamoDB Local accepts any
 * credentials for any operation, so a missing grant in the construct passed every test. This
 * loopback proxy sits in front of it: it identifies the caller by the access key id
 * of its SigV4 `Authorization` header, works out the (action, resource) pairs the request needs
 * (`dynamodb-actions.ts`), asks an IAM policy engine about each one against the caller's
 * identity policies, and either answers exactly as DynamoDB answers a denied request or forwards
 * the request unchanged and pipes the upstream's answer back.
 *
 * The signature is not verified: the point is authorization, not authentication. The keys are
 * made up per test run and the proxy listens on 127.0.0.1 only (every interface only with local
 * mode's `--docker`); checking SigV4 would need the canonical request rebuilt, for no protection
 * a test needs. The access key id maps to a principal the way a real key maps to its IAM identity.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  operationFromTarget,
  requiredPermissions,
  UnmappableRequestError,
  type RequiredPermission,
} from './dynamodb-actions';
import {
  IamSimulateEvaluator,
  type PolicyDocument,
  type PolicyEvaluator,
} from './policy-evaluator';

/** DynamoDB's own cap on a request (BatchWriteItem's 16 MB); larger bodies are refused unread. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';
const CREDENTIAL = /Credential=([^/,\s]+)\//;
/**
 * The one access key id the upstream sees, whoever called: set-up clients of a local DynamoDB
 * (local mode's table creation) sign with it too, so all share one database.
 */
export const UPSTREAM_ACCESS_KEY_ID = 'local';
const MAX_DENIALS_KEPT = 1000;

export interface IamDynamoDbOptions {
  /** The real DynamoDB-compatible server, e.g. DynamoDB Local's `http://127.0.0.1:<port>`. */
  readonly upstream: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '123456789012' */
  readonly account?: string;
  /** @default an `IamSimulateEvaluator` */
  readonly evaluator?: PolicyEvaluator;
  /**
   * Address to listen on; `0.0.0.0` lets a Docker container reach it (local mode's `--docker`).
   * The endpoint it reports stays `http://127.0.0.1:<port>`.
   * @default '127.0.0.1'
   */
  readonly host?: string;
}

export interface LocalCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** One refused permission, as DynamoDB's message states it. */
export interface Denial {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  /** Refused by a Deny statement, rather than for want of an Allow. */
  readonly explicit: boolean;
}

interface Principal {
  readonly name: string;
  /** `undefined` for the unrestricted set-up principal. */
  readonly policies: readonly PolicyDocument[] | undefined;
}

export class IamDynamoDb {
  /** Requests received, whatever became of them. */
  requests = 0;
  /** Requests passed on to the upstream. */
  forwarded = 0;
  /** Every refused permission, in order. */
  readonly denied: Denial[] = [];
  private readonly principals = new Map<string, Principal>();
  private readonly sockets = new Set<Socket>();
  private readonly agent = new Agent({ keepAlive: true });
  private readonly region: string;
  private readonly account: string;
  private readonly evaluator: PolicyEvaluator;

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
    private readonly upstream: string,
    options: IamDynamoDbOptions,
  ) {
    this.region = options.region ?? 'us-east-1';
    this.account = options.account ?? '123456789012';
    this.evaluator = options.evaluator ?? new IamSimulateEvaluator();
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      // An evaluator that cannot decide (PolicyEvaluationError) fails closed too, with a 500: a
      // fault of this tool, which must not pass for a denial.
      this.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) {
          this.answerError(response, 500, 'InternalServerError', String(error));
        } else response.destroy();
      });
    });
  }

  /** Listens on a free loopback port (or `host`'s) in front of `upstream`. */
  static async start(options: IamDynamoDbOptions): Promise<IamDynamoDb> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, options.host ?? '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new IamDynamoDb(server, `http://127.0.0.1:${port}`, options.upstream, options);
  }

  /**
   * Registers a principal (an assumed role named `name`) with its identity-based policies and
   * returns credentials that identify it. Throws when a policy is not valid IAM.
   */
  addPrincipal(name: string, policies: readonly PolicyDocument[]): LocalCredentials {
    const problems = policies.flatMap((policy, index) =>
      this.evaluator.validate(policy).map((problem) => `policies[${index}] ${problem}`),
    );
    if (problems.length > 0) {
      throw new Error(`IamDynamoDb: invalid policy for ${name}:\n- ${problems.join('\n- ')}`);
    }
    return this.register({ name, policies: [...policies] });
  }

  /** Credentials that pass every check: for test set-up (tables, raw items). */
  addAdmin(name = 'admin'): LocalCredentials {
    return this.register({ name, policies: undefined });
  }

  /** Closes the listener, every client connection and the pooled upstream connections. */
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.agent.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private register(principal: Principal): LocalCredentials {
    const accessKeyId = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
    this.principals.set(accessKeyId, principal);
    return { accessKeyId, secretAccessKey: randomBytes(20).toString('base64') };
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    this.requests += 1;
    const body = await readBody(request);
    if (body === undefined) {
      // The rest of the body is not read: close the connection once the answer is out.
      response.on('finish', () => request.destroy());
      this.answerError(response, 413, 'RequestEntityTooLarge', 'Request entity too large');
      return;
    }
    const accessKeyId = CREDENTIAL.exec(request.headers.authorization ?? '')?.[1];
    if (accessKeyId === undefined) {
      this.answerError(
        response,
        400,
        'MissingAuthenticationTokenException',
        'Request is missing Authentication Token',
      );
      return;
    }
    const principal = this.principals.get(accessKeyId);
    if (!principal) {
      this.answerError(
        response,
        400,
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
      );
      return;
    }
    if (principal.policies !== undefined) {
      let permissions: RequiredPermission[];
      try {
        permissions = this.permissionsFor(request, body);
      } catch (error) {
        // Fail closed: a request whose permissions are unknown is never forwarded.
        if (!(error instanceof UnmappableRequestError || error instanceof SyntaxError)) throw error;
        const type =
          error instanceof SyntaxError ? 'SerializationException' : 'ValidationException';
        this.answerError(response, 400, type, `IamDynamoDb refused the request: ${error.message}`);
        return;
      }
      const denial = await this.firstDenial(principal, permissions);
      if (denial) {
        this.denied.push(denial);
        // A long-running npm start keeps only the latest refusals.
        if (this.denied.length > MAX_DENIALS_KEPT)
          this.denied.splice(0, this.denied.length - MAX_DENIALS_KEPT);
        this.answerAccessDenied(response, denial);
        return;
      }
    }
    this.forward(request, body, response);
  }

  private permissionsFor(request: IncomingMessage, body: Buffer): RequiredPermission[] {
    const target = request.headers['x-amz-target'];
    const operation = operationFromTarget(Array.isArray(target) ? target[0] : target);
    if (operation === undefined) {
      throw new UnmappableRequestError('X-Amz-Target names no DynamoDB operation', 'unsupported');
    }
    return requiredPermissions(operation, JSON.parse(body.toString('utf8')), {
      region: this.region,
      account: this.account,
    });
  }

  /** The first permission the policies do not allow: IAM, too, names only one. */
  private async firstDenial(
    principal: Principal,
    permissions: readonly RequiredPermission[],
  ): Promise<Denial | undefined> {
    for (const { action, resource } of permissions) {
      const decision = await this.evaluator.evaluate({
        principalArn: this.principalArn(principal.name),
        account: this.account,
        action,
        resource,
        policies: principal.policies ?? [],
      });
      if (decision !== 'Allowed') {
        return {
          principal: principal.name,
          action,
          resource,
          explicit: decision === 'ExplicitlyDenied',
        };
      }
    }
    return undefined;
  }

  private principalArn(name: string): string {
    return `arn:aws:sts::${this.account}:assumed-role/${name}/session`;
  }

  /**
   * DynamoDB's answer to a denied request. The implicit-deny wording is the one real callers
   * quote (e.g. "User: arn:aws:sts::<account>:assumed-role/<role>/<session> is not authorized to
   * perform: dynamodb:Query on resource: arn:aws:dynamodb:...:table/<name> because no
   * identity-based policy allows the dynamodb:Query action", in AntonShuvaev/intellij-dynamodb#29
   * (2023) and ministryofjustice/modernisation-platform#6789 (2024)); the explicit one is the IAM
   * User Guide's ("... with an explicit deny in an identity-based policy", troubleshoot access
   * denied with authorization ID, which appends the policy ARN where IAM knows it). The body's
   * key is `Message`, as in DynamoDB's AccessDeniedException bodies (sebdah/dynamic-dynamodb#321).
   */
  private answerAccessDenied(response: ServerResponse, denial: Denial): void {
    const reason = denial.explicit
      ? 'with an explicit deny in an identity-based policy'
      : `because no identity-based policy allows the ${denial.action} action`;
    const message =
      `User: ${this.principalArn(denial.principal)} is not authorized to perform: ` +
      `${denial.action} on resource: ${denial.resource} ${reason}`;
    this.answerError(response, 400, 'AccessDeniedException', message, 'Message');
  }

  /** An error as DynamoDB's JSON protocol sends it: the SDK throws an error of that name. */
  private answerError(
    response: ServerResponse,
    status: number,
    type: string,
    message: string,
    messageKey: 'message' | 'Message' = 'message',
  ): void {
    const body = JSON.stringify({
      __type: `com.amazon.coral.service#${type}`,
      [messageKey]: message,
    });
    response
      .writeHead(status, {
        'content-type': JSON_CONTENT_TYPE,
        'content-length': Buffer.byteLength(body),
        'x-amzn-ErrorType': type,
        'x-amzn-RequestId': randomUUID(),
      })
      .end(body);
  }

  /**
   * Sends the request on (same body, same headers but one) and pipes the answer back. The
   * access key id in the signature becomes `UPSTREAM_ACCESS_KEY_ID`: DynamoDB Local keeps a
   * separate database per access key unless started with -sharedDb, so each role's own key
   * would find no table. Neither local server checks signatures, so the rewrite is harmless.
   */
  private forward(request: IncomingMessage, body: Buffer, response: ServerResponse): void {
    this.forwarded += 1;
    const headers = { ...request.headers };
    if (typeof headers.authorization === 'string') {
      headers.authorization = headers.authorization.replace(
        CREDENTIAL,
        `Credential=${UPSTREAM_ACCESS_KEY_ID}/`,
      );
    }
    const onward = httpRequest(
      `${this.upstream}${request.url ?? '/'}`,
      { method: request.method, headers, agent: this.agent },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    onward.on('error', () => response.destroy());
    onward.end(body);
  }
}

/** The whole body, or `undefined` once it passes `MAX_BODY_BYTES` (the rest is not read). */
async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
