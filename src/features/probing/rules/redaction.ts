/**
 * A provider's words never carry the secret they were sent. A provider (or a
 * host posing as one) may repeat what it received in its refusal: the token,
 * the `Authorization` header, `user:password` in base64, a URL-encoded or hex
 * copy, a part of any of these. The message is stored and shown to every
 * reader of the credential, so before that every such copy is blanked:
 *
 * - each secret, and `<user>:<secret>` for each returned key value, in the
 *   common encodings: as is, base64 and base64url (with and without padding),
 *   hex, percent- and form-encoding, JSON-escaped;
 * - any run of 8 or more characters (case-insensitive) that is part of one of
 *   those forms (a half-echoed token, a cut header) of a secret a probe sends
 *   whole (a token, a password; see sentWhole);
 * - the credential of any `Basic`, `Bearer`, `token` or `Digest` scheme (a run
 *   that is not a word), and
 *   the value of an echoed `Authorization`, `Private-Token` or API-key header.
 */

/** Shorter values are not blanked (a 3-letter secret would blank half the words of a message). */
const MIN_SECRET = 4;
/** A shared run of this many characters counts as a partial copy. */
const WINDOW = 8;
/**
 * The secrets a probe sends whole (tokens, passwords: short, on one line) are
 * searched for partial copies too. Documents and keys (a service-account JSON,
 * a PEM) only sign what is sent: their structure ("private_key", "BEGIN") is
 * no secret, and only their exact copies are blanked.
 */
const sentWhole = (value: string) => value.length <= 256 && !/[\r\n]/.test(value) && !value.startsWith('{') && !value.startsWith('-----');
const BLANK = '[secret]';

/** A scheme and what follows it, when that looks like a credential (8+ characters with a digit or a sign: not a word). */
const SCHEME = /\b(Basic|Bearer|token|Digest)(\s+)([A-Za-z0-9+/=._~%:-]{8,})/gi;
const CREDENTIAL_LIKE = /[0-9+/=._~%:-]/;
const HEADER = /\b(authorization|private-token|x-api-key|api-key|x-auth-token)(["']?\s*[:=]\s*["']?)[^\s"',;}]+/gi;

function encodings(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const base64 = bytes.toString('base64');
  return [
    value,
    base64,
    base64.replace(/=+$/, ''),
    bytes.toString('base64url'),
    bytes.toString('hex'),
    encodeURIComponent(value),
    new URLSearchParams({ v: value }).toString().slice(2),
    JSON.stringify(value).slice(1, -1),
  ];
}

/** `message` with every copy of `secrets` (and of `<user>:<secret>` for each of `users`) blanked. */
export function redactSecrets(message: string, secrets: readonly string[], users: readonly string[] = []): string {
  const usable = [...new Set(secrets.filter((s) => s.length >= MIN_SECRET))];
  const forms = new Set<string>();
  const windowed: string[] = [];
  const names = users.filter((u) => u.length > 0 && sentWhole(u));
  for (const secret of usable) {
    const own = encodings(secret);
    const paired = names.map((user) => encodings(`${user}:${secret}`));
    for (const form of [...own, ...paired.flat()]) if (form.length >= MIN_SECRET) forms.add(form);
    // Of `user:secret`, the encoded forms only (base64, base64url, hex): its clear text holds the user's name.
    if (sentWhole(secret)) windowed.push(...own, ...paired.flatMap((f) => f.slice(1, 5)));
  }
  let text = message;
  // Longest first: a form that contains another is blanked whole.
  for (const form of [...forms].sort((a, b) => b.length - a.length)) text = text.split(form).join(BLANK);
  text = blankPartialCopies(text, windowed);
  return text
    .replace(SCHEME, (whole, scheme: string, space: string, value: string) => (CREDENTIAL_LIKE.test(value) ? `${scheme}${space}${BLANK}` : whole))
    .replace(HEADER, `$1$2${BLANK}`);
}

/** Blanks every run of `message` that shares WINDOW or more consecutive characters with one of `forms`. */
function blankPartialCopies(message: string, forms: readonly string[]): string {
  if (forms.length === 0 || message.length < WINDOW) return message;
  const windows = new Set<string>();
  for (const form of forms) {
    const lower = form.toLowerCase();
    for (let i = 0; i + WINDOW <= lower.length; i++) windows.add(lower.slice(i, i + WINDOW));
  }
  const lower = message.toLowerCase();
  const covered = new Uint8Array(message.length);
  let any = false;
  for (let i = 0; i + WINDOW <= lower.length; i++) {
    if (windows.has(lower.slice(i, i + WINDOW))) {
      covered.fill(1, i, i + WINDOW);
      any = true;
    }
  }
  if (!any) return message;
  let out = '';
  for (let i = 0; i < message.length; ) {
    if (covered[i]) {
      while (i < message.length && covered[i]) i++;
      out += BLANK;
    } else {
      out += message[i++];
    }
  }
  return out;
}
