import { type BinaryEncoder, invalidValue } from './postgres.binary-frame';
import { isDigitCode, ZERO_CODE } from './postgres.binary-numeric';

/**
 * PostgreSQL's date, time and timestamp binary forms, from the canonical strings (VALUE_FORMS) by
 * integer arithmetic only: no JS Date.
 */

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -INT64_MAX - 1n;

/** Days from 1970-01-01 to 2000-01-01, PostgreSQL's epoch. */
const PG_EPOCH_DAYS = 10_957;
const US_PER_DAY = 86_400_000_000n;

/** Days from 1970-01-01 of a proleptic Gregorian date (astronomical year: 0 is 1 BC), integers only. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 2000-01-01 of a date as written (year ≥ 1, AD or BC), validated as date_in does; null when invalid. */
function civilDays(written: number, month: number, day: number, bc: boolean): number | null {
  if (written < 1 || month < 1 || month > 12 || day < 1) return null;
  const year = bc ? 1 - written : written;
  const last = month === 2 && isLeap(year) ? 29 : MONTH_DAYS[month - 1];
  if (day > last) return null;
  return daysFromCivil(year, month, day) - PG_EPOCH_DAYS;
}

const DATE_INFINITY = 0x7fffffff;
const DATE_NEG_INFINITY = -0x80000000;

/** The number written by `count` ASCII digits at `from`, or -1. */
function digitsAt(text: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const code = text.charCodeAt(i);
    if (!isDigitCode(code)) return -1;
    n = n * 10 + (code - ZERO_CODE);
  }
  return n;
}

/** 'YYYY-MM-DD' at the start of `text` (by char code), or null. */
function canonicalDate(text: string): { year: number; month: number; day: number } | null {
  if (text.length < 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return null;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  return year < 0 || month < 0 || day < 0 ? null : { year, month, day };
}

/** 'YYYY-MM-DD' (or '… BC', 'infinity', '-infinity') → PostgreSQL's int32 days since 2000-01-01; null when invalid. */
export function dateToPgDays(value: string): number | null {
  if (value.length === 10) {
    const fast = canonicalDate(value);
    if (fast) return civilDays(fast.year, fast.month, fast.day, false);
  }
  const trimmed = value.trim();
  const special = trimmed.toLowerCase();
  if (special === 'infinity' || special === '+infinity') return DATE_INFINITY;
  if (special === '-infinity') return DATE_NEG_INFINITY;
  const m = /^(\d{4,})-(\d{2})-(\d{2})( BC)?$/i.exec(trimmed);
  return m ? civilDays(Number(m[1]), Number(m[2]), Number(m[3]), m[4] !== undefined) : null;
}

/**
 * Set by fractionMicros when it cut a non-zero digit beyond microseconds; the time and
 * timestamp encoders clear it before each value and count the value when it is set after.
 */
let fractionCut = false;

/**
 * Microseconds of a fraction written after the seconds' point, truncated (never rounded) to
 * microseconds as on every target (LOSS_KINDS 'fractional-seconds-truncated'): PostgreSQL's own
 * input would round, which can carry a value into the next second, day or year.
 */
export function fractionMicros(digits: string): number {
  if (digits.length <= 6) return Number(digits.padEnd(6, '0'));
  for (let i = 6; i < digits.length; i++) if (digits.charCodeAt(i) !== ZERO_CODE) fractionCut = true;
  return Number(digits.slice(0, 6));
}

const US_PER_DAY_NUMBER = 86_400_000_000;

/** Microseconds since midnight, validated as time_in does (up to 24:00:00, a leap second 60); null when invalid. */
function clockMicros(hours: number, minutes: number, seconds: number, fraction: number): number | null {
  if (hours > 24 || minutes > 59 || seconds > 60) return null;
  const micros = ((hours * 60 + minutes) * 60 + seconds) * 1_000_000 + fraction;
  if (hours === 24 && micros > US_PER_DAY_NUMBER) return null;
  return micros;
}

/** Where the text after the clock canonicalClock last read starts (a module scratch: no object per value). */
let clockEnd = 0;

/**
 * 'HH:MM:SS[.fraction]' at `from` by char code: microseconds since midnight (where the text
 * after it starts in `clockEnd`), or -1 (then the regex path judges).
 */
function canonicalClock(text: string, from: number): number {
  if (text.length < from + 8 || text.charCodeAt(from + 2) !== 58 || text.charCodeAt(from + 5) !== 58) return -1;
  const hours = digitsAt(text, from, 2);
  const minutes = digitsAt(text, from + 3, 2);
  const seconds = digitsAt(text, from + 6, 2);
  if (hours < 0 || minutes < 0 || seconds < 0) return -1;
  let end = from + 8;
  let fraction = 0;
  if (text.charCodeAt(end) === 46) {
    const start = ++end;
    while (end < text.length && isDigitCode(text.charCodeAt(end))) end++;
    if (end - start > 6) fraction = fractionMicros(text.slice(start, end));
    else {
      fraction = digitsAt(text, start, end - start);
      for (let i = end - start; i < 6; i++) fraction *= 10;
    }
  }
  const micros = clockMicros(hours, minutes, seconds, fraction);
  clockEnd = end;
  return micros === null ? -1 : micros;
}

/** 'HH:MM:SS[.fraction]' → PostgreSQL's int64 microseconds since midnight; null when invalid. */
export function timeToPgMicros(value: string): number | null {
  const fast = canonicalClock(value, 0);
  if (fast >= 0 && clockEnd === value.length) return fast > US_PER_DAY_NUMBER ? null : fast;
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d*))?)?$/.exec(value.trim());
  if (!m) return null;
  const micros = clockMicros(Number(m[1]), Number(m[2]), m[3] === undefined ? 0 : Number(m[3]), m[4] ? fractionMicros(m[4]) : 0);
  return micros === null || micros > US_PER_DAY_NUMBER ? null : micros;
}

