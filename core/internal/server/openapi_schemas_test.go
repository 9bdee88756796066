package server

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/basalt-dev/basalt/core/internal/bookmark"
	"github.com/basalt-dev/basalt/core/internal/documents"
	"github.com/basalt-dev/basalt/core/internal/httpapi"
	"github.com/basalt-dev/basalt/core/internal/launch/action"
	"github.com/basalt-dev/basalt/core/internal/s3profile"
)

// answerTypes are the Go types the handlers write, by the name of their schema in
// core/api/openapi.yaml. The types they hold are found through the schemas' references.
var answerTypes = map[string]any{
	"ErrorBody": httpapi.ErrorBody{}, "FieldDetail": httpapi.FieldDetail{}, "ActionResult": ActionResult{}, "Version": Version{}, "UIConfig": UIConfig{},
	"Me": Me{}, "UserSettings": documents.Settings{}, "BookmarkList": bookmark.List{}, "Bookmark": bookmark.Bookmark{},
	"QueryList": documents.QueryList{}, "SavedQuery": documents.SavedQuery{},
	"S3ProfileList": S3ProfileList{}, "S3ProfileView": s3profile.View{}, "StorageCredentials": StorageCredentials{},
	"SecretsCredentials": SecretsCredentials{}, "PluginList": PluginList{}, "CatalogList": CatalogList{},
	"CatalogView": CatalogView{}, "ChartList": ChartList{}, "ChartView": ChartView{}, "ChartVersionView": ChartVersionView{},
	"SchemaList": SchemaList{}, "SchemaView": SchemaView{}, "FileList": FileList{}, "UploadedFile": UploadedFile{},
	"DeletedFiles": DeletedFiles{}, "CreatedFolder": CreatedFolder{}, "ShareLink": ShareLink{}, "FolderPolicy": FolderPolicy{},
	"PublicFolderList": PublicFolderList{}, "SecretList": SecretList{}, "SecretView": SecretView{},
	"SecretWritten": SecretWritten{}, "SecretVersions": SecretVersions{}, "ServiceList": ServiceList{},
	"ServiceDetails": ServiceDetails{}, "ServiceUpdated": ServiceUpdated{}, "DeletedServices": DeletedServices{},
	"Quota": Quota{}, "LogView": LogView{}, "EventView": EventView{}, "StreamEnd": struct{}{},
	"LaunchForm": LaunchForm{}, "PlanView": PlanView{}, "LaunchResult": LaunchResult{},
	"ConfigurationList": ConfigurationList{}, "SavedConfiguration": SavedConfiguration{},
	"ChangeForm": ChangeForm{}, "ChangeView": ChangeView{}, "DiffView": DiffView{}, "ValueChangeView": ValueChangeView{},
	"RevisionList": RevisionList{}, "RevisionView": RevisionView{}, "RollbackView": RollbackView{},
	"LifecycleView": LifecycleView{}, "ScheduleView": ScheduleView{}, "NoticeView": NoticeView{}, "LifecyclePolicy": LifecyclePolicy{},
	"Notices": Notices{}, "ServiceNotice": ServiceNotice{}, "FleetList": FleetList{}, "FleetService": FleetService{}, "FleetRequests": FleetRequests{},
	"FleetActionResult": FleetActionResult{}, "FleetActionOutcome": FleetActionOutcome{}, "AccessView": AccessView{},
	"AccessGrants": AccessGrants{}, "AccessGrant": AccessGrant{},
	"PlatformHealth": PlatformHealth{}, "PluginHealth": PluginHealth{}, "CatalogHealth": CatalogHealth{}, "RegionHealth": RegionHealth{},
	"AuditTrail": AuditTrail{}, "AuditEvent": AuditEventView{},
	"UsageReport": UsageReport{}, "UsageRow": UsageRow{}, "UsageTotal": UsageTotal{}, "UsageHours": UsageHours{}, "UsageSkip": UsageSkip{},
	"UsageSources": UsageSources{}, "ServiceCredentials": ServiceCredentials{}, "ServiceCredential": ServiceCredential{},
	"ProfileView": ProfileView{},
	"ProjectList": ProjectList{}, "ProjectView": ProjectView{}, "ProjectMember": ProjectMember{}, "ProjectQuota": ProjectQuota{},
	"MemberList": MemberList{}, "ClusterAccess": ClusterAccess{},
	"APITokenList": APITokenList{}, "APIToken": APIToken{}, "CreatedAPIToken": CreatedAPIToken{},
}

