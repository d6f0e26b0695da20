import { createPrivateKey, createPublicKey, type KeyObject, sign } from 'node:crypto';
import type { SignedToken } from '@game-chat/protocol/custom-auth';
import {
  issuePlayerToken,
  type PlayerClaimsInput,
  pemText,
  type SigningKey,
  TokenKeyError,
} from './tokens.js';

/**
 * Token signing for IoT Core's custom authorizer (AWS IoT developer guide, "Signing the
 * token"): the signature is RSA-SHA256 (PKCS#1 v1.5) of the token value with the private key
 * whose public half the authorizer lists in `token_signing_public_keys`, base64-encoded. IoT Core
 * checks it before it invokes the authorizer Lambda, so a client without a signed token never
 * costs a Lambda call. Equivalent to
 * `echo -n "$TOKEN" | openssl dgst -sha256 -sign key.pem | openssl base64 -A`.
 */

/** IoT Core's minimum for a token-signing key. */
export const MIN_SIGNING_KEY_BITS = 2048;

/**
 * The local stack's token-signing key when `CHAT_AUTHORIZER_SIGNING_KEY` is unset, and the
 * `game-chat-token` CLI's in that case too. **Public, not for production**: anyone can sign
 * with it. A deployment generates its own pair and keeps the private key in Secrets Manager.
 */
export const DEVELOPMENT_AUTHORIZER_SIGNING_KEY = `-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQDavEFrpEFxTS4s
oPXvy86ubumsmwYZkZDlF8eWi37/6hJD4ZjVlKd9AJkWop8oeeHsDnfNYT2mhBEh
J6PPXPGlCLdEEDQBJZqquRcXjv0n1KeiTYsBf0LuQIQSfvVbDNZmzPFxOB1+hHRT
wHxmRWvZ4G4s/P3Wg0snbPkidpYgOj7iWchqLEdST0Ctqgb6WqULF5PD909Osnkd
sziwQFrBgrJHuixLe5gA1jgUWBIk/H4qAcpDUUosvee/YRgAGx1ZRiMcvNpJa7wa
dflbqHxBMR8MGdCHBJQwEIRtGgHxalp4o1bU5wO9Vjekclg38M1YW3m/zEvV0x4l
451xHwLPAgMBAAECggEABx57bppw+tQNPaybdIuIlYrMli6Re0GOmrY0a8TshD3F
DGqKQ+FLtjjPwrnWPkYBQWKTKZ8Rl5rSx+Z3YWdgAgQPmuqAFs13hDjz9HNV7/bu
4cxuSsUuk3yMD+IL8EOxsrTW4t11sEl1U8h/BAEcaoHwdAxj4phxWL4mOaXsau4K
7aZRRWWTTagxS1wKZ73CHrJXfArJKkg1m1d6UBE26K+IrKFV65ScGIfXZiznoOVO
3MI0SwvLSoWUVmmb99l603HpvKFLANm379XoehFWMRYj93DULXpDlv5xyhq0gk7a
F3eVdXGPszIHIfKtDxTXc9rAKbDmS+cfuAO7Shq58QKBgQD+8bmHy+F90s3wonHv
ldly2KQrxjFGqlabt1+xaoXCjd5e1KNK3Kh2L+AseLfZRqab51OVN3jJ3+siKMrl
cWisS39rNJ5suxCMhi+BDn+HA6rpR3dh8TsGvyKy+8Jnqv05RGBvZsMIeahxzZtJ
GGrqHYUDQPl1za17+YiUK+SdVwKBgQDbpCUArsDNMNVU5fkcGXkr5siZCGw8HzaN
Zq0alwnPTWSNhNnYUlESE7L2mkTpUevQ+ELIwmI+Awb/MrzMPxIisMsEadsFe4vw
YgGKqswIRcQDaRWyHm+HxPAf3n/5sD1QdAe+YWqJCSRulqcrt3qKsUWZILisaLYu
dWSZ6abjSQKBgHXqh81vV1RC9E2gVOJjhLfBy+0TNidhEb3kCracdlGOHJPv9bbi
aGiBrEXlb+Nm8hiZ3ebeSVfV4YNjKrUEx00pfj2vkLbprrXQOpiOhB2GbL6I94at
dIeiUAJIv5oDVCvwnEnqVbrNykMYvgII8SpnjOX8X2VFREBbIfimdI7xAoGASV2b
6o1041VTfQdQXX14xxxQlyWEGdUHQNYyLjaTVUZxtv/QUHy2jcY8ujivmgv+LBAx
JqQfcr1KIgZNoB/VK/dH6RJ+0WcCSGpEP5BrlLvRDJ6WW6fk80HqP4rvznR7Fpub
VpFtp5aBL9tsvaKM8TTjnZGbfiN/7ybRUsQENdkCgYBBq+s6zdL4BFcWVVpHYPWZ
+kUsNvq0nOPN8YU/pvZvNEOKnRWDBjrrFvHJ8TvqQgpUeV2aozX+LEJ7bP0RXV72
S/aXWp7B4Wia/eBSPGtrKp/UZ0ougLtuYoYcHl3X6xInIs3x4unRyzWZhiI2Oxp5
N6a5gyeXx4CblitpVaFyGg==
-----END PRIVATE KEY-----
`;

