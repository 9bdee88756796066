package sdk

import "time"

// Cluster access credential kinds.
const (
	// CredentialIDToken is the caller's own ID token, for an API server that trusts the
	// identity provider: it expires with the token and acts with the caller's own rights.
	CredentialIDToken = "idToken"
	// CredentialServiceAccount is a token of a ServiceAccount of the caller's in the project's
	// namespace, bound there only to what a member may do, for an API server that does not
	// trust the identity provider.
	CredentialServiceAccount = "serviceAccount"
)

type ClusterAccessRequest struct {
	Caller  Caller
	Project Project
}

// ClusterAccessResponse is what a kubeconfig needs. Token is a credential: never log it.
type ClusterAccessResponse struct {
	Server    string // the API server's URL as users reach it
	CA        []byte // PEM certificates that sign the server's; none: the system's roots
	Namespace string
	Token     string
	// Expires is when Token stops working; zero when the region cannot tell.
	Expires time.Time
	// Credential says what Token is: CredentialIDToken or CredentialServiceAccount.
	Credential string
	// User names the identity the token acts as in the cluster, as the cluster's RBAC names it.
	User string
}
