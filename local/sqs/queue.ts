/**
 * One queue of the local queue service: messages, visibility, FIFO message groups, deduplication,
 * receive counts and long-poll waiters. It knows nothing of HTTP; `local-sqs.ts` drives it.
 *
 * Model. Every message belongs to a group: on a FIFO queue the group of its `MessageGroupId`, on a
 * standard queue a group of its own. A group is *ready* when nothing of it is in flight and its
 * head message is visible; `ready` keeps those groups in the order they became ready, so a receive
 * takes the first ready groups and, within each, messages from the head in order. While any message
 * of a group is in flight the group yields nothing, which is SQS FIFO's ordering guarantee.
 * Timed changes (visibility expiry, delivery delay) sit in a min-heap and are applied lazily on the
 * next operation, or by a timer while a long poll waits.
 */
import type { AttributeValue } from './md5.ts';
import { Deque, MinHeap } from './structures.ts';

/** Where a message is in its life. */
export type MessageState = 'delayed' | 'visible' | 'inflight' | 'gone';

/** A stored message. */
export interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly systemAttributes: Readonly<Record<string, AttributeValue>>;
  readonly groupId: string | undefined;
  readonly deduplicationId: string | undefined;
  readonly sequenceNumber: string | undefined;
  /** When it was first sent (kept across a move to the dead-letter queue), epoch ms. */
  readonly sentAt: number;
  /** ARN of the queue it was dead-lettered from. */
  readonly deadLetterSourceArn: string | undefined;
  firstReceivedAt: number | undefined;
  receiveCount: number;
  state: MessageState;
  /** Bumped on each receive; a receipt handle names the receive it came from. */
  receiptGeneration: number;
  /** Bumped on each timed change; heap entries with an older token are stale. */
  timerToken: number;
  /** When an in-flight or delayed message becomes visible, epoch ms. */
  visibleAt: number;
  group: Group;
}

/** A message group (FIFO), or the one-message group of a standard queue message. */
export interface Group {
  readonly key: string;
  readonly messages: Deque<StoredMessage>;
  inflight: number;
}

/** The settings of a queue, from its attributes. */
export interface QueueSettings {
  visibilityTimeoutSeconds: number;
  delaySeconds: number;
  maximumMessageSize: number;
  messageRetentionPeriodSeconds: number;
  receiveMessageWaitTimeSeconds: number;
  contentBasedDeduplication: boolean;
  deduplicationScope: 'queue' | 'messageGroup';
  redrive: { deadLetterTargetArn: string; maxReceiveCount: number } | undefined;
  /** Attributes kept only to be echoed by GetQueueAttributes. */
  passthrough: Record<string, string>;
}

interface TimedEntry {
  at: number;
  message: StoredMessage;
  token: number;
}

/** A pending long poll: `take` tries to receive and, when it gets messages, answers the poll. */
export interface Waiter {
  take(): boolean;
  cancel(): void;
}

/** What a previous send with the same deduplication id returned. */
export interface DeduplicationRecord {
  messageId: string;
  sequenceNumber: string | undefined;
  expiresAt: number;
}

/** How long SQS FIFO remembers a deduplication id. */
export const DEDUPLICATION_WINDOW_MS = 5 * 60 * 1000;

/** One queue's state. */
export class Queue {
  readonly messages = new Map<string, StoredMessage>();
  private readonly groups = new Map<string, Group>();
  private readonly ready = new Map<string, Group>();
  private readonly timers = new MinHeap<TimedEntry>();
  private readonly deduplication = new Map<string, DeduplicationRecord>();
  private readonly waiters = new Set<Waiter>();
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Number.POSITIVE_INFINITY;
  private notifying = false;
  private counts = { delayed: 0, visible: 0, inflight: 0 };
  lastModifiedAt: number;

  constructor(
    readonly name: string,
    readonly arn: string,
    readonly fifo: boolean,
    public settings: QueueSettings,
    /** The raw attributes it was created with, to make CreateQueue idempotent. */
    readonly createdWith: Readonly<Record<string, string>>,
    readonly createdAt: number,
    private readonly now: () => number,
  ) {
    this.lastModifiedAt = createdAt;
  }

  /** Counts by state (after applying due timed changes) and of waiting long polls. */
  stats(): { visible: number; inflight: number; delayed: number; waiting: number } {
    this.applyDue();
    return { ...this.counts, waiting: this.waiters.size };
  }

  // ---- deduplication ----------------------------------------------------------------------

