/**
 * The CDK app of the pack test (pack.test.ts): the files of a fresh consumer project, written to a
 * temporary folder outside the repository, where `jwt-revocation-authorizer` is the installed
 * tarball and nothing of this repository is reachable but TypeScript's Node.js types (which a
 * real CDK app has as a development dependency).
 */

export const STACK_NAME = 'Consumer';

/** A stack as the README shows it: the construct on a REST and an HTTP API, and grantRevoke. */
export const APP_SOURCE = `import { App, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import { RevocationAuthorizer, type RevocationAuthorizerProps } from 'jwt-revocation-authorizer';
import type { RevocationClient, RevocationClientOptions } from 'jwt-revocation-authorizer/client';

const app = new App({ outdir: 'cdk.out' });
const stack = new Stack(app, '${STACK_NAME}', {
  env: { account: '123456789012', region: 'eu-west-1' },
});
const props: RevocationAuthorizerProps = {
  issuers: [{ issuer: 'https://login.example.com/', audience: ['orders-api'] }],
  revocationEndpoint: true,
};
const revocation = new RevocationAuthorizer(stack, 'Revocation', props);

const rest = new apigateway.RestApi(stack, 'OrdersRest');
rest.root.addResource('orders').addMethod('GET', new apigateway.MockIntegration(), {
  authorizer: revocation.restTokenAuthorizer,
});
const http = new apigwv2.HttpApi(stack, 'OrdersHttp');
http.addRoutes({
  path: '/orders',
  methods: [apigwv2.HttpMethod.GET],
  integration: new HttpUrlIntegration('Upstream', 'https://orders.example.com'),
  authorizer: revocation.httpAuthorizer,
});
const supportTool = new iam.Role(stack, 'SupportTool', {
  assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
});
revocation.grantRevoke(supportTool);

// The declarations are real types, not any (skipLibCheck would hide an unresolved one): each
// of these must be an error, else the directive itself is.
// @ts-expect-error issuers is required
export const noIssuers: RevocationAuthorizerProps = {};
// @ts-expect-error tableName is required
export const noTable: RevocationClientOptions = {};
export type Revoke = RevocationClient['revokeToken'];

app.synth();
`;

/** A CDK app's usual compiler options; `typeRoots` points at Node.js's types. */
export function appTsconfig(typeRoots: string): string {
  return JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: 'node16',
      moduleResolution: 'node16',
      strict: true,
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [typeRoots],
    },
    files: ['app.ts'],
  });
}

/**
 * Prints which of the AWS SDK and the CDK each entry point loads, and uses the client: importing
 * the construct must not load the SDK, nor the client the CDK.
 */
export const LOADS_SOURCE = `const loaded = (name) =>
  Object.keys(require.cache).some((file) => file.includes(\`/node_modules/\${name}/\`));
const entry = process.argv[2];
const exported = require(entry);
if (exported.RevocationClient) {
  new exported.RevocationClient({ tableName: 'revocations', clientConfig: { region: 'eu-west-1' } });
}
console.log(
  JSON.stringify({
    exports: Object.keys(exported).sort(),
    sdk: loaded('@aws-sdk/client-dynamodb'),
    cdk: loaded('aws-cdk-lib'),
  }),
);
`;
