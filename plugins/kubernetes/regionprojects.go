package kubernetes

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/util/retry"

	"github.com/basalt-dev/basalt/sdk"
)

// projectReaders bounds the namespaces Projects reads the quotas of at once.
const projectReaders = 8

// quotaIn reads a namespace's quotas: for each resource, the strictest limit of them all and
// what is used of it. With enforced, the limits are those the cluster enforces now (the
// quotas' status); without, those set (their spec), which an edit changes at once. It also
// returns the region's own quota, nil when there is none.
func (c *cluster) quotaIn(ctx context.Context, ns string, enforced bool) (sdk.QuotaResponse, *corev1.ResourceQuota, error) {
	list, err := c.client.CoreV1().ResourceQuotas(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return sdk.QuotaResponse{}, nil, kubeError("reading the quota of "+ns, err)
	}
	var own *corev1.ResourceQuota
	hard, used := corev1.ResourceList{}, corev1.ResourceList{}
	for i, q := range list.Items {
		if q.Name == c.s.Quotas.Name {
			own = &list.Items[i]
		}
		limits := q.Status.Hard
		if !enforced {
			limits = q.Spec.Hard
		}
		for name, limit := range limits {
			if have, ok := hard[name]; !ok || limit.Cmp(have) < 0 {
				hard[name] = limit
				used[name] = q.Status.Used[name]
			}
		}
	}
	resp := sdk.QuotaResponse{Hard: map[string]string{}, Used: map[string]string{}}
	for name, q := range hard {
		resp.Hard[string(name)] = q.String()
		u := used[name]
		resp.Used[string(name)] = u.String()
	}
	return resp, own, nil
}

