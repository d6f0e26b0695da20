import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { MAX_NAME_LENGTH } from '@game-chat/protocol/limits';
import { isRole, type PlayerId, type Role, validatePlayerId } from '@game-chat/protocol/names';
import { normalizeDisplayName } from '@game-chat/protocol/text';
import {
  createRemoteJWKSet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
  SignJWT,
} from 'jose';

/** The claims of a player token (contract §4), checked and normalised. */
export interface PlayerClaims {
  readonly sub: PlayerId;
  /** Display name, NFC-normalised; absent when the token has none. */
  readonly name: string | undefined;
  /** `player` when the token names no role. */
  readonly role: Role;
  /** Allowed channel names or `*`-patterns; absent means every channel. */
  readonly channels: readonly string[] | undefined;
  /** Expiry, seconds since the epoch. */
  readonly exp: number;
}

export interface PlayerClaimsInput {
  readonly sub: string;
  readonly name?: string;
  readonly role?: Role;
  readonly channels?: readonly string[];
}

export type VerifyResult =
  | { readonly ok: true; readonly claims: PlayerClaims }
  | { readonly ok: false; readonly code: 'unauthorized'; readonly message: string };

export interface TokenVerifier {
  /** Never throws: every refusal is `{ ok: false, code: 'unauthorized', message }`. */
  verify(token: unknown): Promise<VerifyResult>;
}

export type AsymmetricAlgorithm = 'RS256' | 'ES256';

export type SigningKey =
  | { readonly secret: string | Uint8Array }
  | {
      /** PKCS#8 PEM or a Node key object. */
      readonly privateKey: string | KeyObject;
      readonly algorithm: AsymmetricAlgorithm;
      readonly keyId?: string;
    };

interface VerifierOptions {
  /** Leeway for `exp` and `nbf`, in seconds (default 5). */
  readonly clockToleranceSeconds?: number;
}

export type TokenVerifierConfig = VerifierOptions &
  (
    | { readonly secret: string | Uint8Array }
    | { readonly publicKey: string; readonly algorithms?: readonly AsymmetricAlgorithm[] }
    | {
        readonly jwksUrl: string;
        readonly algorithms?: readonly AsymmetricAlgorithm[];
        /** Time allowed for one JWKS fetch (default 2,000 ms; the authorizer has 5 s in all). */
        readonly fetchTimeoutMs?: number;
      }
  );

/** A wrong key or secret: a deployment mistake, found at start-up, never on a request. */
export class TokenKeyError extends Error {
  readonly code = 'token_key';
  override readonly name = 'TokenKeyError';
}

/**
 * The local stack's secret when `CHAT_TOKEN_SECRET` is unset, and the `game-chat-token` CLI's
 * in that case too. It is public: a deployment must set its own secret.
 */
export const DEVELOPMENT_TOKEN_SECRET = 'game-chat-local-development-secret-not-for-production';

/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash, 256 bits. */
export const MIN_SECRET_BYTES = 32;
/** Longer tokens are refused before any parsing; real ones are well under 1 KiB. */
export const MAX_TOKEN_LENGTH = 8192;
/**
 * Most channel patterns one token may carry. The authorizer turns each into five IoT policy
 * resources (send; room and presence, to subscribe and receive), and AWS allows at most 10 policy
 * documents of 2,048 characters: 20 long patterns fit.
 */
export const MAX_CHANNEL_PATTERNS = 20;
const CHANNEL_PATTERN = /^[A-Za-z0-9_*-]+$/;

const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5;
const DEFAULT_JWKS_TIMEOUT_MS = 2000;
const ASYMMETRIC_ALGORITHMS: readonly AsymmetricAlgorithm[] = ['RS256', 'ES256'];

type ClaimsCheck = { ok: true; claims: Omit<PlayerClaims, 'exp'> } | { ok: false; message: string };

/** Checks the chat claims of a token payload or of an issue request. */
function checkClaims(payload: Readonly<Record<string, unknown>>): ClaimsCheck {
  const own = (key: string) => (Object.hasOwn(payload, key) ? payload[key] : undefined);
  const sub = validatePlayerId(own('sub'));
  if (!sub.ok) return { ok: false, message: `claim sub: ${sub.message}` };
  const rawName = own('name');
  let name: string | undefined;
  if (rawName !== undefined) {
    const checked = normalizeDisplayName(rawName);
    if (!checked.ok) return { ok: false, message: `claim name: ${checked.message}` };
    name = checked.value;
  }
  const rawRole = own('role') ?? 'player';
  if (!isRole(rawRole)) {
    return { ok: false, message: 'claim role must be player, moderator or admin' };
  }
  const rawChannels = own('channels');
  let channels: readonly string[] | undefined;
  if (rawChannels !== undefined) {
    if (
      !Array.isArray(rawChannels) ||
      rawChannels.length > MAX_CHANNEL_PATTERNS ||
      !rawChannels.every(isChannelPattern)
    ) {
      return {
        ok: false,
        message: `claim channels must be an array of at most ${MAX_CHANNEL_PATTERNS} channel names or *-patterns`,
      };
    }
    channels = [...rawChannels];
  }
  return { ok: true, claims: { sub: sub.value, name, role: rawRole, channels } };
}

/** A channel name (contract §2) in which `*` stands for any run of characters. */
export function isChannelPattern(value: unknown): value is string {
  return (
    typeof value === 'string' && value.length <= MAX_NAME_LENGTH && CHANNEL_PATTERN.test(value)
  );
}

function secretBytes(secret: string | Uint8Array): Uint8Array {
  const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  if (bytes.byteLength < MIN_SECRET_BYTES) {
    throw new TokenKeyError(`the token secret must be at least ${MIN_SECRET_BYTES} bytes long`);
  }
  return bytes;
}

