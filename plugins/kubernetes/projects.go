package kubernetes

import (
	"context"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"

	"github.com/basalt-dev/basalt/sdk"
)

// namespaceOf maps a project to its namespace: the region's prefix and the user's or group's
// name through sdk.ProjectName, as the core makes project ids, or the region's single
// namespace. Groups outside the region's patterns have none, and a group's namespace is only
// for its members (by the token's groups, or added in Basalt): the plugin acts as itself
// there, so it does not take the core's word alone.
func (s *settings) namespaceOf(caller sdk.Caller, project sdk.Project) (string, error) {
	inGroup := project.Personal() || slices.Contains(caller.Groups, project.Group)
	if !inGroup && s.Namespaces.SingleNamespace != "" {
		return "", notMember(caller, project)
	}
	ns, err := s.projectNamespace(caller.Username, project)
	if err != nil && !inGroup {
		return "", notMember(caller, project)
	}
	if err != nil || inGroup {
		return ns, err
	}
	if s.addedMember == nil || !s.addedMember(ns, caller.Username) {
		return "", notMember(caller, project)
	}
	return ns, nil
}

func notMember(caller sdk.Caller, project sdk.Project) error {
	return sdk.Errorf(sdk.ErrPermissionDenied, "%s is not a member of the group %q", caller.Username, project.Group)
}

// projectNamespace is the namespace of a project, a person's own (of username) or a group's,
// whoever asks.
func (s *settings) projectNamespace(username string, project sdk.Project) (string, error) {
	if s.Namespaces.SingleNamespace != "" {
		return s.Namespaces.SingleNamespace, nil
	}
	var ns string
	var ok bool
	if project.Personal() {
		ns, ok = sdk.ProjectName(s.Namespaces.NamespacePrefix, username)
	} else {
		group := project.Group
		if s.exclude != nil && s.exclude.MatchString(group) {
			return "", sdk.Errorf(sdk.ErrNotFound, "group %q has no namespace in this region", group)
		}
		if s.include != nil {
			if !s.include.MatchString(group) {
				return "", sdk.Errorf(sdk.ErrNotFound, "group %q has no namespace in this region", group)
			}
			if s.Namespaces.TransformGroupPattern != "" {
				group = s.include.ReplaceAllString(group, s.Namespaces.TransformGroupPattern)
			}
		}
		ns, ok = sdk.ProjectName(s.Namespaces.GroupNamespacePrefix, group)
	}
	if !ok {
		return "", sdk.InvalidFields("invalid project", sdk.FieldViolation{Field: "project", Rule: "its name makes no namespace (a DNS label of at most 63 characters) with the region's prefix"})
	}
	return ns, nil
}

// subject is who the project's RoleBinding gives the namespace to.
func (s *settings) subject(caller sdk.Caller, project sdk.Project) rbacv1.Subject {
	if project.Personal() {
		return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: s.Access.UsernamePrefix + caller.Username}
	}
	return rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: s.Access.GroupPrefix + project.Group}
}

// quotaOf is the ResourceQuota a project gets: for a person, that of their first role (in
// alphabetical order) the region lists, else the user quota; for a group, the group quota. A
// group's quota never depends on which member logs in first, so roles apply to persons only.
func (s *settings) quotaOf(caller sdk.Caller, project sdk.Project) map[string]string {
	q := s.Quotas
	if !project.Personal() {
		if s.groupQuota {
			return q.Group
		}
		return nil
	}
	if !s.userQuota {
		return nil
	}
	for _, role := range slices.Sorted(slices.Values(caller.Roles)) {
		if hard, ok := q.Roles[role]; ok {
			return hard
		}
	}
	return q.User
}

func (p *Plugin) Onboard(ctx context.Context, req sdk.OnboardRequest) (sdk.OnboardResponse, error) {
	s, c, err := p.configured()
	if err != nil {
		return sdk.OnboardResponse{}, err
	}
	ns, err := s.namespaceOf(req.Caller, req.Project)
	if err != nil {
		return sdk.OnboardResponse{}, err
	}
	created, err := c.ensureNamespace(ctx, ns, req)
	if err != nil {
		return sdk.OnboardResponse{}, err
	}
	if s.Namespaces.SingleNamespace == "" {
		if c.self != nil {
			if err := c.ensureRoleBinding(ctx, ns, selfBinding, *c.self); err != nil {
				return sdk.OnboardResponse{}, err
			}
		}
		if err := c.ensureRoleBinding(ctx, ns, s.Access.RoleBindingName, s.subject(req.Caller, req.Project)); err != nil {
			return sdk.OnboardResponse{}, err
		}
		if !req.Project.Personal() {
			if err := c.rebindMembers(ctx, ns); err != nil {
				return sdk.OnboardResponse{}, err
			}
		}
		if hard := s.quotaOf(req.Caller, req.Project); len(hard) > 0 {
			if err := c.ensureQuota(ctx, ns, hard); err != nil {
				return sdk.OnboardResponse{}, err
			}
		}
	}
	if err := c.ensureReleaseAccount(ctx, ns); err != nil {
		return sdk.OnboardResponse{}, err
	}
	p.log.Info("onboarded", "namespace", ns, "created", created, "user", req.Caller.Username, "project", req.Project.ID)
	return sdk.OnboardResponse{Namespace: ns, Created: created}, nil
}

// managedBy marks what onboarding made.
var managedBy = map[string]string{"app.kubernetes.io/managed-by": "basalt"}

