/**
 * Text the service did not write (a driver's message, a checker's output)
 * before it is served or logged: credentials removed, length bounded. The
 * same rules for `/ready` and the logs, so a secret hidden from one cannot
 * show in the other.
 */

/** The password of a URL's user info: `postgres://app:hunter2@db` keeps `postgres://app:***@db`. */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s/]*@/gi;
/** A `key=value` or `key: value` pair whose key names a secret, as libpq strings and headers write them. */
const SECRET_PAIR =
  /\b(password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|authorization)(["']?\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&)]+)/gi;
const BEARER = /\bbearer\s+[\w.~+/=-]+/gi;

/** Secrets past this much of a text are never shown: redact only the part that can be. */
const LOOKAHEAD = 1024;

/** Replaces the credentials in `text` (URL passwords, `password=…`, bearer tokens) with `***`. */
export function redactSecrets(text: string): string {
  return text.replace(URL_PASSWORD, '$1***@').replace(BEARER, 'Bearer ***').replace(SECRET_PAIR, '$1$2***');
}

/**
 * `text` with its credentials redacted and cut to `maxLength` characters;
 * `marker` tells the reader how much was cut. Long texts cost no more than
 * short ones: only the part that can be shown is scanned.
 */
export function safeText(text: string, maxLength: number, { marker = false } = {}): string {
  // A secret that starts before the cut but ends after it is still found.
  const redacted = redactSecrets(text.length > maxLength + LOOKAHEAD ? text.slice(0, maxLength + LOOKAHEAD) : text);
  if (text.length <= maxLength && redacted.length <= maxLength) return redacted;
  const cut = redacted.slice(0, maxLength);
  return marker ? `${cut}…[${text.length} characters, cut]` : cut;
}
