// `modules` under Node (see ../modules-core.js): TLS, WebSocket and MQTT 5 are in when the host image says so.
import secure from "mqtt/secure";
import websocket from "mqtt/websocket";
import TLSSocket from "./tls.js";
import { image } from "./image.js";
import { makeModules } from "../modules-core.js";

export default makeModules(secure, TLSSocket, websocket, () => image);
