/** A Server-Sent Events client for scenario tests: frames parsed as they arrive, waited for by predicate. */

export interface SseEvent {
  id: string | null;
  event: string;
  data: any;
}

export interface SseConnection {
  status: number;
  headers: Headers;
  events: SseEvent[];
  /** Resolves with the first event (already received or to come) that matches; rejects after timeoutMs. */
  waitFor(match: (e: SseEvent) => boolean, timeoutMs?: number, what?: string): Promise<SseEvent>;
  /** The id of the last event that carried one (what a browser would send as Last-Event-ID). */
  lastEventId(): string | null;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  let lastId: string | null = null;
  let ended = false;
  if (res.ok && res.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const parsed = parseFrame(frame);
            if (!parsed) continue;
            if (parsed.id !== null) lastId = parsed.id;
            events.push(parsed);
            for (const wake of waiters) wake();
          }
        }
      } catch {
        /* aborted */
      } finally {
        ended = true;
        for (const wake of waiters) wake();
      }
    })();
  }
  return {
    status: res.status,
    headers: res.headers,
    events,
    lastEventId: () => lastId,
    waitFor(match, timeoutMs = 10_000, what = 'an event') {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = events.find(match);
          if (found) {
            done();
            resolve(found);
            return true;
          }
          if (ended) {
            done();
            reject(new Error(`stream ended before ${what}; got ${JSON.stringify(events.map((e) => e.event))}`));
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${what} within ${timeoutMs} ms; got ${JSON.stringify(events)}`));
        }, timeoutMs);
        const wake = (): void => void check();
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(wake);
        };
        if (!check()) waiters.add(wake);
      });
    },
    close: () => abort.abort(),
  };
}

function parseFrame(frame: string): SseEvent | null {
  let id: string | null = null;
  let event = 'message';
  const data: string[] = [];
  for (const line of frame.split('\n')) {
    if (line.startsWith(':') || line === '') continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return null;
  const text = data.join('\n');
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* keep the text */
  }
  return { id, event, data: parsed };
}
