import { parseEventStream } from './useEventSource';

describe('parseEventStream', () => {
  it('splits complete events, joins multi-line data, keeps the unfinished tail for the next chunk', () => {
    const { events, rest } = parseEventStream('data: {"a":1}\n\n: keep-alive\n\nevent: end\nid: 7\ndata: line1\ndata: line2\n\ndata: {"par');
    expect(events).toEqual([
      { event: 'message', data: '{"a":1}' },
      { event: 'end', id: '7', data: 'line1\nline2' },
    ]);
    expect(rest).toBe('data: {"par');
    expect(parseEventStream(`${rest}tial":true}\r\n\r\n`).events).toEqual([{ event: 'message', data: '{"partial":true}' }]);
  });
});
