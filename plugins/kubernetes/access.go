package kubernetes

import (
	"context"
	"sync"
	"time"

	authzv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/basalt-dev/basalt/sdk"
)

// accessTTL is how long a caller's right to a namespace, once checked, is taken as granted:
// a RoleBinding removed takes that long to show in listings.
const accessTTL = 30 * time.Second

// accessMemo remembers which identities may read which namespaces, and when that was seen.
type accessMemo struct {
	mu sync.Mutex
	m  map[string]time.Time
}

// mayRead checks, when the region impersonates, that the caller may read the namespace's
// releases. Listing and finding releases read the plugin's own caches, which hold what the
// caller may not see; everything else acts as the caller and meets the cluster's RBAC there.
func (c *cluster) mayRead(ctx context.Context, caller sdk.Caller, ns string) error {
	imp := c.identity(caller)
	if imp.UserName == "" {
		return nil
	}
	key := identityKey(imp) + "\x00" + ns
	c.access.mu.Lock()
	at, ok := c.access.m[key]
	c.access.mu.Unlock()
	if ok && time.Since(at) < accessTTL {
		return nil
	}
	g, err := c.getter(caller)
	if err != nil {
		return err
	}
	review, err := g.client.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authzv1.SelfSubjectAccessReview{
		Spec: authzv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authzv1.ResourceAttributes{Namespace: ns, Verb: "list", Resource: "secrets"}},
	}, metav1.CreateOptions{})
	if err != nil {
		return kubeError("checking the access of "+caller.Username+" to namespace "+ns, err)
	}
	if !review.Status.Allowed {
		return sdk.Errorf(sdk.ErrPermissionDenied, "%s may not use namespace %s", caller.Username, ns)
	}
	c.access.mu.Lock()
	if c.access.m == nil {
		c.access.m = map[string]time.Time{}
	}
	c.access.m[key] = time.Now()
	c.access.mu.Unlock()
	return nil
}
