/**
 * A cron expression said in English ("At 02:00, Monday through Friday"), for the job form's
 * schedule preview. Covers what cron-parser (the API's reader) accepts in the usual forms: 5 or
 * 6 fields, numbers, names (JAN, MON), `*`, `?`, lists, ranges, steps, `L` and `#`, and the
 * @hourly-style macros. Whether the API accepts an expression is the API's call (its next fire
 * times come from GET /api/jobs/schedule-preview); this only explains one that reads normally,
 * and answers null for what it cannot say rather than guess.
 */

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth'];

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** One part of a field: a value, a range, either with a step, or every value with a step. */
type Part = { kind: 'value'; value: number } | { kind: 'range'; from: number; to: number; step: number } | { kind: 'every'; step: number; start: number };

interface FieldSpec {
  min: number;
  max: number;
  names?: string[];
  /** 7 for day of week reads as 0 (Sunday). */
  wrap7?: boolean;
}

const SPECS = {
  second: { min: 0, max: 59 },
  minute: { min: 0, max: 59 },
  hour: { min: 0, max: 23 },
  day: { min: 1, max: 31 },
  month: { min: 1, max: 12, names: MONTH_NAMES },
  weekday: { min: 0, max: 7, names: DAY_NAMES, wrap7: true },
} satisfies Record<string, FieldSpec>;

class Unsayable extends Error {}

function number(text: string, spec: FieldSpec): number {
  const upper = text.toUpperCase();
  const named = spec.names?.indexOf(upper) ?? -1;
  let n: number;
  if (named >= 0) n = named + (spec === SPECS.month ? 1 : 0);
  else if (/^\d+$/.test(text)) n = Number(text);
  else throw new Unsayable(text);
  if (n < spec.min || n > spec.max) throw new Unsayable(text);
  return spec.wrap7 && n === 7 ? 0 : n;
}

/** The parts of a field, or null for "every value" (`*` or `?`). */
function parse(field: string, spec: FieldSpec): Part[] | null {
  if (field === '*' || field === '?') return null;
  return field.split(',').map((item): Part => {
    const [range, stepText, extra] = item.split('/');
    if (extra !== undefined || range === undefined || range === '') throw new Unsayable(item);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Unsayable(item);
    if (range === '*') return { kind: 'every', step, start: spec.min };
    const [fromText, toText, more] = range.split('-');
    if (more !== undefined) throw new Unsayable(item);
    const from = number(fromText as string, spec);
    if (toText === undefined) return stepText === undefined ? { kind: 'value', value: from } : { kind: 'every', step, start: from };
    // `to` may be 7 (Sunday) in a weekday range such as 5-7: keep it as 7 for the range.
    const to = spec.wrap7 && /^7$/.test(toText) ? 7 : number(toText, spec);
    if (to < from) throw new Unsayable(item);
    return { kind: 'range', from, to, step };
  });
}

const pad = (n: number) => String(n).padStart(2, '0');

