// `modules` inside XS (see ../modules-core.js): what the host image holds (TLS, WebSocket, MQTT 5), asked of Node once.
import secure from "mqtt/secure";
import websocket from "mqtt/websocket";
import TLSSocket from "./tls.js";
import { call } from "./channel.js";
import { makeModules } from "../modules-core.js";

const image = call({ op: "image" }).value;

export default makeModules(secure, TLSSocket, websocket, () => image);
