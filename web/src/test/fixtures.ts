// Objects of the API as tests need them, each with what a test changes given as over.
import type { LifecycleView, RegionInfo, ServiceView as Service, UIConfig as InstanceConfig } from "../api/types";
import { testConfig } from "./mockApi";

export const testRegion = (id: string, name: string): RegionInfo => ({ id, name, services: true, files: true, secrets: true });

/** An instance of two regions, paris (the default) and lyon. */
export const twoRegionsConfig: InstanceConfig = { ...testConfig, regions: [testRegion("paris", "Paris"), testRegion("lyon", "Lyon")] };

/** A policy that suspends after 8 h idle and lets nothing else be chosen. */
export function testLifecycle(over: Partial<LifecycleView> = {}): LifecycleView {
  return {
    policy: "Default",
    suspendAfterIdleSeconds: 8 * 3600,
    maxSuspendAfterIdleSeconds: 0,
    deleteAfterSuspendedSeconds: 0,
    maxLifetimeSeconds: 0,
    maxKeepSeconds: 0,
    ownerChoseIdle: false,
    ...over,
  };
}

/** alice's running jupyter-1, "My notebook". */
export function testService(over: Partial<Service> = {}): Service {
  return {
    id: "jupyter-1",
    friendlyName: "My notebook",
    catalog: "ide",
    chart: "jupyter",
    version: "2.1.0",
    status: "deployed",
    ready: true,
    workloads: [],
    urls: [],
    owner: "alice",
    shared: false,
    suspendable: true,
    suspended: false,
    simulated: false,
    ...over,
  };
}