// requestTypes are the bodies the handlers read. A request's schema says which fields a
// client must send, which Go's tags do not tell, and may leave unknown fields allowed.
var requestTypes = map[string]any{
	"RefreshRequest": RefreshRequest{}, "FolderRequest": FolderRequest{}, "ShareRequest": ShareRequest{},
	"PolicyRequest": PolicyRequest{}, "WriteSecretRequest": WriteSecretRequest{}, "ServicePatch": ServicePatch{},
	"S3ProfileInput": s3profile.Input{}, "QueryInput": documents.QueryInput{}, "LaunchRequest": action.Request{}, "NewAPIToken": NewAPIToken{},
	"ChangeRequest": action.ChangeRequest{}, "RollbackRequest": RollbackRequest{},
	"LifecycleChange": LifecycleChange{}, "FleetActionRequest": FleetActionRequest{}, "FleetFilter": FleetFilter{}, "FleetServiceRef": FleetServiceRef{},
	"AccessGrantsInput": AccessGrantsInput{}, "AccessGrantInput": AccessGrantInput{},
	"ProfileUpdate": ProfileUpdate{},
	"MembersChange": MembersChange{}, "QuotaChange": QuotaChange{},
}

// TestOpenAPISchemasMatchGoTypes fails when a schema of core/api/openapi.yaml and the Go type
// it describes disagree: a field renamed, added or removed on either side, a property the
// type always writes that is not required (or the other way round), a response object left
// open to unknown properties, or a property of another JSON type. web/src/api/types.ts is
// generated from the schemas, so the portal sees what the server sends.
func TestOpenAPISchemasMatchGoTypes(t *testing.T) {
	spec, err := apiSpec()
	if err != nil {
		t.Fatal(err)
	}
	c := schemaComparison{schemas: spec.doc.Components.Schemas, types: map[string]reflect.Type{}, requests: map[string]bool{}}
	for name, v := range requestTypes {
		c.requests[name] = true
		c.bind(name, reflect.TypeOf(v))
	}
	for name, v := range answerTypes {
		c.bind(name, reflect.TypeOf(v))
	}
	for _, name := range c.order() {
		for _, err := range c.compare(name) {
			t.Errorf("schema %s (Go %s): %v", name, c.types[name], err)
		}
	}
	for name := range c.schemas {
		if _, ok := c.types[name]; !ok {
			t.Errorf("schema %s describes no Go type: add it to answerTypes or requestTypes, or refer to it from one", name)
		}
	}
	for _, err := range c.errs {
		t.Error(err)
	}
}

// TestOpenAPIOperationsNameTheirSchemas fails when an operation's JSON body is described inline:
// the generated TypeScript gives only named schemas a name the portal can import.
func TestOpenAPIOperationsNameTheirSchemas(t *testing.T) {
	spec, err := apiSpec()
	if err != nil {
		t.Fatal(err)
	}
	named := func(where string, content openapi3.Content) {
		if mt := content.Get("application/json"); mt != nil && (mt.Schema == nil || mt.Schema.Ref == "") {
			t.Errorf("%s: the JSON body's schema must be a $ref to components/schemas", where)
		}
	}
	for path, item := range spec.doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				named(where+" request", op.RequestBody.Value.Content)
			}
			for status, resp := range op.Responses.Map() {
				if resp.Value != nil {
					named(where+" "+status, resp.Value.Content)
				}
			}
		}
	}
}

// schemaComparison pairs schemas with Go types, starting from the tables and following the
// references of each schema's properties.
type schemaComparison struct {
	schemas  openapi3.Schemas
	types    map[string]reflect.Type
	requests map[string]bool
	errs     []error
}

func (c *schemaComparison) bind(name string, t reflect.Type) {
	if bound, ok := c.types[name]; ok {
		if bound != t {
			c.errs = append(c.errs, fmt.Errorf("schema %s stands for both %s and %s", name, bound, t))
		}
		return
	}
	c.types[name] = t
	s := c.schemas[name]
	if s == nil || s.Value == nil {
		c.errs = append(c.errs, fmt.Errorf("Go %s has no schema %s in components/schemas", t, name))
		return
	}
	fields := jsonFields(t)
	for prop, ps := range s.Value.Properties {
		if f, ok := fields[prop]; ok {
			c.follow(f.typ, ps)
		}
	}
}

// follow binds the schemas a property refers to, directly or as items.
func (c *schemaComparison) follow(t reflect.Type, s *openapi3.SchemaRef) {
	t = deref(t)
	if s == nil {
		return
	}
	if name, ok := strings.CutPrefix(s.Ref, "#/components/schemas/"); ok {
		c.bind(name, t)
		return
	}
	if s.Value != nil && s.Value.Items != nil && t.Kind() == reflect.Slice {
		c.follow(t.Elem(), s.Value.Items)
	}
}

