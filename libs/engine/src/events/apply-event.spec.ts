import type { NeutralColumn } from '@dbferry/dialects-core';
import { derivedEventId, type EventMapping, eventRow, parseEvents, planEntity, skipReason, valueAtPath } from './apply-event';

const col = (name: string, kind: 'string' | 'int32' | 'int64', nullable = true): NeutralColumn => ({ name, type: { kind } as NeutralColumn['type'], nativeType: '', nullable });
const models: EventMapping = {
  entityType: 'model',
  connectionId: 'c',
  table: { schema: 'public', name: 'models' },
  keyColumn: 'id',
  versionColumn: 'version',
  fields: { name: 'payload.name', context: 'payload.limits.context' },
  columns: [col('id', 'string', false), col('name', 'string'), col('context', 'int32'), col('version', 'int64')],
};
const mappings = new Map([['model', models]]);
const base = { eventType: 'UPDATED', entityType: 'model', entityId: 'm1', timestamp: '2026-02-01T00:00:00Z', version: 3, payload: { name: 'x', limits: { context: 10 } } };

describe('upstream events: parse and order', () => {
  it('parses one event or a batch, deriving a stable id when none is given', () => {
    const one = parseEvents(base, mappings);
    expect(one.problems).toEqual([]);
    expect(one.events[0]).toMatchObject({ eventType: 'UPDATED', entityId: 'm1', version: '3', ord: '3' });
    expect(one.events[0].eventId).toBe(parseEvents([base], mappings).events[0].eventId);
    expect(one.events[0].eventId).toBe(derivedEventId({ entityType: 'model', entityId: 'm1', version: '3', eventType: 'UPDATED', timestamp: new Date('2026-02-01T00:00:00Z') }));
    expect(parseEvents({ ...base, version: 4 }, mappings).events[0].eventId).not.toBe(one.events[0].eventId);
    const byTime = parseEvents({ ...base, version: undefined, timestamp: 1_700_000_000_000 }, mappings).events[0];
    expect(byTime.ord).toBe('1700000000000');
  });

  it('names each problem as [i].field', () => {
    const { problems } = parseEvents([base, { ...base, entityType: 'galaxy' }, { ...base, eventType: 'BURNED', payload: { limits: { context: 'lots' } } }, { ...base, version: -1, payload: { name: 'a\u0000' } }], mappings);
    expect(problems.map((p) => p.field)).toEqual(['[1].entityType', '[2].eventType', '[3].version', '[3].payload.name']);
    expect(parseEvents({ ...base, payload: { limits: { context: 'lots' } } }, mappings).problems.map((p) => p.field)).toEqual(['payload.limits.context']);
    expect(parseEvents({ ...base, payload: undefined }, mappings).problems.map((p) => p.field)).toEqual(['payload']);
    expect(parseEvents({ ...base, eventType: 'DELETED', payload: undefined }, mappings).problems).toEqual([]);
    expect(parseEvents([], mappings).problems[0].field).toBe('body');
    expect(parseEvents({ ...base, extra: 1 }, mappings).problems[0].field).toBe('extra');
  });

  it('builds the row from the mapping: key from entityId, version column from the order, fields from their paths', () => {
    const event = parseEvents(base, mappings).events[0];
    expect(eventRow(models, event)).toEqual({ id: 'm1', version: '3', name: 'x', context: 10 });
    expect(eventRow(models, { ...event, payload: { name: 'only' } })).toEqual({ id: 'm1', version: '3', name: 'only' });
    expect(valueAtPath({ a: { b: 1 } }, 'payload.a.b')).toBe(1);
    expect(valueAtPath({ a: {} }, 'payload.a.toString')).toBeUndefined();
  });

  it('skips what is older than the position held, and keeps a tombstone', () => {
    expect(skipReason(null, { ord: '1', eventType: 'CREATED' })).toBeNull();
    expect(skipReason({ ord: '3', deleted: false }, { ord: '2', eventType: 'UPDATED' })).toMatch(/older/);
    expect(skipReason({ ord: '3', deleted: false }, { ord: '3', eventType: 'UPDATED' })).toBeNull();
    expect(skipReason({ ord: '5', deleted: true }, { ord: '4', eventType: 'UPDATED' })).toMatch(/older/);
    expect(skipReason({ ord: '5', deleted: true }, { ord: '5', eventType: 'UPDATED' })).toMatch(/tombstone/);
    expect(skipReason({ ord: '5', deleted: true }, { ord: '6', eventType: 'CREATED' })).toBeNull();
    expect(skipReason({ ord: '10', deleted: false }, { ord: '9', eventType: 'UPDATED' })).toMatch(/older/);
  });
});

describe('upstream events: planning a batch of one entity', () => {
  const e = (id: string, eventType: 'CREATED' | 'UPDATED' | 'DELETED', ord: string) => ({ id, eventType, entityId: 'm1', ord, payload: eventType === 'DELETED' ? null : { name: id } });

  it('lands only the newest applicable event; the older ones are superseded, those older than the target skipped as before', () => {
    const plan = planEntity([e('a', 'UPDATED', '2'), e('b', 'UPDATED', '3'), e('c', 'UPDATED', '4'), e('d', 'UPDATED', '6')], { ord: '3', deleted: false });
    expect(plan.land?.id).toBe('d');
    const reasons = Object.fromEntries(plan.skipped.map((s) => [s.event.id, s.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['a', 'b', 'c']);
    expect(reasons.a).toMatch(/older/);
    expect(reasons.b).toMatch(/superseded/); // the same order as the target holds applies again (as before), so the newer one supersedes it
    expect(reasons.c).toMatch(/superseded.*order 6.*event d/);
  });

  it('keeps the sequential result: a delete followed by an update of the same order stays deleted', () => {
    const plan = planEntity([e('u2', 'UPDATED', '2'), e('d3', 'DELETED', '3'), e('u3', 'UPDATED', '3')], null);
    expect(plan.land?.id).toBe('d3');
    const reasons = Object.fromEntries(plan.skipped.map((s) => [s.event.id, s.reason]));
    expect(reasons.u2).toMatch(/superseded/);
    expect(reasons.u3).toMatch(/tombstone/);
  });

  it('lands nothing when every event is older than the target', () => {
    const plan = planEntity([e('a', 'UPDATED', '1'), e('b', 'CREATED', '2')], { ord: '5', deleted: true });
    expect(plan.land).toBeNull();
    expect(plan.skipped).toHaveLength(2);
  });
});
