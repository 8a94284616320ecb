// `node --import ./test-host/register.js ...`: Moddable specifiers resolve to the host runtime
// and the compiled modules, and the XS globals (trace, String.fromArrayBuffer) exist.
import { register } from "node:module";
import "./node/globals.js";

register("./loader.js", import.meta.url);
