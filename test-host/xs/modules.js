// `modules` inside XS (see ../modules-core.js): whether the host image holds TLS, asked of Node once.
import secure from "mqtt/secure";
import TLSSocket from "./tls.js";
import { call } from "./channel.js";
import { makeModules } from "../modules-core.js";

const tls = call({ op: "image" }).value.tls;

export default makeModules(secure, TLSSocket, () => tls);
