// Jupyter driven from its own page, as its interface does: the page's fetch and WebSocket go
// to the page's host, so through whatever serves it (here Basalt's gateway).

/**
 * Starts a kernel with Jupyter's REST API and runs code on its WebSocket channels (an
 * execute_request of the Jupyter messaging protocol), leaving the socket open so that a test
 * can see when something else closes it (kernelClosed). Resolves to the result's text/plain,
 * the messages seen for the request's types and the kernel's id; on failure the kernel is
 * shut down.
 */
export async function openKernel(page, code, timeoutMs = 60_000) {
  return page.evaluate(
    async ([code, timeoutMs]) => {
      const started = await fetch("/api/kernels", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
      if (started.status !== 201) throw new Error(`starting a kernel: ${started.status} ${await started.text()}`);
      const kernel = await started.json();
      const session = crypto.randomUUID();
      const msgId = crypto.randomUUID();
      const seen = [];
      // The page keeps the socket and, once it closes, when and how (the page's clock).
      const open = (window.e2eKernels ??= {});
      try {
        const scheme = location.protocol === "https:" ? "wss:" : "ws:";
        const ws = new WebSocket(`${scheme}//${location.host}/api/kernels/${kernel.id}/channels?session_id=${session}`);
        open[kernel.id] = { ws, closed: null };
        ws.addEventListener("close", (e) => (open[kernel.id].closed = { at: Date.now(), code: e.code }));
        const result = await new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no result within ${timeoutMs} ms; seen ${seen.join(", ")}`)), timeoutMs);
          ws.onerror = () => reject(new Error("the kernel's WebSocket failed"));
          ws.onclose = (e) => reject(new Error(`the kernel's WebSocket closed (${e.code}); seen ${seen.join(", ")}`));
          ws.onopen = () =>
            ws.send(
              JSON.stringify({
                header: { msg_id: msgId, msg_type: "execute_request", session, username: "e2e", version: "5.3", date: new Date().toISOString() },
                parent_header: {},
                metadata: {},
                content: { code, silent: false, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: true },
                channel: "shell",
                buffers: [],
              }),
            );
          ws.onmessage = (e) => {
            const msg = JSON.parse(e.data);
            if (msg.parent_header?.msg_id !== msgId) return;
            seen.push(`${msg.channel}:${msg.msg_type}`);
            if (msg.msg_type === "execute_result") {
              clearTimeout(timer);
              resolve(msg.content.data["text/plain"]);
            } else if (msg.msg_type === "error") {
              clearTimeout(timer);
              reject(new Error(`${msg.content.ename}: ${msg.content.evalue}`));
            }
          };
        });
        ws.onclose = null;
        ws.onerror = null;
        return { result, seen, kernel: kernel.id };
      } catch (err) {
        open[kernel.id]?.ws.close();
        delete open[kernel.id];
        await fetch(`/api/kernels/${kernel.id}`, { method: "DELETE" });
        throw err;
      }
    },
    [code, timeoutMs],
  );
}

/**
 * Waits until the socket openKernel left open to the kernel closes, without the page closing
 * it; resolves to the page's time of the close (Date.now()) and its code.
 */
export async function kernelClosed(page, kernel, timeoutMs) {
  await page.waitForFunction((id) => window.e2eKernels?.[id]?.closed, kernel, { timeout: timeoutMs, polling: 50 });
  return page.evaluate((id) => window.e2eKernels[id].closed, kernel);
}

/** Closes the socket openKernel left open and shuts the kernel down. */
export async function shutKernel(page, kernel) {
  await page.evaluate(async (id) => {
    window.e2eKernels?.[id]?.ws.close();
    delete window.e2eKernels?.[id];
    await fetch(`/api/kernels/${id}`, { method: "DELETE" });
  }, kernel);
}

/**
 * Runs code on a new kernel over its WebSocket and shuts the kernel down. Resolves to the
 * result's text/plain, and the messages seen for the request's types.
 */
export async function runCell(page, code, timeoutMs = 60_000) {
  const { result, seen, kernel } = await openKernel(page, code, timeoutMs);
  await shutKernel(page, kernel);
  return { result, seen };
}
