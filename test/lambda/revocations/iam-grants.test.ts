/**
 * Tested = deployed: the authorizer and the revocation endpoint reach the table through the
 * IAM-enforcing endpoint as the roles the construct synthesizes, and a role missing one action
 * its code performs turns the affected request into the documented failure (500 for the
 * authorizer, 503 for the endpoint), as it would in AWS. DynamoDB Local alone accepts anything.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createRevocationEndpoint } from '../../../lambda/revocations/endpoint';
import { createDynamoDbClient, iamActions } from '../../../lambda/revocations/table';
import { loadConfig } from '../../../lambda/shared/config';
import { policiesFor } from '../../../local/iam/roles';
import type { PolicyDocument } from '../../../local/iam/policy-evaluator';
import {
  buildHandler,
  credentialsFrom,
  effectOf,
  startHarness,
  type Harness,
} from '../../helpers/harness';
import { goodClaims, ISSUER, signJwt } from '../../helpers/tokens';

let harness: Harness;
const clients: DynamoDBClient[] = [];
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await harness.stop();
});

/** The same policies with one action taken out of every statement. */
function without(policies: PolicyDocument[], action: string): PolicyDocument[] {
  const json = JSON.stringify(policies, (key, value: unknown) =>
    key === 'Action' && Array.isArray(value) ? value.filter((each) => each !== action) : value,
  );
  return JSON.parse(json) as PolicyDocument[];
}

/** Settings that act as the given identity on the harness table. */
function envAs(credentials: { accessKeyId: string; secretAccessKey: string }) {
  return {
    ...harness.env,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  };
}

/** The endpoint as deployed, acting as `credentials`, at the clock `now`. */
function endpointAs(
  credentials: { accessKeyId: string; secretAccessKey: string },
  now: () => number = Date.now,
) {
  const env = envAs(credentials);
  const config = loadConfig(env);
  const client = createDynamoDbClient(config, credentialsFrom(env));
  clients.push(client);
  const handle = createRevocationEndpoint({
    verifier: buildHandler(env, { now }).deps.verifier,
    client,
    tableName: config.revocationTableName,
    subjectRetentionSeconds: config.subjectRevocationRetentionSeconds,
    now,
  });
  const request = (action: 'revoke' | 'revoke-all', token: string, sub: string) =>
    handle({
      method: 'POST',
      action,
      contentType: 'application/x-www-form-urlencoded',
      body: action === 'revoke' ? `token=${token}` : '',
      caller: { iss: ISSUER, sub, jti: 'caller', clientId: 'web-app' },
    });
  return { request };
}

describe('the endpoint under its synthesized role', () => {
  it('revokes a token, and a warm authorizer container refuses it within the poll interval', async () => {
    const clock = { now: Date.now() };
    const claims = goodClaims({ sub: 'alice' });
    const token = signJwt(harness.key, claims);
    const container = buildHandler(harness.env, { now: () => clock.now });
    const before = await effectOf(container, token);
    const endpoint = endpointAs(harness.dynamo.as('endpoint', harness.tableName).credentials);

    const answer = await endpoint.request('revoke', token, 'alice');
    const sameInstant = await effectOf(container, token);
    clock.now += 1000 * container.config.generationPollSeconds;
    const afterOnePoll = await effectOf(container, token);

    expect(answer.statusCode).toBe(200);
    expect(before).toBe('Allow');
    // Answered from a cache confirmed less than a poll interval ago: the window this bounds.
    expect(sameInstant).toBe('Allow');
    expect(afterOnePoll).toBe('Deny');
  });

  it('logs a subject out everywhere, and a warm container refuses its tokens within the poll interval', async () => {
    const clock = { now: Date.now() };
    const token = signJwt(
      harness.key,
      goodClaims({ sub: 'bob', iat: Math.floor(clock.now / 1000) - 5 }),
    );
    const container = buildHandler(harness.env, { now: () => clock.now });
    const before = await effectOf(container, token);
    const endpoint = endpointAs(
      harness.dynamo.as('endpoint', harness.tableName).credentials,
      () => clock.now,
    );

    const answer = await endpoint.request('revoke-all', token, 'bob');
    clock.now += 1000 * container.config.generationPollSeconds;
    const afterOnePoll = await effectOf(container, token);

    expect(answer.statusCode).toBe(200);
    expect(before).toBe('Allow');
    expect(afterOnePoll).toBe('Deny');
  });

  // What each route performs: both read the generation record (GetItem), then in one
  // transaction /revoke puts the token's item and /revoke-all updates the subject's, and both put
  // every copy of the generation record.
  const needs = {
    revoke: ['dynamodb:PutItem', 'dynamodb:GetItem'],
    'revoke-all': ['dynamodb:UpdateItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
  };

  it.each(iamActions('revoker'))(
    'answers 503 on the routes that need %s when the role lacks it',
    async (action) => {
      const role = without(policiesFor('endpoint', harness.tableName), action);
      const credentials = harness.dynamo.iam.addPrincipal(`endpoint-without-${action}`, role);
      const denials = harness.dynamo.iam.denied.length;
      const endpoint = endpointAs(credentials);

      const revoke = await endpoint.request(
        'revoke',
        signJwt(harness.key, goodClaims({ sub: 'carol' })),
        'carol',
      );
      const revokeAll = await endpoint.request('revoke-all', '', 'carol');

      expect(revoke.statusCode).toBe(needs.revoke.includes(action) ? 503 : 200);
      expect(revokeAll.statusCode).toBe(needs['revoke-all'].includes(action) ? 503 : 200);
      expect(harness.dynamo.iam.denied.slice(denials).map((denial) => denial.action)).toContain(
        action,
      );
    },
  );

  it('declares exactly the actions the two routes perform', () => {
    expect(new Set([...needs.revoke, ...needs['revoke-all']])).toEqual(
      new Set(iamActions('revoker')),
    );
  });
});

describe('the authorizer under its synthesized role', () => {
  it('allows a valid token (GetItem and BatchGetItem granted)', async () => {
    const container = buildHandler(harness.env);

    expect(await effectOf(container, signJwt(harness.key, goodClaims()))).toBe('Allow');
  });

  it.each(iamActions('reader'))('fails closed (500) when the role lacks %s', async (action) => {
    const role = without(policiesFor('authorizer', harness.tableName), action);
    const credentials = harness.dynamo.iam.addPrincipal(`authorizer-without-${action}`, role);
    const container = buildHandler(envAs(credentials));
    const denials = harness.dynamo.iam.denied.length;

    // A cold container reads the generation record (GetItem), then the token and subject
    // together (BatchGetItem); a later token of a cached subject is one GetItem.
    const first = await effectOf(container, signJwt(harness.key, goodClaims({ sub: 'dave' })));
    const second = await effectOf(container, signJwt(harness.key, goodClaims({ sub: 'dave' })));

    expect([first, second]).toContain('FailClosed');
    expect([first, second]).not.toContain('Allow');
    expect(harness.dynamo.iam.denied.slice(denials).map((denial) => denial.action)).toContain(
      action,
    );
  });
});
