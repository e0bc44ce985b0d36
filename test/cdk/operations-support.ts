/**
 * Helpers of the operating tests (function-tuning.test.ts, instance-metrics.test.ts): stacks with
 * bundling skipped, the construct's authorizers attached, and the synthesized template read back.
 */
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  RevocationAuthorizer,
  type RevocationAuthorizerProps,
} from '../../lib/revocation-authorizer';

export const ISSUER = { issuer: 'https://issuer.example', audience: ['api'] };
export const ENV = { account: '123456789012', region: 'eu-west-1' };

export function newStack(): Stack {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return new Stack(app, 'Test', { env: ENV });
}

export function build(
  props: Partial<RevocationAuthorizerProps> = {},
  stack: Stack = newStack(),
  id = 'Authorizer',
): { authorizer: RevocationAuthorizer; stack: Stack } {
  const authorizer = new RevocationAuthorizer(stack, id, { issuers: [ISSUER], ...props });
  return { authorizer, stack };
}

/** Every kind of authorizer the construct makes, each on a route. */
export function attachEveryAuthorizer(authorizer: RevocationAuthorizer, stack: Stack): void {
  const rest = new apigateway.RestApi(stack, 'Api');
  rest.root.addResource('token').addMethod('GET', new apigateway.MockIntegration(), {
    authorizer: authorizer.restTokenAuthorizer,
  });
  rest.root.addResource('request').addMethod('GET', new apigateway.MockIntegration(), {
    authorizer: authorizer.restRequestAuthorizer,
  });
  const http = new apigwv2.HttpApi(stack, 'HttpApi');
  const integration = new HttpUrlIntegration('Upstream', 'https://example.com');
  for (const [path, each] of [
    ['/simple', authorizer.httpAuthorizer],
    ['/iam', authorizer.httpIamAuthorizer],
  ] as const) {
    http.addRoutes({ path, methods: [apigwv2.HttpMethod.GET], integration, authorizer: each });
  }
}

export function logicalId(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

export type Resource = { Type: string; Properties: Record<string, unknown> };

export function resources(template: Template, type: string): Resource[] {
  return Object.values(template.findResources(type)) as Resource[];
}

export function resourceById(template: Template, id: string): Resource {
  return (template.toJSON().Resources as Record<string, Resource>)[id]!;
}

export function functionVariables(
  template: Template,
  descriptionStart: string,
): Record<string, string> {
  const fn = resources(template, 'AWS::Lambda::Function').find((each) =>
    String(each.Properties.Description).startsWith(descriptionStart),
  );
  const variables = (fn?.Properties.Environment as { Variables: Record<string, unknown> })
    .Variables;
  return Object.fromEntries(
    Object.entries(variables).filter((entry): entry is [string, string] => {
      return typeof entry[1] === 'string';
    }),
  );
}

/** The dashboards' bodies as JSON, each reference written as `<{"Ref":...}>` text. */
export function dashboardBodies(template: Template): DashboardBody[] {
  return resources(template, 'AWS::CloudWatch::Dashboard').map((dashboard) => {
    const [, parts] = (dashboard.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] })[
      'Fn::Join'
    ];
    const text = parts
      .map((part) =>
        typeof part === 'string' ? part : `<${JSON.stringify(part).replace(/"/g, "'")}>`,
      )
      .join('');
    return JSON.parse(text) as DashboardBody;
  });
}

export interface DashboardBody {
  widgets: {
    properties: {
      title?: string;
      metrics?: unknown[][];
      annotations?: { alarms?: string[] };
    };
  }[];
}

/** The dashboard's rows of the authorizer's own metrics: namespace, name and dimensions. */
export function ownMetricRows(body: DashboardBody): { name: string; dimensions: string[] }[] {
  return body.widgets
    .flatMap((widget) => widget.properties.metrics ?? [])
    .filter((row) => row[0] === 'JwtRevocationAuthorizer')
    .map((row) => ({
      name: String(row[1]),
      dimensions: row.slice(2).filter((cell): cell is string => typeof cell === 'string'),
    }));
}

export function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

export { captureOutput } from '../helpers/output';