func (c *schemaComparison) order() []string {
	names := make([]string, 0, len(c.types))
	for n := range c.types {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (c *schemaComparison) compare(name string) []error {
	s, t := c.schemas[name], c.types[name]
	if s == nil || s.Value == nil {
		return nil // reported by bind
	}
	schema := s.Value
	var errs []error
	if t.Kind() != reflect.Struct {
		return []error{fmt.Errorf("is not a struct")}
	}
	if !schema.Type.Is("object") {
		errs = append(errs, fmt.Errorf("type is %v, want object", schema.Type))
	}
	request := c.requests[name]
	if !request && (schema.AdditionalProperties.Has == nil || *schema.AdditionalProperties.Has) {
		errs = append(errs, fmt.Errorf("additionalProperties must be false: the Go type has no other field"))
	}
	fields := jsonFields(t)
	for prop := range schema.Properties {
		if _, ok := fields[prop]; !ok {
			errs = append(errs, fmt.Errorf("property %q is no field of the Go type", prop))
		}
	}
	for key, f := range fields {
		ps, ok := schema.Properties[key]
		if !ok {
			errs = append(errs, fmt.Errorf("field %s (json %q) is not a property", f.name, key))
			continue
		}
		if err := c.sameJSONType(f.typ, ps); err != nil {
			errs = append(errs, fmt.Errorf("property %q: %w", key, err))
		}
		if required := slices.Contains(schema.Required, key); !request && required == f.omitempty {
			if f.omitempty {
				errs = append(errs, fmt.Errorf("property %q is required, but the Go field omits it when empty", key))
			} else {
				errs = append(errs, fmt.Errorf("property %q must be required: the Go field is always written", key))
			}
		}
	}
	return errs
}

var (
	timeType = reflect.TypeFor[time.Time]()
	rawType  = reflect.TypeFor[json.RawMessage]()
)

// sameJSONType checks that a property's schema admits what encoding/json writes for t.
func (c *schemaComparison) sameJSONType(t reflect.Type, s *openapi3.SchemaRef) error {
	t = deref(t)
	if name, ok := strings.CutPrefix(s.Ref, "#/components/schemas/"); ok {
		if bound := c.types[name]; bound != t {
			return fmt.Errorf("refers to %s, which stands for %s, not %s", name, bound, t)
		}
		return nil
	}
	v := s.Value
	want := func(types ...string) error {
		for _, ty := range types {
			if v.Type.Is(ty) || slices.Contains(v.Type.Slice(), ty) {
				return nil
			}
		}
		return fmt.Errorf("type %v, want %s for Go %s", v.Type.Slice(), strings.Join(types, " or "), t)
	}
	switch {
	case t == timeType:
		if err := want("string"); err != nil {
			return err
		}
		if v.Format != "date-time" {
			return fmt.Errorf("a time needs format date-time")
		}
		return nil
	case t == rawType || t.Kind() == reflect.Interface:
		return nil // any JSON
	}
	switch t.Kind() {
	case reflect.String:
		return want("string")
	case reflect.Bool:
		return want("boolean")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return want("integer")
	case reflect.Float32, reflect.Float64:
		return want("number", "integer")
	case reflect.Slice:
		if err := want("array"); err != nil {
			return err
		}
		if v.Items == nil {
			return fmt.Errorf("an array needs items")
		}
		return c.sameJSONType(t.Elem(), v.Items)
	case reflect.Map:
		if err := want("object"); err != nil {
			return err
		}
		if ap := v.AdditionalProperties.Schema; ap != nil && t.Elem().Kind() != reflect.Interface {
			return c.sameJSONType(t.Elem(), ap)
		}
		if t.Elem().Kind() != reflect.Interface {
			return fmt.Errorf("a map of %s needs additionalProperties with their schema", t.Elem())
		}
		return nil
	case reflect.Struct:
		return fmt.Errorf("Go %s must be a $ref to its own schema", t)
	}
	return fmt.Errorf("no JSON type for Go %s", t)
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

type jsonField struct {
	name      string
	typ       reflect.Type
	omitempty bool
}

// jsonFields lists the JSON properties encoding/json writes for a struct type, embedded
// structs' fields included.
func jsonFields(t reflect.Type) map[string]jsonField {
	out := map[string]jsonField{}
	t = deref(t)
	if t.Kind() != reflect.Struct {
		return out
	}
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || len(f.Index) > 1 && !embeddedChain(t, f.Index) {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && deref(f.Type).Kind() == reflect.Struct {
			continue // its fields are listed on their own
		}
		if name == "" {
			name = f.Name
		}
		out[name] = jsonField{name: f.Name, typ: f.Type, omitempty: slices.Contains(strings.Split(opts, ","), "omitempty")}
	}
	return out
}

// embeddedChain tells whether a promoted field is reached through untagged embedded structs
// only, as encoding/json flattens them.
func embeddedChain(t reflect.Type, index []int) bool {
	for _, i := range index[:len(index)-1] {
		f := deref(t).Field(i)
		if !f.Anonymous || f.Tag.Get("json") != "" {
			return false
		}
		t = f.Type
	}
	return true
}
