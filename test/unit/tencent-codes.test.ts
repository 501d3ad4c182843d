import { FAILURE_RULES } from '#shared/consumer';
import { classifyTencentCode, FORBID_SEND_MSG_CODES, TENCENT_CODE_CLASSES } from '#shared/tencent';

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
