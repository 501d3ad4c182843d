import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgeOutcomePublisher, OUTCOME_DETAIL_TYPES, OUTCOME_SOURCE } from '#shared/aws';
import { BridgeError, OutcomePublishError } from '#shared/errors';
import { type PublicLedgerItem, toPublicItem } from '#shared/ledger';
import { ledgerItem } from '../../helpers/ledger-items';

const eventBridge = mockClient(EventBridgeClient);

beforeEach(() => {
  eventBridge.reset();
});

const publisher = () =>
  new EventBridgeOutcomePublisher(new EventBridgeClient({ region: 'eu-west-1' }), 'outcomes');

const applied = (eventId: string): PublicLedgerItem =>
  toPublicItem(
    ledgerItem(eventId, {
      status: 'applied',
      account: 'private-account-name',
      appliedAt: '2026-12-01T10:00:01.000Z',
    }),
  );

describe('EventBridgeOutcomePublisher.publish', () => {
  it('publishes one event per item, ten per call, with the item but its history as the detail', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    const items = Array.from({ length: 11 }, (_, i) => applied(`evt-${i}`));

    // Act
    await publisher().publish(items);

    // Assess
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 2);
    const [entry] = eventBridge.commandCalls(PutEventsCommand)[1]?.args[0].input.Entries ?? [];
    const { history: _history, ...detail } = applied('evt-10');
    expect(entry).toMatchObject({
      EventBusName: 'outcomes',
      Source: OUTCOME_SOURCE,
      DetailType: OUTCOME_DETAIL_TYPES.applied,
    });
    expect(JSON.parse(entry?.Detail ?? '')).toEqual(detail);
  });

  it('throws an OutcomePublishError with the count and codes only, never the detail nor EventBridge’s text', async () => {
    // Prepare: EventBridge's text may quote what it refused.
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 2,
      Entries: [
        { ErrorCode: 'ThrottlingException', ErrorMessage: 'rate exceeded for private-account-name' },
        { EventId: 'e-2' },
        { ErrorCode: 'ThrottlingException', ErrorMessage: 'rate exceeded for private-account-name' },
      ],
    });

    // Act
    const error = await publisher()
      .publish([applied('evt-1'), applied('evt-2'), applied('evt-3')])
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );

    // Assess
    expect(error).toBeInstanceOf(OutcomePublishError);
    expect(error).toBeInstanceOf(BridgeError);
    expect(error).toMatchObject({
      name: 'OutcomePublishError',
      message: 'EventBridge refused 2 outcome event(s): ThrottlingException',
      failedCount: 2,
      codes: ['ThrottlingException'],
      retryable: true,
    });
    expect(JSON.stringify({ ...(error as object), message: (error as Error).message })).not.toContain(
      'private-account-name',
    );
  });
});
