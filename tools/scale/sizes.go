package scale

import "time"

// Sizes are how big a run is and how long its loops last.
type Sizes struct {
	Users    int // each with a personal project
	Groups   int // group projects, users spread evenly over them
	Services int // on the cluster once seeded, launched and copied

	// Launched through Basalt while seeding, LaunchParallel at a time, in projects spread over
	// the list; the rest are copied in bulk, into every project, each onboarded by Basalt.
	// A launch takes 0.5 to 1 s of a 2-core machine: ten thousand would take hours.
	Launched       int
	LaunchParallel int
	CopyParallel   int
	// RunningShare of the copies run (a pod and an event each); the others are suspended.
	RunningShare float64
	Nodes        int // simulated nodes added for the running pods, 0 for none
	PodsPerNode  int

	ListSamples  int // listings of one project with warm caches
	ColdProjects int // projects listed once each for the first time
	FleetSamples int // administrator's fleet listings; 0: no fleet, no lifecycle engine
	IdleLaunches int // launches on the idle cluster, one after the other
	CostSamples  int // calls of each kind whose API server requests are counted one by one

	LoadUsers         int           // concurrent signed-in users of the load phase
	LoadRate          int           // their requests per second, together
	LoadDuration      time.Duration // the load phase's length
	LaunchesPerMinute int           // launches during the load phase
	Streams           int           // event streams (follow) held open during the load phase
	Settle            time.Duration // after the load, before goroutines are counted again
}

// Full is issue 23's run: 1,000 users, 1,050 projects, 10,000 services, 200 users' load.
func Full() Sizes {
	return Sizes{
		Users: 1000, Groups: 50, Services: 10000,
		Launched: 500, LaunchParallel: 6, CopyParallel: 16, RunningShare: 0.5, Nodes: 6, PodsPerNode: 1000,
		ListSamples: 200, ColdProjects: 20, FleetSamples: 5, IdleLaunches: 10, CostSamples: 5,
		LoadUsers: 200, LoadRate: 100, LoadDuration: 3 * time.Minute, LaunchesPerMinute: 20, Streams: 50,
		Settle: 20 * time.Second,
	}
}

// Small is the regression guard's run on the shared test environment: 20 users, 500 services,
// no running copies (its few simulated nodes take 330 pods for every test), no fleet (its
// lifecycle engine would tend the other tests' services), a short load.
func Small() Sizes {
	return Sizes{
		Users: 20, Groups: 2, Services: 500,
		Launched: 10, LaunchParallel: 4, CopyParallel: 16, RunningShare: 0,
		ListSamples: 10, ColdProjects: 3, IdleLaunches: 2, CostSamples: 3,
		LoadUsers: 20, LoadRate: 20, LoadDuration: 5 * time.Second, LaunchesPerMinute: 30, Streams: 4,
		Settle: 3 * time.Second,
	}
}
