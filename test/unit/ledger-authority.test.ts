import { bridge } from '../helpers/memory-bridge';

/**
 * The ledger as the authority, end to end through the real ingest and consumer on an in-memory ledger
 * and Tencent: a copy of a finished event is never applied again, and an event older than the newest
 * applied to the same member and field never undoes it (issue: the ledger as the authority).
 */

const GROUP = '@TGS#2CLUZEAEJ';

/** A mute of bob for `durationSeconds`. */
const mute = (eventId: string, durationSeconds: number) => ({
  eventId,
  groupId: GROUP,
  account: 'bob',
  action: 'mute',
  durationSeconds,
});

const role = (eventId: string, value: 'admin' | 'member') => ({
  eventId,
  groupId: GROUP,
  account: 'bob',
  action: 'set_role',
  role: value,
});

describe('a copy of a finished event', () => {
  it('is acknowledged with no call when it comes after a newer event in the same batch', async () => {
    // Prepare: X (admin), then E2 (member), then a second copy of X, in one batch.
    const b = bridge();
    const [x] = await b.accept(role('x', 'admin'));
    const [e2] = await b.accept(role('e2', 'member'));
    if (x === undefined || e2 === undefined) throw new Error('not enqueued');

    // Act
    const result = await b.consume([b.delivery(x), b.delivery(e2), b.delivery(x)]);

    // Assess: Tencent got Admin, Member, and nothing more; the member stays a member.
    expect(result.failedMessageIds).toEqual([]);
    expect(b.tencent.calls.map((call) => ('Role' in call.body ? call.body.Role : ''))).toEqual([
      'Admin',
      'Member',
    ]);
    expect(b.tencent.member(GROUP, 'bob').role).toBe('Member');
    expect(b.ledger.items.get('x')).toMatchObject({ status: 'applied', attempts: 1 });
    expect(b.counted.get('EventsFinishedBefore')).toBe(1);
  });

  it('is acknowledged with no call before the original in the same batch, and in a later batch', async () => {
    // Prepare
    const b = bridge();
    const [x] = await b.accept(role('x', 'admin'));
    const [e2] = await b.accept(role('e2', 'member'));
    if (x === undefined || e2 === undefined) throw new Error('not enqueued');

    // Act: the copy first, then the original and E2; then another copy, later.
    await b.consume([b.delivery(x), b.delivery(x), b.delivery(e2)]);
    await b.consume([b.delivery(x)]);

    // Assess
    expect(b.tencent.calls).toHaveLength(2);
    expect(b.tencent.member(GROUP, 'bob').role).toBe('Member');
  });

  it('that the ingest enqueued again (its queued mark was lost) is applied once', async () => {
    // Prepare: the ingest's received-to-queued move fails, so a resend enqueues the event again.
    const b = bridge();
    b.ledger.failNext('transition');
    const [first] = await b.accept(role('x', 'admin'));
    const [again] = await b.accept(role('x', 'admin'));
    const [e2] = await b.accept(role('e2', 'member'));
    if (first === undefined || again === undefined || e2 === undefined) throw new Error('not enqueued');

    // Act
    await b.consume([b.delivery(first), b.delivery(e2), b.delivery(again)]);

    // Assess
    expect(b.tencent.member(GROUP, 'bob').role).toBe('Member');
    expect(b.tencent.calls).toHaveLength(2);
  });
});