const TIMESTAMP_PATTERN =
  /^(\d{4,})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d*))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)?( BC)?$/i;

/** '+05:30', '-0800', '+05:53:28', 'Z' → seconds east of UTC. */
function offsetSeconds(zone: string): number {
  if (zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replaceAll(':', '');
  const seconds = Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4) || '0') * 60 + Number(digits.slice(4, 6) || '0');
  return zone[0] === '-' ? -seconds : seconds;
}

/** An instant as PostgreSQL counts it: `days * 86_400_000_000 + micros` microseconds since 2000-01-01 00:00:00 UTC. */
interface PgInstant {
  days: number;
  micros: number;
}

const TIMESTAMP_INFINITY = INT64_MAX;
const TIMESTAMP_NEG_INFINITY = INT64_MIN;

/**
 * The canonical 'HH:MM:SS[.f][±HH:MM|±HH]' from offset 11 by char code: microseconds into the
 * date, less the offset when `withZone`; NaN for the regex path.
 */
function canonicalClockAndOffset(text: string, withZone: boolean): number {
  const micros = canonicalClock(text, 11);
  if (micros < 0) return Number.NaN;
  const end = clockEnd;
  const rest = text.length - end;
  let offset = 0;
  if (rest !== 0) {
    const sign = text.charCodeAt(end);
    if ((sign !== 43 && sign !== 45) || (rest !== 3 && rest !== 6)) return Number.NaN;
    const hours = digitsAt(text, end + 1, 2);
    const minutes = rest === 3 ? 0 : text.charCodeAt(end + 3) === 58 ? digitsAt(text, end + 4, 2) : -1;
    if (hours < 0 || minutes < 0) return Number.NaN;
    if (withZone) offset = (sign === 45 ? -1 : 1) * (hours * 3600 + minutes * 60) * 1_000_000;
  }
  return micros - offset;
}

/** The canonical 'YYYY-MM-DD HH:MM:SS[.f][±HH:MM|±HH]' by char code, null when invalid, undefined for the regex path. */
function canonicalInstant(text: string, withZone: boolean): PgInstant | null | undefined {
  const date = text.length >= 19 && text.charCodeAt(10) === 32 ? canonicalDate(text) : null;
  const micros = date ? canonicalClockAndOffset(text, withZone) : Number.NaN;
  if (!date || Number.isNaN(micros)) return undefined;
  const days = civilDays(date.year, date.month, date.day, false);
  return days === null ? null : { days, micros };
}

