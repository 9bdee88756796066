package launch

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// CommandInput names what the equivalent Helm commands of a launch need.
type CommandInput struct {
	CatalogID string // the Helm repository's local name
	RepoURL   string
	Release   string
	Namespace string
	Chart     string
	Version   string
	Values    map[string]any
}

// Commands returns the shell script that does what a launch does: add the chart repository,
// write the values file, install or upgrade the release (the command panel's launcher
// entry, downloadable as launch-<release>.sh).
func Commands(in CommandInput) (string, error) {
	y, err := yaml.Marshal(in.Values)
	if err != nil {
		return "", fmt.Errorf("values: %w", err)
	}
	delim := "EOF"
	for strings.Contains(string(y), delim) {
		delim += "_"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "helm repo add %s %s\n", shellQuote(in.CatalogID), shellQuote(in.RepoURL))
	fmt.Fprintf(&b, "cat <<'%s' > values.yaml\n%s%s\n", delim, y, delim)
	fmt.Fprintf(&b, "helm upgrade --install %s %s", shellQuote(in.Release), shellQuote(in.CatalogID+"/"+in.Chart))
	if in.Namespace != "" {
		fmt.Fprintf(&b, " --namespace %s", shellQuote(in.Namespace))
	}
	if in.Version != "" {
		fmt.Fprintf(&b, " --version %s", shellQuote(in.Version))
	}
	b.WriteString(" -f values.yaml\n")
	return b.String(), nil
}

// shellQuote quotes s for a POSIX shell unless it is made of safe characters only.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@=+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
