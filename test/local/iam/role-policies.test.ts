import {
  createIntrinsicResolver,
  rolePoliciesFromTemplate,
  unresolvedArn,
  type CfnTemplate,
} from '../../../local/iam/role-policies';
import { IamSimulateEvaluator } from '../../../local/iam/policy-evaluator';

const resolve = createIntrinsicResolver({
  region: 'us-east-1',
  account: '123456789012',
  refs: { Table: 'revocations' },
  attributes: { 'Table.Arn': 'arn:aws:dynamodb:us-east-1:123456789012:table/revocations' },
});
const TABLE_ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/revocations';

const statement = (action: string, resource: unknown) => ({
  Effect: 'Allow',
  Action: action,
  Resource: resource,
});

describe('rolePoliciesFromTemplate', () => {
  const template: CfnTemplate = {
    Resources: {
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: {
          ManagedPolicyArns: ['arn:aws:iam::aws:policy/AdministratorAccess'],
          Policies: [
            {
              PolicyName: 'inline',
              PolicyDocument: { Statement: [statement('dynamodb:Query', TABLE_ARN)] },
            },
          ],
        },
      },
      OtherRole: { Type: 'AWS::IAM::Role', Properties: {} },
      RolePolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          Roles: [{ Ref: 'Role' }],
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              statement('dynamodb:GetItem', [
                { 'Fn::GetAtt': ['Table', 'Arn'] },
                { Ref: 'AWS::NoValue' },
              ]),
              statement('logs:PutLogEvents', { 'Fn::GetAtt': ['LogGroup', 'Arn'] }),
            ],
          },
        },
      },
      OtherRolePolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          Roles: [{ Ref: 'OtherRole' }],
          PolicyDocument: { Statement: [statement('dynamodb:DeleteItem', '*')] },
        },
      },
    },
  };

  it("collects the role's inline policies and the policies attached to it, and no other's", () => {
    const documents = rolePoliciesFromTemplate(template, 'Role', resolve);

    expect(documents).toEqual([
      { Statement: [statement('dynamodb:Query', TABLE_ARN)] },
      {
        Version: '2012-10-17',
        Statement: [
          statement('dynamodb:GetItem', [TABLE_ARN]),
          statement('logs:PutLogEvents', unresolvedArn('LogGroup')),
        ],
      },
    ]);
  });

  it('gives documents that are valid IAM, placeholders included', () => {
    const evaluator = new IamSimulateEvaluator();
    const withPlaceholders = {
      Resources: {
        ...template.Resources,
        Imported: {
          Type: 'AWS::IAM::Policy',
          Properties: {
            Roles: [{ Ref: 'Role' }],
            PolicyDocument: {
              Statement: [
                statement('dynamodb:GetItem', { 'Fn::ImportValue': 'SharedTableArn' }),
                statement('dynamodb:Query', { 'Fn::Sub': '${Unknown.Arn}/index/*' }),
              ],
            },
          },
        },
      },
    };

    const documents = rolePoliciesFromTemplate(withPlaceholders, 'Role', resolve);

    expect(documents).toHaveLength(3);
    expect(documents.flatMap((document) => evaluator.validate(document))).toEqual([]);
  });

  it('refuses a logical id that is not a role', () => {
    expect(() => rolePoliciesFromTemplate(template, 'RolePolicy', resolve)).toThrow(
      /RolePolicy is not an AWS::IAM::Role/,
    );
  });
});

describe('createIntrinsicResolver', () => {
  it('resolves Fn::Join over pseudo parameters and refs', () => {
    const value = {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':dynamodb:eu-west-1:',
          { Ref: 'AWS::AccountId' },
          ':table/',
          { Ref: 'Table' },
        ],
      ],
    };

    expect(resolve(value)).toBe('arn:aws:dynamodb:eu-west-1:123456789012:table/revocations');
  });

  it('resolves Fn::Sub and Fn::Select', () => {
    expect(resolve({ 'Fn::Sub': 'arn:${AWS::Partition}:x:${AWS::Region}:${Table.Arn}' })).toBe(
      `arn:aws:x:us-east-1:${TABLE_ARN}`,
    );
    expect(resolve({ 'Fn::Select': [1, ['a', { Ref: 'AWS::Region' }]] })).toBe('us-east-1');
  });

  it('makes a whole ARN a placeholder when one part of it is unknown', () => {
    const value = {
      'Fn::Join': ['', [{ 'Fn::GetAtt': ['Table', 'Arn'] }, '/stream/', { Ref: 'Unknown' }]],
    };

    expect(resolve(value)).toBe(unresolvedArn('Unknown'));
    expect(resolve({ 'Fn::ImportValue': 'SharedTableArn' })).toBe(unresolvedArn('Fn::ImportValue'));
    expect(resolve({ 'Fn::Sub': '${Unknown.Arn}/index/*' })).toBe(unresolvedArn('Unknown'));
  });

  it('drops AWS::NoValue from lists and objects', () => {
    expect(resolve({ a: { Ref: 'AWS::NoValue' }, b: ['x', { Ref: 'AWS::NoValue' }] })).toEqual({
      b: ['x'],
    });
  });
});
