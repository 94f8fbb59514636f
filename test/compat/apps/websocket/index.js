// A WebSocket echo as Workers' docs write it.
export default {
  async fetch(request) {
    if (request.headers.get('Upgrade') !== 'websocket') return new Response('Expected Upgrade: websocket', { status: 426 });
    const webSocketPair = new WebSocketPair();
    const [client, server] = Object.values(webSocketPair);
    server.accept();
    server.addEventListener('message', (event) => server.send(`echo: ${event.data}`));
    server.addEventListener('close', (event) => server.close(event.code, 'bye'));
    return new Response(null, { status: 101, webSocket: client });
  },
};
