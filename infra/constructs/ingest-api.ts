import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  Period,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type ApiAuthMode, statusRouteAuth } from '#shared/http';
import { ApiWebAcl } from './api-web-acl.ts';

/**
 * The id of the synth warning a `webhook`-mode API without the web ACL gets (`-c waf=false`). The CLI
 * prints it with the rule to acknowledge it by, `Annotation::` and this id
 * (`Validations.of(stage).acknowledge`).
 */
export const WEBHOOK_WITHOUT_WAF_WARNING = 'moderation-bridge:WebhookWithoutWaf';

/** Properties of {@link IngestApi}. */
export interface IngestApiProps {
  /** Name of the REST API and prefix of its log group and usage plan. */
  readonly name: string;
  /** The deployment stage, the first segment of the URL path. */
  readonly stageName: string;
  /** The function behind `POST /v1/events`. */
  readonly handler: IFunction;
  /** The function behind `GET /v1/events/{eventId}`. */
  readonly statusHandler: IFunction;
  /**
   * How callers authenticate: `iam` (SigV4, `execute-api:Invoke`) or `apiKey` (an API key and a usage
   * plan), on both routes; or `webhook`: `POST /v1/events` has no API Gateway check (the ingest
   * function verifies each request's signature) and `GET /v1/events/{eventId}` stays IAM.
   * @default 'iam'
   */
  readonly authMode?: ApiAuthMode;
  /**
   * An AWS WAF web ACL on the stage: a rate-based rule per IP address (`ratePer5Min` requests in 5
   * minutes) and AWS's common rule set. Without one in `webhook` mode, the synth output warns
   * ({@link WEBHOOK_WITHOUT_WAF_WARNING}): the public endpoint then has no per-IP rate limit.
   * @default none: the stage throttling alone (the app's config turns it on in `webhook` mode)
   */
  readonly waf?: { readonly ratePer5Min: number };
  /** Steady-state requests per second of the stage and of the usage plan. */
  readonly rateLimit: number;
  /** Burst of requests of the stage and of the usage plan. */
  readonly burstLimit: number;
  /**
   * Requests per day of the usage plan (API-key mode only).
   * @default 1_000_000
   */
  readonly quotaPerDay?: number;
  /**
   * Retention of the access log group.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Whether to set the account's API Gateway CloudWatch Logs role (needed once per account and AWS region
   * for access and execution logs). The role is retained when the stack is deleted, as other APIs use it.
   * @default true
   */
  readonly createCloudWatchRole?: boolean;
}

/**
 * The REST API: `POST /v1/events` proxied to the ingest function and `GET /v1/events/{eventId}` to the
 * status function, both with the same authentication (in webhook mode, the POST has none of API
 * Gateway's and the GET stays IAM); a regional endpoint, stage throttling, an optional web ACL, JSON
 * access logs, error-level execution logs without request data, and X-Ray tracing.
 *
 * Request body size: API Gateway REST APIs have a fixed 10 MB payload limit and no setting to lower it,
 * and a WAF size rule only inspects the first 16 KB of a body (64 KB at extra cost). The bound is therefore the ingest function's
 * `MAX_BODY_BYTES` (answered with 413), below Lambda's 6 MB synchronous payload limit.
 */
export class IngestApi extends Construct {
  /** The REST API. */
  readonly api: RestApi;
  /** The full URL of `POST /v1/events` (and, with `/<eventId>` appended, of its `GET`). */
  readonly eventsUrl: string;
  /** The API key callers send in `x-api-key` (API-key mode only); API Gateway generates its value. */
  readonly apiKeyId: string | undefined;
  /** The web ACL on the stage, when {@link IngestApiProps.waf} asks for one. */
  readonly webAcl: ApiWebAcl | undefined;

