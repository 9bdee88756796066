import { describe, expect, it } from "vitest";
import { curlCommand } from "./curl";

describe("the curl equivalent of a call", () => {
  it("reads the token from $BASALT_TOKEN and quotes every word", () => {
    expect(curlCommand("GET", "https://basalt.example/api/v1/projects/user-alice/services?region=local")).toBe(
      `curl -fsS -H "Authorization: Bearer $BASALT_TOKEN" 'https://basalt.example/api/v1/projects/user-alice/services?region=local'`,
    );
    expect(curlCommand("POST", "https://basalt.example/api/v1/projects/user-alice/services/nb/suspend")).toBe(
      `curl -fsS -X POST -H "Authorization: Bearer $BASALT_TOKEN" https://basalt.example/api/v1/projects/user-alice/services/nb/suspend`,
    );
  });

  it("masks secrets in a body, and every value under the name it is told", () => {
    const launch = curlCommand("POST", "https://b/api/v1/x", { body: { chart: "jupyter", values: { security: { password: "hunter2" }, note: "it's" } } });
    expect(launch).toContain(`-d '{"chart":"jupyter","values":{"security":{"password":"********"},"note":"it'"'"'s"}}'`);
    const secret = curlCommand("PUT", "https://b/api/v1/x", { body: { data: { KEY: "value-of-key" } }, maskAll: "data" });
    expect(secret).not.toContain("value-of-key");
    expect(secret).toContain(`{"data":{"KEY":"********"}}`);
  });

  it("sends a file from where it runs", () => {
    expect(curlCommand("PUT", "https://b/api/v1/projects/p/files/content?path=p/a+b.csv", { file: { name: "a b.csv", type: "text/csv" } })).toBe(
      `curl -fsS -X PUT -H "Authorization: Bearer $BASALT_TOKEN" -H 'Content-Type: text/csv' --data-binary '@a b.csv' 'https://b/api/v1/projects/p/files/content?path=p/a+b.csv'`,
    );
  });
});
