import relay from "../../src/relay.ts";

export default relay satisfies Deno.ServeDefaultExport;
