/** Random UUIDs (v4), for Idempotency-Key headers. */

/** A fresh UUID. */
export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  // Pages served over plain http from another host lack randomUUID; build one by hand.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
