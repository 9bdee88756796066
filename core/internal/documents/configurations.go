package documents

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"sort"

	"github.com/basalt-dev/basalt/sdk"
)

// A project's saved launch configurations are one secret each in its home's configurations
// folder, so that every member of the project finds them.
const (
	configurations   = Folder + "/configurations"
	configurationKey = "configuration"
)

var configurationName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}$`)

// CheckConfigurationName refuses a name a configuration cannot be saved under.
func CheckConfigurationName(name string) error {
	if !configurationName.MatchString(name) {
		return sdk.InvalidFields("cannot save", sdk.FieldViolation{Field: "name", Rule: "1 to 63 letters, digits, spaces, dots, dashes or underscores"})
	}
	return nil
}

// ConfigurationNames lists the home's saved configurations, sorted.
func (h *Home) ConfigurationNames(ctx context.Context) ([]string, error) {
	resp, err := h.store.List(h.scope.Context(ctx), sdk.ListSecretsRequest{Path: h.path + "/" + configurations})
	if errors.Is(err, sdk.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range resp.Entries {
		if !e.Folder {
			names = append(names, e.Name)
		}
	}
	sort.Strings(names)
	return names, nil
}

// Configuration reads a saved configuration into v; one that is not there, or not one of
// Basalt's, is not found.
func (h *Home) Configuration(ctx context.Context, name string, v any) error {
	resp, err := h.store.Read(h.scope.Context(ctx), sdk.ReadSecretRequest{Path: h.path + "/" + configurations + "/" + name})
	if err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(resp.Data[configurationKey]), v); err != nil {
		return sdk.Errorf(sdk.ErrNotFound, "no saved configuration %q", name)
	}
	return nil
}

// SaveConfiguration saves v under name, replacing what was saved there.
func (h *Home) SaveConfiguration(ctx context.Context, name string, v any) error {
	if err := CheckConfigurationName(name); err != nil {
		return err
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = h.store.Write(h.scope.Context(ctx), sdk.WriteSecretRequest{
		Path: h.path + "/" + configurations + "/" + name, Data: map[string]string{configurationKey: string(raw)},
	})
	return err
}

// DeleteConfiguration deletes a saved configuration with its history.
func (h *Home) DeleteConfiguration(ctx context.Context, name string) error {
	var existing json.RawMessage
	if err := h.Configuration(ctx, name, &existing); err != nil {
		return err
	}
	_, err := h.store.Delete(h.scope.Context(ctx), sdk.DeleteSecretRequest{Path: h.path + "/" + configurations + "/" + name, All: true})
	return err
}
