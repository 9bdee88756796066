// Jupyter driven from its own page, as its interface does: the page's fetch and WebSocket go
// to the page's host, so through whatever serves it (here Basalt's gateway).

/**
 * Starts a kernel with Jupyter's REST API, runs code on its WebSocket channels (an
 * execute_request of the Jupyter messaging protocol) and shuts the kernel down. Resolves to
 * the result's text/plain, and the messages seen for the request's types.
 */
export async function runCell(page, code, timeoutMs = 60_000) {
  return page.evaluate(
    async ([code, timeoutMs]) => {
      const started = await fetch("/api/kernels", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
      if (started.status !== 201) throw new Error(`starting a kernel: ${started.status} ${await started.text()}`);
      const kernel = await started.json();
      const session = crypto.randomUUID();
      const msgId = crypto.randomUUID();
      const seen = [];
      try {
        const scheme = location.protocol === "https:" ? "wss:" : "ws:";
        const ws = new WebSocket(`${scheme}//${location.host}/api/kernels/${kernel.id}/channels?session_id=${session}`);
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
        ws.close();
        return { result, seen };
      } finally {
        await fetch(`/api/kernels/${kernel.id}`, { method: "DELETE" });
      }
    },
    [code, timeoutMs],
  );
}
