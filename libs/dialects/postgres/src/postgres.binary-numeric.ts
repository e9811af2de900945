import { type BinaryEncoder, invalidValue } from './postgres.binary-frame';

/** PostgreSQL's numeric in binary COPY form, converted exactly from decimal strings. */

const NUMERIC_POS = 0x0000;
const NUMERIC_NEG = 0x4000;
const NUMERIC_NAN = 0xc000;
const NUMERIC_PINF = 0xd000;
const NUMERIC_NINF = 0xf000;
const NUMERIC_DSCALE_MAX = 0x3fff;

/** The fields of PostgreSQL's numeric binary form: base-10000 digits, weight of the first, sign, display scale. */
export interface NumericParts {
  digits: number[];
  weight: number;
  sign: number;
  dscale: number;
}

const SPECIAL_NUMERICS: Record<string, number> = {
  nan: NUMERIC_NAN,
  infinity: NUMERIC_PINF,
  '+infinity': NUMERIC_PINF,
  inf: NUMERIC_PINF,
  '+inf': NUMERIC_PINF,
  '-infinity': NUMERIC_NINF,
  '-inf': NUMERIC_NINF,
};

export const ZERO_CODE = 48;

export function isDigitCode(code: number): boolean {
  return code >= ZERO_CODE && code <= ZERO_CODE + 9;
}

/**
 * The last numericGroups result: base-10000 digits in `GROUPS[groupsFirst, groupsEnd)` (no
 * leading or trailing zero groups), weight, display scale. A scratch array reused by every value,
 * so the encoder's fast path allocates nothing per value; numericParts copies it out.
 */
const GROUPS: number[] = [];
let groupsFirst = 0;
let groupsEnd = 0;
let groupsWeight = 0;
let groupsDscale = 0;

/**
 * Base-10000 groups of the digits text[intStart, intEnd) '.' text[fracStart, fracEnd) into
 * GROUPS: the integer digits end on a group boundary, the fraction is zero-filled to one.
 */
function numericGroups(text: string, intStart: number, intEnd: number, fracStart: number, fracEnd: number): void {
  while (intStart < intEnd && text.charCodeAt(intStart) === ZERO_CODE) intStart++;
  const intLength = intEnd - intStart;
  const intPad = (4 - (intLength % 4)) % 4;
  let count = 0;
  let group = 0;
  let filled = intPad;
  // The integer digits, then the fraction's, as one run of decimal digits.
  const gap = fracStart - intEnd;
  const end = fracEnd - gap;
  for (let k = intStart; k < end; k++) {
    group = group * 10 + (text.charCodeAt(k < intEnd ? k : k + gap) - ZERO_CODE);
    if (++filled === 4) {
      GROUPS[count++] = group;
      group = 0;
      filled = 0;
    }
  }
  if (filled > 0) {
    for (; filled < 4; filled++) group *= 10;
    GROUPS[count++] = group;
  }
  let weight = (intPad + intLength) / 4 - 1;
  let first = 0;
  while (first < count && GROUPS[first] === 0) {
    first++;
    weight--;
  }
  let last = count;
  while (last > first && GROUPS[last - 1] === 0) last--;
  groupsDscale = fracEnd - fracStart;
  if (first === last) {
    groupsFirst = groupsEnd = 0;
    groupsWeight = 0;
    return;
  }
  groupsFirst = first;
  groupsEnd = last;
  groupsWeight = weight;
}

/**
 * '[+-]digits[.digits]' scanned by char code (the canonical form, the fast path) into GROUPS;
 * the sign (NUMERIC_POS/NEG, positive for zero), or -1 for anything else.
 */
function plainNumericGroups(text: string): number {
  let i = 0;
  const first = text.charCodeAt(0);
  const negative = first === 45; // '-'
  if (negative || first === 43) i = 1; // '+'
  const intStart = i;
  while (i < text.length && isDigitCode(text.charCodeAt(i))) i++;
  const intEnd = i;
  let fracStart = i;
  let fracEnd = i;
  if (i < text.length && text.charCodeAt(i) === 46) {
    // '.'
    fracStart = ++i;
    while (i < text.length && isDigitCode(text.charCodeAt(i))) i++;
    fracEnd = i;
  }
  if (i !== text.length || (intEnd === intStart && fracEnd === fracStart)) return -1;
  if (fracEnd - fracStart > NUMERIC_DSCALE_MAX) return -1;
  numericGroups(text, intStart, intEnd, fracStart, fracEnd);
  return negative && groupsEnd > groupsFirst ? NUMERIC_NEG : NUMERIC_POS;
}

function plainNumericParts(text: string): NumericParts | null {
  const sign = plainNumericGroups(text);
  if (sign < 0) return null;
  return { digits: GROUPS.slice(groupsFirst, groupsEnd), weight: groupsWeight, sign, dscale: groupsDscale };
}

/** A decimal string (plain, or with an exponent and blanks as numeric_in takes it) → numeric parts, exactly. */
export function numericParts(text: string): NumericParts | null {
  const plain = plainNumericParts(text);
  if (plain) return plain;
  const trimmed = text.trim();
  const special = SPECIAL_NUMERICS[trimmed.toLowerCase()];
  if (special !== undefined) return { digits: [], weight: 0, sign: special, dscale: 0 };
  const m = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(trimmed);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const mantissa = m[2] + (m[3] ?? '');
  const exponent = m[4] === undefined ? 0 : Number(m[4]);
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 1_000_000) return null;
  // Position of the decimal point within the mantissa digits, after the exponent's shift.
  const point = m[2].length + exponent;
  let shifted: string;
  if (point <= 0) shifted = `.${'0'.repeat(-point)}${mantissa}`;
  else if (point >= mantissa.length) shifted = mantissa + '0'.repeat(point - mantissa.length);
  else shifted = `${mantissa.slice(0, point)}.${mantissa.slice(point)}`;
  return plainNumericParts(m[1] === '-' ? `-${shifted}` : shifted);
}

const INT16 = 0x7fff;

export const numericEncoder: BinaryEncoder = (out, value, column) => {
  if (typeof value === 'string') {
    // The canonical form straight from the scratch groups: no parts object, no digits array.
    const sign = plainNumericGroups(value);
    if (sign >= 0) {
      out.numericField(GROUPS, groupsFirst, groupsEnd, groupsWeight, sign, groupsDscale);
      return;
    }
  }
  const text = typeof value === 'string' || typeof value === 'bigint' || typeof value === 'number' ? String(value) : '';
  const parts = numericParts(text);
  if (!parts) throw invalidValue(column, value, 'a decimal number');
  out.fieldLength(8 + 2 * parts.digits.length);
  out.int16(parts.digits.length);
  out.int16(parts.weight);
  out.int16(parts.sign > INT16 ? parts.sign - 0x10000 : parts.sign);
  out.int16(parts.dscale);
  for (const digit of parts.digits) out.int16(digit);
};
