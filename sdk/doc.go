// Package sdk is what a Basalt plugin author imports: the four plugin contracts (Storage,
// Secrets, Catalog, Region) as plain Go interfaces, the base every plugin shares, and the error
// kinds that keep their meaning across the plugin wire.
//
// A plugin implements one contract and serves it with the matching helper of package
// pluginrpc; its main is then a single call. Package plugintest holds the conformance kit
// each implementation runs against itself through the real gRPC path.
package sdk
