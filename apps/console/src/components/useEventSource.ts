import { useEffect, useRef, useState } from 'react';
import { authHeaders } from '../api/client';
import { ApiError } from '../api/errors';
import { expireSession } from '../api/session';

export interface ServerEvent {
  event: string;
  data: string;
  id?: string;
}

/** Splits text/event-stream text into events; returns the events and the unfinished rest. */
export function parseEventStream(buffer: string): { events: ServerEvent[]; rest: string } {
  const events: ServerEvent[] = [];
  const blocks = buffer.replace(/\r\n?/g, '\n').split('\n\n');
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    const event: ServerEvent = { event: 'message', data: '' };
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (!line || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') data.push(value);
      else if (field === 'event') event.event = value;
      else if (field === 'id') event.id = value;
    }
    if (data.length) events.push({ ...event, data: data.join('\n') });
  }
  return { events, rest };
}

export interface EventSourceState {
  /** Open and receiving. */
  open: boolean;
  /** The server ended the stream (e.g. the run finished). */
  done: boolean;
  error: unknown;
}

/**
 * Server-Sent Events with the bearer token: the browser's EventSource cannot send an
 * Authorization header, so this reads the stream with fetch. `onEvent` gets each event's data
 * parsed as JSON. A null path opens nothing. The stream closes on unmount or a path change.
 */
export function useEventSource<T = unknown>(path: string | null, onEvent: (data: T, event: ServerEvent) => void): EventSourceState {
  const [state, setState] = useState<EventSourceState>({ open: false, done: false, error: undefined });
  const handler = useRef(onEvent);
  handler.current = onEvent;

  useEffect(() => {
    if (!path) return;
    const controller = new AbortController();
    setState({ open: false, done: false, error: undefined });
    (async () => {
      const response = await fetch(path, { headers: { Accept: 'text/event-stream', ...authHeaders() }, signal: controller.signal });
      if (response.status === 401) expireSession();
      if (!response.ok || !response.body) {
        throw ApiError.from(response, await response.json().catch(() => undefined));
      }
      setState({ open: true, done: false, error: undefined });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const parsed = parseEventStream(buffer + value);
        buffer = parsed.rest;
        for (const event of parsed.events) {
          let data: unknown = event.data;
          try {
            data = JSON.parse(event.data);
          } catch {
            // not JSON: handed over as text
          }
          handler.current(data as T, event);
        }
      }
      setState({ open: false, done: true, error: undefined });
    })().catch((error: unknown) => {
      if (!controller.signal.aborted) setState({ open: false, done: false, error });
    });
    return () => controller.abort();
  }, [path]);

  return state;
}
