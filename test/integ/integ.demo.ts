/**
 * The deployed end-to-end test, run by `@aws-cdk/integ-runner` (docs/integration-test.md): the
 * demo stack behind a Cognito user pool that this test creates, so the assertions can mint real
 * access tokens (AdminInitiateAuth) with no secret committed anywhere.
 *
 * 1. user A signs in; `GET /hello` answers 200 on the REST and the HTTP API;
 * 2. A revokes its own token through `POST /revoke`; both APIs answer 403 within the bound below;
 * 3. user B signs in, gets 200, logs out everywhere through `POST /revoke-all`; then 403.
 *
 * Without an AWS account, CI checks only this app's snapshot (`*.snapshot/`, committed):
 * `npm run integ:snapshot`, which synthesizes and compares, offline and with no credentials.
 */
import { App, Aws, Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { ExpectedResult, IntegTest, type IApiCall } from '@aws-cdk/integ-tests-alpha';
import { DemoStack } from '../../lib/demo-stack';

/**
 * How long an assertion waits for a revocation to show. The demo's window is
 * `MaxRevocationDelaySeconds` (1 s: no API Gateway cache, a 1 s generation poll); the bound
 * leaves room for the assertion's own polling (every 5 s) and cold starts, and no more.
 */
const REVOCATION_BOUND = Duration.minutes(2);

const app = new App();

// The issuer: a user pool with an app client that lets an administrator sign users in.
const issuerStack = new Stack(app, 'JwtRevocationIntegIssuer');
const pool = new cognito.UserPool(issuerStack, 'Pool', {
  selfSignUpEnabled: false,
  removalPolicy: RemovalPolicy.DESTROY,
});
const client = pool.addClient('Client', {
  authFlows: { adminUserPassword: true },
  generateSecret: false,
});

const demo = new DemoStack(app, 'JwtRevocationInteg', {
  // Cognito access tokens name their client in client_id and carry no aud.
  issuers: [{ issuer: pool.userPoolProviderUrl, audience: [client.userPoolClientId] }],
  audienceClaim: 'client_id',
  tableRemovalPolicy: RemovalPolicy.DESTROY,
  tableDeletionProtection: false,
});

const integ = new IntegTest(app, 'JwtRevocationIntegTest', {
  testCases: [issuerStack, demo],
  // A new test: there is no earlier snapshot to deploy first.
  stackUpdateWorkflow: false,
  cdkCommandOptions: { destroy: { args: { force: true } } },
});

const COGNITO = '@aws-sdk/client-cognito-identity-provider';
// A password no one knows in advance: unique to each deployment of the assertion stack.
const password = Fn.join('', ['Integ-1a!', Fn.select(2, Fn.split('/', Aws.STACK_ID))]);

/** Creates `username` with a permanent password and signs in: the calls and the access token. */
function signIn(username: string): { first: IApiCall; last: IApiCall; token: string } {
  const user = { UserPoolId: pool.userPoolId, Username: username };
  const create = integ.assertions.awsApiCall(COGNITO, 'AdminCreateUser', {
    ...user,
    MessageAction: 'SUPPRESS',
  });
  const setPassword = integ.assertions.awsApiCall(COGNITO, 'AdminSetUserPassword', {
    ...user,
    Password: password,
    Permanent: true,
  });
  const auth = integ.assertions.awsApiCall(
    COGNITO,
    'AdminInitiateAuth',
    {
      UserPoolId: pool.userPoolId,
      ClientId: client.userPoolClientId,
      AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: username, PASSWORD: password },
    },
    // Only the access token: a custom resource answers at most 4 KB.
    ['AuthenticationResult.AccessToken'],
  );
  create.next(setPassword).next(auth);
  return {
    first: create,
    last: auth,
    token: auth.getAttString('AuthenticationResult.AccessToken'),
  };
}

/** A request with `token`; `step` names it, so that equal requests at two steps stay apart. */
function call(url: string, token: string, step: string, method = 'GET', body?: string): IApiCall {
  return integ.assertions.httpApiCall(url, {
    method,
    headers: {
      Authorization: Fn.join('', ['Bearer ', token]),
      'X-Integ-Step': step,
      ...(body === undefined ? {} : { 'Content-Type': 'application/x-www-form-urlencoded' }),
    },
    ...(body === undefined ? {} : { body }),
  });
}

const status = (code: number) => ExpectedResult.objectLike({ status: code });
const eventually = (apiCall: IApiCall): IApiCall =>
  apiCall.waitForAssertions({
    totalTimeout: REVOCATION_BOUND,
    interval: Duration.seconds(5),
    backoffRate: 1,
  });

const restHello = demo.restApi.urlForPath('/hello');
const httpHello = `${demo.httpApi.apiEndpoint}/hello`;

// 1-2: one token, revoked through POST /revoke.
const alice = signIn('integ-alice');
const aliceRest = call(restHello, alice.token, 'alice-before');
aliceRest.expect(status(200));
const aliceHttp = call(httpHello, alice.token, 'alice-before');
aliceHttp.expect(status(200));
// GET /orders requires orders:read (ROUTE_SCOPES); a Cognito sign-in token has no such scope.
const aliceOrders = call(demo.restApi.urlForPath('/orders'), alice.token, 'alice-orders');
aliceOrders.expect(status(403));
const revoke = call(
  demo.restApi.urlForPath('/revoke'),
  alice.token,
  'alice-revoke',
  'POST',
  Fn.join('', ['token=', alice.token]),
);
revoke.expect(status(200));
const aliceRestAfter = call(restHello, alice.token, 'alice-after');
aliceRestAfter.expect(status(403));
const aliceHttpAfter = call(httpHello, alice.token, 'alice-after');
aliceHttpAfter.expect(status(403));

// 3: every token of a user, revoked through POST /revoke-all.
const bob = signIn('integ-bob');
const bobRest = call(restHello, bob.token, 'bob-before');
bobRest.expect(status(200));
const revokeAll = call(demo.restApi.urlForPath('/revoke-all'), bob.token, 'bob-revoke-all', 'POST');
revokeAll.expect(status(200));
const bobRestAfter = call(restHello, bob.token, 'bob-after');
bobRestAfter.expect(status(403));

alice.last
  .next(aliceRest)
  .next(aliceHttp)
  .next(aliceOrders)
  .next(revoke)
  .next(eventually(aliceRestAfter))
  .next(eventually(aliceHttpAfter))
  .next(bob.first);
bob.last.next(bobRest).next(revokeAll).next(eventually(bobRestAfter));

Validations.of(app).acknowledge({
  id: 'CloudFormation-Validate::W2501',
  reason:
    "The test users' password is not written anywhere: it is derived from the assertion stack's id at deploy time, unique to each deployment, for users that live only as long as the test.",
});
app.synth();
