// Network helpers of the end-to-end scripts.
import { createServer } from "node:net";

/** A loopback port free at the time of asking. */
export function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.on("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}
