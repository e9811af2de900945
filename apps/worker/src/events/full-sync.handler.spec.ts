import { nextPageUrl, pageItems } from './full-sync.handler';

describe('full-sync snapshot pages', () => {
  it('follows a next link, absolute or relative to the page, and stops without one', () => {
    expect(nextPageUrl({ items: [], next: '?page=2' }, 'http://up.example/snapshot?page=1')).toBe('http://up.example/snapshot?page=2');
    expect(nextPageUrl({ items: [], next: '/v2/snapshot?cursor=abc' }, 'http://up.example/snapshot')).toBe('http://up.example/v2/snapshot?cursor=abc');
    expect(nextPageUrl({ items: [], next: 'https://other.example/p3' }, 'http://up.example/snapshot')).toBe('https://other.example/p3');
    expect(nextPageUrl({ items: [], next: null }, 'http://up.example/snapshot')).toBeNull();
    expect(nextPageUrl({ items: [], next: '' }, 'http://up.example/snapshot')).toBeNull();
    expect(nextPageUrl([{ entityId: 1 }], 'http://up.example/snapshot')).toBeNull();
    expect(nextPageUrl({ items: [], next: 42 }, 'http://up.example/snapshot')).toBeNull();
  });

  it('reads a page as an array, or its items (or entities); anything else is not a page', () => {
    expect(pageItems([{ a: 1 }])).toEqual([{ a: 1 }]);
    expect(pageItems({ items: [{ a: 1 }], next: null })).toEqual([{ a: 1 }]);
    expect(pageItems({ entities: [] })).toEqual([]);
    expect(pageItems({ data: [] })).toBeNull();
    expect(pageItems('text')).toBeNull();
    expect(pageItems(null)).toBeNull();
  });
});