// withAll reports whether have holds every entry of want.
func withAll(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

func (c *cluster) ensureNamespace(ctx context.Context, ns string, req sdk.OnboardRequest) (bool, error) {
	s := c.s
	labels := maps.Clone(s.Namespaces.NamespaceLabels)
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, managedBy)
	if s.Namespaces.SingleNamespace == "" {
		owner := req.Caller.Username
		if !req.Project.Personal() {
			owner = req.Project.Group
		}
		// Made as namespace names are, so that two owners never share a value.
		if v, ok := sdk.ProjectName("", owner); ok {
			labels[s.Namespaces.OwnerLabel] = v
		}
	}
	annotations := maps.Clone(s.Namespaces.NamespaceAnnotations)
	if s.Namespaces.SingleNamespace == "" {
		if annotations == nil {
			annotations = map[string]string{}
		}
		// What Projects lists: the label's value above is only a namespace-safe name.
		annotations[projectAnnotation] = req.Project.ID
		annotations[ownerAnnotation] = req.Caller.Username
		if !req.Project.Personal() {
			annotations[ownerAnnotation] = req.Project.Group
		}
	}
	namespaces := c.client.CoreV1().Namespaces()
	created := false
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		have, err := namespaces.Get(ctx, ns, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			_, err = namespaces.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: labels, Annotations: annotations}}, metav1.CreateOptions{})
			if apierrors.IsAlreadyExists(err) {
				return apierrors.NewConflict(corev1.Resource("namespaces"), ns, err) // created meanwhile: update it
			}
			created = err == nil
			return err
		}
		if err != nil {
			return err
		}
		if withAll(have.Labels, labels) && withAll(have.Annotations, annotations) {
			return nil
		}
		if have.Labels == nil {
			have.Labels = map[string]string{}
		}
		if have.Annotations == nil && len(annotations) > 0 {
			have.Annotations = map[string]string{}
		}
		maps.Copy(have.Labels, labels)
		maps.Copy(have.Annotations, annotations)
		_, err = namespaces.Update(ctx, have, metav1.UpdateOptions{})
		return err
	})
	return created, kubeError("onboarding namespace "+ns, err)
}

// selfBinding names the RoleBinding that gives the plugin itself a project namespace.
const selfBinding = "basalt-region"

func (c *cluster) ensureRoleBinding(ctx context.Context, ns, name string, subject rbacv1.Subject) error {
	a := c.s.Access
	want := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: managedBy},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: a.ClusterRole},
		Subjects:   []rbacv1.Subject{subject},
	}
	bindings := c.client.RbacV1().RoleBindings(ns)
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		have, err := bindings.Get(ctx, want.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			_, err = bindings.Create(ctx, want, metav1.CreateOptions{})
			if apierrors.IsAlreadyExists(err) { // another onboarding made it meanwhile: add to it
				return apierrors.NewConflict(rbacv1.Resource("rolebindings"), want.Name, err)
			}
			return err
		}
		if err != nil {
			return err
		}
		if have.RoleRef != want.RoleRef { // immutable: replace the binding
			if err := bindings.Delete(ctx, want.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
				return err
			}
			_, err = bindings.Create(ctx, want, metav1.CreateOptions{})
			if apierrors.IsAlreadyExists(err) {
				return apierrors.NewConflict(rbacv1.Resource("rolebindings"), want.Name, err)
			}
			return err
		}
		if slices.Contains(have.Subjects, subject) {
			return nil
		}
		have.Subjects = append(have.Subjects, subject)
		_, err = bindings.Update(ctx, have, metav1.UpdateOptions{})
		return err
	})
	return kubeError("granting namespace "+ns, err)
}

// handManaged reports whether an administrator marked a quota as theirs, all of it.
func (c *cluster) handManaged(q *corev1.ResourceQuota) bool {
	marker := c.s.Quotas.ManualMarker
	return q.Labels[marker] == "true" || q.Annotations[marker] == "true"
}

// ensureQuota applies the region's quota, merged key by key with an administrator's: a key
// whose value is no longer what onboarding last set was set by hand (with kubectl, or in
// Basalt) and stays as it is; the others take the region's value. A quota marked as the
// administrator's is left alone, and forgets what onboarding set: once unmarked, all of it is
// the region's again.
func (c *cluster) ensureQuota(ctx context.Context, ns string, hard map[string]string) error {
	quotas := c.client.CoreV1().ResourceQuotas(ns)
	name := c.s.Quotas.Name
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		have, err := quotas.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			merged, record := mergeQuota(nil, map[string]string{}, hard)
			_, err = quotas.Create(ctx, &corev1.ResourceQuota{
				ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: managedBy,
					Annotations: map[string]string{quotaDefaultsAnnotation: record}},
				Spec: corev1.ResourceQuotaSpec{Hard: merged},
			}, metav1.CreateOptions{})
			if apierrors.IsAlreadyExists(err) { // another onboarding made it meanwhile: merge into it
				return apierrors.NewConflict(corev1.Resource("resourcequotas"), name, err)
			}
			return err
		}
		if err != nil {
			return err
		}
		if c.handManaged(have) {
			if _, ok := have.Annotations[quotaDefaultsAnnotation]; !ok {
				return nil
			}
			delete(have.Annotations, quotaDefaultsAnnotation)
			_, err = quotas.Update(ctx, have, metav1.UpdateOptions{})
			return err
		}
		merged, record := mergeQuota(have.Spec.Hard, defaultsOf(have), hard)
		if sameQuantities(have.Spec.Hard, merged) && have.Annotations[quotaDefaultsAnnotation] == record {
			return nil
		}
		if have.Annotations == nil {
			have.Annotations = map[string]string{}
		}
		have.Spec.Hard = merged
		have.Annotations[quotaDefaultsAnnotation] = record
		_, err = quotas.Update(ctx, have, metav1.UpdateOptions{})
		return err
	})
	return kubeError("setting the quota of namespace "+ns, err)
}

func sameQuantities(a, b corev1.ResourceList) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || v.Cmp(w) != 0 {
			return false
		}
	}
	return true
}
