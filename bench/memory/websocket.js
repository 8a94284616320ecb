// `websocket` for Moddable's MQTT client in the benchmarks: it imports the class, the benchmark
// never uses MQTT over WebSocket.
export class Client {}
