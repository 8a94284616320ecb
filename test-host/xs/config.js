// `mc/config` inside XS: the manifest's config with the host runtime's overrides, from Node.
import { call } from "./channel.js";

export default call({ op: "config" }).value;
