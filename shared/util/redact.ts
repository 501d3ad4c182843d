/** Query parameters whose values must never be logged, stored or returned. */
const SECRET_PARAMETERS = ['usersig'];

/**
 * Returns the URL with the values of secret query parameters (the Tencent `usersig`) replaced by
 * `REDACTED`, for logs and error messages.
 *
 * @example
 * ```ts
 * redactUrl('https://adminapisgp.im.qcloud.com/v4/x?identifier=admin&usersig=eJx...');
 * // -> 'https://adminapisgp.im.qcloud.com/v4/x?identifier=admin&usersig=REDACTED'
 * ```
 */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL we can parse: hide every query string rather than risk a leak.
    return String(url).replace(/\?.*$/s, '?REDACTED');
  }
  for (const name of [...parsed.searchParams.keys()]) {
    if (SECRET_PARAMETERS.includes(name.toLowerCase())) parsed.searchParams.set(name, 'REDACTED');
  }
  return parsed.toString();
}

/**
 * Replaces the value of any `usersig=` parameter inside free text (an error message that quotes a
 * URL, say) with `REDACTED`.
 */
export function redactText(text: string): string {
  return text.replace(/(usersig=)[^&\s"'<>]*/gi, '$1REDACTED');
}
