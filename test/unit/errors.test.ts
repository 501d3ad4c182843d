import {
  BridgeError,
  ConfigError,
  CredentialsError,
  EnqueueError,
  EventConflictError,
  LedgerUnavailableError,
  MalformedBodyError,
  MessageFormatError,
  OutcomePublishError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  UsageError,
  ValidationError,
  VisibilityChangeError,
  WebhookRejectedError,
} from '#shared/errors';

/** One error of each class of the hierarchy. */
const ERRORS: [string, BridgeError][] = [
  ['ValidationError', new ValidationError([{ path: 'account', rule: 'is required' }])],
  ['MalformedBodyError', new MalformedBodyError('request body is empty')],
  ['PayloadTooLargeError', new PayloadTooLargeError(262_144)],
  [
    'UnsupportedMediaTypeError',
    new UnsupportedMediaTypeError("Content-Type must be application/json, got ''"),
  ],
  ['WebhookRejectedError', new WebhookRejectedError('the webhook-signature header is missing')],
  ['UsageError', new UsageError('--ids needs at least one id')],
  ['ConfigError', new ConfigError('QUEUE_URL is required')],
  ['EnqueueError', new EnqueueError(['a'], ['b'])],
  ['EventConflictError', new EventConflictError([{ index: 0, eventId: 'a' }])],
  ['LedgerUnavailableError', new LedgerUnavailableError('ledger read failed')],
  ['VisibilityChangeError', new VisibilityChangeError([{ messageId: 'm1', code: 'ReceiptHandleIsInvalid' }])],
  ['OutcomePublishError', new OutcomePublishError(1, ['ThrottlingException'])],
  ['CredentialsError', new CredentialsError("could not read secret 'tencent'")],
  ['MessageFormatError', new MessageFormatError('unknown format version 9')],
];

describe('the error hierarchy', () => {
  it.each(ERRORS)('makes %s a BridgeError named after its class', (name, error) => {
    expect(error).toBeInstanceOf(BridgeError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.constructor.name).toBe(name);
  });

  it('keeps the cause it is given', () => {
    // Prepare
    const cause = new Error('ECONNRESET');

    // Act
    const errors = [
      new LedgerUnavailableError('ledger write failed', { cause }),
      new CredentialsError("could not read secret 'tencent'", { cause }),
      new BridgeError('something', { cause }),
    ];

    // Assess
    for (const error of errors) expect(error.cause).toBe(cause);
  });

  it('says a ledger, secret, queue or outcome failure is retryable, and a caller mistake is not', () => {
    const retryable = Object.fromEntries(ERRORS.map(([name, error]) => [name, error.retryable]));
    expect(retryable).toEqual({
      ValidationError: false,
      MalformedBodyError: false,
      PayloadTooLargeError: false,
      UnsupportedMediaTypeError: false,
      WebhookRejectedError: false,
      UsageError: false,
      ConfigError: false,
      EnqueueError: true,
      EventConflictError: false,
      LedgerUnavailableError: true,
      VisibilityChangeError: false,
      OutcomePublishError: true,
      CredentialsError: true,
      MessageFormatError: false,
    });
  });
});