  /** The record of an earlier send with this key inside the window, if any. */
  findDuplicate(key: string): DeduplicationRecord | undefined {
    const now = this.now();
    for (const [k, record] of this.deduplication) {
      if (record.expiresAt > now) break;
      this.deduplication.delete(k);
    }
    return this.deduplication.get(key);
  }

  /** Remembers a send for the deduplication window. */
  rememberSend(key: string, record: Omit<DeduplicationRecord, 'expiresAt'>): void {
    this.deduplication.set(key, { ...record, expiresAt: this.now() + DEDUPLICATION_WINDOW_MS });
  }

  // ---- enqueue, receive, delete -----------------------------------------------------------

  /** Adds a message; it is delayed when `delaySeconds` > 0. */
  enqueue(
    fields: Omit<
      StoredMessage,
      | 'state'
      | 'group'
      | 'receiptGeneration'
      | 'timerToken'
      | 'visibleAt'
      | 'firstReceivedAt'
      | 'receiveCount'
    > & { receiveCount?: number; firstReceivedAt?: number },
    delaySeconds: number,
  ): StoredMessage {
    const now = this.now();
    const groupKey = this.fifo ? (fields.groupId ?? '') : fields.messageId;
    let group = this.groups.get(groupKey);
    if (!group) {
      group = { key: groupKey, messages: new Deque<StoredMessage>(), inflight: 0 };
      this.groups.set(groupKey, group);
    }
    const message: StoredMessage = {
      ...fields,
      receiveCount: fields.receiveCount ?? 0,
      firstReceivedAt: fields.firstReceivedAt,
      state: 'visible',
      receiptGeneration: 0,
      timerToken: 0,
      visibleAt: now,
      group,
    };
    this.counts.visible += 1;
    if (delaySeconds > 0) this.setTimed(message, 'delayed', now + delaySeconds * 1000);
    group.messages.push(message);
    this.messages.set(message.messageId, message);
    this.refresh(group);
    this.notify();
    return message;
  }

  /**
   * Receives up to `max` messages and makes them invisible for `visibilityTimeoutSeconds`.
   * A message whose receive count already reached the redrive policy's `maxReceiveCount` is taken
   * out of this queue and handed to `redrive` (which puts it in the dead-letter queue), as SQS does
   * on that receive attempt.
   */
  receive(
    max: number,
    visibilityTimeoutSeconds: number,
    redrive: (message: StoredMessage) => void,
  ): StoredMessage[] {
    this.applyDue();
    const now = this.now();
    const taken: StoredMessage[] = [];
    const maxReceiveCount = this.settings.redrive?.maxReceiveCount;
    for (const group of this.ready.values()) {
      if (taken.length >= max) break;
      for (let i = 0; i < group.messages.length && taken.length < max; i++) {
        const message = group.messages.at(i);
        if (message === undefined || message.state === 'gone') continue;
        if (message.state !== 'visible') break;
        if (maxReceiveCount !== undefined && message.receiveCount >= maxReceiveCount) {
          // Detach without touching the group deque: this loop walks it by index.
          this.setState(message, 'gone');
          message.timerToken += 1;
          this.messages.delete(message.messageId);
          redrive(message);
          continue;
        }
        message.receiveCount += 1;
        message.firstReceivedAt ??= now;
        message.receiptGeneration += 1;
        group.inflight += 1;
        this.setTimed(message, 'inflight', now + visibilityTimeoutSeconds * 1000);
        taken.push(message);
      }
      this.refresh(group);
    }
    if (taken.length > 0) this.armWakeTimer();
    // Messages left over (e.g. made visible by applyDue above) go to waiting long polls.
    if (this.ready.size > 0) this.notify();
    return taken;
  }

  /** Removes a message (deleted, or moved to another queue). */
  remove(message: StoredMessage): void {
    if (message.state === 'gone') return;
    if (message.state === 'inflight') message.group.inflight -= 1;
    this.setState(message, 'gone');
    message.timerToken += 1;
    this.messages.delete(message.messageId);
    this.refresh(message.group);
    this.notify();
  }

  /** Changes the visibility of an in-flight message; 0 makes it visible now. */
  changeVisibility(message: StoredMessage, seconds: number): void {
    if (seconds === 0) {
      this.makeVisible(message);
      this.notify();
    } else {
      this.setTimed(message, 'inflight', this.now() + seconds * 1000);
      this.armWakeTimer();
    }
  }

