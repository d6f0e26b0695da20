/**
 * A 32-bit string hash: FNV-1a over UTF-16 units, then murmur3's finaliser so that strings
 * differing only in their last character (`bot-1`, `bot-2`) land far apart. Short, stable,
 * well spread; not for security.
 */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
