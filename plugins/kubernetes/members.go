package kubernetes

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"

	"github.com/basalt-dev/basalt/sdk"
)

// Members added in Basalt are kept in the cluster, where the region already keeps the project:
// the namespace's annotation lists them (who added them, when), and the project's RoleBinding
// has each as a subject, so that what the plugin does as them (impersonated) is allowed.

// Annotations of a project's namespace.
const (
	projectAnnotation = "basalt.dev/project"         // the project's id, as onboarding was told
	ownerAnnotation   = "basalt.dev/project-owner"   // the person or group the project is for
	membersAnnotation = "basalt.dev/project-members" // the members added in Basalt, as JSON
)

// addedMemberTimeout bounds the read of a namespace's members when someone who is not in the
// group acts in its project.
const addedMemberTimeout = 10 * time.Second

type memberRecord struct {
	Username string    `json:"username"`
	By       string    `json:"by"`
	Added    time.Time `json:"added"`
}

// membersOf reads a namespace's added members; a damaged annotation reads as none.
func membersOf(ns *corev1.Namespace) []sdk.Member {
	var records []memberRecord
	if raw := ns.Annotations[membersAnnotation]; raw != "" {
		_ = json.Unmarshal([]byte(raw), &records)
	}
	out := make([]sdk.Member, 0, len(records))
	for _, r := range records {
		if sdk.Username.MatchString(r.Username) {
			out = append(out, sdk.Member{Username: r.Username, By: r.By, Added: r.Added})
		}
	}
	return out
}

func isMember(members []sdk.Member, username string) bool {
	return slices.ContainsFunc(members, func(m sdk.Member) bool { return m.Username == username })
}

// addedMember reads the namespace each time: a member removed by another replica is refused at
// once.
func (c *cluster) addedMember(ns, username string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), addedMemberTimeout)
	defer cancel()
	got, err := c.client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err != nil || !withAll(got.Labels, managedBy) {
		return false
	}
	return isMember(membersOf(got), username)
}

func (p *Plugin) SetMembers(ctx context.Context, req sdk.SetMembersRequest) (sdk.SetMembersResponse, error) {
	s, c, err := p.configured()
	if err != nil {
		return sdk.SetMembersResponse{}, err
	}
	if s.Namespaces.SingleNamespace != "" {
		return sdk.SetMembersResponse{}, sdk.Errorf(sdk.ErrUnimplemented, "this region runs every project in one namespace: members come from the groups only")
	}
	if err := req.CheckMembers(); err != nil {
		return sdk.SetMembersResponse{}, err
	}
	ns, err := s.projectNamespace(req.Caller.Username, req.Project)
	if err != nil {
		return sdk.SetMembersResponse{}, err
	}
	members, removed, err := c.changeMembers(ctx, ns, req)
	if err != nil {
		return sdk.SetMembersResponse{}, err
	}
	if err := c.bindMembers(ctx, ns, members, removed); err != nil {
		return sdk.SetMembersResponse{}, err
	}
	if err := c.revokeClusterAccess(ctx, ns, removed); err != nil {
		return sdk.SetMembersResponse{}, err
	}
	p.log.Info("project members changed", "namespace", ns, "project", req.Project.ID, "by", req.Caller.Username, "added", req.Add, "removed", req.Remove)
	return sdk.SetMembersResponse{Members: members}, nil
}

// changeMembers applies a change to the namespace's annotation and returns the members, and
// those removed that were members.
func (c *cluster) changeMembers(ctx context.Context, ns string, req sdk.SetMembersRequest) ([]sdk.Member, []string, error) {
	namespaces := c.client.CoreV1().Namespaces()
	var members []sdk.Member
	var removed []string
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		have, err := namespaces.Get(ctx, ns, metav1.GetOptions{})
		if apierrors.IsNotFound(err) || (err == nil && !withAll(have.Labels, managedBy)) {
			return sdk.Errorf(sdk.ErrNotFound, "project %q has no namespace in this region yet: it has one once someone opens it", req.Project.ID)
		}
		if err != nil {
			return err
		}
		before := membersOf(have)
		removed = nil
		members = slices.DeleteFunc(slices.Clone(before), func(m sdk.Member) bool {
			gone := slices.Contains(req.Remove, m.Username)
			if gone {
				removed = append(removed, m.Username)
			}
			return gone
		})
		now := time.Now().UTC().Truncate(time.Second)
		for _, name := range req.Add {
			if !isMember(members, name) {
				members = append(members, sdk.Member{Username: name, By: req.Caller.Username, Added: now})
			}
		}
		if len(members) > sdk.MaxMembers {
			return sdk.InvalidFields("invalid members", sdk.FieldViolation{Field: "add", Rule: fmt.Sprintf("at most %d members added per project", sdk.MaxMembers)})
		}
		if slices.Equal(members, before) {
			return nil
		}
		records := make([]memberRecord, len(members))
		for i, m := range members {
			records[i] = memberRecord{Username: m.Username, By: m.By, Added: m.Added}
		}
		raw, _ := json.Marshal(records)
		if have.Annotations == nil {
			have.Annotations = map[string]string{}
		}
		have.Annotations[membersAnnotation] = string(raw)
		_, err = namespaces.Update(ctx, have, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return nil, nil, kubeError("changing the members of namespace "+ns, err)
	}
	return members, removed, nil
}

// bindMembers makes the project's RoleBinding hold every added member and none of those just
// removed, leaving the subjects onboarding or an administrator put there.
func (c *cluster) bindMembers(ctx context.Context, ns string, members []sdk.Member, removed []string) error {
	prefix := c.s.Access.UsernamePrefix
	subject := func(name string) rbacv1.Subject {
		return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: prefix + name}
	}
	bindings := c.client.RbacV1().RoleBindings(ns)
	name := c.s.Access.RoleBindingName
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		have, err := bindings.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		subjects := slices.DeleteFunc(slices.Clone(have.Subjects), func(s rbacv1.Subject) bool {
			return slices.ContainsFunc(removed, func(r string) bool { return s == subject(r) && !isMember(members, r) })
		})
		for _, m := range members {
			if !slices.Contains(subjects, subject(m.Username)) {
				subjects = append(subjects, subject(m.Username))
			}
		}
		if slices.Equal(subjects, have.Subjects) {
			return nil
		}
		have.Subjects = subjects
		_, err = bindings.Update(ctx, have, metav1.UpdateOptions{})
		return err
	})
	return kubeError("granting namespace "+ns+" to its members", err)
}

// rebindMembers gives the added members back their subjects, as onboarding does: a RoleBinding
// remade (its role changed) or a change of members that failed halfway is mended.
func (c *cluster) rebindMembers(ctx context.Context, ns string) error {
	got, err := c.client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err != nil {
		return kubeError("reading the members of namespace "+ns, err)
	}
	members := membersOf(got)
	if len(members) == 0 {
		return nil
	}
	return c.bindMembers(ctx, ns, members, nil)
}
