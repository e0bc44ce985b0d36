/**
 * The propagation simulation, small enough for the test run, against DynamoDB Local (the real
 * DynamoDB store and writer) and against the in-memory model: the two must agree exactly, and
 * the figures must hold: no Allow of a revoked token later than one poll interval, reads within
 * the stated budget, and the baselines as they are.
 */
import { simulate, type SimulationOptions, type StrategyResult } from '../../bench/propagation-sim';
import { LocalDynamoDb } from '../helpers/dynamodb';

const SMALL: SimulationOptions = {
  requests: 4_000,
  containers: 8,
  tokens: 300,
  users: 60,
  zipfExponent: 1,
  requestsPerSecond: 100,
  revocationEverySeconds: 2,
  seed: 11,
};

let dynamo: LocalDynamoDb;
let onDynamoDb: StrategyResult[];
let inMemory: StrategyResult[];

beforeAll(async () => {
  dynamo = await LocalDynamoDb.start();
  // Tables made unrestricted; the authorizers and the writer act as their synthesized roles.
  const admin = dynamo.client();
  const clients = [admin];
  const clientFor = (side: 'reader' | 'revoker', tableName: string) => {
    const client = dynamo.clientAs(side === 'reader' ? 'authorizer' : 'endpoint', tableName);
    clients.push(client);
    return client;
  };
  try {
    onDynamoDb = await simulate({ ...SMALL, dynamoDb: { admin, clientFor } });
  } finally {
    for (const client of clients) client.destroy();
  }
  inMemory = await simulate(SMALL);
}, 120_000);
afterAll(async () => {
  await dynamo.stop();
});

const comparable = ({ wallSeconds: _wall, ...rest }: StrategyResult) => rest;

describe('propagation simulation', () => {
  it('gives the same figures on DynamoDB Local and on the in-memory model', () => {
    expect(inMemory.map(comparable)).toEqual(onDynamoDb.map(comparable));
  });

  it('never allows a revoked token later than one poll interval with the generation record', () => {
    const [ours] = onDynamoDb;

    expect(ours?.strategy).toBe('generation record, poll 1 s');
    expect(ours?.allowsAfterBound).toBe(0);
    expect(ours?.maxDelayMs).toBeLessThanOrEqual(1000);
    expect(ours?.revocations).toBeGreaterThan(10);
  });

  it('reads at most once per container per poll interval, once per first sight, once per container per revocation', () => {
    const [ours] = onDynamoDb;
    if (!ours) throw new Error('no result');
    const budget =
      ours.pollIntervals + ours.firstSights + SMALL.containers * (1 + ours.revocations);

    expect(ours.storeReads).toBeLessThanOrEqual(budget);
    expect(ours.generationReads).toBeLessThanOrEqual(ours.pollIntervals + SMALL.containers);
  });

  it('shows the baselines: no delay but a read per request, or a long window', () => {
    const [ours, everyRequest, fixedTtl] = onDynamoDb;
    if (!ours || !everyRequest || !fixedTtl) throw new Error('missing results');

    expect(everyRequest.allowsOfRevoked).toBe(0);
    expect(everyRequest.storeReads).toBeGreaterThan(2 * ours.storeReads);
    expect(fixedTtl.maxDelayMs).toBeGreaterThan(5_000);
    expect(fixedTtl.maxDelayMs).toBeLessThanOrEqual(60_000);
    expect(fixedTtl.allowsOfRevoked).toBeGreaterThan(ours.allowsOfRevoked);
  });
});