describe('an event older than the newest applied to the same member and field', () => {
  it('is superseded with no call when a redrive brings it back, and says by which event', async () => {
    // Prepare: X (admin) is dead-lettered (10004), then E2 (member) is applied.
    const b = bridge();
    const [x] = await b.accept(role('x', 'admin'));
    const [e2] = await b.accept(role('e2', 'member'));
    if (x === undefined || e2 === undefined) throw new Error('not enqueued');
    b.tencent.fault = (call) => ('Role' in call.body && call.body.Role === 'Admin' ? 10004 : 'ok');
    await b.consume([b.delivery(x), b.delivery(e2)]);
    b.tencent.fault = () => 'ok';
    const dead = b.ledger.items.get('x');
    if (dead === undefined) throw new Error('no item');
    // What `npm run dlq -- redrive` does: the mark, then the letter back on the queue.
    await b.ledger.transition('x', {
      ...(await import('#shared/ledger')).transitionOf(dead, {
        by: 'redrive',
        to: 'redriven',
        at: new Date().toISOString(),
        expiresAt: 1_900_000_000,
        attempts: 0,
      }),
    });

    // Act: a week later.
    b.advance(7 * 86_400_000);
    const result = await b.consume([b.delivery(x)]);

    // Assess: no call; superseded by e2, in the ledger and the outcome event; the member stays a member.
    expect(result.failedMessageIds).toEqual([]);
    expect(b.tencent.calls.filter((call) => call.applied)).toHaveLength(1);
    expect(b.tencent.member(GROUP, 'bob').role).toBe('Member');
    expect(b.ledger.items.get('x')).toMatchObject({ status: 'superseded', supersededBy: 'e2' });
    expect(b.published.at(-1)).toMatchObject({ eventId: 'x', status: 'superseded', supersededBy: 'e2' });
    expect(b.counted.get('EventsSuperseded')).toBe(1);
  });

  it('applies the custom data keys no newer event set, and leaves out those one did', async () => {
    // Prepare: X sets level and tier, and is dead-lettered; E2 then sets level.
    const b = bridge();
    const data = (eventId: string, values: Record<string, string>) => ({
      eventId,
      groupId: GROUP,
      account: 'bob',
      action: 'set_member_data',
      data: values,
    });
    const [x] = await b.accept(data('x', { level: 'old', tier: 'gold' }));
    const [e2] = await b.accept(data('e2', { level: 'new' }));
    if (x === undefined || e2 === undefined) throw new Error('not enqueued');
    b.tencent.fault = (call) =>
      'AppMemberDefinedData' in call.body && call.body.AppMemberDefinedData?.length === 2 ? 10004 : 'ok';
    await b.consume([b.delivery(x), b.delivery(e2)]);
    b.tencent.fault = () => 'ok';
    const { transitionOf } = await import('#shared/ledger');
    const dead = b.ledger.items.get('x');
    await b.ledger.transition(
      'x',
      transitionOf(dead, {
        by: 'redrive',
        to: 'redriven',
        at: new Date().toISOString(),
        expiresAt: 1_900_000_000,
        attempts: 0,
      }),
    );

    // Act
    await b.consume([b.delivery(x)]);

    // Assess: only tier was sent; level stays E2's.
    expect(b.tencent.calls.at(-1)?.body).toEqual({
      GroupId: GROUP,
      Member_Account: 'bob',
      AppMemberDefinedData: [{ Key: 'tier', Value: 'gold' }],
    });
    expect(b.tencent.member(GROUP, 'bob').data).toEqual({ level: 'new', tier: 'gold' });
    expect(b.ledger.items.get('x')?.status).toBe('applied');
    expect(b.ledger.items.get('x')?.history.at(-1)?.info).toContain('data.level');
  });

  it('a mute whose end passed unmutes when an older, longer mute still runs', async () => {
    // Prepare: a permanent mute applied, then a 60 s mute that only reaches the consumer 2 minutes later.
    const b = bridge();
    const [forever] = await b.accept(mute('forever', 4_294_967_295));
    if (forever === undefined) throw new Error('not enqueued');
    await b.consume([b.delivery(forever)]);
    const [short] = await b.accept(mute('short', 60));
    if (short === undefined) throw new Error('not enqueued');

    // Act
    b.advance(120_000);
    await b.consume([b.delivery(short)]);

    // Assess: unmuted, and recorded as applied with why.
    expect(b.tencent.member(GROUP, 'bob').muteUntilMs).toBe(0);
    expect(b.ledger.items.get('short')).toMatchObject({ status: 'applied' });
    expect(b.ledger.items.get('short')?.history.at(-1)?.info).toContain('forever');
  });

  it('a mute whose end passed needs no call when nothing longer runs, and still supersedes an older one', async () => {
    // Prepare: a permanent mute is dead-lettered; a newer 60 s mute arrives after its end.
    const b = bridge();
    const [forever] = await b.accept(mute('forever', 4_294_967_295));
    const [short] = await b.accept(mute('short', 60));
    if (forever === undefined || short === undefined) throw new Error('not enqueued');
    b.tencent.fault = () => 10004;
    await b.consume([b.delivery(forever)]);
    b.tencent.fault = () => 'ok';
    b.advance(120_000);
    await b.consume([b.delivery(short)]);
    const { transitionOf } = await import('#shared/ledger');
    await b.ledger.transition(
      'forever',
      transitionOf(b.ledger.items.get('forever'), {
        by: 'redrive',
        to: 'redriven',
        at: new Date().toISOString(),
        expiresAt: 1_900_000_000,
        attempts: 0,
      }),
    );

    // Act: the permanent mute is redriven.
    await b.consume([b.delivery(forever)]);

    // Assess
    expect(b.ledger.items.get('short')?.status).toBe('expired');
    expect(b.ledger.items.get('forever')).toMatchObject({ status: 'superseded', supersededBy: 'short' });
    expect(b.tencent.member(GROUP, 'bob').muteUntilMs).toBe(0);
  });
});