/** Days and microseconds of a timestamp as written; 'infinity' forms as themselves; null when invalid. */
function parseInstant(value: string, withZone: boolean): PgInstant | 'infinity' | '-infinity' | null {
  const fast = canonicalInstant(value, withZone);
  if (fast !== undefined) return fast;
  const trimmed = value.trim();
  const special = trimmed.toLowerCase();
  if (special === 'infinity' || special === '+infinity') return 'infinity';
  if (special === '-infinity') return '-infinity';
  const m = TIMESTAMP_PATTERN.exec(trimmed);
  if (!m) return null;
  const days = civilDays(Number(m[1]), Number(m[2]), Number(m[3]), m[9] !== undefined);
  if (days === null) return null;
  const clock =
    m[4] === undefined ? 0 : clockMicros(Number(m[4]), Number(m[5]), m[6] === undefined ? 0 : Number(m[6]), m[7] ? fractionMicros(m[7]) : 0);
  if (clock === null) return null;
  const offset = withZone && m[8] ? offsetSeconds(m[8]) * 1_000_000 : 0;
  return { days, micros: clock - offset };
}

/**
 * 'YYYY-MM-DD HH:MM:SS[.fraction][±HH:MM][ BC]' → PostgreSQL's int64 microseconds since
 * 2000-01-01 00:00:00 UTC, with integers only. `withZone`: the offset is applied (timestamptz);
 * otherwise it is ignored, as timestamp_in ignores it. Null when invalid.
 */
export function timestampToPgMicros(value: string, withZone: boolean): bigint | null {
  const instant = parseInstant(value, withZone);
  if (instant === null) return null;
  if (instant === 'infinity') return TIMESTAMP_INFINITY;
  if (instant === '-infinity') return TIMESTAMP_NEG_INFINITY;
  return BigInt(instant.days) * US_PER_DAY + BigInt(instant.micros);
}

const date: BinaryEncoder = (out, value, column) => {
  const days = typeof value === 'string' ? dateToPgDays(value) : null;
  if (days === null) throw invalidValue(column, value, "a date 'YYYY-MM-DD'");
  out.int32Field(days);
};
const time: BinaryEncoder = (out, value, column, warnings) => {
  fractionCut = false;
  const micros = typeof value === 'string' ? timeToPgMicros(value) : null;
  if (micros === null) throw invalidValue(column, value, "a time 'HH:MM:SS[.fraction]'");
  if (fractionCut) warnings?.fractionTruncated(column);
  out.int64DaysField(0, micros);
};

function timestampEncoder(withZone: boolean, form: string): BinaryEncoder {
  // Neighbouring rows mostly share the day: the last canonical 'YYYY-MM-DD ' and its days.
  let cachedPrefix = '';
  let cachedDays = 0;
  return (out, value, column, warnings) => {
    fractionCut = false;
    if (typeof value === 'string' && value.length >= 19 && value.charCodeAt(10) === 32) {
      let days: number | null = null;
      if (cachedPrefix !== '' && value.startsWith(cachedPrefix)) days = cachedDays;
      else {
        const date = canonicalDate(value);
        days = date && civilDays(date.year, date.month, date.day, false);
        if (days !== null) {
          cachedPrefix = value.slice(0, 11);
          cachedDays = days;
        }
      }
      const micros = days === null ? Number.NaN : canonicalClockAndOffset(value, withZone);
      if (days !== null && !Number.isNaN(micros)) {
        if (fractionCut) warnings?.fractionTruncated(column);
        out.int64DaysField(days, micros);
        return;
      }
    }
    const instant = typeof value === 'string' ? parseInstant(value, withZone) : null;
    if (instant === null) throw invalidValue(column, value, form);
    if (fractionCut) warnings?.fractionTruncated(column);
    if (instant === 'infinity') out.int64Field(TIMESTAMP_INFINITY);
    else if (instant === '-infinity') out.int64Field(TIMESTAMP_NEG_INFINITY);
    else out.int64DaysField(instant.days, instant.micros);
  };
}
const timestamp = timestampEncoder(false, "a timestamp 'YYYY-MM-DD HH:MM:SS[.fraction]'");
const timestamptz = timestampEncoder(true, "a timestamp with offset 'YYYY-MM-DD HH:MM:SS[.fraction]+00:00'");

/** The encoders of the date and time target types, by typname. */
export const DATETIME_ENCODERS = { date, time, timestamp, timestamptz };
