/**
 * The Powertools metrics (EMF) the functions emit. The names are the functions' contract with the
 * dashboard and the alarms: `infra/` reads them from here, so a metric cannot be renamed on one side only.
 */
export const BRIDGE_METRICS = {
  ingest: {
    /** Events accepted and enqueued. */
    accepted: 'EventsAccepted',
    /** Requests answered with a 4xx. */
    rejected: 'EventsRejected',
    /** Events already in the ledger with the same content: answered as duplicates, not enqueued again. */
    duplicates: 'EventsDuplicate',
    /** Ledger reads or writes that failed (the request was answered 503). */
    ledgerErrors: 'LedgerErrors',
    /** `received` to `queued` moves the ledger refused: the consumer had already recorded an outcome. */
    transitionsRefused: 'LedgerTransitionsRefused',
  },
  consumer: {
    /** Events Tencent applied. */
    applied: 'EventsApplied',
    /** Failed attempts that will be retried. */
    retried: 'EventsRetried',
    /** Events moved to the dead-letter queue (also emitted with an `errorCode` dimension). */
    deadLettered: 'EventsDeadLettered',
    /** Mutes whose end had passed: nothing to apply. */
    expired: 'EventsExpired',
    /** Events not applied because a newer event about the same member and field was applied first. */
    superseded: 'EventsSuperseded',
    /** Deliveries of events the ledger shows finished (a copy, or a crash before the acknowledgement): acknowledged with no call. */
    finishedBefore: 'EventsFinishedBefore',
    /** Ledger transitions refused because the item changed since it was read (a copy lost a race); the record is acknowledged or retried. */
    transitionsRefused: 'LedgerTransitionsRefused',
    /** Dead letters moved back to the main queue without a redrive's mark (an SQS move task): returned to the dead-letter queue. */
    deadLettersReturned: 'DeadLettersReturned',
    /** A newer decision was recorded for a member while an older event was being applied (cannot happen under FIFO order; alarms). */
    orderConflicts: 'OrderConflicts',
    /** Events held for the deployment (credentials or account) to be fixed; never dead-lettered. */
    held: 'EventsHeld',
    /** Receives that found the secret unreadable or malformed. */
    credentialsUnavailable: 'CredentialsUnavailable',
    /** Calls Tencent refused for the deployment's credentials or account (wrong key, not an admin, wrong region, ...). */
    credentialsInvalid: 'CredentialsInvalid',
    /** Time of one Tencent call, in milliseconds. */
    tencentLatency: 'TencentLatency',
    /** Calls that could not connect to the first Tencent endpoint and were made at once on the other (backup-domain failover). */
    tencentFailover: 'TencentFailover',
    /** Calls that could connect to no Tencent endpoint (never reached Tencent): their events are held. */
    tencentUnreachable: 'TencentUnreachable',
    /** Ledger reads or writes that failed (the records were retried, not acknowledged). */
    ledgerErrors: 'LedgerErrors',
    /** Outcome events that could not be published (the records come back and publish again). */
    outcomeEventsFailed: 'OutcomeEventsFailed',
    /** Accounts of bulk events Tencent applied (an event counts once in `EventsApplied`, each account here). */
    accountsApplied: 'AccountsApplied',
    /** Accounts of bulk events not applied: a newer event about the member was applied first, or their mute (ban) had ended. */
    accountsSkipped: 'AccountsSkipped',
    /** Accounts of bulk events that ended as dead letters, each an event of its own (`<eventId>@<account>`). */
    accountsDeadLettered: 'AccountsDeadLettered',
  },
} as const;
