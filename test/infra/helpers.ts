import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addBridgeStack } from '../../infra/bridge-app.ts';
import type { BridgeStack } from '../../infra/bridge-stack.ts';
import { REPO_ROOT } from '../../infra/paths.ts';

/** The context the committed `cdk.json` gives every `cdk` command. */
export const CDK_JSON_CONTEXT: Record<string, unknown> = (
  JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }
).context;

/** A synthesized bridge stack and its template. */
export interface SynthesizedBridge {
  app: App;
  stack: BridgeStack;
  template: Template;
}

/**
 * Builds the bridge the way `cdk synth` does (the `cdk.json` context, overridden by `context`) and
 * synthesizes it; the cdk-nag checks run during synthesis and throw on any unacknowledged finding.
 * Bundling with esbuild is skipped unless `bundle` is set: the tests that do not look at the code stay fast.
 */
export function synthBridge(
  context: Record<string, unknown> = {},
  options: { bundle?: boolean } = {},
): SynthesizedBridge {
  const app = new App({
    context: {
      ...CDK_JSON_CONTEXT,
      ...context,
      // Bundled: record where each asset is staged, as the CLI does. Otherwise skip esbuild.
      ...(options.bundle === true
        ? { 'aws:cdk:enable-asset-metadata': true }
        : { 'aws:cdk:bundling-stacks': [] }),
    },
  });
  const stack = addBridgeStack(app);
  return { app, stack, template: Template.fromStack(stack) };
}

/** The findings of the AwsSolutions pack on a scope, after acknowledgments. */
export function nagFindings(scope: Stack): string[] {
  const report = new AwsSolutionsChecks().validateScope(scope);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => `${violation.ruleName} ${resource.constructPath ?? ''}`),
  );
}

/** Every acknowledged rule in a scope: rule id (without CDK's `Annotation::` prefix) -> reasons. */
export function acknowledgments(scope: Stack): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const construct of scope.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        const ruleId = id.replace(/^annotation::/i, '');
        found.set(ruleId, [...(found.get(ruleId) ?? []), reason]);
      }
    }
  }
  return found;
}

/** A CloudFormation resource: its type and properties. */
export interface CfnResourceJson {
  Type: string;
  Properties: Record<string, unknown>;
}

/** The one resource of a type whose properties match; fails the test if there is not exactly one. */
export function onlyResource(
  template: Template,
  type: string,
  props: Record<string, unknown> = {},
): { logicalId: string; resource: CfnResourceJson } {
  const found = Object.entries(template.findResources(type, { Properties: props })) as [
    string,
    CfnResourceJson,
  ][];
  if (found.length !== 1) throw new Error(`expected one ${type} matching, found ${found.length}`);
  const [entry] = found;
  if (entry === undefined) throw new Error('unreachable');
  return { logicalId: entry[0], resource: entry[1] };
}

/** An IAM statement reduced to what least-privilege tests compare: sorted actions and the resource. */
export interface StatementSummary {
  actions: string[];
  resource: unknown;
}

/** The statements of the inline policies attached to a role. */
export function roleStatements(template: Template, roleLogicalId: string): StatementSummary[] {
  const policies = Object.values(
    template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleLogicalId }] } }),
  ) as CfnResourceJson[];
  return policies.flatMap((policy) => {
    const document = policy.Properties.PolicyDocument as {
      Statement: { Action: string | string[]; Resource: unknown; Effect: string }[];
    };
    return document.Statement.map((statement) => {
      if (statement.Effect !== 'Allow') throw new Error('unexpected Deny statement in a role policy');
      const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
      return { actions: [...actions].sort(), resource: statement.Resource };
    });
  });
}
