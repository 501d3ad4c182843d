/**
 * The local EventBridge endpoint against the real `@aws-sdk/client-eventbridge`.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  type LocalBusEvent,
  type LocalEventBridgeServer,
  startLocalEventBridge,
} from '../../local/eventbridge/index.ts';

const region = 'eu-central-1';
const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };

let local: LocalEventBridgeServer;
let client: EventBridgeClient;
const received: LocalBusEvent[] = [];

beforeAll(async () => {
  local = await startLocalEventBridge({ onEvent: (event) => received.push(event) });
  client = new EventBridgeClient({ endpoint: local.endpoint, region, credentials });
});

afterAll(async () => {
  client.destroy();
  await local.close();
});

beforeEach(() => {
  received.length = 0;
  local.bus.setFault(undefined);
});

const entry = (eventId: string) => ({
  Source: 'moderation-bridge',
  DetailType: 'Moderation Event Applied',
  Detail: JSON.stringify({ eventId, status: 'applied' }),
  EventBusName: 'bridge-local-bus',
});

describe('local EventBridge', () => {
  it('accepts entries with an EventId each and hands them to the callback, in order', async () => {
    // Act
    const output = await client.send(
      new PutEventsCommand({
        Entries: [entry('evt-1'), { ...entry('evt-2'), Time: new Date('2025-11-20T10:00:00.000Z') }],
      }),
    );

    // Assess
    expect(output.FailedEntryCount).toBe(0);
    expect(output.Entries).toHaveLength(2);
    expect(output.Entries?.map((result) => result.EventId)).toEqual(received.map((event) => event.id));
    expect(received).toEqual([
      expect.objectContaining({
        eventBusName: 'bridge-local-bus',
        source: 'moderation-bridge',
        detailType: 'Moderation Event Applied',
        detail: { eventId: 'evt-1', status: 'applied' },
        resources: [],
      }),
      expect.objectContaining({
        detail: { eventId: 'evt-2', status: 'applied' },
        time: '2025-11-20T10:00:00.000Z',
      }),
    ]);
    expect(local.bus.events).toEqual(expect.arrayContaining(received));
  });

  it('puts an entry without a bus name on the default bus', async () => {
    // Act
    await client.send(new PutEventsCommand({ Entries: [{ ...entry('evt-3'), EventBusName: undefined }] }));

    // Assess
    expect(received.map((event) => event.eventBusName)).toEqual(['default']);
  });

  it('fails single entries as EventBridge does: FailedEntryCount and an ErrorCode in their place', async () => {
    // Act
    const output = await client.send(
      new PutEventsCommand({
        Entries: [entry('evt-4'), { ...entry('evt-5'), Detail: '[1]' }, { ...entry('evt-6'), Source: '' }],
      }),
    );

    // Assess
    expect(output.FailedEntryCount).toBe(2);
    expect(output.Entries?.[0]?.EventId).toBeDefined();
    expect(output.Entries?.[1]).toMatchObject({ ErrorCode: 'MalformedDetail' });
    expect(output.Entries?.[2]).toMatchObject({ ErrorCode: 'InvalidArgument' });
    expect(received.map((event) => event.detail.eventId)).toEqual(['evt-4']);
  });

  it('refuses the entries a fault says to', async () => {
    // Prepare
    local.bus.setFault((put) =>
      put.Detail?.includes('evt-8')
        ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }
        : undefined,
    );

    // Act
    const output = await client.send(new PutEventsCommand({ Entries: [entry('evt-7'), entry('evt-8')] }));

    // Assess
    expect(output.FailedEntryCount).toBe(1);
    expect(output.Entries?.[1]).toEqual({ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' });
    expect(received.map((event) => event.detail.eventId)).toEqual(['evt-7']);
  });

  it('refuses more than 10 entries in one request', async () => {
    // Act
    const attempt = client.send(
      new PutEventsCommand({ Entries: Array.from({ length: 11 }, (_, index) => entry(`evt-${index}`)) }),
    );

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'ValidationException' });
    expect(received).toEqual([]);
  });
});
