import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

/** Properties of {@link ApiWebAcl}. */
export interface ApiWebAclProps {
  /** Name of the web ACL and prefix of its metric names. */
  readonly name: string;
  /** The API stage the web ACL protects. */
  readonly stage: Stage;
  /** Requests one IP address may make in any 5 minutes before its further requests are blocked (403). */
  readonly ratePer5Min: number;
}

/**
 * An AWS WAF v2 web ACL (regional) on an API stage, for an API open to the internet (webhook mode):
 * a rate-based rule that blocks an IP address above `ratePer5Min` requests in 5 minutes, then AWS's
 * managed common rule set (`AWSManagedRulesCommonRuleSet`). Everything else is allowed; the ingest
 * function still verifies each request's signature.
 *
 * The common rule set's `SizeRestrictions_BODY` (bodies over 8 KB) only counts here: a batch of
 * events is larger than that, and the ingest function bounds the body itself (`MAX_BODY_BYTES`, 413).
 */
export class ApiWebAcl extends Construct {
  /** The web ACL. */
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: ApiWebAclProps) {
    super(scope, id);
    const visibility = (metricName: string): CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });

    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      name: props.name,
      description: 'Rate limit per IP address and the AWS common rule set, in front of POST /v1/events',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(props.name),
      rules: [
        {
          name: 'RatePerIp',
          priority: 0,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              limit: props.ratePer5Min,
              aggregateKeyType: 'IP',
              evaluationWindowSec: 300,
            },
          },
          visibilityConfig: visibility(`${props.name}-rate-per-ip`),
        },
        {
          name: 'AWSManagedRulesCommonRuleSet',
          priority: 1,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: 'AWSManagedRulesCommonRuleSet',
              ruleActionOverrides: [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }],
            },
          },
          visibilityConfig: visibility(`${props.name}-common-rule-set`),
        },
      ],
    });

    new CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.stage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }
}
