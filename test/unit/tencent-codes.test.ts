import { FAILURE_RULES } from '#shared/consumer';
import {
  API_CODES,
  BAN_SWITCH_HINT,
  classifyTencentCode,
  FORBID_SEND_MSG_CODES,
  recallItemsOf,
  TENCENT_API_PATHS,
  TENCENT_CODE_CLASSES,
  tencentCodeOf,
} from '#shared/tencent';

describe('classifyTencentCode', () => {
  it.each([10002, 60008, 60014, 70169, 70500])('%i is transient', (code) => {
    expect(classifyTencentCode(code)).toBe('transient');
  });

  it.each([10006, 60007, 60011, 60018, 60019])('%i says the frequency limit was hit', (code) => {
    expect(classifyTencentCode(code)).toBe('rate_limited');
  });

  it.each([
    10003, 10004, 10005, 10007, 10010, 10015, 10019, 11000, 80001, 60002, 60003, 60009, 60013, 60015, 60025,
    70051, 70107, 70402, 80002,
  ])('%i is permanent for the event', (code) => {
    expect(classifyTencentCode(code)).toBe('permanent');
  });

  it.each([
    // Wrong key, garbage UserSig, UserID mismatch, wrong SDKAppID or region.
    70003, 70009, 70013, 70014, 70016, 70020,
    // Not an admin, wrong domain, the app or account disabled, expired, deactivated or IP-restricted.
    60006, 60010, 60012, 60016, 60017, 60020, 60021, 60026, 80005,
  ])('%i is a fault of the deployment, not of the event', (code) => {
    expect(classifyTencentCode(code)).toBe('deployment_fault');
  });

  it.each([60004, 60005])('%i is ambiguous (retried a few times)', (code) => {
    expect(classifyTencentCode(code)).toBe('ambiguous');
  });

  it('70001 asks for a fresh UserSig', () => {
    expect(classifyTencentCode(70001)).toBe('usersig_expired');
  });

  it('treats an unknown code as transient, so nothing is dead-lettered on a guess', () => {
    expect(classifyTencentCode(12345)).toBe('transient');
  });

  it('lists each code in one class only', () => {
    const all = Object.values(TENCENT_CODE_CLASSES).flat();
    expect(new Set(all).size).toBe(all.length);
  });

  it.each(FORBID_SEND_MSG_CODES.map((code) => [code, code === 10002 ? 'transient' : 'permanent'] as const))(
    "classifies forbid_send_msg's own code %i in the table (%s), not by the unknown-code fallback",
    (code, codeClass) => {
      const listed = Object.entries(TENCENT_CODE_CLASSES).filter(([, codes]) =>
        (codes as readonly number[]).includes(code),
      );
      expect(listed.map(([name]) => name)).toEqual([codeClass]);
      expect(classifyTencentCode(code)).toBe(codeClass);
    },
  );

  it('retries a code the policy retries, holds one it holds, and dead-letters a permanent one at once', () => {
    // One classification: the code table gives the class, the policy's table what follows from it.
    expect(FAILURE_RULES[classifyTencentCode(10002)].deadLetter).toBe('maxAttempts');
    expect(FAILURE_RULES[classifyTencentCode(70009)].deadLetter).toBe('never');
    expect(FAILURE_RULES[classifyTencentCode(10010)].deadLetter).toBe('first');
  });
});

describe('tencentCodeOf: what a code means for each moderation API', () => {
  it('tells the operator to ban or mute instead when an AVChatRoom group refuses a removal (10004)', () => {
    const removal = tencentCodeOf(10004, 'delete_group_member');
    expect(removal.codeClass).toBe('permanent');
    expect(removal.hint).toMatch(/AVChatRoom.*use ban, or mute, instead/);
    // 10004 elsewhere is an invalid parameter, with nothing more to say.
    expect(tencentCodeOf(10004, 'modify_group_member_info')).toEqual({ codeClass: 'permanent' });
  });

  it('ends a kick of an account that was never imported (70107) at once, saying why', () => {
    expect(tencentCodeOf(70107, 'kick')).toMatchObject({
      codeClass: 'permanent',
      hint: expect.stringMatching(/never imported/),
    });
  });

  it.each([70169, 70500, 10002])('retries %i on kick', (code) => {
    expect(classifyTencentCode(code, 'kick')).toBe('transient');
  });

  it('holds the deployment when kick says the identifier is not an admin (70403)', () => {
    expect(classifyTencentCode(70403, 'kick')).toBe('deployment_fault');
  });

  it('dead-letters an unknown code on ban at once, naming the edition and the console switch', () => {
    const unknown = tencentCodeOf(10059, 'ban_group_member');
    expect(unknown).toEqual({ codeClass: 'permanent', hint: BAN_SWITCH_HINT });
    expect(BAN_SWITCH_HINT).toContain('"Group member banning"');
    // A known code on ban keeps its class: 10002 is retried.
    expect(classifyTencentCode(10002, 'ban_group_member')).toBe('transient');
    // An unknown code elsewhere stays transient.
    expect(classifyTencentCode(10059, 'unban_group_member')).toBe('transient');
  });

  it.each([
    [10031, 'permanent'],
    [10032, 'permanent'],
    [10033, 'permanent'],
    [10002, 'transient'],
  ])('classifies recall code %i as %s', (code, codeClass) => {
    expect(classifyTencentCode(code, 'group_msg_recall')).toBe(codeClass);
  });

  it.each([
    [130001, 'permanent'],
    [130004, 'permanent'],
    [130008, 'permanent'],
    [130014, 'transient'],
  ])('classifies setnospeaking code %i as %s', (code, codeClass) => {
    expect(classifyTencentCode(code, 'setnospeaking')).toBe(codeClass);
  });

  it('names only APIs the bridge calls, and never repeats what the common table says of a code', () => {
    const listed = new Set<number>(Object.values(TENCENT_CODE_CLASSES).flat());
    for (const [api, codes] of Object.entries(API_CODES)) {
      expect(Object.keys(TENCENT_API_PATHS)).toContain(api);
      for (const [code, meaning] of Object.entries(codes?.codes ?? {})) {
        const repeats =
          listed.has(Number(code)) &&
          meaning.codeClass === classifyTencentCode(Number(code)) &&
          meaning.hint === undefined;
        expect({ api, code, repeats }).toEqual({ api, code, repeats: false });
      }
    }
  });
});

describe('recallItemsOf', () => {
  it('reads every item: recalled, not found (done), and failed with its code', () => {
    const body = {
      RecallRetList: [
        { MsgSeq: 1, RetCode: 0 },
        { MsgSeq: 2, RetCode: 10030 },
        { MsgSeq: 3, RetCode: 10031 },
        { MsgSeq: 4, RetCode: 10002 },
      ],
    };

    expect(recallItemsOf(body, [1, 2, 3, 4], 0)).toEqual({
      done: [1, 2],
      notFound: [2],
      failed: [
        { msgSeq: 3, code: 10031 },
        { msgSeq: 4, code: 10002 },
      ],
    });
  });

  it('counts a sequence number the answer does not list as done when the call succeeded, failed otherwise', () => {
    expect(recallItemsOf({}, [5], 0)).toEqual({ done: [5], notFound: [], failed: [] });
    expect(recallItemsOf({}, [5], 10030)).toEqual({ done: [5], notFound: [5], failed: [] });
    expect(recallItemsOf({ RecallRetList: 'junk' }, [5], 10033)).toEqual({
      done: [],
      notFound: [],
      failed: [{ msgSeq: 5, code: 10033 }],
    });
  });
});
