package kubernetes

import (
	"context"
	"slices"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/basalt-dev/basalt/sdk"
)

// fleetReaders bounds how many namespaces one Fleet call reads at once: a namespace read for
// the first time starts its caches, five lists and watches.
const fleetReaders = 8

// Fleet lists the releases of every namespace the region manages, from the caches, each with
// the group its metadata records and what its pods use now (one list of the cluster's pod
// metrics, or one per namespace where the plugin may not read them all). A release installed without Basalt has no metadata Secret: it is listed
// with no owner and no group. A namespace the plugin cannot read is left out, with a warning
// the first time, so that one broken namespace does not hide the others.
func (p *Plugin) Fleet(ctx context.Context, _ sdk.FleetRequest) (sdk.FleetResponse, error) {
	_, c, err := p.configured()
	if err != nil {
		return sdk.FleetResponse{}, err
	}
	namespaces, err := c.managedNamespaces(ctx)
	if err != nil {
		return sdk.FleetResponse{}, err
	}
	usage, everywhere := map[string]sdk.Usage(nil), false
	if len(namespaces) > 1 {
		usage, everywhere = c.usage.everywhere(ctx)
	}
	found := make([][]sdk.FleetRelease, len(namespaces))
	readers := make(chan struct{}, fleetReaders)
	var wg sync.WaitGroup
	for i, ns := range namespaces {
		wg.Go(func() {
			readers <- struct{}{}
			defer func() { <-readers }()
			found[i] = p.fleetIn(ctx, c, ns, usage, everywhere)
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return sdk.FleetResponse{}, err
	}
	return sdk.FleetResponse{Releases: slices.Concat(found...)}, nil
}

// fleetIn lists the releases of one namespace for Fleet, with their usage by namespace/release
// (read here unless everywhere); none when it cannot be read.
func (p *Plugin) fleetIn(ctx context.Context, c *cluster, ns string, usage map[string]sdk.Usage, everywhere bool) []sdk.FleetRelease {
	sp := c.spaces.get(ns)
	inf, err := sp.ready(ctx)
	if err != nil {
		if _, said := c.unreadable.LoadOrStore(ns, true); !said && ctx.Err() == nil {
			p.log.Warn("the fleet leaves out a namespace the plugin cannot read", "namespace", ns, "error", err)
		}
		return nil
	}
	c.unreadable.Delete(ns)
	if !everywhere {
		usage = c.usage.inNamespace(ctx, ns)
	}
	var out []sdk.FleetRelease
	for _, r := range p.current(sp, inf) {
		out = append(out, sdk.FleetRelease{
			Group:    groupOf(r.meta),
			Release:  inf.view(ns, r.d, metadataOf(r.meta)),
			Usage:    usage[releaseKey(ns, r.d.name)],
			Requests: inf.requests(ns, r.d.sum.workloads),
		})
	}
	return out
}

// managedNamespaces returns the namespaces of the region: its single namespace, or those
// onboarding made (labelled as Basalt's) with one of the region's prefixes, in name order.
// Namespaces being deleted are left out.
func (c *cluster) managedNamespaces(ctx context.Context) ([]string, error) {
	n := c.s.Namespaces
	if n.SingleNamespace != "" {
		return []string{n.SingleNamespace}, nil
	}
	list, err := c.client.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: labels.SelectorFromSet(managedBy).String()})
	if err != nil {
		return nil, kubeError("listing the region's namespaces", err)
	}
	var out []string
	for _, ns := range list.Items {
		if ns.Status.Phase == corev1.NamespaceTerminating {
			continue
		}
		if strings.HasPrefix(ns.Name, n.NamespacePrefix) || strings.HasPrefix(ns.Name, n.GroupNamespacePrefix) {
			out = append(out, ns.Name)
		}
	}
	slices.Sort(out)
	return out, nil
}
