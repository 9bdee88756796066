package server

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/usage"
	"github.com/basalt-dev/basalt/core/internal/usage/prometheus"
	"github.com/basalt-dev/basalt/sdk"
)

// regionMeasure is what a region's Prometheus measured of its projects' pods, or why it could
// not: the region's hours running, CPU and memory are then requests × running time.
type regionMeasure struct {
	region      string
	pods        []usage.PodHours
	attribution *usage.Attribution
	err         error
}

// startMeasures measures, in the background, each region that names a Prometheus and whose
// services were listed; the function it returns waits for them.
func (s *Server) startMeasures(ctx context.Context, services []usageService, skipped []UsageSkip, windows []usage.Window) func() []regionMeasure {
	var regions []config.Region
	for _, reg := range s.opts.Config.Regions {
		if reg.Prometheus.URL != "" && regionListed(reg, skipped) {
			regions = append(regions, reg)
		}
	}
	out := make([]regionMeasure, len(regions))
	var wg sync.WaitGroup
	for i, reg := range regions {
		wg.Go(func() { out[i] = s.measureRegion(ctx, reg, services, windows) })
	}
	return func() []regionMeasure {
		wg.Wait()
		return out
	}
}

// regionListed says whether a region runs services and listed them for the report.
func regionListed(reg config.Region, skipped []UsageSkip) bool {
	return reg.Region != "" && !slices.ContainsFunc(skipped, func(k UsageSkip) bool { return k.Region == reg.ID })
}

// measureRegion asks a region's Prometheus what the pods of its projects used in the windows,
// and says whom each pod counts for: the namespaces are the region's projects', the services
// those it lists now (of every owner, beyond the report's cap: naming them costs nothing).
func (s *Server) measureRegion(ctx context.Context, reg config.Region, services []usageService, windows []usage.Window) regionMeasure {
	out := regionMeasure{region: reg.ID, attribution: usage.NewAttribution()}
	fail := func(err error) regionMeasure {
		out.err = err
		return out
	}
	plugin, err := s.opts.Plugins.Region(reg.Region)
	if err != nil {
		return fail(err)
	}
	// The core's own call, as the listing's: the caller's right is usage's.
	projects, err := plugin.Projects(ctx, sdk.ProjectsRequest{MembersOnly: true})
	if err != nil {
		return fail(fmt.Errorf("listing its projects: %w", err))
	}
	namespaces := make([]string, 0, len(projects.Projects))
	for _, p := range projects.Projects {
		out.attribution.Project(p.Namespace, p.Project.ID)
		namespaces = append(namespaces, p.Namespace)
	}
	for _, svc := range services {
		if svc.region.ID == reg.ID {
			rel := svc.release.Release
			out.attribution.Service(rel.Namespace, rel.Name, rel.Metadata.Owner)
		}
	}
	source, err := prometheus.New(reg.Prometheus)
	if err != nil {
		return fail(err)
	}
	if out.pods, err = source.PodHours(ctx, namespaces, windows); err != nil {
		return fail(err)
	}
	return out
}

// measuredNote says what a report's figures are when some or all regions were measured.
func measuredNote(regions []string, sources usage.Sources) string {
	measured := "hours running, CPU core-hours and memory GiB-hours are what the Prometheus of " + strings.Join(regions, ", ") +
		" measured of each pod, per day, counted for the service the pod belongs to (its owner, its project); a pod of no service Basalt lists now, " +
		"such as one deleted, counts for its project, and by user under \"<project> (no known service)\". GPU and storage GiB-hours are " +
		"requests × running time, read from each service's release history: services deleted before now are not counted in them."
	if sources.CPU == usage.SourceMixed {
		return measured + " In the other regions every figure is requests × running time."
	}
	return measured
}
