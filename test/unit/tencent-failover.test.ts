import { EndpointPreference, FAILOVER, type FailoverEvent } from '#shared/tencent';

const MAIN = 'https://adminapisgp.im.qcloud.com';
const BACKUP = 'https://adminapisgp.my-imcloud.com';

/** A preference with a clock the test moves, and the events it told. */
function preference({ backup }: { backup: string | undefined } = { backup: BACKUP }) {
  const clock = { now: 0 };
  const events: FailoverEvent[] = [];
  const chooser = new EndpointPreference(
    MAIN,
    backup,
    () => clock.now,
    (event) => events.push(event),
  );
  return { chooser, clock, events };
}

describe('EndpointPreference', () => {
  it('tries the main, then the backup', () => {
    expect(preference().chooser.order()).toEqual([MAIN, BACKUP]);
  });

  it('without a backup, only ever the main', () => {
    // Prepare
    const { chooser, events } = preference({ backup: undefined });

    // Act
    for (let i = 0; i < 10; i++) chooser.notConnected(MAIN);

    // Assess
    expect(chooser.order()).toEqual([MAIN]);
    expect(events).toEqual([]);
  });

  it('counts only failures in a row: a call that connects to the main starts the count again', () => {
    // Prepare
    const { chooser, events } = preference();

    // Act
    chooser.notConnected(MAIN);
    chooser.notConnected(MAIN);
    chooser.connected(MAIN);
    chooser.notConnected(MAIN);
    chooser.notConnected(MAIN);

    // Assess
    expect(chooser.order()).toEqual([MAIN, BACKUP]);
    expect(events).toEqual([]);
  });

  it('does not count failures of the backup against the main', () => {
    // Prepare
    const { chooser } = preference();

    // Act
    for (let i = 0; i < 5; i++) chooser.notConnected(BACKUP);

    // Assess
    expect(chooser.order()).toEqual([MAIN, BACKUP]);
  });

  it(`switches to the backup at the ${FAILOVER.switchAfterFailures}rd failure in a row, once, and back after the cool-down`, () => {
    // Prepare
    const { chooser, clock, events } = preference();

    // Act: three failures (and more while the backup is preferred: they do not count).
    for (let i = 0; i < FAILOVER.switchAfterFailures + 2; i++) chooser.notConnected(MAIN);
    const during = chooser.order();
    clock.now = FAILOVER.coolDownMs - 1;
    const justBefore = chooser.order();
    clock.now = FAILOVER.coolDownMs;
    const after = chooser.order();
    const later = chooser.order();

    // Assess
    expect([during, justBefore, after, later]).toEqual([
      [BACKUP, MAIN],
      [BACKUP, MAIN],
      [MAIN, BACKUP],
      [MAIN, BACKUP],
    ]);
    expect(events).toEqual([
      {
        kind: 'switch',
        preferred: 'backup',
        from: 'adminapisgp.im.qcloud.com',
        to: 'adminapisgp.my-imcloud.com',
        why: 'connection_failures',
        failures: 3,
        coolDownSeconds: 60,
      },
      {
        kind: 'switch',
        preferred: 'main',
        from: 'adminapisgp.my-imcloud.com',
        to: 'adminapisgp.im.qcloud.com',
        why: 'cool_down_over',
      },
    ]);
  });

  it('after the cool-down, needs three new failures in a row to switch again', () => {
    // Prepare
    const { chooser, clock, events } = preference();
    for (let i = 0; i < 3; i++) chooser.notConnected(MAIN);
    clock.now = FAILOVER.coolDownMs;
    chooser.order();

    // Act
    chooser.notConnected(MAIN);
    chooser.notConnected(MAIN);
    const afterTwo = chooser.order();
    chooser.notConnected(MAIN);
    const afterThree = chooser.order();

    // Assess
    expect(afterTwo).toEqual([MAIN, BACKUP]);
    expect(afterThree).toEqual([BACKUP, MAIN]);
    expect(events.map((event) => event.kind === 'switch' && event.preferred)).toEqual([
      'backup',
      'main',
      'backup',
    ]);
  });
});