  constructor(scope: Construct, id: string, props: IngestApiProps) {
    super(scope, id);
    const authMode = props.authMode ?? 'iam';
    const createCloudWatchRole = props.createCloudWatchRole ?? true;

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      logGroupName: `/aws/apigateway/${props.name}/access`,
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.api = new RestApi(this, 'Api', {
      restApiName: props.name,
      description:
        'Moderation events to Tencent Cloud Chat: POST /v1/events, and GET /v1/events/{eventId} for what became of one',
      endpointTypes: [EndpointType.REGIONAL],
      cloudWatchRole: createCloudWatchRole,
      ...(createCloudWatchRole ? { cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN } : {}),
      deployOptions: {
        stageName: props.stageName,
        throttlingRateLimit: props.rateLimit,
        throttlingBurstLimit: props.burstLimit,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.custom(
          JSON.stringify({
            requestId: AccessLogField.contextRequestId(),
            extendedRequestId: AccessLogField.contextExtendedRequestId(),
            requestTime: AccessLogField.contextRequestTime(),
            httpMethod: AccessLogField.contextHttpMethod(),
            resourcePath: AccessLogField.contextResourcePath(),
            protocol: AccessLogField.contextProtocol(),
            status: AccessLogField.contextStatus(),
            responseLength: AccessLogField.contextResponseLength(),
            responseLatency: AccessLogField.contextResponseLatency(),
            integrationStatus: AccessLogField.contextIntegrationStatus(),
            integrationLatency: AccessLogField.contextIntegrationLatency(),
            errorMessage: AccessLogField.contextErrorMessageString(),
            integrationErrorMessage: AccessLogField.contextIntegrationErrorMessage(),
            sourceIp: AccessLogField.contextIdentitySourceIp(),
            userAgent: AccessLogField.contextIdentityUserAgent(),
            userArn: AccessLogField.contextIdentityUserArn(),
            apiKeyId: AccessLogField.contextIdentityApiKeyId(),
            xrayTraceId: AccessLogField.contextXrayTraceId(),
          }),
        ),
        loggingLevel: MethodLoggingLevel.ERROR,
        // Request and response bodies carry user ids; keep them out of the execution logs.
        dataTraceEnabled: false,
        tracingEnabled: true,
      },
    });

    // The webhook's signature is the ingest function's to check: API Gateway checks nothing then.
    const methodAuth = (mode: ApiAuthMode) =>
      mode === 'apiKey'
        ? { authorizationType: AuthorizationType.NONE, apiKeyRequired: true }
        : { authorizationType: mode === 'webhook' ? AuthorizationType.NONE : AuthorizationType.IAM };
    const events = this.api.root.addResource('v1').addResource('events');
    const post = events.addMethod(
      'POST',
      new LambdaIntegration(props.handler, { allowTestInvoke: false }),
      methodAuth(authMode),
    );
    // API Gateway URL-decodes the path segment into `pathParameters.eventId`; the function validates it.
    const get = events
      .addResource('{eventId}')
      .addMethod('GET', new LambdaIntegration(props.statusHandler, { allowTestInvoke: false }), {
        ...methodAuth(statusRouteAuth(authMode)),
        requestParameters: { 'method.request.path.eventId': true },
      });
    this.eventsUrl = this.api.urlForPath('/v1/events');

    if (authMode === 'apiKey') {
      const plan = this.api.addUsagePlan('UsagePlan', {
        name: `${props.name}-usage-plan`,
        description: 'Throttling and quota of the API key callers of /v1/events',
        throttle: { rateLimit: props.rateLimit, burstLimit: props.burstLimit },
        quota: { limit: props.quotaPerDay ?? 1_000_000, period: Period.DAY },
        apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
      });
      const key = this.api.addApiKey('ApiKey', {
        apiKeyName: `${props.name}-key`,
        description: 'Key of the moderation service calling /v1/events',
      });
      plan.addApiKey(key);
      this.apiKeyId = key.keyId;
    }

    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason:
        'The functions validate every request (content type, size, event schema; the eventId of a GET) and answer with field-level 400s; an API Gateway model would duplicate the event contract with a different error format.',
    });
    this.webAcl =
      props.waf === undefined
        ? undefined
        : new ApiWebAcl(this, 'Waf', {
            name: `${props.name}-api`,
            stage: this.api.deploymentStage,
            ratePer5Min: props.waf.ratePer5Min,
          });
    if (this.webAcl === undefined) {
      Validations.of(this.api.deploymentStage).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason:
          authMode === 'webhook'
            ? 'No WAF, as chosen by context (waf=false, against the webhook-mode default; the synth warns): every request must carry a Standard Webhooks signature the ingest function verifies before reading the body, the stage throttles, the function bounds the body size. Deploy without -c waf=false for a rate limit per IP and the AWS common rule set.'
            : 'No WAF: callers authenticate (IAM or API key), the stage and usage plan throttle, the function bounds the body size; a web ACL would add cost without adding a control this machine-to-machine API lacks (-c waf=true adds one).',
      });
    }
    if (this.webAcl === undefined && authMode === 'webhook') {
      // Shown by `cdk synth` and `cdk deploy` (and fails `--strict`), in the cdk-nag findings' place.
      Validations.of(this.api.deploymentStage).addWarning(
        WEBHOOK_WITHOUT_WAF_WARNING,
        'The public webhook endpoint POST /v1/events has no per-IP rate limit (waf=false): anyone can send it requests, each costs an ingest invocation (a forged signature is refused only there), and one sender can use up the stage throttling (apiRateLimit, apiBurstLimit) for every sender. Deploy without -c waf=false to attach the WAF web ACL (a rate limit per IP address and the AWS common rule set).',
      );
    }
    for (const method of [post, get]) {
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-COG4',
        reason:
          'Callers are backend services, authenticated with IAM SigV4 (or, when chosen by context, an API key and usage plan, or a webhook signature), not end users of a Cognito user pool.',
      });
      if (authMode === 'apiKey') {
        Validations.of(method).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            'API-key mode was chosen by context (apiAuth=apiKey) for callers that cannot sign with SigV4; the method requires the key and the usage plan throttles and caps it. The default mode is IAM.',
        });
      }
    }
    if (authMode === 'webhook') {
      Validations.of(post).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'Webhook mode was chosen by context (apiAuth=webhook) for senders outside AWS: API Gateway cannot check an HMAC signature, so the ingest function verifies the Standard Webhooks signature of every request (secrets in Secrets Manager, 5-minute timestamp tolerance) and answers 401 before reading, recording or enqueueing anything.',
      });
    }
    if (createCloudWatchRole) {
      Validations.of(this.api).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          "The account-level API Gateway logging role uses AWS's own AmazonAPIGatewayPushToCloudWatchLogs policy, which AWS documents for exactly this role.",
      });
    }
  }
}
