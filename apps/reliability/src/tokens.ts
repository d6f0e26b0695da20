import { createHmac } from 'node:crypto';
import type { LocalStack } from '@game-chat/aws-emulator';
import { customAuthUsername } from '@game-chat/protocol/custom-auth';

/**
 * Hand-made JWTs for the tokens a real issuer refuses to make: a `sub` that is not a player id
 * (`+`, `#`, `$SYS`), already expired, signed with another secret, or `alg: none`.
 */

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An HS256 JWT over `claims`, signed with `secret`. */
export function signJwt(claims: Record<string, unknown>, secret: string): string {
  const body = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

/** An unsigned JWT (`alg: none`), which no verifier may accept. */
export function unsignedJwt(claims: Record<string, unknown>): string {
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;
}

/** Seconds since the epoch, as JWT `exp` counts them. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * The MQTT user name that carries `token`, signed with the stack's key, to its custom
 * authorizer (`base?x-amz-customauthorizer-name=…&x-amz-customauthorizer-signature=…&token=…`):
 * what raw connections send so that IoT Core's signature check lets the token through.
 */
export function signedUsername(stack: LocalStack, token: string, base = ''): string {
  return customAuthUsername(base, stack.signToken(token));
}
