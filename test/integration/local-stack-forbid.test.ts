/**
 * The local stack with `MUTE_API=forbid_send_msg`, end to end through HTTP: mutes in a live-stream
 * (AVChatRoom) group, which only `forbid_send_msg` can do, several members to a call; the other actions
 * still through `modify_group_member_info`. (`local-stack.test.ts` runs the default, where the same mute
 * is refused.)
 */
import { HttpTencentApi, makeUserSig } from '#shared/tencent';
import {
  API_PATH,
  DEFAULT_ADMIN,
  DEFAULT_SDK_APP_ID,
  DEFAULT_SECRET_KEY,
  FORBID_PATH,
} from '../../local/simulator/index';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { deadLetters, postEvents, queueDrained, waitFor } from '../helpers/local-stack';

const LIVE = 'live-stream-1';
const VIEWERS = Array.from({ length: 20 }, (_, i) => `viewer-${i}`);
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    simulator: {
      groups: [
        { groupId: LIVE, type: 'AVChatRoom', owner: 'host', members: VIEWERS },
        { groupId: 'work-1', type: 'Private', owner: 'alice', members: ['bob'] },
      ],
    },
    functionEnv: { MUTE_API: 'forbid_send_msg' },
  });
});

afterAll(async () => {
  await stack.close();
});

const mutedUntil = (groupId: string, account: string) =>
  stack.simulator?.state.getMember(groupId, account)?.mutedUntil ?? 0;
const callsTo = (path: string) => (stack.simulator?.calls ?? []).filter((call) => call.path === path);

describe('the local stack with MUTE_API=forbid_send_msg', () => {
  it('mutes the viewers of an AVChatRoom group through forbid_send_msg, then unmutes them', async () => {
    // Prepare: the same mute for every viewer, as a pipeline sends it in a raid.
    const occurredAt = new Date().toISOString();
    const mutes = VIEWERS.map((account) => ({
      groupId: LIVE,
      account,
      action: 'mute',
      durationSeconds: 3600,
      occurredAt,
    }));
    const before = Math.floor(Date.now() / 1000);

    // Act
    const response = await postEvents(stack, { events: mutes });
    await waitFor(() => queueDrained(stack), 10_000, 'the mutes to be applied');
    const muted = VIEWERS.map((account) => mutedUntil(LIVE, account));
    await postEvents(stack, {
      events: VIEWERS.map((account) => ({ groupId: LIVE, account, action: 'unmute' })),
    });
    await waitFor(() => queueDrained(stack), 10_000, 'the unmutes to be applied');

    // Assess: every viewer muted to the same end, then unmuted; only forbid_send_msg was called, and
    // each call carried the accounts of one batch at most.
    expect(response.status).toBe(202);
    expect(muted.every((until) => until >= before + 3599 && until <= before + 3601)).toBe(true);
    expect(VIEWERS.map((account) => mutedUntil(LIVE, account))).toEqual(VIEWERS.map(() => 0));
    const calls = callsTo(FORBID_PATH);
    expect(callsTo(API_PATH)).toEqual([]);
    expect(calls.every((call) => call.applied)).toBe(true);
    const sizes = calls.map((call) => (call.body as { Members_Account: string[] }).Members_Account.length);
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(2 * VIEWERS.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(10);
    expect(deadLetters(stack)).toEqual([]);
    const item = await stack.ledgerItem(
      String((response.json as { accepted: { eventId: string }[] }).accepted[3]?.eventId),
    );
    expect(item).toMatchObject({ status: 'applied', attempts: 1, action: 'mute' });
  });

  it("refuses the same mute through modify_group_member_info (10007), Tencent's answer for AVChatRoom", async () => {
    // Prepare
    const api = new HttpTencentApi({ endpoint: stack.imEndpoint, timeoutMs: 1_000 });
    const credentials = {
      sdkAppId: DEFAULT_SDK_APP_ID,
      identifier: DEFAULT_ADMIN,
      userSig: makeUserSig(DEFAULT_SDK_APP_ID, DEFAULT_ADMIN, DEFAULT_SECRET_KEY, 3_600),
    };

    // Act
    const refused = await api.call(
      {
        api: 'modify_group_member_info',
        body: { GroupId: LIVE, Member_Account: 'viewer-0', MuteTime: 3600 },
      },
      credentials,
    );

    // Assess
    expect(refused).toMatchObject({ kind: 'refused', code: 10007 });
    expect(mutedUntil(LIVE, 'viewer-0')).toBe(0);
  });

  it('keeps the other actions on modify_group_member_info, and dead-letters only the member a call failed for', async () => {
    // Act: a rename in the work group, a mute there (work groups cannot mute), and a live mute of two
    // viewers and of an account that is not in the room.
    const response = await postEvents(stack, {
      events: [
        { eventId: 'rename', groupId: 'work-1', account: 'bob', action: 'set_name_card', nameCard: 'Bob' },
        { eventId: 'work-mute', groupId: 'work-1', account: 'bob', action: 'mute', durationSeconds: 60 },
        { eventId: 'v1', groupId: LIVE, account: 'viewer-1', action: 'mute', durationSeconds: 600 },
        { eventId: 'ghost', groupId: LIVE, account: 'not-here', action: 'mute', durationSeconds: 600 },
        { eventId: 'v2', groupId: LIVE, account: 'viewer-2', action: 'mute', durationSeconds: 600 },
      ],
    });
    await waitFor(() => queueDrained(stack) && deadLetters(stack).length === 2, 10_000, 'two dead letters');

    // Assess
    expect(response.status).toBe(202);
    expect(stack.simulator?.state.getMember('work-1', 'bob')?.nameCard).toBe('Bob');
    const workCalls = callsTo(API_PATH).filter((call) => JSON.stringify(call.body).includes('work-1'));
    expect(workCalls.map((call) => call.body)).toEqual([
      { GroupId: 'work-1', Member_Account: 'bob', NameCard: 'Bob' },
    ]);
    const reasons = Object.fromEntries(
      deadLetters(stack).map((letter) => [letter.body.eventId, letter.attributes['bridge.errorCode']]),
    );
    expect(reasons).toEqual({ 'work-mute': '10007', ghost: '10019' });
    expect(mutedUntil(LIVE, 'viewer-1')).toBeGreaterThan(Date.now() / 1000);
    expect(mutedUntil(LIVE, 'viewer-2')).toBeGreaterThan(Date.now() / 1000);
    for (const eventId of ['v1', 'v2']) {
      expect(await stack.ledgerItem(eventId)).toMatchObject({ status: 'applied', attempts: 1 });
    }
  });
});
