/**
 * The simulator's state apart from its server: joining while banned, mutes kept across leaving, bans that
 * end, messages numbered per group, known accounts, account-wide mutes, kicks and settings.
 */

import { SimulatorState } from '../../local/simulator/index.ts';
import { parseSettings } from '../../local/simulator/state.ts';

const NOW = 1_750_000_000;

const newState = () =>
  new SimulatorState(
    [
      { groupId: 'g1', owner: 'alice', members: ['bob', { account: 'carol', mutedUntil: NOW + 60 }] },
      { groupId: 'g2', type: 'AVChatRoom', members: ['dave'] },
    ],
    { accounts: ['zed'] },
  );

describe('SimulatorState', () => {
  it('keeps a banned account out until its ban ends, then lets it join', () => {
    // Prepare
    const state = newState();
    state.setBan('g1', 'bob', NOW + 10, NOW);

    // Act
    const refused = state.joinGroup('g1', ['bob', 'erin'], NOW + 9);
    const joined = state.joinGroup('g1', ['bob'], NOW + 10);

    // Assess
    expect(refused).toEqual({ refused: 'banned', bans: [{ account: 'bob', bannedUntil: NOW + 10 }] });
    expect(state.getMember('g1', 'erin')).toBeUndefined();
    expect(joined).toMatchObject({ joined: [{ account: 'bob', role: 'Member' }] });
    expect(state.listBans('g1', NOW + 10)).toEqual([]);
  });

  it('gives a member who left while muted its mute back when it rejoins, not after the mute ended', () => {
    // Prepare
    const state = newState();
    state.setBan('g1', 'carol', NOW + 5, NOW);
    state.setBan('g1', 'carol', 0, NOW);

    // Act
    state.joinGroup('g1', ['carol'], NOW + 1);
    const whileMuted = state.getMember('g1', 'carol')?.mutedUntil;
    state.setBan('g1', 'carol', NOW + 5, NOW + 1);
    state.setBan('g1', 'carol', 0, NOW + 1);
    state.joinGroup('g1', ['carol'], NOW + 61);

    // Assess
    expect(whileMuted).toBe(NOW + 60);
    expect(state.getMember('g1', 'carol')?.mutedUntil).toBe(0);
  });

  it('numbers messages per group from 1 and knows their senders', () => {
    // Act
    const state = newState();
    const seqs = [
      state.postMessage('g1', { sender: 'mallory' }, NOW),
      state.postMessage('g1', { sender: 'bob', text: 'hi', time: NOW - 5 }, NOW),
      state.postMessage('g2', { sender: 'dave' }, NOW),
      state.postMessage('nope', { sender: 'dave' }, NOW),
    ];

    // Assess
    expect(seqs).toEqual([1, 2, 1, undefined]);
    expect(state.listMessages('g1')?.[1]).toEqual({
      msgSeq: 2,
      sender: 'bob',
      text: 'hi',
      time: NOW - 5,
      unrecallable: false,
      recalled: false,
    });
    expect(state.isKnown('mallory')).toBe(true);
  });

  it('knows the seed members, the setup accounts and added ones, and forgets the added on reset', () => {
    // Prepare
    const state = newState();
    state.addAccounts(['mallory']);

    // Act
    const before = state.knownAccounts();
    state.reset([{ groupId: 'g3', members: ['erin'] }], {});

    // Assess
    expect(before).toEqual(['alice', 'bob', 'carol', 'dave', 'mallory', 'zed']);
    expect(state.knownAccounts()).toEqual(['erin']);
  });

  it('keeps an account-wide mute per scope and drops the entry once both are 0', () => {
    // Prepare
    const state = newState();

    // Act
    state.setNoSpeaking('bob', { c2cMutedUntil: 'forever' });
    state.setNoSpeaking('bob', { groupMutedUntil: NOW + 1 });
    const both = state.listNoSpeaking();
    state.setNoSpeaking('bob', { c2cMutedUntil: 0, groupMutedUntil: 0 });

    // Assess
    expect(both).toEqual([{ account: 'bob', c2cMutedUntil: 'forever', groupMutedUntil: NOW + 1 }]);
    expect(state.listNoSpeaking()).toEqual([]);
    expect(state.noSpeaking('bob')).toEqual({ account: 'bob', c2cMutedUntil: 0, groupMutedUntil: 0 });
  });

  it('counts kicks per account', () => {
    // Prepare
    const state = newState();

    // Act
    state.kick('bob', NOW);
    state.kick('zed', NOW + 1);
    state.kick('bob', NOW + 2);

    // Assess
    expect(state.kicks()).toEqual([
      { account: 'bob', count: 2, lastKickedAt: NOW + 2 },
      { account: 'zed', count: 1, lastKickedAt: NOW + 1 },
    ]);
  });

  it('gives readers copies', () => {
    // Prepare
    const state = newState();
    state.postMessage('g1', { sender: 'bob' }, NOW);

    // Act
    const message = state.listMessages('g1')?.[0];
    if (message) message.recalled = true;
    const group = state.getGroup('g1');
    if (group) group.muteAllMember = true;

    // Assess
    expect(state.listMessages('g1')?.[0]?.recalled).toBe(false);
    expect(state.getGroup('g1')?.muteAllMember).toBe(false);
  });
});

describe('parseSettings', () => {
  it.each<[string, unknown]>([
    ['a ban switch that is not a boolean', { banEnabled: 'off' }],
    ['a negative age', { recallMaxAgeSeconds: -1 }],
    ['an unknown setting', { banEnabeld: false }],
  ])('refuses %s', (_name, json) => {
    // Act
    const parse = () => parseSettings(json);

    // Assess
    expect(parse).toThrow(/invalid simulator settings/);
  });

  it('takes some of the settings', () => {
    // Act
    const change = parseSettings({ avChatRoomRecallMaxAgeSeconds: 60 });

    // Assess
    expect(change).toEqual({ avChatRoomRecallMaxAgeSeconds: 60 });
  });
});
