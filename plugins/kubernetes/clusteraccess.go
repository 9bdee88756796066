package kubernetes

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"slices"
	"strings"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/configschema"
)

// A user's own kubeconfig for a project's namespace. With an API server that trusts the
// identity provider, the credential is the user's ID token and the cluster's RBAC decides.
// Without, the region gives a short-lived token of a ServiceAccount it makes for the user in
// that namespace, bound there to the role the project's RoleBinding gives the user: never
// more than the user has, and nothing outside the namespace.

// Cluster access modes.
const (
	AccessOff                 = "off"
	AccessIDToken             = "idToken"
	AccessServiceAccountToken = "serviceAccountToken"
)

// The API server refuses a TokenRequest of less than 10 minutes; a day bounds what a copied
// kubeconfig is worth.
const (
	minAccessTTL = 10 * time.Minute
	maxAccessTTL = 24 * time.Hour
)

// accessUserAnnotation names, on a user's ServiceAccount, the user it was made for: a
// ServiceAccount without it is not Basalt's, and is never handed out.
const accessUserAnnotation = "basalt.dev/cluster-access-user"

type ClusterAccessConfig struct {
	Mode                 string `json:"mode"`
	Server               string `json:"server"`
	CertificateAuthority string `json:"certificateAuthority"`
	TokenTTL             string `json:"tokenTTL"`
	ServiceAccountPrefix string `json:"serviceAccountPrefix"`
}

type clusterAccessSettings struct {
	ttl time.Duration
}

// check checks what the schema cannot say.
func (a ClusterAccessConfig) check(bad *configschema.Violations) clusterAccessSettings {
	ttl, err := time.ParseDuration(a.TokenTTL)
	if err != nil || ttl < minAccessTTL || ttl > maxAccessTTL {
		bad.Add("clusterAccess.tokenTTL", "a Go duration from 10m (the API server's least) to 24h")
	}
	if a.CertificateAuthority != "" && !certificates([]byte(a.CertificateAuthority)) {
		bad.Add("clusterAccess.certificateAuthority", "PEM certificates (-----BEGIN CERTIFICATE-----), or empty")
	}
	return clusterAccessSettings{ttl: ttl}
}

// certificates reports whether pemText holds certificates, and only those.
func certificates(pemText []byte) bool {
	found := false
	for {
		block, rest := pem.Decode(pemText)
		if block == nil {
			return found && strings.TrimSpace(string(rest)) == ""
		}
		if block.Type != "CERTIFICATE" {
			return false
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return false
		}
		found, pemText = true, rest
	}
}

func (p *Plugin) ClusterAccess(ctx context.Context, req sdk.ClusterAccessRequest) (sdk.ClusterAccessResponse, error) {
	s, c, err := p.configured()
	if err != nil {
		return sdk.ClusterAccessResponse{}, err
	}
	a := s.ClusterAccess
	if a.Mode == AccessOff {
		return sdk.ClusterAccessResponse{}, sdk.Errorf(sdk.ErrUnimplemented, "this region gives no kubeconfig (its clusterAccess.mode is off)")
	}
	if s.Namespaces.SingleNamespace != "" {
		return sdk.ClusterAccessResponse{}, sdk.Errorf(sdk.ErrUnimplemented, "this region runs every project in one namespace: a kubeconfig there would reach the other users' services")
	}
	ns, err := s.namespaceOf(req.Caller, req.Project)
	if err != nil {
		return sdk.ClusterAccessResponse{}, err
	}
	if err := c.mayRead(ctx, req.Caller, ns); err != nil { // the cluster's word too, when the region impersonates
		return sdk.ClusterAccessResponse{}, err
	}
	resp := sdk.ClusterAccessResponse{Namespace: ns}
	if resp.Server, resp.CA, err = c.publicEndpoint(); err != nil {
		return sdk.ClusterAccessResponse{}, err
	}
	switch a.Mode {
	case AccessIDToken:
		if req.Caller.IDToken == "" {
			return sdk.ClusterAccessResponse{}, sdk.Errorf(sdk.ErrUnimplemented, "%s signed in without an identity provider: there is no ID token to give", req.Caller.Username)
		}
		resp.Token, resp.Expires = req.Caller.IDToken, tokenExpiry(req.Caller.IDToken)
		resp.Credential, resp.User = sdk.CredentialIDToken, s.Access.UsernamePrefix+req.Caller.Username
	case AccessServiceAccountToken:
		role, err := c.memberRole(ctx, ns, req.Caller)
		if err != nil {
			return sdk.ClusterAccessResponse{}, err
		}
		account, err := c.ensureAccessAccount(ctx, ns, req.Caller.Username, role)
		if err != nil {
			return sdk.ClusterAccessResponse{}, err
		}
		seconds := int64(s.clusterAccess.ttl / time.Second)
		tok, err := c.client.CoreV1().ServiceAccounts(ns).CreateToken(ctx, account, &authenticationv1.TokenRequest{
			Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &seconds},
		}, metav1.CreateOptions{})
		if err != nil {
			return sdk.ClusterAccessResponse{}, kubeError("making a token of ServiceAccount "+account+" in namespace "+ns, err)
		}
		resp.Token, resp.Expires = tok.Status.Token, tok.Status.ExpirationTimestamp.UTC()
		resp.Credential, resp.User = sdk.CredentialServiceAccount, "system:serviceaccount:"+ns+":"+account
	}
	p.log.Info("cluster access given", "namespace", ns, "user", req.Caller.Username, "as", resp.User, "expires", resp.Expires)
	return resp, nil
}

