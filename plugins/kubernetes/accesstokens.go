package kubernetes

import (
	"context"
	"encoding/json"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"

	"github.com/basalt-dev/basalt/sdk"
)

// API tokens' records live in a Secret of the person's own namespace, one per project (a
// single shared namespace holds everyone's), as JSON under one key. The core signs each
// record, so one edited in the cluster by whoever may write Secrets there is refused.

const accessTokensKey = "tokens"

// accessTokensSecret names the Secret that holds a project's records.
func accessTokensSecret(project string) string { return "basalt-tokens." + project }

// accessTokenRecord is a record as the Secret keeps it.
type accessTokenRecord struct {
	ID         string    `json:"id"`
	SecretHash string    `json:"secretHash"`
	Name       string    `json:"name"`
	Scopes     []string  `json:"scopes"`
	Created    time.Time `json:"created"`
	Expires    time.Time `json:"expires"`
	Subject    string    `json:"subject"`
	Username   string    `json:"username"`
	FullName   string    `json:"fullName,omitempty"`
	Email      string    `json:"email,omitempty"`
	Groups     []string  `json:"groups,omitempty"`
	Roles      []string  `json:"roles,omitempty"`
}

func toRecords(tokens []sdk.AccessToken) []accessTokenRecord {
	out := make([]accessTokenRecord, len(tokens))
	for i, t := range tokens {
		out[i] = accessTokenRecord(t)
	}
	return out
}

func fromRecords(records []accessTokenRecord) []sdk.AccessToken {
	out := make([]sdk.AccessToken, len(records))
	for i, r := range records {
		out[i] = sdk.AccessToken(r)
	}
	return out
}

// tokensNamespace is where a personal project's records are: its namespace, found by the id
// onboarding recorded (the namespace of that name first, as when both prefixes agree).
func (c *cluster) tokensNamespace(ctx context.Context, project sdk.Project) (string, error) {
	if !project.Personal() {
		return "", sdk.InvalidFields("invalid API tokens", sdk.FieldViolation{Field: "project", Rule: "API tokens are kept with a person's own project"})
	}
	if single := c.s.Namespaces.SingleNamespace; single != "" {
		return single, nil
	}
	if ns, err := c.client.CoreV1().Namespaces().Get(ctx, project.ID, metav1.GetOptions{}); err == nil &&
		withAll(ns.Labels, managedBy) && ns.Annotations[projectAnnotation] == project.ID {
		return ns.Name, nil
	}
	return c.projectByID(ctx, project)
}

func (c *cluster) readAccessTokens(ctx context.Context, ns, project string) (*corev1.Secret, []sdk.AccessToken, error) {
	secret, err := c.client.CoreV1().Secrets(ns).Get(ctx, accessTokensSecret(project), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, kubeError("reading the API tokens of "+project, err)
	}
	var records []accessTokenRecord
	if err := json.Unmarshal(secret.Data[accessTokensKey], &records); err != nil {
		return nil, nil, sdk.Errorf(sdk.ErrUnavailable, "the API tokens of %s are not readable: %v", project, err)
	}
	return secret, fromRecords(records), nil
}

func (p *Plugin) AccessTokens(ctx context.Context, req sdk.AccessTokensRequest) (sdk.AccessTokensResponse, error) {
	_, c, err := p.configured()
	if err != nil {
		return sdk.AccessTokensResponse{}, err
	}
	ns, err := c.tokensNamespace(ctx, req.Project)
	if err != nil {
		return sdk.AccessTokensResponse{}, err
	}
	_, tokens, err := c.readAccessTokens(ctx, ns, req.Project.ID)
	return sdk.AccessTokensResponse{Tokens: tokens}, err
}

func (p *Plugin) SetAccessTokens(ctx context.Context, req sdk.SetAccessTokensRequest) (sdk.SetAccessTokensResponse, error) {
	_, c, err := p.configured()
	if err != nil {
		return sdk.SetAccessTokensResponse{}, err
	}
	if err := req.Check(); err != nil {
		return sdk.SetAccessTokensResponse{}, err
	}
	ns, err := c.tokensNamespace(ctx, req.Project)
	if err != nil {
		return sdk.SetAccessTokensResponse{}, err
	}
	secrets := c.client.CoreV1().Secrets(ns)
	var tokens []sdk.AccessToken
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		secret, have, err := c.readAccessTokens(ctx, ns, req.Project.ID)
		if err != nil {
			return err
		}
		if tokens, err = sdk.ApplyAccessTokens(have, req); err != nil {
			return err
		}
		raw, _ := json.Marshal(toRecords(tokens))
		if secret == nil {
			secret = &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: accessTokensSecret(req.Project.ID), Namespace: ns, Labels: managedBy},
				Type: corev1.SecretTypeOpaque, Data: map[string][]byte{accessTokensKey: raw}}
			_, err = secrets.Create(ctx, secret, metav1.CreateOptions{})
			if apierrors.IsAlreadyExists(err) { // made meanwhile: read it again
				return apierrors.NewConflict(corev1.Resource("secrets"), secret.Name, err)
			}
			return err
		}
		secret.Data = map[string][]byte{accessTokensKey: raw}
		_, err = secrets.Update(ctx, secret, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return sdk.SetAccessTokensResponse{}, kubeError("changing the API tokens of "+req.Project.ID, err)
	}
	p.log.Info("API tokens changed", "namespace", ns, "project", req.Project.ID, "added", len(req.Add), "removed", req.Remove)
	return sdk.SetAccessTokensResponse{Tokens: tokens}, nil
}