// projectNamespaces are the namespaces onboarding made for projects, in name order.
func (c *cluster) projectNamespaces(ctx context.Context) ([]corev1.Namespace, error) {
	n := c.s.Namespaces
	list, err := c.client.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: labels.SelectorFromSet(managedBy).String()})
	if err != nil {
		return nil, kubeError("listing the region's namespaces", err)
	}
	out := slices.DeleteFunc(list.Items, func(ns corev1.Namespace) bool {
		return ns.Status.Phase == corev1.NamespaceTerminating ||
			!(strings.HasPrefix(ns.Name, n.NamespacePrefix) || strings.HasPrefix(ns.Name, n.GroupNamespacePrefix))
	})
	slices.SortFunc(out, func(a, b corev1.Namespace) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// projectOf is what a namespace says of its project. One onboarded before namespaces carried
// their project has only its namespace's name, until it is onboarded again.
func projectOf(ns corev1.Namespace, groupPrefix string) sdk.RegionProject {
	p := sdk.RegionProject{Project: sdk.Project{ID: ns.Annotations[projectAnnotation]}, Owner: ns.Annotations[ownerAnnotation],
		Namespace: ns.Name, Members: membersOf(&ns)}
	if p.Project.ID == "" {
		p.Project.ID = ns.Name
	}
	if strings.HasPrefix(ns.Name, groupPrefix) {
		p.Project.Group = p.Owner
	}
	return p
}

func (p *Plugin) Projects(ctx context.Context, req sdk.ProjectsRequest) (sdk.ProjectsResponse, error) {
	s, c, err := p.configured()
	if err != nil {
		return sdk.ProjectsResponse{}, err
	}
	if s.Namespaces.SingleNamespace != "" {
		return sdk.ProjectsResponse{}, sdk.Errorf(sdk.ErrUnimplemented, "this region runs every project in one namespace")
	}
	namespaces, err := c.projectNamespaces(ctx)
	if err != nil {
		return sdk.ProjectsResponse{}, err
	}
	out := make([]sdk.RegionProject, len(namespaces))
	for i, ns := range namespaces {
		out[i] = projectOf(ns, s.Namespaces.GroupNamespacePrefix)
	}
	if req.MembersOnly {
		return sdk.ProjectsResponse{Projects: out}, nil
	}
	fleet, err := p.Fleet(ctx, sdk.FleetRequest{})
	if err != nil {
		return sdk.ProjectsResponse{}, err
	}
	services := map[string]int{}
	for _, r := range fleet.Releases {
		services[r.Release.Namespace]++
	}
	errs := make([]error, len(out))
	readers := make(chan struct{}, projectReaders)
	var wg sync.WaitGroup
	for i := range out {
		wg.Go(func() {
			readers <- struct{}{}
			defer func() { <-readers }()
			out[i].Services = services[out[i].Namespace]
			quota, own, err := c.quotaIn(ctx, out[i].Namespace, false)
			out[i].Quota, errs[i] = quota, err
			if own != nil {
				out[i].QuotaSetByHand = c.quotaSetByHand(own)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return sdk.ProjectsResponse{}, err
		}
	}
	return sdk.ProjectsResponse{Projects: out}, nil
}

// quotaSetByHand are the keys of the region's quota an administrator set: all of a quota
// marked as theirs.
func (c *cluster) quotaSetByHand(q *corev1.ResourceQuota) []string {
	if c.handManaged(q) {
		return setByHand(q.Spec.Hard, nil)
	}
	return setByHand(q.Spec.Hard, defaultsOf(q))
}

// projectByID finds the namespace of a project from the id onboarding was told.
func (c *cluster) projectByID(ctx context.Context, project sdk.Project) (string, error) {
	if !project.Personal() {
		return c.s.projectNamespace("", project)
	}
	namespaces, err := c.projectNamespaces(ctx)
	if err != nil {
		return "", err
	}
	for _, ns := range namespaces {
		if ns.Annotations[projectAnnotation] == project.ID {
			return ns.Name, nil
		}
	}
	return "", sdk.Errorf(sdk.ErrNotFound, "project %q has no namespace in this region yet: it has one once someone opens it", project.ID)
}

func (p *Plugin) SetQuota(ctx context.Context, req sdk.SetQuotaRequest) (sdk.SetQuotaResponse, error) {
	s, c, err := p.configured()
	if err != nil {
		return sdk.SetQuotaResponse{}, err
	}
	if s.Namespaces.SingleNamespace != "" {
		return sdk.SetQuotaResponse{}, sdk.Errorf(sdk.ErrUnimplemented, "this region runs every project in one namespace, under the cluster's own quota")
	}
	if err := sdk.CheckQuota(req.Hard); err != nil {
		return sdk.SetQuotaResponse{}, err
	}
	set := corev1.ResourceList{}
	for _, k := range slices.Sorted(maps.Keys(req.Hard)) {
		if req.Hard[k] == "" {
			continue
		}
		q, err := resource.ParseQuantity(req.Hard[k])
		if err != nil {
			return sdk.SetQuotaResponse{}, sdk.InvalidFields("invalid quota", sdk.FieldViolation{Field: "hard." + k, Rule: "a quantity, e.g. 4, 500m or 16Gi"})
		}
		set[corev1.ResourceName(k)] = q
	}
	ns, err := c.projectByID(ctx, req.Project)
	if err != nil {
		return sdk.SetQuotaResponse{}, err
	}
	if err := c.setQuota(ctx, ns, req.Project, req.Hard, set); err != nil {
		return sdk.SetQuotaResponse{}, err
	}
	p.log.Info("project quota set", "namespace", ns, "project", req.Project.ID, "hard", req.Hard)
	quota, _, err := c.quotaIn(ctx, ns, false)
	return sdk.SetQuotaResponse{Quota: quota}, err
}

// setQuota changes keys of the region's quota of ns as an administrator's: each key set leaves
// onboarding's record, so that onboarding keeps it; a key given back takes the region's
// group or user value (onboarding corrects a role's at its next pass) or goes.
func (c *cluster) setQuota(ctx context.Context, ns string, project sdk.Project, change map[string]string, set corev1.ResourceList) error {
	defaults := c.s.Quotas.User
	if !project.Personal() {
		defaults = c.s.Quotas.Group
	}
	quotas := c.client.CoreV1().ResourceQuotas(ns)
	name := c.s.Quotas.Name
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		have, err := quotas.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			have = &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: managedBy,
				Annotations: map[string]string{quotaDefaultsAnnotation: "{}"}}}
		} else if err != nil {
			return err
		}
		record := defaultsOf(have)
		if have.Spec.Hard == nil {
			have.Spec.Hard = corev1.ResourceList{}
		}
		for k := range change {
			delete(record, k)
			delete(have.Spec.Hard, corev1.ResourceName(k))
			if q, ok := set[corev1.ResourceName(k)]; ok {
				have.Spec.Hard[corev1.ResourceName(k)] = q
			} else if d, ok := defaults[k]; ok {
				q := resource.MustParse(d) // checked by parseConfig
				have.Spec.Hard[corev1.ResourceName(k)] = q
				record[k] = q.String()
			}
		}
		if have.Annotations == nil {
			have.Annotations = map[string]string{}
		}
		have.Annotations[quotaDefaultsAnnotation] = recordJSON(record)
		if have.ResourceVersion == "" {
			_, err = quotas.Create(ctx, have, metav1.CreateOptions{})
			if apierrors.IsAlreadyExists(err) {
				return apierrors.NewConflict(corev1.Resource("resourcequotas"), name, err)
			}
			return err
		}
		_, err = quotas.Update(ctx, have, metav1.UpdateOptions{})
		return err
	})
	return kubeError("setting the quota of namespace "+ns, err)
}
