/**
 * What the benchmark takes from the authorizer as deployed: this entry is bundled exactly as
 * the function is (`lib/bundling.ts`: minified ESM, the SDK inside), so the timed handler runs
 * the same code, with the same SDK copy, as the one in Lambda.
 */
export { createHandler, createProductionDeps } from '../lambda/request/authorizer';
export { loadConfig } from '../lambda/shared/config';
export { createDynamoDbClient } from '../lambda/revocations/table';
export { PowertoolsTelemetry } from '../lambda/shared/telemetry';
export { GetItemCommand } from '@aws-sdk/client-dynamodb';