// publicEndpoint is the API server's URL and CA as users reach them: the configuration's, or
// the plugin's own.
func (c *cluster) publicEndpoint() (string, []byte, error) {
	a := c.s.ClusterAccess
	if a.Server != "" {
		return a.Server, []byte(a.CertificateAuthority), nil
	}
	server := c.base.Host
	if !strings.Contains(server, "://") {
		server = "https://" + server
	}
	ca := []byte(a.CertificateAuthority)
	if len(ca) == 0 {
		ca = c.base.CAData
	}
	if len(ca) == 0 && c.base.CAFile != "" {
		read, err := os.ReadFile(c.base.CAFile)
		if err != nil {
			return "", nil, sdk.Errorf(sdk.ErrUnavailable, "reading the cluster's CA: %v", err)
		}
		ca = read
	}
	return server, ca, nil
}

// memberRole is the role the project's RoleBinding gives the caller in the namespace: the
// plugin checks that the cluster binds them there before binding anything for them.
func (c *cluster) memberRole(ctx context.Context, ns string, caller sdk.Caller) (rbacv1.RoleRef, error) {
	a := c.s.Access
	binding, err := c.client.RbacV1().RoleBindings(ns).Get(ctx, a.RoleBindingName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return rbacv1.RoleRef{}, sdk.Errorf(sdk.ErrNotFound, "namespace %s has no RoleBinding %s: open the project first", ns, a.RoleBindingName)
	}
	if err != nil {
		return rbacv1.RoleRef{}, kubeError("reading the access of namespace "+ns, err)
	}
	bound := slices.ContainsFunc(binding.Subjects, func(s rbacv1.Subject) bool {
		switch s.Kind {
		case rbacv1.UserKind:
			return s.Name == a.UsernamePrefix+caller.Username
		case rbacv1.GroupKind:
			return slices.ContainsFunc(caller.Groups, func(g string) bool { return s.Name == a.GroupPrefix+g })
		}
		return false
	})
	if !bound {
		return rbacv1.RoleRef{}, sdk.Errorf(sdk.ErrPermissionDenied, "%s is not bound in namespace %s", caller.Username, ns)
	}
	return binding.RoleRef, nil
}

// accessAccount names a user's ServiceAccount, and its RoleBinding, in a project's namespace.
func (c *cluster) accessAccount(username string) (string, error) {
	name, ok := sdk.ProjectName(c.s.ClusterAccess.ServiceAccountPrefix, username)
	if !ok {
		return "", sdk.InvalidFields("invalid user", sdk.FieldViolation{Field: "username", Rule: "with the region's clusterAccess.serviceAccountPrefix, it makes no ServiceAccount name (a DNS label of at most 63 characters)"})
	}
	return name, nil
}