function joinWords(words: string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

const dayName = (n: number) => DAYS[n % 7] as string;

/** "5", "5 through 10", "every 15 minutes"… of one unit, parts joined with "and". */
function partsText(parts: Part[], name: (n: number) => string, unit: string, units: string): string {
  return joinWords(
    parts.map((p) => {
      if (p.kind === 'value') return name(p.value);
      if (p.kind === 'range') return p.step === 1 ? `${name(p.from)} through ${name(p.to)}` : `every ${p.step} ${units} from ${name(p.from)} through ${name(p.to)}`;
      if (p.step === 1) return `every ${unit}`;
      const first = unit === 'day' || unit === 'month' ? 1 : 0;
      return p.start === first ? `every ${p.step} ${units}` : `every ${p.step} ${units} starting at ${name(p.start)}`;
    }),
  );
}

/** "minute 5", "minutes 0 and 30", "hours 09 through 17", or a stepped "every 2 hours". */
function unitPhrase(parts: Part[], name: (n: number) => string, unit: string, units: string): string {
  const plain = parts.every((p) => p.kind === 'value' || (p.kind === 'range' && p.step === 1));
  if (!plain) return partsText(parts, name, unit, units);
  const one = parts.length === 1 && parts[0]?.kind === 'value';
  return `${one ? unit : units} ${partsText(parts, name, unit, units)}`;
}

const values = (parts: Part[] | null): number[] | null => (parts && parts.every((p) => p.kind === 'value') ? parts.map((p) => (p as { value: number }).value) : null);
const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function timeText(secondField: string | undefined, minuteField: string, hourField: string): string {
  const minuteParts = parse(minuteField, SPECS.minute);
  const hourParts = parse(hourField, SPECS.hour);
  const minutes = values(minuteParts);
  const hours = values(hourParts);
  let text: string;
  if (minutes && hours && minutes.length * hours.length <= 6) {
    text = `At ${joinWords(hours.flatMap((h) => minutes.map((m) => `${pad(h)}:${pad(m)}`)).sort())}`;
  } else {
    const hourText = hourParts ? unitPhrase(hourParts, pad, 'hour', 'hours') : null;
    if (!minuteParts) {
      text = hourText ? `Every minute of ${hourText}` : 'Every minute';
    } else {
      const minuteText = unitPhrase(minuteParts, String, 'minute', 'minutes');
      if (minuteText.startsWith('every')) text = hourText ? `${capital(minuteText)} during ${hourText}` : capital(minuteText);
      else text = `At ${minuteText} past ${hourText ?? 'every hour'}`;
    }
  }
  if (secondField !== undefined) {
    const secondParts = parse(secondField, SPECS.second);
    const seconds = values(secondParts);
    if (!(seconds && seconds.length === 1 && seconds[0] === 0)) {
      const secondText = secondParts ? unitPhrase(secondParts, String, 'second', 'seconds') : 'every second';
      text = `${text}, ${secondText.startsWith('every') ? secondText : `at ${secondText}`}`;
    }
  }
  return text;
}

function dayOfMonthText(field: string): string | null {
  if (field === '*' || field === '?') return null;
  if (field === 'L') return 'on the last day of the month';
  const parts = parse(field, SPECS.day) as Part[];
  const only = values(parts);
  if (only) return `on day${only.length > 1 ? 's' : ''} ${joinWords(only.map(String))} of the month`;
  return `on ${partsText(parts, String, 'day', 'days')} of the month`.replace(/^on every/, 'every');
}

function weekdayText(field: string): string | null {
  if (field === '*' || field === '?') return null;
  const nth = /^(\w+)#([1-5])$/.exec(field);
  if (nth) return `on the ${ORDINALS[Number(nth[2]) - 1]} ${dayName(number(nth[1] as string, SPECS.weekday))} of the month`;
  const last = /^(\w+)L$/i.exec(field);
  if (last) return `on the last ${dayName(number(last[1] as string, SPECS.weekday))} of the month`;
  const parts = parse(field, SPECS.weekday) as Part[];
  // Every day of the week, however it is spelled (0-6, 1-7, 0-7): no restriction.
  if (parts.length === 1 && parts[0]?.kind === 'range' && parts[0].step === 1 && parts[0].to - parts[0].from >= 6) return null;
  return `on ${partsText(parts, dayName, 'day', 'days')}`;
}

function monthText(field: string): string | null {
  if (field === '*' || field === '?') return null;
  const parts = parse(field, SPECS.month) as Part[];
  return `${partsText(parts, (n) => MONTHS[n - 1] as string, 'month', 'months').replace(/^(?!every)/, 'in ')}`;
}

/** The expression in English, or null when it is not one this can say (the API may still accept it). */
export function describeCron(expression: string): string | null {
  const trimmed = expression.trim();
  if (!trimmed) return null;
  const expanded = MACROS[trimmed.toLowerCase()] ?? trimmed;
  const fields = expanded.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) return null;
  const [second, minute, hour, day, month, weekday] = fields.length === 6 ? fields : [undefined, ...fields];
  try {
    const time = timeText(second, minute as string, hour as string);
    const dom = dayOfMonthText(day as string);
    const dow = weekdayText(weekday as string);
    // Both given: cron runs on either (day of month OR day of week).
    const days = dom && dow ? `${dom} or ${dow}` : (dom ?? dow);
    const months = monthText(month as string);
    return [time, days, months].filter(Boolean).join(', ');
  } catch (error) {
    if (error instanceof Unsayable) return null;
    throw error;
  }
}