describe('the ledger when writes fail or race', () => {
  it('dead-letters an event again, from a later delivery, with a new deduplication id', async () => {
    // Prepare: X is dead-lettered, but its message is not acknowledged (a crash), and X is redriven.
    const b = bridge();
    const [x] = await b.accept(role('x', 'admin'));
    if (x === undefined) throw new Error('not enqueued');
    b.tencent.fault = () => 10004;
    const original = b.delivery(x);
    b.ledger.failNext('transition');
    await b.consume([original]);
    await b.consume([{ ...original, receiveCount: 2 }]);
    const { transitionOf } = await import('#shared/ledger');
    await b.ledger.transition(
      'x',
      transitionOf(b.ledger.items.get('x'), {
        by: 'redrive',
        to: 'redriven',
        at: new Date().toISOString(),
        expiresAt: 1_900_000_000,
        attempts: 0,
      }),
    );

    // Act: the original message comes back, within SQS's 5-minute window, and fails again.
    await b.consume([{ ...original, receiveCount: 3 }]);

    // Assess: three deliveries, three letters (a redrive may have taken the first away meanwhile).
    const ids = b.deadLetters.map((letter) => letter.deduplicationId);
    expect(new Set(ids).size).toBe(3);
    expect(b.ledger.items.get('x')?.status).toBe('dead_lettered');
  });

  it("keeps an applied event open until its member's record has it, so that an older one is still superseded", async () => {
    // Prepare: E2 is applied, but its member record cannot be written: E2 is retried, not finished.
    const b = bridge();
    const [x] = await b.accept(role('x', 'admin'));
    const [e2] = await b.accept(role('e2', 'member'));
    if (x === undefined || e2 === undefined) throw new Error('not enqueued');
    b.tencent.fault = (call) => ('Role' in call.body && call.body.Role === 'Admin' ? 10004 : 'ok');
    await b.consume([b.delivery(x)]);
    b.tencent.fault = () => 'ok';
    b.ledger.failNext('recordDecision');
    const first = await b.consume([b.delivery(e2)]);

    // Act: E2 again (its item is applied), then X redriven.
    const second = await b.consume([b.delivery(e2)]);
    const { transitionOf } = await import('#shared/ledger');
    await b.ledger.transition(
      'x',
      transitionOf(b.ledger.items.get('x'), {
        by: 'redrive',
        to: 'redriven',
        at: new Date().toISOString(),
        expiresAt: 1_900_000_000,
        attempts: 0,
      }),
    );
    await b.consume([b.delivery(x)]);

    // Assess
    expect(first.failedMessageIds).toHaveLength(1);
    expect(second.failedMessageIds).toEqual([]);
    expect(b.ledger.items.get('x')).toMatchObject({ status: 'superseded', supersededBy: 'e2' });
    expect(b.tencent.member(GROUP, 'bob').role).toBe('Member');
  });

  it("never finishes an applied event before its member's record has it: an older event ahead of it cannot undo it", async () => {
    // Prepare: X (level old) is dead-lettered; E (level new) is applied at Tencent, but its member record
    // cannot be written (a crash or a throttled table between the call and the ledger).
    const b = bridge();
    const data = (eventId: string, level: string) => ({
      eventId,
      groupId: GROUP,
      account: 'bob',
      action: 'set_member_data',
      data: { level },
    });
    const [x] = await b.accept(data('x', 'old'));
    const [e] = await b.accept(data('e', 'new'));
    if (x === undefined || e === undefined) throw new Error('not enqueued');
    b.tencent.fault = (call) => (JSON.stringify(call.body).includes('"old"') ? 10004 : 'ok');
    await b.consume([b.delivery(x)]);
    b.tencent.fault = () => 'ok';
    b.ledger.failNext('recordDecision');
    await b.consume([b.delivery(e)]);
    const { transitionOf } = await import('#shared/ledger');
    await b.ledger.transition(
      'x',
      transitionOf(b.ledger.items.get('x'), {
        by: 'redrive',
        to: 'redriven',
        at: new Date().toISOString(),
        expiresAt: 1_900_000_000,
        attempts: 0,
      }),
    );

    // Act: the redriven X comes back ahead of E's next delivery, in one batch.
    await b.consume([b.delivery(x), b.delivery(e)]);

    // Assess: E, the newest, stands.
    expect(b.tencent.member(GROUP, 'bob').data).toEqual({ level: 'new' });
    expect(b.ledger.items.get('e')?.status).toBe('applied');
  });

  it("marks an event applied with no call when its member's record shows it applied but its item does not", async () => {
    // Prepare: the call is applied and the member record written, but the item transition fails.
    const b = bridge();
    const [x] = await b.accept(role('x', 'admin'));
    if (x === undefined) throw new Error('not enqueued');
    b.ledger.failNext('transition');
    await b.consume([b.delivery(x)]);

    // Act
    await b.consume([b.delivery(x)]);

    // Assess
    expect(b.tencent.calls).toHaveLength(1);
    expect(b.ledger.items.get('x')).toMatchObject({ status: 'applied' });
  });

  it("records the outcome when the ingest's queued mark lands while the consumer calls Tencent", async () => {
    // Prepare: the consumer reads the item while it is still received; the mark lands during the call.
    const b = bridge();
    b.ledger.failNext('transition');
    const [x] = await b.accept(role('x', 'admin'));
    if (x === undefined) throw new Error('not enqueued');
    const { transitionOf } = await import('#shared/ledger');
    b.tencent.fault = () => {
      void b.ledger.transition(
        'x',
        transitionOf(b.ledger.items.get('x'), {
          by: 'ingest',
          to: 'queued',
          at: new Date().toISOString(),
          expiresAt: 1_900_000_000,
        }),
      );
      return 10004;
    };

    // Act
    const result = await b.consume([b.delivery(x)]);

    // Assess: dead-lettered once, recorded on top of the mark, and acknowledged.
    expect(result.failedMessageIds).toEqual([]);
    expect(b.deadLetters).toHaveLength(1);
    expect(b.ledger.items.get('x')).toMatchObject({ status: 'dead_lettered', attempts: 1 });
    expect(b.ledger.items.get('x')?.history.map((entry) => entry.outcome)).toEqual([
      'received',
      'queued',
      'dead_lettered',
    ]);
  });

  it('acknowledges, and counts, a record whose transition another delivery of the event won', async () => {
    // Prepare: while this delivery calls Tencent, another one records the event applied.
    const b = bridge();
    const [x] = await b.accept(role('x', 'admin'));
    if (x === undefined) throw new Error('not enqueued');
    const { transitionOf } = await import('#shared/ledger');
    b.tencent.fault = () => {
      const item = b.ledger.items.get('x');
      void b.ledger.transition(
        'x',
        transitionOf(item, {
          by: 'consumer',
          to: 'applied',
          at: new Date().toISOString(),
          expiresAt: 1_900_000_000,
          attempts: 1,
        }),
      );
      return 'ok';
    };

    // Act
    const result = await b.consume([b.delivery(x)]);

    // Assess
    expect(result.failedMessageIds).toEqual([]);
    expect(b.counted.get('LedgerTransitionsRefused')).toBe(1);
    expect(b.ledger.items.get('x')?.attempts).toBe(1);
  });

  it('returns to the dead-letter queue, with no call, a dead letter moved back without a redrive mark', async () => {
    // Prepare: X is dead-lettered; an SQS move task brings the letter back as it was, reason and all.
    const b = bridge();
    const [x] = await b.accept(role('x', 'admin'));
    if (x === undefined) throw new Error('not enqueued');
    b.tencent.fault = () => 10004;
    await b.consume([b.delivery(x)]);
    const reason = b.deadLetters[0]?.reason;
    b.tencent.fault = () => 'ok';

    // Act
    const result = await b.consume([b.delivery(x, { deadLetterReason: reason })]);

    // Assess: acknowledged here, and a dead letter again, with its reason; no call, the item unchanged.
    expect(result.failedMessageIds).toEqual([]);
    expect(b.deadLetters).toHaveLength(2);
    expect(b.deadLetters[1]?.reason).toEqual(reason);
    expect(b.tencent.calls).toHaveLength(1);
    expect(b.ledger.items.get('x')?.status).toBe('dead_lettered');
    expect(b.counted.get('DeadLettersReturned')).toBe(1);
  });
});
