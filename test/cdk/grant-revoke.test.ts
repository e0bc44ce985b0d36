/**
 * grantRevoke: what your own service's role needs to revoke through RevocationClient, from the
 * table module's declaration, and nothing more.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { iamActions } from '../../lambda/revocations/table';
import { RevocationAuthorizer } from '../../lib/revocation-authorizer';

function build(withKey: boolean) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Grant', { env: { account: '123456789012', region: 'eu-west-1' } });
  const authorizer = new RevocationAuthorizer(stack, 'Authorizer', {
    issuers: [{ issuer: 'https://issuer.example', audience: ['api'] }],
    ...(withKey ? { encryptionKey: new kms.Key(stack, 'Key') } : {}),
  });
  const role = new iam.Role(stack, 'SupportTool', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
  });
  authorizer.grantRevoke(role);
  const roleId = stack.getLogicalId(role.node.defaultChild as iam.CfnRole);
  return { template: Template.fromStack(stack), roleId };
}

describe('grantRevoke', () => {
  it("grants the grantee exactly the revoking side's actions on the table", () => {
    const { template, roleId } = build(false);

    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: roleId }] },
    });
    const statements = Object.values(policies).flatMap(
      (policy) =>
        (policy as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties
          .PolicyDocument.Statement,
    );

    expect(statements).toEqual([
      {
        Action: iamActions('revoker'),
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^AuthorizerTable/), 'Arn'] },
      },
    ]);
  });

  it("adds encryption with the table's customer-managed key", () => {
    const { template, roleId } = build(true);

    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: roleId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['kms:Decrypt', 'kms:Encrypt']),
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
          }),
        ]),
      },
    });
  });
});
