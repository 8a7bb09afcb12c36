import type { Response } from 'express';

/** A client further behind than this (a stalled connection) is dropped: it reconnects and resumes by id. */
const MAX_BUFFERED_BYTES = 1 << 20;

/**
 * One Server-Sent Events response. Frames are written as they come; `id:` is set only on frames a
 * client may resume after, so its EventSource's Last-Event-ID always names a change it has seen.
 */
export class SseClient {
  private closed = false;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly onClose: Array<() => void> = [];

  constructor(
    private readonly res: Response,
    heartbeatMs: number,
  ) {
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    // no-transform keeps the compression middleware (and proxies) from buffering the stream.
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    // How long a browser waits before it reconnects (and resumes with Last-Event-ID).
    this.write('retry: 1000\n\n');
    // One timer per connection: idle proxies and load balancers close connections that say nothing.
    this.heartbeat = setInterval(() => this.send('heartbeat', { time: new Date().toISOString() }), heartbeatMs);
    this.heartbeat.unref();
    res.on('close', () => this.close());
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  send(event: string, data: unknown, id?: string): void {
    this.write(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  whenClosed(fn: () => void): void {
    if (this.closed) fn();
    else this.onClose.push(fn);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    if (!this.res.writableEnded) this.res.end();
    for (const fn of this.onClose.splice(0)) fn();
  }

  private write(frame: string): void {
    if (this.closed) return;
    if (this.res.writableLength > MAX_BUFFERED_BYTES) {
      this.close();
      return;
    }
    this.res.write(frame);
  }
}
