/**
 * The CDK app: the demo stack, configured from CDK context, checked by cdk-nag's AwsSolutions
 * pack (an unacknowledged finding fails the synth).
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DemoStack } from '../lib/demo-stack';
import { demoPropsFromContext } from './demo-context';

const app = new App();
const props = demoPropsFromContext((key) => app.node.tryGetContext(key));
new DemoStack(app, props.stackName, {
  ...props,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
