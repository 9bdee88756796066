// Package lifecycle is what happens to a service after launch: the engine looks at every
// service of every region, suspends the idle ones, those past their lifetime and those outside
// working hours, deletes the ones suspended too long, and announces each of those steps to the
// owner before taking it. What it knows of a service lives with the release (its lifecycle
// state), so that a restart, or another replica taking over, carries on where it stopped.
//
// Decide is the whole rule, a pure function of the time, the service and its policy; the
// Engine gathers services, applies decisions as the owner, and notifies.
package lifecycle
