import { INSTALL_HINT, missingTools } from './helpers/tools';

/**
 * Refuses to run without the independent implementations: a conformance run that skipped them would
 * pass without checking anything.
 */
export default function globalSetup(): void {
  const missing = missingTools();
  if (missing.length > 0) {
    throw new Error(
      `npm run test:conformance needs ${missing.join(', ')} on PATH.\nInstall them with: ${INSTALL_HINT}`,
    );
  }
}
