export * from "./types";
export * from "./errors";
export * from "./client";
export * from "./ApiProvider";
export * from "./queries";