/** The public half of `DEVELOPMENT_AUTHORIZER_SIGNING_KEY`, what the local stack verifies with. */
export const DEVELOPMENT_AUTHORIZER_PUBLIC_KEY = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA2rxBa6RBcU0uLKD178vO
rm7prJsGGZGQ5RfHlot+/+oSQ+GY1ZSnfQCZFqKfKHnh7A53zWE9poQRISejz1zx
pQi3RBA0ASWaqrkXF479J9Snok2LAX9C7kCEEn71WwzWZszxcTgdfoR0U8B8ZkVr
2eBuLPz91oNLJ2z5InaWIDo+4lnIaixHUk9AraoG+lqlCxeTw/dPTrJ5HbM4sEBa
wYKyR7osS3uYANY4FFgSJPx+KgHKQ1FKLL3nv2EYABsdWUYjHLzaSWu8GnX5W6h8
QTEfDBnQhwSUMBCEbRoB8WpaeKNW1OcDvVY3pHJYN/DNWFt5v8xL1dMeJeOdcR8C
zwIDAQAB
-----END PUBLIC KEY-----
`;

/**
 * Reads a token-signing private key (PKCS#8 or PKCS#1 PEM). Throws `TokenKeyError` for anything
 * IoT Core would not verify: not a PEM private key, not RSA, or under 2,048 bits.
 */
export function loadAuthorizerSigningKey(pem: string | KeyObject): KeyObject {
  let key: KeyObject;
  try {
    key = typeof pem === 'string' ? createPrivateKey(pemText(pem)) : pem;
  } catch {
    throw new TokenKeyError('the authorizer signing key is not a PEM private key');
  }
  if (key.type !== 'private' || key.asymmetricKeyType !== 'rsa') {
    throw new TokenKeyError('the authorizer signing key must be an RSA private key');
  }
  if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_SIGNING_KEY_BITS) {
    throw new TokenKeyError(
      `the authorizer signing key must have at least ${MIN_SIGNING_KEY_BITS} bits`,
    );
  }
  return key;
}

/** The public key (SPKI PEM) to put in the authorizer's `token_signing_public_keys`. */
export function authorizerPublicKeyPem(privateKey: KeyObject): string {
  return createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
}

/** Base64 RSA-SHA256 of the token's UTF-8 bytes: the `x-amz-customauthorizer-signature`. */
export function signTokenForAuthorizer(token: string, privateKey: KeyObject): string {
  return sign('sha256', Buffer.from(token, 'utf8'), privateKey).toString('base64');
}

/** The two keys of a token issuer: the player token's (JWT) and the authorizer signature's. */
export interface IssuerKeys {
  readonly playerToken: SigningKey;
  readonly authorizerSigning: KeyObject;
}

/**
 * Issues a player token (see `issuePlayerToken`) and signs it for the custom authorizer: what a
 * game backend hands its client, which passes both to IoT Core.
 */
export async function issueSignedPlayerToken(
  claims: PlayerClaimsInput,
  keys: IssuerKeys,
  options: { readonly expiresInSeconds: number },
): Promise<SignedToken> {
  const token = await issuePlayerToken(claims, keys.playerToken, options);
  return { token, signature: signTokenForAuthorizer(token, keys.authorizerSigning) };
}
