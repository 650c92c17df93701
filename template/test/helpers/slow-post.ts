import net from 'node:net';

/**
 * A `POST /greetings` whose body is still arriving: a request in flight for
 * as long as the test wants, until `finish()` sends the rest. `response` is
 * everything the server sent once the socket closes.
 */
export function slowPost(port: number): { finish(): void; response: Promise<string> } {
  const socket = net.connect(port, '127.0.0.1');
  const body = '{"name":"Ada"}';
  socket.write(
    `POST /greetings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
  );
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  const response = new Promise<string>((resolve) => {
    socket.on('close', () => resolve(received));
    socket.on('error', () => resolve(received));
  });
  return { finish: () => socket.write(body.slice(5)), response };
}
