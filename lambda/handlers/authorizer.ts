/**
 * The Lambda entry point. Everything here runs once per container, at cold start: the settings
 * are read and validated (a bad setting fails the cold start, naming it), and the verifier,
 * cache and DynamoDB client are built once and reused by every warm invocation.
 */
import { loadConfig } from '../shared/config';
import { createHandler, createProductionDeps } from '../request/authorizer';

export const handler = createHandler(createProductionDeps(loadConfig()));
