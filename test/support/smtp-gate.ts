import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP gate in front of the mail catcher's SMTP port: the one edge of email the suite cannot break
 * for real. Open, it passes every byte both ways; it can be shut (connections refused, as when the
 * server is down), answer the next connections with SMTP's "421 try again later", or lose the server's
 * answer to the next message (the server has it, the sender never hears so).
 */
export interface SmtpGate {
  /** smtp://127.0.0.1:<port>, for SMTP_URL. */
  url: string;
  /** Connections the gate accepted, whatever it did with them. */
  connections(): number;
  /** The next `count` connections get "421" and are closed. */
  refuseNext(count: number): void;
  /** The next message is delivered, but the server's answer to it never reaches the sender. */
  loseNextAnswer(): void;
  /** Stops listening and drops every connection: the server is down. */
  shut(): Promise<void>;
  /** Listens again on the same port. */
  open(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSmtpGate(target: string): Promise<SmtpGate> {
  const to = new URL(target);
  let toRefuse = 0;
  let loseAnswer = false;
  let accepted = 0;
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  };

  const handle = (client: Socket): void => {
    accepted += 1;
    track(client);
    if (toRefuse > 0) {
      toRefuse -= 1;
      client.end('421 4.3.2 gate: service not available, try again later\r\n');
      return;
    }
    const server = connect({ host: to.hostname, port: Number(to.port) });
    track(server);
    // Lost answer: once the message's end has gone to the server, its reply is dropped with the connection.
    let messageSent = false;
    const losing = loseAnswer;
    loseAnswer = false;
    let tail = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      const seen = Buffer.concat([tail, chunk]);
      if (losing && seen.includes('\r\n.\r\n')) messageSent = true;
      tail = seen.subarray(-4);
      server.write(chunk);
    });
    server.on('data', (chunk: Buffer) => {
      if (messageSent) {
        client.destroy();
        server.destroy();
        return;
      }
      client.write(chunk);
    });
    client.on('close', () => server.destroy());
    server.on('close', () => client.destroy());
  };

  let listener: Server | null = null;
  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const s = createServer(handle);
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        listener = s;
        resolve((s.address() as { port: number }).port);
      });
    });
  const port = await listen(0);
  const shut = async (): Promise<void> => {
    const s = listener;
    listener = null;
    for (const socket of sockets) socket.destroy();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  return {
    url: `smtp://127.0.0.1:${port}`,
    connections: () => accepted,
    refuseNext: (count) => {
      toRefuse = count;
    },
    loseNextAnswer: () => {
      loseAnswer = true;
    },
    shut,
    open: async () => {
      if (!listener) await listen(port);
    },
    stop: shut,
  };
}
