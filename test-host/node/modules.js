// `modules` under Node (see ../modules-core.js): TLS is in when the host image says so.
import secure from "mqtt/secure";
import TLSSocket from "./tls.js";
import { image } from "./image.js";
import { makeModules } from "../modules-core.js";

export default makeModules(secure, TLSSocket, () => image.tls);
