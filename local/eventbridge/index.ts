/**
 * Local EventBridge: a development stand-in for Amazon EventBridge's `PutEvents`, on 127.0.0.1, that
 * hands every accepted entry to a callback instead of routing it to rules and targets.
 *
 * It speaks AWS JSON 1.1 (`X-Amz-Target: AWSEvents.PutEvents`) through the shared plumbing of
 * `local/aws-json-server.ts`, ignores SigV4 signatures, and is tested against
 * `@aws-sdk/client-eventbridge` (`test/integration/local-eventbridge.test.ts`). Point the SDK at it
 * with `AWS_ENDPOINT_URL_EVENTBRIDGE=<endpoint>` (or `AWS_ENDPOINT_URL`). It answers as EventBridge
 * does: `FailedEntryCount` and one `Entries` result per entry, in order, each with an `EventId` or an
 * `ErrorCode` and `ErrorMessage` (an entry without `Source`, `DetailType` or `Detail`, a `Detail` that is
 * not a JSON object, or one a fault refuses); more than 10 entries, or none, is a `ValidationException`.
 * Rules, targets, archives and the 256 KB size limit are not covered.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  type AwsJsonService,
  type AwsRequestLog,
  AwsServiceError,
  type JsonObject,
  startAwsJsonServer,
} from '../aws-json-server.ts';

/** An event EventBridge accepted, as a rule's target would see it. */
export interface LocalBusEvent {
  /** The `EventId` answered for it. */
  id: string;
  /** The bus it was put on (`EventBusName`, or `default`). */
  eventBusName: string;
  source: string;
  detailType: string;
  /** `Detail`, parsed. */
  detail: JsonObject;
  /** `Time` of the entry, or when it was put. ISO 8601. */
  time: string;
  resources: string[];
}

/** An entry's failure, as EventBridge reports it in `Entries`. */
export interface EntryFailure {
  ErrorCode: string;
  ErrorMessage: string;
}

/** Options of {@link LocalEventBridge}. */
export interface LocalEventBridgeOptions {
  /** Called with each accepted event, in order. */
  onEvent?: (event: LocalBusEvent) => void;
  /** Clock in epoch milliseconds, for entries without `Time`. @default Date.now */
  now?: () => number;
}

/** Most entries one `PutEvents` takes. */
const MAX_ENTRIES = 10;

const entrySchema = z.object({
  Source: z.string().optional(),
  DetailType: z.string().optional(),
  Detail: z.string().optional(),
  EventBusName: z.string().optional(),
  Resources: z.array(z.string()).optional(),
  // Epoch seconds in AWS JSON 1.1.
  Time: z.number().optional(),
  TraceHeader: z.string().optional(),
});
const putEventsInput = z.object({ Entries: z.array(entrySchema), EndpointId: z.string().optional() });

/** One `PutEvents` entry, as received. */
export type PutEventsEntry = z.infer<typeof entrySchema>;

const invalid = (parameter: string): EntryFailure => ({
  ErrorCode: 'InvalidArgument',
  ErrorMessage: `Parameter ${parameter} is not valid. Reason: it is required and must be non-empty.`,
});

/** The in-memory bus behind the local EventBridge endpoint. */
export class LocalEventBridge {
  /** The EventBridge service to mount on an `aws-json-server.ts` server. */
  readonly service: AwsJsonService;
  /** Every accepted event, oldest first. */
  readonly events: LocalBusEvent[] = [];
  private readonly now: () => number;
  private readonly onEvent: ((event: LocalBusEvent) => void) | undefined;
  private fault: ((entry: PutEventsEntry) => EntryFailure | undefined) | undefined;

  constructor(options: LocalEventBridgeOptions = {}) {
    this.now = options.now ?? Date.now;
    this.onEvent = options.onEvent;
    this.service = {
      targetPrefix: 'AWSEvents',
      jsonVersion: '1.1',
      errorNamespace: 'com.amazonaws.eventbridge',
      queryCompatible: false,
      handle: (operation, input) => this.handle(operation, input),
    };
  }

  /**
   * Makes entries fail: `fault` is asked about each valid entry and refuses it by returning a failure
   * (e.g. `{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }`); `undefined` clears it.
   */
  setFault(fault: ((entry: PutEventsEntry) => EntryFailure | undefined) | undefined): void {
    this.fault = fault;
  }

  private handle(operation: string, input: JsonObject): JsonObject {
    if (operation !== 'PutEvents') {
      throw new AwsServiceError(
        'UnknownOperationException',
        `The local EventBridge does not implement ${operation}.`,
      );
    }
    const parsed = putEventsInput.safeParse(input);
    if (!parsed.success) {
      throw new AwsServiceError('ValidationException', 'The request does not match the PutEvents input.');
    }
    const { Entries } = parsed.data;
    if (Entries.length === 0 || Entries.length > MAX_ENTRIES) {
      throw new AwsServiceError(
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES}`,
      );
    }
    const results = Entries.map((entry): JsonObject => {
      const outcome = this.accept(entry);
      return 'ErrorCode' in outcome
        ? { ErrorCode: outcome.ErrorCode, ErrorMessage: outcome.ErrorMessage }
        : { EventId: outcome.id };
    });
    return {
      FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length,
      Entries: results,
    };
  }

  /** Accepts one entry (and tells the callback), or says why not. */
  private accept(entry: PutEventsEntry): LocalBusEvent | EntryFailure {
    if (!entry.Source) return invalid('Source');
    if (!entry.DetailType) return invalid('DetailType');
    if (!entry.Detail) return invalid('Detail');
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail);
    } catch {
      detail = undefined;
    }
    if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    const refused = this.fault?.(entry);
    if (refused !== undefined) return refused;
    const event: LocalBusEvent = {
      id: randomUUID(),
      eventBusName: entry.EventBusName || 'default',
      source: entry.Source,
      detailType: entry.DetailType,
      detail: detail as JsonObject,
      time: new Date(entry.Time === undefined ? this.now() : entry.Time * 1000).toISOString(),
      resources: entry.Resources ?? [],
    };
    this.events.push(event);
    this.onEvent?.(event);
    return event;
  }
}

/** Options of {@link startLocalEventBridge}. */
export interface StartLocalEventBridgeOptions extends LocalEventBridgeOptions {
  /** TCP port on 127.0.0.1. @default 0 (a free port) */
  port?: number;
  /** Called after each answered HTTP request. */
  onRequest?: (entry: AwsRequestLog) => void;
}

/** A running local EventBridge endpoint. */
export interface LocalEventBridgeServer {
  /** Base URL: the SDK's `endpoint` or `AWS_ENDPOINT_URL_EVENTBRIDGE`. */
  readonly endpoint: string;
  readonly port: number;
  /** The in-memory bus: its `events`, and `setFault`. */
  readonly bus: LocalEventBridge;
  /** Closes connections and stops listening. */
  close(): Promise<void>;
}

/**
 * Starts a local EventBridge endpoint on 127.0.0.1.
 *
 * @example
 * ```ts
 * const eventBridge = await startLocalEventBridge({ onEvent: (event) => console.log(JSON.stringify(event)) });
 * process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = eventBridge.endpoint;
 * ```
 */
export async function startLocalEventBridge(
  options: StartLocalEventBridgeOptions = {},
): Promise<LocalEventBridgeServer> {
  const bus = new LocalEventBridge(options);
  const server = await startAwsJsonServer({
    services: [bus.service],
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.onRequest === undefined ? {} : { onRequest: options.onRequest }),
  });
  return { endpoint: server.endpoint, port: server.port, bus, close: () => server.close() };
}