/** Environment variables often carry PEM line breaks as the two characters `\n`. */
export function pemText(pem: string): string {
  return pem.replace(/\\n/g, '\n').trim();
}

/** The JWT algorithm of a key: RS256 for RSA, ES256 for P-256, undefined for any other. */
export function asymmetricAlgorithm(key: KeyObject): AsymmetricAlgorithm | undefined {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return 'ES256';
  }
  return undefined;
}

function algorithmsForPublicKey(key: KeyObject): AsymmetricAlgorithm[] {
  const algorithm = asymmetricAlgorithm(key);
  if (!algorithm) throw new TokenKeyError('the token public key must be an RSA or a P-256 EC key');
  return [algorithm];
}

/**
 * Issues a player token (contract §4). For development, playtests and game backends written in
 * Node; throws a TypeError when the claims themselves are invalid.
 */
export async function issuePlayerToken(
  claims: PlayerClaimsInput,
  key: SigningKey,
  options: { readonly expiresInSeconds: number },
): Promise<string> {
  const checked = checkClaims(claims as unknown as Record<string, unknown>);
  if (!checked.ok) throw new TypeError(checked.message);
  const { expiresInSeconds } = options;
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1) {
    throw new TypeError('expiresInSeconds must be a positive whole number');
  }
  const { sub, name, role, channels } = checked.claims;
  const payload: JWTPayload = { role };
  if (name !== undefined) payload.name = name;
  if (channels !== undefined) payload.channels = [...channels];
  const jwt = new SignJWT(payload)
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds);
  if ('secret' in key) {
    return jwt.setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(secretBytes(key.secret));
  }
  const signingKey =
    typeof key.privateKey === 'string' ? createPrivateKey(pemText(key.privateKey)) : key.privateKey;
  return jwt
    .setProtectedHeader({
      alg: key.algorithm,
      typ: 'JWT',
      ...(key.keyId ? { kid: key.keyId } : {}),
    })
    .sign(signingKey);
}

/** Why jose refused a token, in words a client developer can act on. */
function refusalMessage(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'token has expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const { claim, reason } = error as { claim?: unknown; reason?: unknown };
      if (claim === 'nbf' && reason === 'check_failed') return 'token is not valid yet';
      if (reason === 'missing') return `token has no ${String(claim)} claim`;
      return `token claim ${String(claim)} is invalid`;
    }
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'token algorithm is not allowed';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'token signature is invalid';
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'token was not signed by a known key';
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
      return 'signing keys are unavailable';
    default:
      return 'token is malformed';
  }
}

function refuse(message: string): VerifyResult {
  return { ok: false, code: 'unauthorized', message };
}

/**
 * Builds the verifier for one deployment: HS256 with a shared secret, or RS256/ES256 with a
 * public key (PEM/SPKI) or a JWKS URL. Key problems throw `TokenKeyError` here, at start-up.
 */
export function createTokenVerifier(config: TokenVerifierConfig): TokenVerifier {
  const clockTolerance = config.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  let key: Uint8Array | KeyObject | JWTVerifyGetKey;
  let algorithms: string[];
  if ('secret' in config) {
    key = secretBytes(config.secret);
    algorithms = ['HS256'];
  } else if ('publicKey' in config) {
    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey(pemText(config.publicKey));
    } catch {
      throw new TokenKeyError('the token public key is not a PEM (SPKI) public key');
    }
    key = publicKey;
    algorithms = config.algorithms ? [...config.algorithms] : algorithmsForPublicKey(publicKey);
  } else {
    let url: URL;
    try {
      url = new URL(config.jwksUrl);
    } catch {
      throw new TokenKeyError('the JWKS URL is not a valid URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new TokenKeyError('the JWKS URL must use https (or http for local use)');
    }
    key = createRemoteJWKSet(url, {
      timeoutDuration: config.fetchTimeoutMs ?? DEFAULT_JWKS_TIMEOUT_MS,
    });
    algorithms = [...(config.algorithms ?? ASYMMETRIC_ALGORITHMS)];
  }

  return {
    async verify(token) {
      if (typeof token !== 'string' || token.length === 0) return refuse('token is missing');
      if (token.length > MAX_TOKEN_LENGTH) return refuse('token is too large');
      let payload: JWTPayload;
      try {
        // The overloads differ only in the key type; this one call covers all three.
        ({ payload } = await jwtVerify(token, key as Uint8Array, {
          algorithms,
          clockTolerance,
          requiredClaims: ['sub', 'exp'],
        }));
      } catch (error) {
        return refuse(refusalMessage(error));
      }
      const checked = checkClaims(payload);
      if (!checked.ok) return refuse(`token ${checked.message}`);
      return { ok: true, claims: { ...checked.claims, exp: payload.exp as number } };
    },
  };
}

/** The three token settings of contract §6, as `@game-chat/lambda-runtime/config` reads them. */
export interface TokenSettings {
  readonly tokenSecret?: string | undefined;
  readonly tokenPublicKey?: string | undefined;
  readonly tokenJwksUrl?: string | undefined;
}

/** Picks the one verifier configuration the settings name; the config loader ensures one. */
export function verifierConfigFromSettings(settings: TokenSettings): TokenVerifierConfig {
  if (settings.tokenSecret) return { secret: settings.tokenSecret };
  if (settings.tokenPublicKey) return { publicKey: settings.tokenPublicKey };
  if (settings.tokenJwksUrl) return { jwksUrl: settings.tokenJwksUrl };
  throw new TokenKeyError(
    'set one of CHAT_TOKEN_SECRET, CHAT_TOKEN_PUBLIC_KEY or CHAT_TOKEN_JWKS_URL',
  );
}
