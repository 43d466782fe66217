/** IBAN normalisation and the ISO 13616 mod-97 check. */
const LENGTHS: Record<string, number> = {
  AD: 24, AT: 20, BE: 16, BG: 22, CH: 21, CY: 28, CZ: 24, DE: 22, DK: 18, EE: 20, ES: 24, FI: 18, FR: 27, GB: 22, GR: 27, HR: 21, HU: 28,
  IE: 22, IS: 26, IT: 27, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MT: 31, NL: 18, NO: 15, PL: 28, PT: 25, RO: 24, SE: 24, SI: 19, SK: 24, SM: 27, TR: 26,
};

export function normaliseIban(raw: string): string {
  return raw.replace(/[\s-]/g, '').toUpperCase();
}

export function isValidIban(raw: string): boolean {
  const iban = normaliseIban(raw);
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(iban)) return false;
  const expected = LENGTHS[iban.slice(0, 2)];
  if (expected && iban.length !== expected) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const digits = /\d/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
    for (const d of digits) remainder = (remainder * 10 + Number(d)) % 97;
  }
  return remainder === 1;
}

/**
 * An IBAN read from running text: the pattern may swallow what follows ("… 3757 00 BIC COBADEFF"),
 * so a candidate longer than its country's length is cut back to it.
 */
export function ibanFromText(raw: string): string {
  const iban = normaliseIban(raw);
  const expected = LENGTHS[iban.slice(0, 2)];
  return expected && iban.length > expected ? iban.slice(0, expected) : iban;
}
