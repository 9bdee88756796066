package kubernetes

import (
	"context"
	"sync"
	"time"

	authzv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/basalt-dev/basalt/sdk"
)

// A chart renders user values through tpl, and Helm's lookup reads whatever the identity that
// renders may read. The plugin holds admin in every project namespace, so a release rendered
// as the plugin could read every tenant's Secrets. Helm therefore renders, installs, upgrades
// and uninstalls as the release ServiceAccount of the project's namespace, which onboarding
// binds to the project's ClusterRole there and nowhere else: a lookup outside the namespace is
// refused by the API server. The plugin may impersonate it because ClusterRole admin (through
// edit) grants impersonate on the namespace's ServiceAccounts.

// releaseIdentity is who Helm acts as in a namespace: the user when the region impersonates,
// else the namespace's release ServiceAccount, else (releaseServiceAccount set to "") the
// plugin itself.
func (c *cluster) releaseIdentity(ns string, caller sdk.Caller) rest.ImpersonationConfig {
	if c.s.Access.AuthenticationMode == ModeImpersonate {
		return c.identity(caller)
	}
	if c.s.Access.ReleaseServiceAccount == "" {
		return rest.ImpersonationConfig{}
	}
	return rest.ImpersonationConfig{UserName: "system:serviceaccount:" + ns + ":" + c.s.Access.ReleaseServiceAccount}
}

// releaseAccounts remembers the namespaces whose release ServiceAccount exists and is bound.
type releaseAccounts struct {
	mu   sync.Mutex
	done map[string]bool
}

// ensureReleaseAccount creates the namespace's release ServiceAccount and binds it to the
// project's ClusterRole in that namespace, once per namespace and plugin process. Onboarding
// does it; Helm's first use of a namespace does it again for namespaces onboarded by an older
// plugin.
func (c *cluster) ensureReleaseAccount(ctx context.Context, ns string) error {
	name := c.s.Access.ReleaseServiceAccount
	if name == "" || c.s.Access.AuthenticationMode == ModeImpersonate {
		return nil
	}
	c.releaseAccounts.mu.Lock()
	done := c.releaseAccounts.done[ns]
	c.releaseAccounts.mu.Unlock()
	if done {
		return nil
	}
	no := false
	_, err := c.client.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: managedBy},
		// It renders; no pod needs its token.
		AutomountServiceAccountToken: &no,
	}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return kubeError("creating the release identity of namespace "+ns, err)
	}
	if err := c.ensureRoleBinding(ctx, ns, releaseBinding, rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: name}); err != nil {
		return err
	}
	if err := c.awaitReleaseAccess(ctx, ns, name); err != nil {
		return err
	}
	c.releaseAccounts.mu.Lock()
	if c.releaseAccounts.done == nil {
		c.releaseAccounts.done = map[string]bool{}
	}
	c.releaseAccounts.done[ns] = true
	c.releaseAccounts.mu.Unlock()
	return nil
}

// forgetReleaseAccount forgets that a namespace's release identity is set up, after the API
// server refused it: an administrator took its ServiceAccount or RoleBinding away, or deleted
// and made the namespace again. The next call sets it up again.
func (c *cluster) forgetReleaseAccount(ns string) {
	c.releaseAccounts.mu.Lock()
	delete(c.releaseAccounts.done, ns)
	c.releaseAccounts.mu.Unlock()
}

// releaseBinding names the RoleBinding that gives the release ServiceAccount its namespace.
const releaseBinding = "basalt-release"

// awaitReleaseAccess waits until the API server's authorizer has the release ServiceAccount's
// new RoleBinding: right after it is made, a request of the account may still be refused for a
// moment, and Helm's first read of a fresh namespace's releases failed so. The account asks
// itself, as Helm would act.
func (c *cluster) awaitReleaseAccess(ctx context.Context, ns, name string) error {
	g, err := c.getterAs(rest.ImpersonationConfig{UserName: "system:serviceaccount:" + ns + ":" + name})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	for {
		review, err := g.client.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authzv1.SelfSubjectAccessReview{
			Spec: authzv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authzv1.ResourceAttributes{Namespace: ns, Verb: "list", Resource: "secrets"}},
		}, metav1.CreateOptions{})
		if err == nil && review.Status.Allowed {
			return nil
		}
		select {
		case <-ctx.Done():
			if err == nil {
				err = sdk.Errorf(sdk.ErrUnavailable, "the release identity of namespace %s is not allowed in yet", ns)
			}
			return kubeError("waiting for the release identity of namespace "+ns, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
