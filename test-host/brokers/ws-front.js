// A WebSocket listener in front of a TCP broker, as MQTT 3.1.1 §6 puts one: it accepts an upgrade
// that offers the "mqtt" subprotocol and carries the bytes of binary messages both ways, over a
// TCP connection of its own to the broker. Built on the `ws` package because Debian's mosquitto
// 2.0.11 cannot open a websockets listener here: its libwebsockets (4.x, built without
// LWS_WITH_EXTERNAL_POLL) never hands mosquitto the listening socket, which then reports "Unable
// to start any listening sockets" whatever the listener's options (socket_domain ipv4 included).
//
//   const front = await startWebSocketFront({ port: broker.port, tls: { cert, key } });   // tls: wss
//   front.port, front.connections (each { socket, upstream, request }), await front.close()
import net from "node:net";
import http from "node:http";
import https from "node:https";
import { WebSocketServer } from "ws";

export async function startWebSocketFront({ port, host = "127.0.0.1", tls } = {}) {
	const server = tls ? https.createServer({ cert: tls.cert, key: tls.key }) : http.createServer();
	const sockets = new WebSocketServer({ server, handleProtocols: (protocols) => protocols.has("mqtt") ? "mqtt" : false });
	const front = { port: 0, connections: [], requests: [] };
	sockets.on("connection", (socket, request) => {
		front.requests.push(request);
		const upstream = net.connect({ host, port });
		upstream.setNoDelay(true);
		const connection = { socket, upstream, request };
		front.connections.push(connection);
		socket.on("message", (data, isBinary) => {
			if (!isBinary)
				return socket.close(1003, "MQTT travels in binary frames");
			upstream.write(data);
		});
		upstream.on("data", (data) => socket.send(data, { binary: true }));
		const end = () => {
			upstream.destroy();
			if (socket.readyState === socket.OPEN)
				socket.close();
		};
		for (const side of [socket, upstream]) {
			side.on("close", end);
			side.on("error", end);
		}
	});
	await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
	front.port = server.address().port;
	front.close = async () => {
		for (const { socket, upstream } of front.connections) {
			socket.terminate();
			upstream.destroy();
		}
		sockets.close();
		server.closeAllConnections?.();
		await new Promise((resolve) => server.close(resolve));
	};
	return front;
}
