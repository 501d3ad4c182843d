import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CredentialsError } from '../errors/index.ts';
import type { SecretSource } from '../tencent/index.ts';

/**
 * A {@link SecretSource} on Secrets Manager, through Powertools' provider, which caches the value
 * for `maxAgeSeconds` so that a warm container reads the secret once per interval, not per record.
 */
export function secretsManagerSource(
  client: SecretsManagerClient,
  secretId: string,
  maxAgeSeconds: number,
): SecretSource {
  const provider = new SecretsProvider({ awsSdkV3Client: client });
  return {
    description: `'${secretId}'`,
    async get({ forceFetch }) {
      let value: unknown;
      try {
        value = await provider.get(secretId, { maxAge: maxAgeSeconds, forceFetch });
      } catch (error) {
        throw new CredentialsError(`could not read secret '${secretId}'`, { cause: error });
      }
      if (typeof value !== 'string') {
        throw new CredentialsError(`secret '${secretId}' must be a SecretString holding JSON`);
      }
      return value;
    },
  };
}
