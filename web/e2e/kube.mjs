// The test environment's Kubernetes API, as its administrator (the env file's
// BASALT_TESTENV_KUBE_SERVER, _KUBE_TOKEN and _KUBE_CA_FILE): what the e2e arranges outside
// Basalt, such as which namespaces' pods run on the real node.
import { readFileSync } from "node:fs";
import { request } from "node:https";

/** The label that sends a namespace's pods to the real node (deploy/testenv README, "The real node"). */
export const realWorkloadsLabel = "basalt.dev/real-workloads";

/** A client of the environment's API server; each call resolves to its status and parsed body. */
export function kubeClient(testenv) {
  const ca = readFileSync(testenv.BASALT_TESTENV_KUBE_CA_FILE);
  const call = (method, path, body, contentType = "application/json") =>
    new Promise((resolve, reject) => {
      const req = request(
        new URL(path, testenv.BASALT_TESTENV_KUBE_SERVER),
        { method, ca, headers: { Authorization: `Bearer ${testenv.BASALT_TESTENV_KUBE_TOKEN}`, "Content-Type": contentType } },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (d) => (text += d));
          res.on("end", () => {
            let json = null;
            try {
              json = JSON.parse(text);
            } catch {
              // not JSON: the status says enough
            }
            resolve({ status: res.statusCode, json, text });
          });
        },
      );
      req.on("error", reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });

  return {
    /**
     * Lets the namespace's pods run on the real node (on: true) or sends them back to kwok's
     * (on: false). A namespace Basalt has not onboarded yet is made with the label; onboarding
     * adds its own labels to it.
     */
    async realWorkloads(namespace, on) {
      const labels = { [realWorkloadsLabel]: on ? "true" : null };
      let res = await call("PATCH", `/api/v1/namespaces/${namespace}`, { metadata: { labels } }, "application/merge-patch+json");
      if (res.status === 404 && !on) return;
      if (res.status === 404) res = await call("POST", "/api/v1/namespaces", { metadata: { name: namespace, labels } });
      if (res.status >= 300) throw new Error(`labelling the namespace ${namespace}: ${res.status} ${res.text}`);
    },

    /** An object or a list of the API, by its path; null when it does not exist. */
    async get(path) {
      const res = await call("GET", path);
      if (res.status === 404) return null;
      if (res.status !== 200) throw new Error(`reading ${path}: ${res.status} ${res.text}`);
      return res.json;
    },

    /** One key of a Secret, decoded. */
    async secretValue(namespace, name, key) {
      const res = await call("GET", `/api/v1/namespaces/${namespace}/secrets/${name}`);
      if (res.status !== 200) throw new Error(`reading the secret ${namespace}/${name}: ${res.status} ${res.text}`);
      const value = res.json?.data?.[key];
      if (value === undefined) throw new Error(`the secret ${namespace}/${name} has no key ${key}`);
      return Buffer.from(value, "base64").toString("utf8");
    },
  };
}
