package pluginbase_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/configschema"
	"github.com/basalt-dev/basalt/sdk/pluginbase"
)

var schemaDoc = []byte(`{"type": "object", "properties": {"name": {"type": "string", "minLength": 1}}, "additionalProperties": false}`)

// state is what a configuration opens; it records whether it was closed.
type state struct {
	name   string
	closed bool
}

func (s *state) Close() error {
	s.closed = true
	return nil
}

type plugin struct{ *pluginbase.Base[*state] }

func newPlugin() *plugin {
	schema := configschema.MustCompile(schemaDoc)
	open := func(_ context.Context, raw []byte) (*state, error) {
		var cfg struct {
			Name string `json:"name"`
		}
		bad, err := schema.Decode(raw, &cfg)
		if err != nil {
			return nil, err
		}
		if err := bad.Err("invalid configuration"); err != nil {
			return nil, err
		}
		return &state{name: cfg.Name}, nil
	}
	return &plugin{pluginbase.New(sdk.InfoResponse{Kind: sdk.KindStorage, Name: "test", Version: "1.0.0"}, schema, open)}
}

var _ sdk.Plugin = (*plugin)(nil)

func TestInfoAndSchema(t *testing.T) {
	p := newPlugin()
	info, err := p.Info(t.Context(), sdk.InfoRequest{})
	if err != nil || info.Kind != sdk.KindStorage || info.Name != "test" || info.Version != "1.0.0" || !slices.Equal(info.ProtocolVersions, []int{sdk.ProtocolVersion}) {
		t.Errorf("Info: %+v, %v", info, err)
	}
	schema, err := p.ConfigSchema(t.Context(), sdk.ConfigSchemaRequest{})
	if err != nil || !bytes.Equal(schema.Schema, schemaDoc) {
		t.Errorf("ConfigSchema: %s, %v", schema.Schema, err)
	}
}

func TestConfigureSwapsTheLiveState(t *testing.T) {
	p := newPlugin()
	if _, err := p.Live(); !errors.Is(err, sdk.ErrUnavailable) || err.Error() != "the test plugin is not configured" {
		t.Errorf("Live before Configure: %v", err)
	}
	configure := func(raw string) error {
		_, err := p.Configure(t.Context(), sdk.ConfigureRequest{Config: []byte(raw)})
		return err
	}
	if err := configure(`{"name": "first"}`); err != nil {
		t.Fatal(err)
	}
	first, err := p.Live()
	if err != nil || first.name != "first" {
		t.Fatalf("Live: %+v, %v", first, err)
	}

	// A configuration that fails leaves the live state as it was, open.
	err = configure(`{"name": ""}`)
	if fields := sdk.FieldsOf(err); !errors.Is(err, sdk.ErrInvalidArgument) || len(fields) != 1 || fields[0].Field != "name" {
		t.Errorf("a bad configuration: %v", err)
	}
	if live, _ := p.Live(); live != first || first.closed {
		t.Errorf("after a failed Configure: live %+v, first closed %v", live, first.closed)
	}

	// A good one replaces it, and the replaced state is closed.
	if err := configure(`{"name": "second"}`); err != nil {
		t.Fatal(err)
	}
	if live, _ := p.Live(); live.name != "second" || !first.closed || live.closed {
		t.Errorf("after a second Configure: live %+v, first closed %v", live, first.closed)
	}
}
