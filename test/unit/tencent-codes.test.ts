import { classifyTencentCode, isRateLimitCode } from '#shared/tencent/codes';

describe('classifyTencentCode', () => {
  it.each([10002, 10006, 60007, 60008, 60011, 60014, 60018, 60019, 70169, 70500])(
    '%i is transient',
    (code) => {
      expect(classifyTencentCode(code)).toBe('transient');
    },
  );

  it.each([
    10003, 10004, 10005, 10007, 10010, 10015, 10019, 11000, 80001, 70003, 70009, 70013, 70014, 70016, 70020,
    60002, 60003, 60006, 60009, 60010, 60012, 60013, 60015, 60016, 60017, 60020, 60021, 60025, 60026, 70051,
    70107, 70402, 80002, 80005,
  ])('%i is permanent', (code) => {
    expect(classifyTencentCode(code)).toBe('permanent');
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

  it('knows the rate-limit codes', () => {
    expect([10006, 60007, 60011, 60018, 60019].every(isRateLimitCode)).toBe(true);
    expect(isRateLimitCode(10002)).toBe(false);
  });
});
