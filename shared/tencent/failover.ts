/**
 * Backup-domain failover: which of the region's two Tencent domains a container calls first. Tencent
 * publishes a backup domain per region for when the main one cannot be reached (carriers' DNS hijacking,
 * for one; see `docs/tencent.md#region-domains`). A call that could not connect to the first endpoint is
 * made at once on the other (`client.ts`); this module only keeps the preference.
 */

/** The numbers of the failover rule, in one place. */
export const FAILOVER = {
  /** Connection failures in a row on the main endpoint after which a container prefers the backup. */
  switchAfterFailures: 3,
  /** How long a container prefers the backup, in milliseconds; then it tries the main endpoint again. */
  coolDownMs: 60_000,
  /**
   * Share of the call timeout the first endpoint has to connect (DNS, TCP and TLS) when another endpoint
   * could take the call: the rest is left for the other, so one call, failed over or not, stays within
   * the call timeout (the consumer's time budget counts on it).
   */
  connectShare: 0.5,
} as const;

/** Something the failover did, for logs and metrics. Endpoints are hosts only: never a URL's query. */
export type FailoverEvent =
  /** One call could not connect to `from` and is made at once on `to`. */
  | { kind: 'failover'; from: string; to: string; reason: string }
  /** The container now calls `to` first (`preferred`: which of the two it is). */
  | {
      kind: 'switch';
      preferred: 'main' | 'backup';
      from: string;
      to: string;
      /** `connection_failures`: the main failed `failures` times in a row; `cool_down_over`: time to try the main again. */
      why: 'connection_failures' | 'cool_down_over';
      failures?: number;
      coolDownSeconds?: number;
    }
  /** One call could connect to no endpoint: it never reached Tencent. */
  | { kind: 'unreachable'; endpoints: readonly string[]; reason: string };

/** The host of a base URL, for logs (a base URL holds no query, but only the host is ever shown). */
export const hostOf = (endpoint: string): string => new URL(endpoint).host;

/**
 * A container's preference between the main and the backup endpoint: the main first; after
 * {@link FAILOVER}`.switchAfterFailures` connection failures of the main in a row, the backup first for
 * `coolDownMs`; then the main again. Without a backup, always the main alone.
 */
export class EndpointPreference {
  private mainFailures = 0;
  /** While the backup is preferred: until when, in epoch milliseconds. */
  private backupUntil: number | undefined;

  constructor(
    readonly main: string,
    readonly backup: string | undefined,
    private readonly now: () => number,
    private readonly onEvent: (event: FailoverEvent) => void,
  ) {}

  /** The endpoints to try for the next call, in order. */
  order(): readonly string[] {
    if (this.backup === undefined) return [this.main];
    if (this.backupUntil !== undefined && this.now() >= this.backupUntil) {
      this.backupUntil = undefined;
      this.mainFailures = 0;
      this.onEvent({
        kind: 'switch',
        preferred: 'main',
        from: hostOf(this.backup),
        to: hostOf(this.main),
        why: 'cool_down_over',
      });
    }
    return this.backupUntil === undefined ? [this.main, this.backup] : [this.backup, this.main];
  }

  /** A call connected to `endpoint` (whatever the answer). */
  connected(endpoint: string): void {
    if (endpoint === this.main) this.mainFailures = 0;
  }

  /** A call could not connect to `endpoint`. */
  notConnected(endpoint: string): void {
    if (endpoint !== this.main || this.backup === undefined || this.backupUntil !== undefined) return;
    this.mainFailures += 1;
    if (this.mainFailures < FAILOVER.switchAfterFailures) return;
    this.backupUntil = this.now() + FAILOVER.coolDownMs;
    this.onEvent({
      kind: 'switch',
      preferred: 'backup',
      from: hostOf(this.main),
      to: hostOf(this.backup),
      why: 'connection_failures',
      failures: this.mainFailures,
      coolDownSeconds: FAILOVER.coolDownMs / 1000,
    });
    this.mainFailures = 0;
  }
}
