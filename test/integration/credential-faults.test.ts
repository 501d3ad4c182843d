import {
  DEFAULT_ADMIN,
  DEFAULT_SDK_APP_ID,
  DEFAULT_SECRET_KEY,
  type SeedGroup,
} from '../../local/simulator/index';
import { LOCAL_NAMES, type LocalStack, startLocalStack } from '../../local/stack';
import { deadLetters, postEvents, queueDrained, waitFor } from '../helpers/local-stack';

/**
 * Credential faults through the local stack: the secret unreadable between two real attempts, and a
 * wrong key (Tencent answers 70009). Neither may cost an attempt or dead-letter an event.
 */

const GROUP: SeedGroup = { groupId: 'cred-group', type: 'Public', owner: 'owner', members: ['bob', 'carol'] };
const secret = (secretKey: string) =>
  JSON.stringify({ sdkAppId: DEFAULT_SDK_APP_ID, identifier: DEFAULT_ADMIN, secretKey });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    simulator: { groups: [GROUP] },
    functionEnv: {
      MAX_ATTEMPTS: '3',
      BACKOFF_BASE_SECONDS: '1',
      BACKOFF_MAX_SECONDS: '1',
      HOLD_MAX_SECONDS: '1',
      // The secret is read on every batch, so that a change takes effect at once.
      SECRET_MAX_AGE_SECONDS: '0',
    },
  });
});

afterAll(async () => {
  await stack.close();
});

const callsFor = (account: string) =>
  (stack.simulator?.calls ?? []).filter(
    (call) => (call.body as { Member_Account?: string }).Member_Account === account,
  );

it('does not count the receives while the secret is unreadable as attempts', async () => {
  // Prepare: the first call fails with 10002; then the secret cannot be read for 4 s (several receives).
  stack.simulator?.scriptFaults({ code: 10002 });

  // Act
  const response = await postEvents(stack, {
    groupId: GROUP.groupId,
    account: 'bob',
    action: 'set_name_card',
    nameCard: 'after-outage',
  });
  await waitFor(() => callsFor('bob').length === 1, 10_000, 'the first call');
  stack.secrets.setSecret(LOCAL_NAMES.secret, 'not json');
  await sleep(4_000);
  stack.simulator?.scriptFaults({ code: 10002 });
  stack.secrets.setSecret(LOCAL_NAMES.secret, secret(DEFAULT_SECRET_KEY));
  await waitFor(() => queueDrained(stack), 20_000, 'the event to be applied');

  // Assess: two failed calls are two attempts of three; the third call applies it.
  expect(response.status).toBe(202);
  expect(callsFor('bob').map((call) => [call.fault, call.applied])).toEqual([
    ['error', false],
    ['error', false],
    [undefined, true],
  ]);
  expect(deadLetters(stack)).toEqual([]);
  expect(stack.simulator?.state.getMember(GROUP.groupId, 'bob')?.nameCard).toBe('after-outage');
}, 40_000);

it('holds events while Tencent refuses a wrong key, then applies them in order', async () => {
  // Prepare: a bad rotation.
  stack.secrets.setSecret(LOCAL_NAMES.secret, secret('not-the-app-key'));

  // Act
  const response = await postEvents(stack, {
    events: ['first', 'second', 'third'].map((nameCard) => ({
      groupId: GROUP.groupId,
      account: 'carol',
      action: 'set_name_card',
      nameCard,
    })),
  });
  await waitFor(() => callsFor('carol').length >= 4, 15_000, 'several refused calls');
  const refused = callsFor('carol').map((call) => call.resultCode);
  stack.secrets.setSecret(LOCAL_NAMES.secret, secret(DEFAULT_SECRET_KEY));
  await waitFor(() => queueDrained(stack), 20_000, 'the events to be applied');

  // Assess: refused with 70009 past any attempt limit, never dead-lettered, then applied in order.
  expect(response.status).toBe(202);
  expect(new Set(refused)).toEqual(new Set([70009]));
  expect(deadLetters(stack)).toEqual([]);
  const applied = callsFor('carol').filter((call) => call.applied);
  expect(applied.map((call) => (call.body as { NameCard?: string }).NameCard)).toEqual([
    'first',
    'second',
    'third',
  ]);
}, 40_000);
