/**
 * cfn-lint (AWS's CloudFormation linter, with its own resource schemas) over every template the CDK app
 * synthesizes: the default stack (the `cdk.json` context), one per `apiAuth` mode, and webhook mode
 * without its web ACL. No errors; each warning is either fixed or explained below, and a new one fails
 * the test until it is.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_AUTH_MODES } from '../../infra/config.ts';
import { synthBridge } from '../infra/helpers.ts';

/** One finding of `cfn-lint --format json`. */
interface Finding {
  Level: 'Error' | 'Warning' | 'Informational';
  Rule: { Id: string };
  Message: string;
  Filename: string;
  Location: { Path: (string | number)[] };
}

interface TemplateJson {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

const VARIANTS: { name: string; context: Record<string, unknown> }[] = [
  { name: 'default', context: {} },
  // Webhook mode as it comes: behind the WAF web ACL (its default).
  ...API_AUTH_MODES.map((mode) => ({ name: `apiAuth-${mode}`, context: { apiAuth: mode } })),
  // Webhook mode opted out of the web ACL (`-c waf=false`), which the synth warns about.
  { name: 'apiAuth-webhook-no-waf', context: { apiAuth: 'webhook', waf: false } },
];

let dir: string;
const templates = new Map<string, TemplateJson>();
let findings: Finding[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cfn-lint-'));
  for (const variant of VARIANTS) {
    const template = synthBridge(variant.context).template.toJSON() as TemplateJson;
    const file = join(dir, `${variant.name}.template.json`);
    writeFileSync(file, JSON.stringify(template, null, 1));
    templates.set(file, template);
  }
  const run = spawnSync('cfn-lint', ['--format', 'json', ...templates.keys()], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  // Exit status is a bit mask: 2 errors, 4 warnings, 8 informational; 1 means cfn-lint itself failed.
  if (run.error !== undefined || run.status === null || (run.status & 1) === 1) {
    throw new Error(`cfn-lint did not run: ${run.error?.message ?? run.stderr}`);
  }
  findings = JSON.parse(run.stdout) as Finding[];
}, 120_000);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const resourceOf = (finding: Finding) => {
  const [section, logicalId] = finding.Location.Path;
  const resource =
    section === 'Resources' ? templates.get(finding.Filename)?.Resources[String(logicalId)] : undefined;
  return { logicalId: String(logicalId), type: resource?.Type, properties: resource?.Properties ?? {} };
};

/**
 * Known false positive, ignored by rule and resource only: E3002 for `Tags` on
 * `AWS::CloudWatch::Dashboard`. CloudFormation takes tags on dashboards (since 2026); the resource
 * schema bundled with cfn-lint 1.51 predates that. Nothing else is ignored.
 */
const isDashboardTagsFalsePositive = (finding: Finding): boolean =>
  finding.Rule.Id === 'E3002' &&
  resourceOf(finding).type === 'AWS::CloudWatch::Dashboard' &&
  finding.Location.Path[2] === 'Properties' &&
  finding.Location.Path[3] === 'Tags' &&
  finding.Location.Path.length === 4;

/**
 * Explained warning: W3005, a Lambda function's `DependsOn` names its own execution role, which its
 * `Role: Fn::GetAtt` already waits for. aws-cdk-lib's `Function` adds both (the `DependsOn` also lists
 * the role's default policy, which is needed: without it the function could be created before its
 * permissions). The redundant entry changes nothing in the deployment order, and removing it would mean
 * overriding CDK's generated `DependsOn` on every function, so it stays.
 */
const isFunctionRoleDependsOn = (finding: Finding): boolean => {
  if (finding.Rule.Id !== 'W3005') return false;
  const { type, properties } = resourceOf(finding);
  const role = (properties.Role as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
  return (
    type === 'AWS::Lambda::Function' &&
    finding.Location.Path[2] === 'DependsOn' &&
    role !== undefined &&
    finding.Message.startsWith(`'${role}' dependency already enforced by a 'GetAtt'`)
  );
};

const describeFinding = (finding: Finding) =>
  `${finding.Level} ${finding.Rule.Id} ${finding.Filename.split('/').pop()} ${finding.Location.Path.join('/')}: ${finding.Message}`;

it('lints one template per apiAuth mode, the default one and webhooks without WAF', () => {
  // Prepare
  const typesOf = (name: string) => {
    const template = [...templates].find(([file]) => file.endsWith(`/${name}.template.json`))?.[1];
    return Object.values(template?.Resources ?? {}).map((resource) => resource.Type);
  };

  // Assess: the modes differ where they should (an API key only in apiKey mode), and every file was read.
  expect(typesOf('apiAuth-apiKey')).toContain('AWS::ApiGateway::ApiKey');
  expect(typesOf('apiAuth-iam')).not.toContain('AWS::ApiGateway::ApiKey');
  expect(typesOf('default')).toEqual(typesOf('apiAuth-iam'));
  expect(typesOf('apiAuth-webhook')).toContain('AWS::WAFv2::WebACL');
  expect(typesOf('apiAuth-webhook-no-waf')).not.toContain('AWS::WAFv2::WebACL');
  expect(typesOf('apiAuth-iam')).not.toContain('AWS::WAFv2::WebACL');
  expect(new Set(findings.map((finding) => finding.Filename))).toEqual(new Set(templates.keys()));
});

it('finds no errors but the dashboard Tags false positive, which each template still has', () => {
  // Act
  const errors = findings.filter((finding) => finding.Level === 'Error');
  const ignored = errors.filter(isDashboardTagsFalsePositive);

  // Assess: when cfn-lint's schema learns dashboard tags, the second expectation says the ignore can go.
  expect(errors.filter((finding) => !isDashboardTagsFalsePositive(finding)).map(describeFinding)).toEqual([]);
  expect(new Set(ignored.map((finding) => finding.Filename)).size).toBe(VARIANTS.length);
});

it('finds only the explained warnings', () => {
  // Act
  const warnings = findings.filter((finding) => finding.Level !== 'Error');

  // Assess
  expect(warnings.filter((finding) => !isFunctionRoleDependsOn(finding)).map(describeFinding)).toEqual([]);
  process.stdout.write(
    `\ncfn-lint: ${templates.size} templates, ${findings.filter((f) => f.Level === 'Error').length} errors ` +
      `(all E3002 Tags on AWS::CloudWatch::Dashboard, ignored), ${warnings.length} warnings ` +
      `(all W3005 on a function's own role in DependsOn, explained)\n`,
  );
});