  /** Deletes every message. */
  purge(): void {
    for (const message of this.messages.values()) {
      message.state = 'gone';
      message.timerToken += 1;
    }
    this.messages.clear();
    this.groups.clear();
    this.ready.clear();
    this.timers.clear();
    this.counts = { delayed: 0, visible: 0, inflight: 0 };
  }

  /** Messages in queue order (by group, then within each group), after applying due changes. */
  list(): StoredMessage[] {
    this.applyDue();
    const out: StoredMessage[] = [];
    for (const group of this.groups.values()) {
      for (let i = 0; i < group.messages.length; i++) {
        const message = group.messages.at(i);
        if (message !== undefined && message.state !== 'gone') out.push(message);
      }
    }
    return out;
  }

  // ---- long polling -----------------------------------------------------------------------

  /** Registers a long poll; it is offered messages as they become available. */
  addWaiter(waiter: Waiter): void {
    this.waiters.add(waiter);
    this.armWakeTimer();
  }

  /** Unregisters a long poll. */
  removeWaiter(waiter: Waiter): void {
    this.waiters.delete(waiter);
    if (this.waiters.size === 0) this.clearWakeTimer();
  }

  /** Answers every pending long poll with no messages and stops timers. */
  close(): void {
    for (const waiter of [...this.waiters]) waiter.cancel();
    this.waiters.clear();
    this.clearWakeTimer();
  }

  /** Offers available messages to pending long polls, oldest poll first. Not re-entrant. */
  private notify(): void {
    if (this.notifying || this.waiters.size === 0) return;
    this.notifying = true;
    try {
      for (const waiter of [...this.waiters]) {
        if (this.ready.size === 0) break;
        if (this.waiters.has(waiter)) waiter.take();
      }
    } finally {
      this.notifying = false;
    }
    this.armWakeTimer();
  }

  // ---- state and timers -------------------------------------------------------------------

  private setState(message: StoredMessage, state: MessageState): void {
    if (message.state !== 'gone') this.counts[message.state] -= 1;
    if (state !== 'gone') this.counts[state] += 1;
    message.state = state;
  }

  private setTimed(message: StoredMessage, state: 'inflight' | 'delayed', at: number): void {
    this.setState(message, state);
    message.timerToken += 1;
    message.visibleAt = at;
    this.timers.push({ at, message, token: message.timerToken });
  }

  private makeVisible(message: StoredMessage): void {
    if (message.state === 'inflight') message.group.inflight -= 1;
    this.setState(message, 'visible');
    message.timerToken += 1;
    message.visibleAt = this.now();
    this.refresh(message.group);
  }

  /** Applies visibility expiries and delivery delays that are due; true if any applied. */
  private applyDue(): boolean {
    const now = this.now();
    let changed = false;
    for (let top = this.timers.peek(); top !== undefined && top.at <= now; top = this.timers.peek()) {
      this.timers.pop();
      const { message, token } = top;
      if (token !== message.timerToken || (message.state !== 'inflight' && message.state !== 'delayed')) {
        continue;
      }
      this.makeVisible(message);
      changed = true;
    }
    return changed;
  }

  /** Drops removed messages from the group head and files the group as ready or not. */
  private refresh(group: Group): void {
    let head = group.messages.at(0);
    while (head !== undefined && head.state === 'gone') {
      group.messages.shift();
      head = group.messages.at(0);
    }
    if (head === undefined) {
      this.ready.delete(group.key);
      if (this.groups.get(group.key) === group) this.groups.delete(group.key);
      return;
    }
    const isReady = group.inflight === 0 && head.state === 'visible';
    if (isReady) {
      if (!this.ready.has(group.key)) this.ready.set(group.key, group);
    } else {
      this.ready.delete(group.key);
    }
  }

  private clearWakeTimer(): void {
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    this.wakeAt = Number.POSITIVE_INFINITY;
  }

  /** While long polls wait, keeps a timer for the next timed change so they wake when it is due. */
  private armWakeTimer(): void {
    if (this.waiters.size === 0) {
      this.clearWakeTimer();
      return;
    }
    let top = this.timers.peek();
    while (top !== undefined && top.token !== top.message.timerToken) {
      this.timers.pop();
      top = this.timers.peek();
    }
    if (top === undefined || top.at >= this.wakeAt) return;
    this.clearWakeTimer();
    this.wakeAt = top.at;
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimer = undefined;
        this.wakeAt = Number.POSITIVE_INFINITY;
        this.applyDue();
        this.notify();
        this.armWakeTimer();
      },
      Math.max(0, top.at - this.now()),
    );
  }
}
