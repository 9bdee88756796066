package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/basalt-dev/basalt/core/internal/httpapi"
	"github.com/basalt-dev/basalt/core/internal/shell"
	"github.com/basalt-dev/basalt/sdk"
)

// ClusterAccess is a kubeconfig of the caller's own for the project's namespace, with what it
// holds, for the portal; the same kubeconfig alone is the route's YAML answer.
type ClusterAccess struct {
	Project   string `json:"project"`
	Namespace string `json:"namespace"`
	Server    string `json:"server"`
	// Credential is what the token is: idToken (the caller's own ID token) or serviceAccount
	// (a token of a ServiceAccount of theirs in the namespace).
	Credential string     `json:"credential"`
	User       string     `json:"user"`
	Expires    *time.Time `json:"expires,omitempty"`
	// Filename is what the kubeconfig is saved as; Commands use it.
	Filename   string   `json:"filename"`
	Kubeconfig string   `json:"kubeconfig"`
	Commands   []string `json:"commands"`
}

// kubeconfig answers a kubeconfig that kubectl takes as it is: YAML as a download, or JSON
// with Accept: application/json or format=json. Its token is a credential: it goes only in
// the body, never cached.
func (s *Server) kubeconfig(c echo.Context) error {
	asJSON := false
	switch c.QueryParam("format") {
	case "":
		asJSON = strings.Contains(c.Request().Header.Get(echo.HeaderAccept), echo.MIMEApplicationJSON)
	case "json":
		asJSON = true
	case "yaml":
	default:
		return sdk.InvalidFields("invalid kubeconfig query", sdk.FieldViolation{Field: "format", Rule: "one of yaml, json"})
	}
	sc, region := inServices(c)
	access, err := region.ClusterAccess(c.Request().Context(), sdk.ClusterAccessRequest{})
	if err != nil {
		return err
	}
	raw, err := kubeconfigOf("basalt-"+sc.Region.ID+"-"+sc.Project.ID, access)
	if err != nil {
		return err
	}
	filename := "kubeconfig-" + sc.Region.ID + "-" + sc.Project.ID + ".yaml"
	httpapi.NoStore(c)
	if !asJSON {
		c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
		return c.Blob(http.StatusOK, "application/yaml", raw)
	}
	kubectl := func(args ...string) string {
		return shell.Command(append([]string{"kubectl", "--kubeconfig", filename}, args...)...)
	}
	return c.JSON(http.StatusOK, ClusterAccess{
		Project: sc.Project.ID, Namespace: access.Namespace, Server: access.Server, Credential: access.Credential,
		User: access.User, Expires: httpapi.TimeOrNil(access.Expires), Filename: filename, Kubeconfig: string(raw),
		Commands: []string{
			kubectl("get", "pods"),
			kubectl("get", "services"),
			kubectl("auth", "can-i", "--list"),
			kubectl("port-forward", "service/SERVICE", "8888:80"),
		},
	})
}

// kubeconfigOf writes a kubeconfig of one cluster, user and context, all named name, whose
// context is the namespace's.
func kubeconfigOf(name string, access sdk.ClusterAccessResponse) ([]byte, error) {
	kc := clientcmdapi.NewConfig()
	kc.Clusters[name] = &clientcmdapi.Cluster{Server: access.Server, CertificateAuthorityData: access.CA}
	kc.AuthInfos[name] = &clientcmdapi.AuthInfo{Token: access.Token}
	kc.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: name, Namespace: access.Namespace}
	kc.CurrentContext = name
	raw, err := clientcmd.Write(*kc)
	if err != nil {
		return nil, sdk.Errorf(sdk.ErrUnavailable, "writing the kubeconfig: %v", err)
	}
	return raw, nil
}