// ensureAccessAccount makes the user's ServiceAccount in the namespace and binds it to role
// there, and there only (a RoleBinding): what the user's own binding gives them, no more.
func (c *cluster) ensureAccessAccount(ctx context.Context, ns, username string, role rbacv1.RoleRef) (string, error) {
	name, err := c.accessAccount(username)
	if err != nil {
		return "", err
	}
	meta := metav1.ObjectMeta{Name: name, Namespace: ns, Labels: managedBy, Annotations: map[string]string{accessUserAnnotation: username}}
	accounts := c.client.CoreV1().ServiceAccounts(ns)
	have, err := accounts.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		have, err = accounts.Create(ctx, &corev1.ServiceAccount{ObjectMeta: meta}, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) { // made meanwhile by another call
			have, err = accounts.Get(ctx, name, metav1.GetOptions{})
		}
	}
	if err != nil {
		return "", kubeError("making the ServiceAccount of "+username+" in namespace "+ns, err)
	}
	if have.Annotations[accessUserAnnotation] != username {
		return "", sdk.Errorf(sdk.ErrConflict, "ServiceAccount %s of namespace %s was not made by Basalt for %s: it is never handed out", name, ns, username)
	}
	want := &rbacv1.RoleBinding{
		ObjectMeta: meta,
		RoleRef:    role,
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: name, Namespace: ns}},
	}
	bindings := c.client.RbacV1().RoleBindings(ns)
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		have, err := bindings.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			_, err = bindings.Create(ctx, want, metav1.CreateOptions{})
			if apierrors.IsAlreadyExists(err) {
				return apierrors.NewConflict(rbacv1.Resource("rolebindings"), name, err)
			}
			return err
		}
		if err != nil {
			return err
		}
		if have.RoleRef != want.RoleRef { // immutable: the project's role changed, replace it
			if err := bindings.Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
				return err
			}
			_, err = bindings.Create(ctx, want, metav1.CreateOptions{})
			if apierrors.IsAlreadyExists(err) {
				return apierrors.NewConflict(rbacv1.Resource("rolebindings"), name, err)
			}
			return err
		}
		if slices.Equal(have.Subjects, want.Subjects) {
			return nil
		}
		have.Subjects = want.Subjects // never more than the user's own account
		_, err = bindings.Update(ctx, have, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return "", kubeError("binding the ServiceAccount of "+username+" in namespace "+ns, err)
	}
	return name, nil
}

// revokeClusterAccess deletes the ServiceAccounts of people removed from a project, with
// their RoleBindings: every token made of them stops working at once.
func (c *cluster) revokeClusterAccess(ctx context.Context, ns string, usernames []string) error {
	for _, username := range usernames {
		name, err := c.accessAccount(username)
		if err != nil {
			continue // none was ever made
		}
		have, err := c.client.CoreV1().ServiceAccounts(ns).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return kubeError("reading the ServiceAccount of "+username+" in namespace "+ns, err)
		}
		if have.Annotations[accessUserAnnotation] != username {
			continue // not Basalt's
		}
		uid := have.UID
		err = c.client.CoreV1().ServiceAccounts(ns).Delete(ctx, name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
		if err != nil && !apierrors.IsNotFound(err) {
			return kubeError("revoking the cluster access of "+username+" in namespace "+ns, err)
		}
		err = c.client.RbacV1().RoleBindings(ns).Delete(ctx, name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return kubeError("revoking the cluster access of "+username+" in namespace "+ns, err)
		}
	}
	return nil
}

// tokenExpiry reads a JWT's exp claim, unverified: it only says when the token stops
// working. Zero when it has none.
func tokenExpiry(jwt string) time.Time {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return time.Time{}
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return time.Time{}
	}
	var claims struct {
		Exp int64 `json:"exp"`
	}
	if json.Unmarshal(raw, &claims) != nil || claims.Exp == 0 {
		return time.Time{}
	}
	return time.Unix(claims.Exp, 0).UTC()
}
