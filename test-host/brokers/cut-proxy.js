// A loopback TCP proxy between a client and a broker that can cut the link: cutAll() destroys
// both sides of every open connection, so the broker sees a dropped client (its will fires, its
// session stays) and the client sees a dropped broker.
//
//   const proxy = await startCutProxy({ targetPort, delay });
//   proxy.port, proxy.cutAll() → number cut, proxy.cuts, proxy.connections, proxy.bytesUp,
//   proxy.bytesDown, await proxy.close()
// `delay` (ms, default 0) holds every chunk that long each way, as a slow link would; the TCP
// handshake to the proxy itself is not delayed.
import net from "node:net";

export async function startCutProxy({ targetPort, targetHost = "127.0.0.1", delay = 0 }) {
	const pass = delay ? (to, data) => setTimeout(() => to.destroyed || to.write(data), delay) : (to, data) => to.write(data);
	const open = new Set();
	const proxy = { port: 0, cuts: 0, connections: 0, bytesUp: 0, bytesDown: 0 };
	const server = net.createServer((client) => {
		proxy.connections++;
		const upstream = net.connect({ host: targetHost, port: targetPort });
		const pair = { client, upstream };
		open.add(pair);
		client.setNoDelay(true);
		upstream.setNoDelay(true);
		const drop = () => {
			open.delete(pair);
			client.destroy();
			upstream.destroy();
		};
		client.on("data", (data) => {
			proxy.bytesUp += data.length;
			pass(upstream, data);
		});
		upstream.on("data", (data) => {
			proxy.bytesDown += data.length;
			pass(client, data);
		});
		client.on("error", drop);
		upstream.on("error", drop);
		client.on("close", drop);
		upstream.on("close", drop);
	});
	await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
	proxy.port = server.address().port;
	proxy.cutAll = () => {
		let count = 0;
		for (const pair of [...open]) {
			open.delete(pair);
			pair.client.destroy();
			pair.upstream.destroy();
			count++;
		}
		proxy.cuts += count;
		return count;
	};
	proxy.close = async () => {
		proxy.cutAll();
		await new Promise((resolve) => server.close(resolve));
	};
	return proxy;
}
